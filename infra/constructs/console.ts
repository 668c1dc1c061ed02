import { join } from 'node:path';
import {
  AssetHashType,
  CfnOutput,
  DefaultStackSynthesizer,
  DockerImage,
  Duration,
  RemovalPolicy,
  Stack,
  Token,
  Validations,
} from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { buildConsoleSync } from '../../console/build';
import { PROJECT_ROOT } from './app-function';

export type ConsoleProps = {
  /** The HTTP API's URL, written into the console's `config.json`. */
  apiUrl: string;
  /** The user pool and app client the console signs in with. */
  identity: { userPool: IUserPool; client: IUserPoolClient };
  /**
   * Cognito's managed-login domain (`https://<prefix>.auth.<region>.amazoncognito.com` or a custom
   * domain). Until it is wired, `config.json` carries `null` and the sign-in page says so.
   */
  cognitoDomain?: string | undefined;
  /**
   * Where Cognito sends the browser back after sign-in: one of the app client's callback URLs,
   * exactly. Defaults, in the page, to the page's own address (`https://<distribution>/`).
   */
  redirectUri?: string | undefined;
  /** Keep the bucket when the stack is deleted (prod). */
  retain: boolean;
};

/** Cross-site framing, sniffing and referrers shut off; scripts and styles only from the console itself. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  // The API and Cognito live on their own https origins.
  "connect-src 'self' https:",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self' https:",
  "object-src 'none'",
].join('; ');

/**
 * The command console: the static site (`console/`) in a private, encrypted S3 bucket behind
 * CloudFront with origin access control, HTTPS only and security headers, and a `config.json`
 * beside `index.html` that tells the page where the API is and how to sign in.
 */
export class Console extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  readonly url: string;

  constructor(scope: Construct, id: string, props: ConsoleProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: props.retain,
      // Outside prod the deployment removes its files when the stack goes (retainOnDelete below),
      // which leaves the bucket empty for CloudFormation to delete, without an extra function.
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Pingji console security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: CONTENT_SECURITY_POLICY, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
      },
    });

    this.distribution = new Distribution(this, 'Cdn', {
      comment: 'Pingji command console',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_ALL,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
    });
    this.url = `https://${this.distribution.distributionDomainName}`;

    const stack = Stack.of(this);
    const deployment = new BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources: [
        // Built at synth time by the console's own build (esbuild, in-process): no Docker, no network.
        Source.asset(join(PROJECT_ROOT, 'console'), {
          // The output, not console/, decides the hash: the bundle also holds preact and shared/.
          assetHashType: AssetHashType.OUTPUT,
          bundling: {
            image: DockerImage.fromRegistry('scratch'),
            local: {
              tryBundle(outputDir) {
                buildConsoleSync(outputDir);
                return true;
              },
            },
          },
        }),
        Source.jsonData('config.json', {
          mode: 'aws',
          apiUrl: props.apiUrl,
          region: stack.region,
          userPoolId: props.identity.userPool.userPoolId,
          clientId: props.identity.client.userPoolClientId,
          cognitoDomain: props.cognitoDomain ?? null,
          redirectUri: props.redirectUri ?? null,
          scopes: ['openid', 'email', 'profile'],
        }),
      ],
      // Fixed file names: browsers revalidate each load, and the deployment invalidates the cache.
      cacheControl: [CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: 512,
      retainOnDelete: props.retain,
    });

    this.acknowledgeFindings(deployment);
    new CfnOutput(scope, 'ConsoleUrl', { value: this.url, description: 'The command console' });
  }

  /** Why the AwsSolutions findings on the site and on CDK's deployment function are accepted. */
  private acknowledgeFindings(deployment: BucketDeployment): void {
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds the public console build and is read only by this distribution through OAC; ' +
        'it is written only by the deployment. Access logs of static files would add cost and no insight: ' +
        'every action a user takes is an API call, logged by the API stage.',
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'Static files only; the API calls the console makes are logged by the HTTP API access logs. ' +
          'Turn on CloudFront logging here if request-level evidence for the site itself is ever needed.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The default *.cloudfront.net certificate cannot set a minimum TLS version. With a custom domain ' +
          'and an ACM certificate, set minimumProtocolVersion TLSv1.2_2021 on the distribution.',
      },
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Duty officers may sign in from anywhere; access is decided by Cognito, not by geography.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'The site is static files behind CloudFront; every data request goes to the API, which is ' +
          'authenticated by Cognito and throttled at the stage.',
      },
    );
    // CDK's own BucketDeployment handler (Python, with the AWS CLI layer): its role and policy are
    // CDK's, scoped by CDK to the asset bucket, this site bucket and this distribution's invalidations.
    const role = deployment.handlerRole;
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "CDK's BucketDeployment handler: the basic execution role only lets it write its own logs.",
    });
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      const stack = Stack.of(this);
      const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
      const siteBucket = stack.resolve((this.bucket.node.defaultChild as CfnBucket).logicalId);
      const assets = `arn:<AWS::Partition>:s3:::cdk-${DefaultStackSynthesizer.DEFAULT_QUALIFIER}-assets-<AWS::AccountId>-${region}/*`;
      const why =
        "CDK's BucketDeployment handler copies the built site from CDK's asset bucket into the site bucket " +
        '(object wildcards inside those two buckets only) and invalidates this distribution';
      Validations.of(policy).acknowledge(
        ...['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:Abort*', 's3:DeleteObject*'].map((action) => ({
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason: `${why}; CDK grants its read and write action groups as written.`,
        })),
        {
          id: `AwsSolutions-IAM5[Resource::${assets}]`,
          reason: `${why}: the objects of CDK's asset bucket.`,
        },
        {
          id: `AwsSolutions-IAM5[Resource::<${siteBucket}.Arn>/*]`,
          reason: `${why}: the objects of the site bucket.`,
        },
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: `${why}: cloudfront:CreateInvalidation and GetInvalidation have no resource-level permissions.`,
        },
      );
    }
    const handler = role.node.scope;
    if (handler)
      Validations.of(handler).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          "CDK's BucketDeployment handler: its runtime is chosen and moved by aws-cdk-lib, not by this project.",
      });
  }
}
