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
import { type HttpApi, HttpMethod, HttpNoneAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AllowedMethods,
  CachePolicy,
  type CfnDistribution,
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
import type { ConsoleDomainSettings } from '../settings';
import { AppFunction, PROJECT_ROOT } from './app-function';

/** How the console signs people in: Cognito's managed login, or the office's OpenID Connect provider. */
export type ConsoleSignIn =
  | {
      kind: 'cognito';
      /** The user pool and app client the console signs in with. */
      userPool: IUserPool;
      client: IUserPoolClient;
      /**
       * Cognito's managed-login domain (`https://<prefix>.auth.<region>.amazoncognito.com` or a custom
       * domain). Until it is wired, `config.json` carries `null` and the sign-in page says so.
       */
      cognitoDomain?: string | undefined;
    }
  | {
      kind: 'oidc';
      /** The issuer; the page finds its endpoints in the issuer's discovery document. */
      issuer: string;
      /** The console's client id at that provider: the audience the API's authorizer accepts. */
      clientId: string;
      /** The ID-token claims with the groups and communities, when not Cognito's names. */
      claims?: { groups?: string | undefined; communities?: string | undefined } | undefined;
    };

/**
 * Where the console is served from. `cloudfront`: a private bucket behind CloudFront (commercial
 * regions). `cloudfront-china`: the same under an ICP-filed domain with its IAM certificate (the
 * China regions, where CloudFront serves nothing on its own `*.cloudfront.cn` name). `api`: from
 * the HTTP API itself, `GET /` and `GET /{file}` (the China regions without such a domain).
 */
export type ConsoleHosting =
  | { kind: 'cloudfront' }
  | { kind: 'cloudfront-china'; domain: ConsoleDomainSettings }
  | { kind: 'api'; httpApi: HttpApi };

export type ConsoleProps = {
  /** The HTTP API's URL, written into the console's `config.json`. */
  apiUrl: string;
  signIn: ConsoleSignIn;
  /** CloudFront (the default), or the API. */
  hosting?: ConsoleHosting | undefined;
  /**
   * Where the identity provider sends the browser back after sign-in: one of the client's callback
   * URLs, exactly. Defaults, in the page, to the page's own address (`https://<distribution>/`).
   */
  redirectUri?: string | undefined;
  /** Keep the bucket when the stack is deleted (prod). */
  retain: boolean;
};

/** The security headers every console response carries, wherever it is served from. */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': '',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
};

