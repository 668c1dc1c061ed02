import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { buildConsoleSync } from '../../console/build';
import { PROJECT_ROOT } from '../../infra/constructs/app-function';
import { PingjiStack } from '../../infra/pingji-stack';
import {
  type CfnResource,
  type CfnTemplate,
  getAttTarget,
  refTarget,
  resourceOf,
  resourcesOfType,
} from './support/cfn';
import { type CloudAssembly, readCloudAssembly, stackName, TEST_REGION } from './support/synth';

const bucketProps = z.object({
  PublicAccessBlockConfiguration: z.object({
    BlockPublicAcls: z.boolean(),
    BlockPublicPolicy: z.boolean(),
    IgnorePublicAcls: z.boolean(),
    RestrictPublicBuckets: z.boolean(),
  }),
  BucketEncryption: z.object({
    ServerSideEncryptionConfiguration: z.array(
      z.object({ ServerSideEncryptionByDefault: z.object({ SSEAlgorithm: z.string() }) }),
    ),
  }),
});
const policyProps = z.object({
  Bucket: z.unknown(),
  PolicyDocument: z.object({
    Statement: z.array(
      z.object({
        Effect: z.string(),
        Action: z.unknown(),
        Principal: z.unknown(),
        Condition: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
      }),
    ),
  }),
});
const distributionProps = z.object({
  DistributionConfig: z.object({
    DefaultRootObject: z.string().optional(),
    DefaultCacheBehavior: z.object({
      ViewerProtocolPolicy: z.string(),
      TargetOriginId: z.string(),
      ResponseHeadersPolicyId: z.unknown(),
    }),
    Origins: z.array(
      z.object({
        Id: z.string(),
        DomainName: z.unknown(),
        OriginAccessControlId: z.unknown().optional(),
        S3OriginConfig: z.object({ OriginAccessIdentity: z.string().optional() }).optional(),
      }),
    ),
    CacheBehaviors: z.array(z.object({ ViewerProtocolPolicy: z.string() })).default([]),
  }),
});
const headersProps = z.object({
  ResponseHeadersPolicyConfig: z.object({
    SecurityHeadersConfig: z.object({
      StrictTransportSecurity: z.object({ AccessControlMaxAgeSec: z.number() }),
      ContentTypeOptions: z.object({}).passthrough(),
      FrameOptions: z.object({ FrameOption: z.string() }),
      ContentSecurityPolicy: z.object({ ContentSecurityPolicy: z.string() }),
    }),
  }),
});
const deploymentProps = z.object({
  DestinationBucketName: z.unknown(),
  SourceObjectKeys: z.array(z.string()),
  SourceMarkers: z.array(z.record(z.string(), z.unknown())),
  DistributionId: z.unknown(),
});
const awsConfig = z.object({
  mode: z.literal('aws'),
  apiUrl: z.string(),
  region: z.string(),
  userPoolId: z.string(),
  clientId: z.string(),
  cognitoDomain: z.string().nullable(),
  redirectUri: z.string().nullable(),
  scopes: z.array(z.string()),
});

