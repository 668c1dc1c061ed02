import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { UserPool } from 'aws-cdk-lib/aws-cognito';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { PROVIDER_SECRET_FIELDS } from '../../infra/constructs/messaging';
import { CHINA_RESOURCE_TYPES } from '../../infra/partition';
import { PingjiStack, SMS_CALLBACK_PATH_PREFIX } from '../../infra/pingji-stack';
import { providerName, templateProvider } from '../../shared/adapters/sms-providers/settings';
import { parseTemplateConfig, TEMPLATE_KEYS } from '../../shared/adapters/sms-providers/templates';
import { allRoutes, type RouteDef } from '../../shared/http/routes';
import {
  type CfnTemplate,
  getAttTarget,
  joinParts,
  ownFunctions,
  refTarget,
  resourceOf,
  resourcesOfType,
  roleStatements,
  statementsFor,
} from './support/cfn';
import { functionFor, roleOf, single } from './support/queries';
import { buildApp, CHINA_TEST_REGION, type StackOptions, synthStack, TEST_REGION } from './support/synth';

/**
 * The stack for the AWS China regions (`aws-cn`): only services offered there, every ARN built
 * on the partition, the office's own OpenID Connect provider in place of Cognito, a mainland SMS
 * provider in place of SNS, no X-Ray, and the console from the API or an ICP-filed domain.
 */

const ISSUER = 'https://idp.example.gov.cn/realms/pingji';
const SECRET_ARN = 'arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:pingji/tencent-AbCdEf';
/** A template id for every key in Chinese, as `-c smsTemplates=` gives them. */
const templates = Object.fromEntries(TEMPLATE_KEYS.map((k, i) => [`${k}.zh-CN`, String(2_345_000 + i)]));
const AUDIENCE = 'pingji-console';

/**
 * The provider callback route the API contract names (`POST /sms/{provider}/{kind}`). Until
 * `shared/http/routes.ts` lists it, a stand-in served by an existing entry takes its place, so
 * the stack's treatment of callback routes is tested either way.
 */
const callbackRoutes = allRoutes.filter((route) => route.path.startsWith(SMS_CALLBACK_PATH_PREFIX));
const STAND_IN_CALLBACK: RouteDef = {
  method: 'POST',
  path: '/sms/{provider}/{kind}',
  fn: 'messaging/inbound-sms',
  summary: 'Delivery receipts and replies from the SMS provider',
  tag: 'messaging',
  auth: false,
  table: 'write',
  success: { status: 200, description: "The provider's acknowledgement" },
};
const routes = callbackRoutes.length > 0 ? allRoutes : [...allRoutes, STAND_IN_CALLBACK];
const callbackEntries = (callbackRoutes.length > 0 ? callbackRoutes : [STAND_IN_CALLBACK]).map((r) => r.fn);

const china = (options: StackOptions = {}): StackOptions => ({
  identity: { kind: 'oidc', issuer: ISSUER, audiences: [AUDIENCE] },
  smsProvider: { provider: 'tencent' },
  routes,
  ...options,
});

const VARIANTS: Record<string, () => CfnTemplate> = {
  'prod, Tencent Cloud, console on the API': () => synthStack('prod', china(), CHINA_TEST_REGION).cfn,
  'dev, Alibaba Cloud, console on an ICP-filed domain': () =>
    synthStack(
      'dev',
      china({
        smsProvider: { provider: 'aliyun' },
        consoleDomain: { domainName: 'pingji.example.gov.cn', certificateId: 'ASCACKCEVSQ6C2EXAMPLE' },
      }),
      CHINA_TEST_REGION,
    ).cfn,
  'dev, simulated SMS, Ningxia': () =>
    synthStack('dev', china({ smsProvider: { provider: 'simulated' } }), 'cn-northwest-1').cfn,
};
const tencent = (): CfnTemplate => synthStack('prod', china(), CHINA_TEST_REGION).cfn;
const aliyunWithDomain = (): CfnTemplate =>
  (VARIANTS['dev, Alibaba Cloud, console on an ICP-filed domain'] ?? tencent)();