/** Cross-site framing, sniffing and referrers shut off; scripts and styles only from the console itself. */
export const CONTENT_SECURITY_POLICY = [
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

const headersWithPolicy = { ...CONSOLE_HEADERS, 'content-security-policy': CONTENT_SECURITY_POLICY };

/**
 * The command console: the static site (`console/`) and a `config.json` beside `index.html` that
 * tells the page where the API is and how to sign in. In commercial regions it sits in a private,
 * encrypted S3 bucket behind CloudFront with origin access control, HTTPS only and security
 * headers. In the AWS China regions, where CloudFront needs an ICP-filed domain and has no origin
 * access control, it is served by CloudFront under that domain (origin access identity), or,
 * without one, by the HTTP API itself, which already answers on its own HTTPS address.
 */
export class Console extends Construct {
  readonly bucket?: Bucket;
  readonly distribution?: Distribution;
  /** The API-served console's function (hosting `api`). */
  readonly site?: AppFunction;
  readonly url: string;

  constructor(scope: Construct, id: string, props: ConsoleProps) {
    super(scope, id);
    const hosting = props.hosting ?? { kind: 'cloudfront' };
    const config = this.configOf(props);
    if (hosting.kind === 'api') {
      this.site = this.servedByApi(hosting.httpApi, config);
      this.url = hosting.httpApi.apiEndpoint;
      new CfnOutput(scope, 'ConsoleUrl', { value: `${this.url}/`, description: 'The command console' });
      return;
    }
    const bucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: props.retain,
      // Outside prod the deployment removes its files when the stack goes (retainOnDelete below),
      // which leaves the bucket empty for CloudFormation to delete, without an extra function.
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.bucket = bucket;

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

    const china = hosting.kind === 'cloudfront-china';
    this.distribution = new Distribution(this, 'Cdn', {
      comment: 'Pingji command console',
      defaultRootObject: 'index.html',
      // CloudFront in China: HTTP/2, origin access identity (no origin access control there), and
      // a cache policy of the stack's own rather than a managed one.
      httpVersion: china ? HttpVersion.HTTP2 : HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_ALL,
      defaultBehavior: {
        origin: china
          ? S3BucketOrigin.withOriginAccessIdentity(bucket)
          : S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: china
          ? new CachePolicy(this, 'Caching', {
              comment: 'Pingji console: static files, revalidated on every load (no-cache)',
              defaultTtl: Duration.days(1),
              enableAcceptEncodingGzip: true,
              enableAcceptEncodingBrotli: true,
            })
          : CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
    });
    if (hosting.kind === 'cloudfront-china') {
      // The L2 distribution takes ACM certificates only; China's CloudFront takes one from IAM.
      const cfn = this.distribution.node.defaultChild as CfnDistribution;
      cfn.addPropertyOverride('DistributionConfig.Aliases', [hosting.domain.domainName]);
      cfn.addPropertyOverride('DistributionConfig.ViewerCertificate', {
        IamCertificateId: hosting.domain.certificateId,
        SslSupportMethod: 'sni-only',
        MinimumProtocolVersion: 'TLSv1.2_2021',
      });
      this.url = `https://${hosting.domain.domainName}`;
      new CfnOutput(scope, 'ConsoleCdnDomain', {
        value: this.distribution.distributionDomainName,
        description: `Point a CNAME record for ${hosting.domain.domainName} at this name`,
      });
    } else {
      this.url = `https://${this.distribution.distributionDomainName}`;
    }

    const deployment = new BucketDeployment(this, 'Deploy', {
      destinationBucket: bucket,
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
        Source.jsonData('config.json', { mode: config.mode, apiUrl: props.apiUrl, ...config }),
      ],
      // Fixed file names: browsers revalidate each load, and the deployment invalidates the cache.
      cacheControl: [CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: 512,
      retainOnDelete: props.retain,
    });

    this.acknowledgeFindings(bucket, this.distribution, deployment, china);
    new CfnOutput(scope, 'ConsoleUrl', { value: this.url, description: 'The command console' });
  }

  /** `config.json` but for the API's address: how the page signs in. */
  private configOf(props: ConsoleProps): Record<string, unknown> {
    const region = Stack.of(this).region;
    const redirectUri = props.redirectUri ?? null;
    const scopes = ['openid', 'email', 'profile'];
    if (props.signIn.kind === 'cognito') {
      return {
        mode: 'aws',
        region,
        userPoolId: props.signIn.userPool.userPoolId,
        clientId: props.signIn.client.userPoolClientId,
        cognitoDomain: props.signIn.cognitoDomain ?? null,
        redirectUri,
        scopes,
      };
    }
    return {
      mode: 'aws',
      region,
      issuer: props.signIn.issuer,
      clientId: props.signIn.clientId,
      cognitoDomain: null,
      redirectUri,
      scopes,
      ...(props.signIn.claims?.groups ? { groupsClaim: props.signIn.claims.groups } : {}),
      ...(props.signIn.claims?.communities ? { communitiesClaim: props.signIn.claims.communities } : {}),
    };
  }

  /**
   * The console from the HTTP API: a function holding the built site answers `GET /` and
   * `GET /{file}` (the API's own routes are more specific and keep winning), with the security
   * headers CloudFront would add and a `config.json` that names the API at the address asked.
   */
  private servedByApi(httpApi: HttpApi, config: Record<string, unknown>): AppFunction {
    const site = new AppFunction(this, 'SiteFunction', {
      entry: 'console/serve',
      memorySize: 256,
      environment: {
        PINGJI_CONSOLE_CONFIG: JSON.stringify(config),
        PINGJI_CONSOLE_HEADERS: JSON.stringify(headersWithPolicy),
      },
      // The built console goes into the function's bundle, beside index.mjs.
      afterBundling: (outputDir) => [
        `"${join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx')}" "${join(PROJECT_ROOT, 'console', 'build.ts')}" "${outputDir}/site"`,
      ],
    });
    const integration = new HttpLambdaIntegration('ConsoleIntegration', site);
    for (const path of ['/', '/{file}']) {
      const [route] = httpApi.addRoutes({
        path,
        methods: [HttpMethod.GET],
        integration,
        authorizer: new HttpNoneAuthorizer(),
      });
      if (route)
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            `GET ${path} serves the console's static files and config.json to a browser that has not signed ` +
            'in yet; every data request the page makes goes to the authorised routes.',
        });
    }
    return site;
  }

  /** Why the AwsSolutions findings on the site and on CDK's deployment function are accepted. */
  private acknowledgeFindings(
    bucket: Bucket,
    distribution: Distribution,
    deployment: BucketDeployment,
    china: boolean,
  ): void {
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds the public console build and is read only by this distribution through OAC; ' +
        'it is written only by the deployment. Access logs of static files would add cost and no insight: ' +
        'every action a user takes is an API call, logged by the API stage.',
    });
    if (china)
      Validations.of(distribution).acknowledge({
        id: 'AwsSolutions-CFR7',
        reason:
          'CloudFront in the AWS China regions has no origin access control; the origin access identity ' +
          'is the way it reads a private bucket there.',
      });
    Validations.of(distribution).acknowledge(
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
      const siteBucket = stack.resolve((bucket.node.defaultChild as CfnBucket).logicalId);
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