const cdkContext = () =>
  z
    .object({ context: z.record(z.string(), z.unknown()).default({}) })
    .parse(JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8'))).context;

/** The one resource of a type that the Console construct made. */
function consoleResource(cfn: CfnTemplate, type: string): [string, CfnResource] {
  const found = resourcesOfType(cfn, type).filter(([id]) => id.startsWith('Console'));
  expect(found.map(([id]) => id)).toHaveLength(1);
  const [only] = found;
  if (!only) throw new Error(`no ${type}`);
  return only;
}

describe('the console construct', () => {
  let outdir: string;
  let assembly: CloudAssembly;
  let rawTemplate: unknown;
  const cfn = () => assembly.template;

  beforeAll(() => {
    // A synthesis kept on disk, so the staged config.json can be read; Lambda bundling is skipped.
    outdir = mkdtempSync(join(tmpdir(), 'pingji-console-infra-'));
    const app = new App({
      outdir,
      context: { ...cdkContext(), stage: 'dev', 'aws:cdk:bundling-stacks': [] },
    });
    new PingjiStack(app, stackName('dev'), { stage: 'dev', env: { region: TEST_REGION } });
    rawTemplate = app.synth().getStackByName(stackName('dev')).template;
    assembly = readCloudAssembly(outdir, 'dev');
  });

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('keeps the site in a private, encrypted bucket that refuses plain HTTP', () => {
    const [bucketId, bucket] = consoleResource(cfn(), 'AWS::S3::Bucket');
    const props = bucketProps.parse(bucket.Properties);
    expect(props.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(
      props.BucketEncryption.ServerSideEncryptionConfiguration.map(
        (c) => c.ServerSideEncryptionByDefault.SSEAlgorithm,
      ),
    ).toEqual([expect.stringMatching(/^(AES256|aws:kms)$/)]);

    const [, policy] = consoleResource(cfn(), 'AWS::S3::BucketPolicy');
    const { Bucket, PolicyDocument } = policyProps.parse(policy.Properties);
    expect(refTarget(Bucket)).toBe(bucketId);
    const denyPlain = PolicyDocument.Statement.find(
      (s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
    );
    expect(denyPlain?.Action).toBe('s3:*');
    // Nobody but CloudFront (and CDK's own deployment roles) reads it: no public principal is allowed.
    const publicAllow = PolicyDocument.Statement.filter(
      (s) => s.Effect === 'Allow' && JSON.stringify(s.Principal).includes('"*"'),
    );
    expect(publicAllow).toEqual([]);
  });

  it('serves it through CloudFront over HTTPS only, with origin access control and security headers', () => {
    const [distributionId, distribution] = consoleResource(cfn(), 'AWS::CloudFront::Distribution');
    const config = distributionProps.parse(distribution.Properties).DistributionConfig;
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('https-only');
    expect(
      config.CacheBehaviors.map((b) => b.ViewerProtocolPolicy).filter((p) => p !== 'https-only'),
    ).toEqual([]);

    const [bucketId] = consoleResource(cfn(), 'AWS::S3::Bucket');
    const origin = config.Origins.find((o) => o.Id === config.DefaultCacheBehavior.TargetOriginId);
    expect(getAttTarget(origin?.DomainName, 'RegionalDomainName')).toBe(bucketId);
    const [oacId, oac] = consoleResource(cfn(), 'AWS::CloudFront::OriginAccessControl');
    expect(getAttTarget(origin?.OriginAccessControlId, 'Id')).toBe(oacId);
    expect(oac.Properties).toMatchObject({
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always' },
    });
    // OAC, not the legacy origin access identity.
    expect(origin?.S3OriginConfig?.OriginAccessIdentity ?? '').toBe('');

    // The bucket lets exactly this distribution read, through the CloudFront service principal.
    const [, policy] = consoleResource(cfn(), 'AWS::S3::BucketPolicy');
    const cloudFrontRead = policyProps
      .parse(policy.Properties)
      .PolicyDocument.Statement.find((s) => JSON.stringify(s.Principal).includes('cloudfront.amazonaws.com'));
    expect(cloudFrontRead?.Effect).toBe('Allow');
    expect(JSON.stringify(cloudFrontRead?.Condition)).toContain(`"Ref":"${distributionId}"`);

    const headersId = refTarget(config.DefaultCacheBehavior.ResponseHeadersPolicyId);
    const headers = headersProps.parse(
      resourceOf(cfn(), headersId, 'AWS::CloudFront::ResponseHeadersPolicy').Properties,
    ).ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    expect(headers.StrictTransportSecurity.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(31_536_000);
    expect(headers.FrameOptions.FrameOption).toBe('DENY');
    expect(headers.ContentSecurityPolicy.ContentSecurityPolicy).toContain("script-src 'self'");
    expect(headers.ContentSecurityPolicy.ContentSecurityPolicy).toContain("frame-ancestors 'none'");
  });

  it('deploys the built console and a config.json with the API URL and the Cognito settings', () => {
    const [, deployment] = consoleResource(cfn(), 'Custom::CDKBucketDeployment');
    const props = deploymentProps.parse(deployment.Properties);
    const [bucketId] = consoleResource(cfn(), 'AWS::S3::Bucket');
    const [distributionId] = consoleResource(cfn(), 'AWS::CloudFront::Distribution');
    expect(refTarget(props.DestinationBucketName)).toBe(bucketId);
    expect(refTarget(props.DistributionId)).toBe(distributionId);

    // Find the staged config.json among the deployment's sources; its tokens are markers that
    // the deployment replaces with the deployed values.
    const staged = props.SourceObjectKeys.map((key, index) => ({
      dir: assembly.fileAssets.get(key.replace(/\.zip$/, '')),
      markers: props.SourceMarkers[index] ?? {},
    }));
    const withConfig = staged.find((s) => s.dir !== undefined && existsSync(join(s.dir, 'config.json')));
    if (!withConfig?.dir) throw new Error('no config.json among the deployment sources');
    const config = awsConfig.parse(JSON.parse(readFileSync(join(withConfig.dir, 'config.json'), 'utf8')));
    const resolve = (value: string) => withConfig.markers[value] ?? value;

    const [apiId] = resourcesOfType(cfn(), 'AWS::ApiGatewayV2::Api')[0] ?? [];
    expect(getAttTarget(resolve(config.apiUrl), 'ApiEndpoint')).toBe(apiId);
    const [poolId] = resourcesOfType(cfn(), 'AWS::Cognito::UserPool')[0] ?? [];
    expect(refTarget(resolve(config.userPoolId))).toBe(poolId);
    const [clientId] = resourcesOfType(cfn(), 'AWS::Cognito::UserPoolClient')[0] ?? [];
    expect(refTarget(resolve(config.clientId))).toBe(clientId);
    expect(config.region).toBe(TEST_REGION);
    expect(config.scopes).toEqual(['openid', 'email', 'profile']);
  });

  it('outputs the console URL', () => {
    const outputs = z
      .object({ Outputs: z.record(z.string(), z.object({ Value: z.unknown() })).default({}) })
      .parse(rawTemplate);
    const [distributionId] = consoleResource(cfn(), 'AWS::CloudFront::Distribution');
    expect(JSON.stringify(outputs.Outputs.ConsoleUrl?.Value)).toContain(distributionId);
    expect(JSON.stringify(outputs.Outputs.ConsoleUrl?.Value)).toContain('https://');
  });

  it('builds the site the deployment ships: index.html loading app.js and styles.css', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pingji-console-build-'));
    try {
      const files = buildConsoleSync(dir).map((f) => f.path);
      expect(files).toEqual(expect.arrayContaining(['index.html', 'app.js', 'styles.css', 'favicon.svg']));
      expect(files).not.toContain('config.json');
      const html = readFileSync(join(dir, 'index.html'), 'utf8');
      expect(html).toContain('src="app.js"');
      expect(html).toContain('href="styles.css"');
      expect(readFileSync(join(dir, 'app.js'), 'utf8').length).toBeGreaterThan(10_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