const simulated = (): CfnTemplate => (VARIANTS['dev, simulated SMS, Ningxia'] ?? tencent)();

/** Every string in a template, with where it sits. */
function stringsOf(value: unknown, path = ''): Array<{ path: string; text: string }> {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((item, i) => stringsOf(item, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([key, item]) => stringsOf(item, `${path}.${key}`));
  return [];
}

/** Every `Fn::Join` in a template, with the separator and parts as written. */
function joinsOf(value: unknown): Array<[string, unknown[]]> {
  if (Array.isArray(value)) return value.flatMap(joinsOf);
  if (typeof value !== 'object' || value === null) return [];
  const parsed = z.object({ 'Fn::Join': z.tuple([z.string(), z.array(z.unknown())]) }).safeParse(value);
  const here: Array<[string, unknown[]]> = parsed.success ? [parsed.data['Fn::Join']] : [];
  return [...here, ...Object.values(value).flatMap(joinsOf)];
}

/**
 * Every ARN the template builds by joining: the part after each `arn:` must be the partition
 * (`{"Ref": "AWS::Partition"}`), so the same template is right in `aws` and in `aws-cn`.
 */
function joinedArnPrefixes(cfn: CfnTemplate): Array<{ before: string; next: unknown }> {
  return joinsOf(cfn.Resources).flatMap(([separator, parts]) =>
    parts.flatMap((part, i) => {
      if (typeof part !== 'string') return [];
      const text = separator === ':' ? `${part}:` : part;
      return /(^|[^a-z])arn:$/.test(text) ? [{ before: part, next: parts[i + 1] }] : [];
    }),
  );
}

const routeProps = z.object({
  RouteKey: z.string(),
  AuthorizationType: z.string().optional(),
  AuthorizerId: z.unknown().optional(),
});
const authorizerProps = z.object({
  AuthorizerType: z.string(),
  IdentitySource: z.array(z.string()).optional(),
  JwtConfiguration: z.object({ Audience: z.array(z.unknown()), Issuer: z.unknown() }),
});
const apiRoutes = (cfn: CfnTemplate) =>
  resourcesOfType(cfn, 'AWS::ApiGatewayV2::Route').map(([id, r]) => ({
    id,
    props: routeProps.parse(r.Properties),
  }));

/** Who may read a secret of the stack: the functions whose roles allow `GetSecretValue` on it. */
function secretReaders(cfn: CfnTemplate, secretId: string): string[] {
  return ownFunctions(cfn)
    .filter((fn) =>
      statementsFor(roleStatements(cfn, roleOf(fn)), 'secretsmanager').some(
        (s) =>
          s.actions.some((a) => a.toLowerCase() === 'secretsmanager:getsecretvalue') &&
          s.resources.some((r) => refTarget(r) === secretId),
      ),
    )
    .map((fn) => String(fn.props.Description).replace(/^pingji /, ''));
}

const secretProps = z.object({
  GenerateSecretString: z
    .object({
      SecretStringTemplate: z.string(),
      GenerateStringKey: z.string(),
      ExcludePunctuation: z.boolean(),
    })
    .optional(),
});
const distributionProps = z.object({
  DistributionConfig: z.object({
    Aliases: z.array(z.string()).optional(),
    ViewerCertificate: z
      .object({ IamCertificateId: z.string().optional(), MinimumProtocolVersion: z.string().optional() })
      .optional(),
    Origins: z.array(
      z.object({
        OriginAccessControlId: z.unknown().optional(),
        S3OriginConfig: z.object({ OriginAccessIdentity: z.unknown().optional() }).optional(),
      }),
    ),
  }),
});

describe.each(Object.entries(VARIANTS))('the China stack (%s)', (_label, cfn) => {
  it('uses only resource types offered in the AWS China regions', () => {
    const types = new Set(Object.values(cfn().Resources).map((r) => r.Type));

    expect([...types].filter((type) => !CHINA_RESOURCE_TYPES.has(type))).toEqual([]);
    expect(types.has('AWS::Lambda::Function')).toBe(true);
  });

  it('writes no ARN of the commercial partition anywhere', () => {
    const commercial = stringsOf(cfn()).filter(({ text }) => text.includes('arn:aws:'));

    expect(commercial).toEqual([]);
  });

  it('builds every joined ARN on AWS::Partition', () => {
    const prefixes = joinedArnPrefixes(cfn());

    expect(prefixes.length).toBeGreaterThan(10);
    expect(prefixes.filter(({ next }) => refTarget(next) !== 'AWS::Partition')).toEqual([]);
  });

  it('has no Cognito, no SNS SMS permission and no X-Ray tracing', () => {
    const functions = ownFunctions(cfn());
    const traced = resourcesOfType(cfn(), 'AWS::Lambda::Function').filter(([, r]) =>
      JSON.stringify(r.Properties.TracingConfig ?? {}).includes('Active'),
    );
    const actions = functions.flatMap((fn) =>
      roleStatements(cfn(), roleOf(fn)).flatMap((s) => s.actions.map((a) => a.toLowerCase())),
    );

    expect(Object.values(cfn().Resources).filter((r) => r.Type.startsWith('AWS::Cognito::'))).toEqual([]);
    expect(traced.map(([id]) => id)).toEqual([]);
    // Nor is the tracer left on to look for an X-Ray daemon that is not there.
    expect(
      functions
        .filter((fn) => fn.props.Environment?.Variables.POWERTOOLS_TRACE_ENABLED !== 'false')
        .map((fn) => fn.id),
    ).toEqual([]);
    expect(actions.filter((a) => a.startsWith('sns:publish') || a.startsWith('xray:'))).toEqual([]);
  });

  it("checks every route's token against the office's OpenID Connect issuer but the public ones", () => {
    const publicKeys = new Set([
      ...routes.filter((r) => !r.auth).map((r) => `${r.method} ${r.path}`),
      'GET /',
      'GET /{file}',
    ]);
    const guarded = apiRoutes(cfn()).filter(
      (r) => !publicKeys.has(r.props.RouteKey) && !r.props.RouteKey.startsWith('OPTIONS'),
    );

    expect(guarded.length).toBeGreaterThanOrEqual(routes.filter((r) => r.auth).length);
    for (const route of guarded) {
      expect(route.props.AuthorizationType, route.props.RouteKey).toBe('JWT');
      const authorizer = authorizerProps.parse(
        resourceOf(cfn(), refTarget(route.props.AuthorizerId), 'AWS::ApiGatewayV2::Authorizer').Properties,
      );
      expect(authorizer.JwtConfiguration).toEqual({ Issuer: ISSUER, Audience: [AUDIENCE] });
      expect(authorizer.IdentitySource).toEqual(['$request.header.Authorization']);
    }
  });

  it('leaves the SMS provider callbacks open to the provider, which presents a token, not a JWT', () => {
    const callbacks = apiRoutes(cfn()).filter((r) =>
      r.props.RouteKey.startsWith(`POST ${SMS_CALLBACK_PATH_PREFIX}`),
    );

    expect(callbacks.length).toBeGreaterThan(0);
    for (const route of callbacks) {
      expect(route.props.AuthorizationType ?? 'NONE').toBe('NONE');
    }
  });

  it('shows the dashboard in the China console', () => {
    expect(JSON.stringify(cfn().Outputs.DashboardUrl?.Value)).toContain(
      '.console.amazonaws.cn/cloudwatch/home',
    );
  });
});

describe('SMS through a mainland provider', () => {
  it('keeps the API key and callback token in a secret the stack makes, with the token generated', () => {
    const [secretId, secret] = single(
      resourcesOfType(tencent(), 'AWS::SecretsManager::Secret'),
      'provider secret',
    );
    const generated = secretProps.parse(secret.Properties).GenerateSecretString;

    expect(secretId).toBeDefined();
    expect(generated?.GenerateStringKey).toBe('callbackToken');
    expect(generated?.ExcludePunctuation).toBe(true);
    expect(Object.keys(JSON.parse(generated?.SecretStringTemplate ?? '{}'))).toEqual([
      ...PROVIDER_SECRET_FIELDS.tencent,
    ]);
  });

  it('outputs the secret, and the callback URLs with a place for its token', () => {
    const [secretId] = single(resourcesOfType(tencent(), 'AWS::SecretsManager::Secret'), 'provider secret');
    const urls = JSON.stringify(tencent().Outputs.SmsCallbackUrls?.Value);

    expect(refTarget(tencent().Outputs.SmsProviderSecretArn?.Value)).toBe(secretId);
    expect(urls).toContain('/sms/tencent/receipts?token=<callbackToken>');
    expect(urls).toContain('/sms/tencent/replies?token=<callbackToken>');
  });

  it('lets only the stream consumer and the callback functions read that secret', () => {
    const [secretId] = single(resourcesOfType(tencent(), 'AWS::SecretsManager::Secret'), 'provider secret');

    expect(secretReaders(tencent(), secretId).sort()).toEqual(
      ['messaging/stream', ...callbackEntries].sort(),
    );
  });

  it('tells the consumer and the callbacks which provider and which secret', () => {
    const [secretId] = single(resourcesOfType(tencent(), 'AWS::SecretsManager::Secret'), 'provider secret');
    for (const entry of ['messaging/stream', ...callbackEntries]) {
      const variables = functionFor(tencent(), entry).props.Environment?.Variables ?? {};

      expect(variables.PINGJI_SMS_PROVIDER, entry).toBe('tencent');
      expect(refTarget(variables.PINGJI_SMS_SECRET_ARN), entry).toBe(secretId);
      expect(variables.PINGJI_SMS_GATEWAY, entry).toBeUndefined();
    }
  });

  it('gives the consumer and the callbacks the signature, SmsSdkAppId and template ids as configuration, in the shape they start with', () => {
    const cfn = synthStack(
      'prod',
      china({ smsProvider: { provider: 'tencent', signName: '平急', sdkAppId: '1400000000', templates } }),
      CHINA_TEST_REGION,
    ).cfn;
    for (const entry of ['messaging/stream', ...callbackEntries]) {
      const variables = functionFor(cfn, entry).props.Environment?.Variables ?? {};
      const env = { ...variables, PINGJI_SMS_SECRET_ARN: SECRET_ARN };

      expect(variables.PINGJI_TENCENT_SDK_APP_ID, entry).toBe('1400000000');
      const config = parseTemplateConfig(String(variables.PINGJI_SMS_TEMPLATES));
      expect(config.signName, entry).toBe('平急');
      expect(config.templates.zh?.alertDrill, entry).toBe(templates['alertDrill.zh-CN']);
      expect(config.templates.en, entry).toBeUndefined();
      // What the function does at cold start with these variables: pick the Tencent provider.
      expect(providerName(env), entry).toBe('tencent');
      expect(templateProvider('tencent', env).provider.name, entry).toBe('tencent');
    }
  });

  it('fails the synth on template ids that would fail the cold start, naming the gaps', () => {
    const partial = {
      ...Object.fromEntries(Object.entries(templates).filter(([k]) => k !== 'reminder.zh-CN')),
      'alarm.zh-CN': '1',
    };
    const { stack } = buildApp(
      'prod',
      china({ smsProvider: { provider: 'tencent', signName: '平急', templates: partial } }),
      undefined,
      CHINA_TEST_REGION,
    );
    const errors = Annotations.fromStack(stack)
      .findError('*', Match.anyValue())
      .map((e) => String(e.entry.data));

    expect(errors.some((e) => /no zh template id for reminder$/.test(e))).toBe(true);
    expect(errors.some((e) => e.includes('alarm.zh-CN'))).toBe(true);
    expect(errors.some((e) => e.includes('smsSdkAppId'))).toBe(true);
  });

  it('uses an existing secret when named, granting read on that ARN alone', () => {
    const arn = 'arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:pingji/aliyun-AbCdEf';
    const cfn = synthStack(
      'prod',
      china({ smsProvider: { provider: 'aliyun', secretArn: arn } }),
      CHINA_TEST_REGION,
    ).cfn;
    const consumer = functionFor(cfn, 'messaging/stream');
    const resources = statementsFor(roleStatements(cfn, roleOf(consumer)), 'secretsmanager').flatMap(
      (s) => s.resources,
    );

    expect(resourcesOfType(cfn, 'AWS::SecretsManager::Secret')).toEqual([]);
    expect(resources).toEqual([arn]);
    expect(consumer.props.Environment?.Variables.PINGJI_SMS_SECRET_ARN).toBe(arn);
  });

  it('makes no End User Messaging topic, since replies come by the callbacks', () => {
    expect(resourcesOfType(tencent(), 'AWS::SNS::Topic').map(([id]) => id)).toEqual([
      expect.stringMatching(/^MonitoringAlarmTopic/),
    ]);
    expect(tencent().Outputs.InboundSmsTopicArn).toBeUndefined();
  });

  it('works from a commercial region too, beside Cognito, and still publishes no SMS through SNS', () => {
    const cfn = synthStack('dev', { smsProvider: { provider: 'tencent' }, routes }, TEST_REGION).cfn;
    const consumer = functionFor(cfn, 'messaging/stream');
    const actions = roleStatements(cfn, roleOf(consumer)).flatMap((s) =>
      s.actions.map((a) => a.toLowerCase()),
    );

    expect(resourcesOfType(cfn, 'AWS::Cognito::UserPool')).toHaveLength(1);
    expect(actions).toContain('secretsmanager:getsecretvalue');
    expect(actions.filter((a) => a.startsWith('sns:'))).toEqual([]);
  });
});

describe('simulated SMS in AWS', () => {
  it('lands every SMS on a phone table the consumer alone may write, and needs no secret', () => {
    const cfn = simulated();
    const [tableId] = single(
      resourcesOfType(cfn, 'AWS::DynamoDB::GlobalTable').filter(([id]) =>
        id.startsWith('MessagingSimulatedPhones'),
      ),
      'simulated phone table',
    );
    const consumer = functionFor(cfn, 'messaging/stream');
    const writers = ownFunctions(cfn).filter((fn) =>
      statementsFor(roleStatements(cfn, roleOf(fn)), 'dynamodb').some((s) =>
        s.resources.some((r) => getAttTarget(r, 'Arn') === tableId),
      ),
    );

    expect(consumer.props.Environment?.Variables).toMatchObject({
      PINGJI_SMS_PROVIDER: 'simulated',
      PINGJI_SMS_GATEWAY: 'simulated',
    });
    expect(refTarget(consumer.props.Environment?.Variables.PINGJI_PHONE_TABLE)).toBe(tableId);
    expect(writers.map((fn) => fn.id)).toEqual([consumer.id]);
    expect(resourcesOfType(cfn, 'AWS::SecretsManager::Secret')).toEqual([]);
  });
});

describe('an identity provider with its own claim names', () => {
  it('tells every API function and the console which claims carry the groups and the communities', () => {
    const cfn = synthStack(
      'dev',
      china({
        identity: {
          kind: 'oidc',
          issuer: ISSUER,
          audiences: [AUDIENCE],
          claims: { groups: 'groups', communities: 'pingji_communities' },
        },
      }),
      CHINA_TEST_REGION,
    ).cfn;
    const activate = functionFor(cfn, 'switch/activate').props.Environment?.Variables ?? {};
    const site = functionFor(cfn, 'console/serve');
    const config = JSON.parse(String(site.props.Environment?.Variables.PINGJI_CONSOLE_CONFIG));

    expect(activate).toMatchObject({
      PINGJI_GROUPS_CLAIM: 'groups',
      PINGJI_COMMUNITIES_CLAIM: 'pingji_communities',
    });
    expect(config).toMatchObject({ groupsClaim: 'groups', communitiesClaim: 'pingji_communities' });
    // Without them the API and the console keep Cognito's names.
    const plain = functionFor(tencent(), 'switch/activate').props.Environment?.Variables ?? {};
    expect(plain.PINGJI_GROUPS_CLAIM).toBeUndefined();
  });
});

describe('the console in China', () => {
  it('without an ICP-filed domain, is served by the API at GET / and GET /{file}, open to browsers, with no CloudFront', () => {
    const cfn = tencent();
    const site = functionFor(cfn, 'console/serve');
    const config = JSON.parse(String(site.props.Environment?.Variables.PINGJI_CONSOLE_CONFIG));
    const headers = JSON.parse(String(site.props.Environment?.Variables.PINGJI_CONSOLE_HEADERS));
    const consoleRoutes = apiRoutes(cfn).filter((r) => ['GET /', 'GET /{file}'].includes(r.props.RouteKey));

    expect(consoleRoutes.map((r) => [r.props.RouteKey, r.props.AuthorizationType ?? 'NONE']).sort()).toEqual([
      ['GET /', 'NONE'],
      ['GET /{file}', 'NONE'],
    ]);
    expect(resourcesOfType(cfn, 'AWS::CloudFront::Distribution')).toEqual([]);
    expect(resourcesOfType(cfn, 'AWS::S3::Bucket')).toEqual([]);
    expect(config).toMatchObject({
      mode: 'aws',
      issuer: ISSUER,
      clientId: AUDIENCE,
      region: CHINA_TEST_REGION,
    });
    expect(headers['content-security-policy']).toContain("default-src 'self'");
    expect(headers['x-frame-options']).toBe('DENY');
    expect(
      roleStatements(cfn, roleOf(site))
        .flatMap((s) => s.actions)
        .filter((a) => !a.startsWith('logs:')),
    ).toEqual([]);
  });

  it('with an ICP-filed domain, is on CloudFront under that name with its IAM certificate, reading the bucket through an origin access identity', () => {
    const cfn = aliyunWithDomain();
    const [, distribution] = single(
      resourcesOfType(cfn, 'AWS::CloudFront::Distribution'),
      'console distribution',
    );
    const config = distributionProps.parse(distribution.Properties).DistributionConfig;

    expect(config.Aliases).toEqual(['pingji.example.gov.cn']);
    expect(config.ViewerCertificate).toMatchObject({
      IamCertificateId: 'ASCACKCEVSQ6C2EXAMPLE',
      MinimumProtocolVersion: 'TLSv1.2_2021',
    });
    expect(config.Origins.map((o) => o.OriginAccessControlId)).toEqual([undefined]);
    expect(config.Origins[0]?.S3OriginConfig?.OriginAccessIdentity).toBeDefined();
    expect(cfn.Outputs.ConsoleUrl?.Value).toBe('https://pingji.example.gov.cn');
    expect(
      joinParts(cfn.Outputs.ConsoleCdnDomain?.Value) ?? cfn.Outputs.ConsoleCdnDomain?.Value,
    ).toBeDefined();
  });
});

/**
 * CDK's own CloudFormation validation knows which resource types each region offers; with
 * `@aws-cdk/core:validateAgainstDefaultRules` (on in cdk.json) a finding fails the synth.
 */
function synthValidated(build: (app: App) => void): void {
  const outdir = mkdtempSync(join(tmpdir(), 'pingji-cn-validate-'));
  try {
    const app = new App({
      outdir,
      context: { 'aws:cdk:bundling-stacks': [], '@aws-cdk/core:validateAgainstDefaultRules': true },
    });
    build(app);
    app.synth();
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe("CDK's CloudFormation validation for cn-north-1", () => {
  it('is wired: it refuses a Cognito user pool in cn-north-1', () => {
    expect(() =>
      synthValidated((app) => {
        const stack = new Stack(app, 'Probe', { env: { region: CHINA_TEST_REGION } });
        new UserPool(stack, 'Users');
      }),
    ).toThrow(/AWS::Cognito::UserPool' does not exist in 'cn-north-1'/);
  });

  it('finds nothing in the China stack that CloudFormation does not offer there', () => {
    expect(() =>
      synthValidated((app) => {
        new PingjiStack(app, 'Pingji-prod', {
          ...china(),
          stage: 'prod',
          env: { region: CHINA_TEST_REGION },
        });
      }),
    ).not.toThrow();
  });
});
