import * as z from 'zod';
import { type VoiceConfig, voiceConfigSchema } from '../shared/adapters/voice/settings';
import { isChinaRegion } from './partition';

export type Stage = 'dev' | 'prod';

/**
 * How fast the service may send SMS. SNS meters SMS per account and region (20 messages a
 * second unless AWS raised the quota), and every stream consumer invocation sends at its own
 * rate, so the rate each consumer gets is the account's quota divided by how many consumers may
 * run at once.
 */
export type SmsSettings = {
  /** The account's SNS SMS quota, messages per second (the "SMS messages per second" quota). */
  accountTps: number;
  /** How many stream consumer invocations may run at once: its reserved concurrency. */
  consumers: number;
  /** `AWS.SNS.SMS.SenderID`, where the destination country supports sender ids. */
  senderId?: string | undefined;
  /** `AWS.MM.SMS.OriginationNumber`: an End User Messaging phone number or sender id to send from. */
  originationNumber?: string | undefined;
};

/** SNS's default SMS quota, shared by two consumers: 10 messages a second each. */
export const DEFAULT_SMS_SETTINGS: SmsSettings = { accountTps: 20, consumers: 2 };

/** Where SMS go: the four providers of `PINGJI_SMS_PROVIDER` (API.md, "SMS providers"). */
export const SMS_PROVIDERS = ['simulated', 'sns', 'tencent', 'aliyun'] as const;
export type SmsProvider = (typeof SMS_PROVIDERS)[number];

/**
 * The SMS provider and what it needs besides credentials. For Tencent Cloud and Alibaba Cloud
 * the credentials and the callback token live in a Secrets Manager secret (created by the stack,
 * or an existing one named by `-c smsSecretArn=...`); the signature and the registered template
 * ids are configuration, passed to the sender as environment variables.
 */
export type SmsProviderSettings = {
  provider: SmsProvider;
  /** The provider's registered signature (`SignName`), without 【】. */
  signName?: string | undefined;
  /** Tencent Cloud's `SmsSdkAppId`: the SMS application the signature and templates belong to. */
  sdkAppId?: string | undefined;
  /** Registered template ids by message kind and locale, as the sender reads them (JSON object). */
  templates?: Record<string, unknown> | undefined;
  /** An existing secret with the provider credentials and callback token; the stack makes one when absent. */
  secretArn?: string | undefined;
  /** The voice call for the silent, on the same account; the sweep rings and reports come by callback. */
  voice?: VoiceConfig | undefined;
};

/** SNS, as before: the stack every existing deployment has. */
export const DEFAULT_SMS_PROVIDER: SmsProviderSettings = { provider: 'sns' };

/**
 * Who signs people in. `cognito`: the stack's own user pool (commercial regions only). `oidc`: any
 * OpenID Connect provider the office already runs (`-c oidcIssuer=... -c oidcAudience=...`),
 * checked by the HTTP API's JWT authorizer; the only choice in the AWS China regions, where
 * Cognito user pools are not offered.
 */
export type IdentitySettings =
  | { kind: 'cognito' }
  | {
      kind: 'oidc';
      issuer: string;
      audiences: string[];
      /**
       * The token claims that carry the caller's groups and communities, when the provider does
       * not emit Cognito's `cognito:groups` and `custom:communities` (`-c oidcGroupsClaim=groups`).
       */
      claims?: { groups?: string | undefined; communities?: string | undefined } | undefined;
    };

/**
 * The console on CloudFront under a domain of the office's own, for the AWS China regions, where
 * CloudFront serves nothing on its default `*.cloudfront.cn` name and every domain needs an ICP
 * recordal. CloudFront in China takes no ACM certificate: the certificate is uploaded to IAM.
 */
export type ConsoleDomainSettings = {
  /** The ICP-filed host name (`pingji.example.gov.cn`). */
  domainName: string;
  /** The id of the IAM server certificate for that name (`aws iam list-server-certificates`). */
  certificateId: string;
};

/** Everything `infra/app.ts` reads from the CDK context and the environment. */
export type Settings = {
  stage: Stage;
  account?: string | undefined;
  region: string;
  /** Where alarm notifications are emailed (`-c alarmEmail=...`); none when absent. */
  alarmEmail?: string | undefined;
  /** The console's URL (`-c consoleUrl=...`): the OAuth callback and logout URL; no OAuth without it. */
  consoleUrl?: string | undefined;
  sms: SmsSettings;
  smsProvider: SmsProviderSettings;
  identity: IdentitySettings;
  consoleDomain?: ConsoleDomainSettings | undefined;
};

/**
 * Where `cdk synth` puts the stack when neither `-c region=...` nor the AWS profile names one:
 * Singapore has Cognito user pools, SNS SMS and End User Messaging two-way SMS, and is not an
 * opt-in region.
 */
export const DEFAULT_REGION = 'ap-southeast-1';

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

/** A token claim's name, as the API's `PINGJI_GROUPS_CLAIM` / `PINGJI_COMMUNITIES_CLAIM` accept it. */
const claimName = (name: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_:.\-/]{1,128}$/, `${name} must be a claim name (letters, digits, _ : . - /)`)
    .optional();

/** A JSON object given as an object (`cdk.json`) or as JSON text (`-c key='{...}'`). */
const jsonObject = (name: string) =>
  z
    .union([z.string(), z.record(z.string(), z.unknown())])
    .optional()
    .transform((value, ctx): Record<string, unknown> | undefined => {
      if (value === undefined || typeof value !== 'string') return value;
      if (value.trim() === '') return undefined;
      try {
        const parsed: unknown = JSON.parse(value);
        const object = z.record(z.string(), z.unknown()).safeParse(parsed);
        if (object.success) return object.data;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: `${name} must be a JSON object` });
      return z.NEVER;
    });

/** A template entry: its id, or an object with the id and the order of its parameters. */
const templateEntry = z.union([z.string().trim().min(1), z.object({ id: z.string().trim().min(1) }).loose()]);

const contextSchema = z.object({
  stage: z.enum(['dev', 'prod'], { error: 'stage must be dev or prod' }).default('dev'),
  region: optionalText,
  alarmEmail: optionalText.pipe(z.email({ error: 'alarmEmail must be an email address' }).optional()),
  consoleUrl: optionalText.pipe(
    z
      .url({
        protocol: /^https?$/,
        error: 'consoleUrl must be an http(s) URL',
      })
      .refine((url) => url.startsWith('https://') || /^http:\/\/localhost(:\d+)?(\/|$)/.test(url), {
        error: 'consoleUrl must use https (http only for localhost)',
      })
      .optional(),
  ),
  smsTps: z.coerce.number().int().min(1).max(10_000).default(DEFAULT_SMS_SETTINGS.accountTps),
  smsConsumers: z.coerce.number().int().min(1).max(100).default(DEFAULT_SMS_SETTINGS.consumers),
  smsSenderId: optionalText.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9-]{1,11}$/, 'smsSenderId must be 1 to 11 letters, digits or hyphens')
      .optional(),
  ),
  smsOriginationNumber: optionalText,
  smsProvider: optionalText.pipe(
    z.enum(SMS_PROVIDERS, { error: `smsProvider must be one of ${SMS_PROVIDERS.join(', ')}` }).optional(),
  ),
  smsSignName: optionalText.pipe(
    z
      .string()
      .max(20, 'smsSignName must be at most 20 characters')
      .refine((name) => !/[【】[\]]/.test(name), 'smsSignName is the signature without 【】')
      .optional(),
  ),
  smsSdkAppId: optionalText.pipe(
    z
      .string()
      .regex(/^\d{10}$/, 'smsSdkAppId must be the 10-digit SmsSdkAppId of the SMS application')
      .optional(),
  ),
  smsTemplates: jsonObject('smsTemplates').pipe(
    z
      .record(z.string().min(1), templateEntry, { error: 'smsTemplates maps kind.locale to a template id' })
      .refine((templates) => Object.keys(templates).length > 0, 'smsTemplates names no template')
      .optional(),
  ),
  /** The voice call for the silent (`PINGJI_VOICE`, docs/sms.md "Voice call"); off when absent. */
  voice: jsonObject('voice').pipe(voiceConfigSchema.optional()),
  smsSecretArn: optionalText.pipe(
    z
      .string()
      .regex(
        /^arn:aws(-cn)?:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/,
        'smsSecretArn must be the complete ARN of a Secrets Manager secret (ending in its 6-character suffix)',
      )
      .optional(),
  ),
  oidcIssuer: optionalText.pipe(
    z
      .url({ protocol: /^https$/, error: 'oidcIssuer must be an https URL (the issuer of the tokens)' })
      .optional(),
  ),
  oidcAudience: optionalText,
  oidcGroupsClaim: optionalText.pipe(claimName('oidcGroupsClaim')),
  oidcCommunitiesClaim: optionalText.pipe(claimName('oidcCommunitiesClaim')),
  consoleDomain: optionalText.pipe(
    z
      .string()
      .toLowerCase()
      .regex(
        /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
        'consoleDomain must be a host name (pingji.example.gov.cn), without https://',
      )
      .optional(),
  ),
  consoleCertificateId: optionalText.pipe(
    z
      .string()
      .regex(/^[A-Z0-9]{16,32}$/, 'consoleCertificateId must be an IAM server certificate id')
      .optional(),
  ),
});

/** The context keys `resolveSettings` reads. */
export const CONTEXT_KEYS = Object.keys(contextSchema.shape) as Array<keyof typeof contextSchema.shape>;

type ParsedContext = z.infer<typeof contextSchema>;

/** An example of a complete command for the AWS China regions, quoted in the errors. */
const CHINA_EXAMPLE =
  'npx cdk synth -c stage=prod -c region=cn-north-1 -c smsProvider=tencent ' +
  '-c oidcIssuer=https://idp.example.gov.cn/realms/pingji -c oidcAudience=pingji-console';

/**
 * Reads the deployment settings from the CDK context (`-c key=value` or `cdk.json`) and the
 * environment the CDK CLI sets. Fails with a message naming the setting when one is wrong or
 * when settings do not fit together (the AWS China regions have neither SNS SMS nor Cognito user
 * pools, so they need a mainland SMS provider and an OIDC identity provider).
 */
export function resolveSettings(
  context: (key: string) => unknown,
  env: NodeJS.ProcessEnv = process.env,
): Settings {
  const raw = Object.fromEntries(CONTEXT_KEYS.map((key) => [key, context(key)]));
  const parsed = contextSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid deployment settings: ${problems}`);
  }
  const settings = parsed.data;
  const region = settings.region ?? nonEmpty(env.CDK_DEFAULT_REGION) ?? DEFAULT_REGION;
  const china = isChinaRegion(region);
  const problems = [
    ...combinationProblems(settings, region, china),
    ...(settings.smsConsumers > settings.smsTps
      ? [
          `smsConsumers (${settings.smsConsumers}) may not exceed smsTps (${settings.smsTps}): every ` +
            'consumer needs at least one message a second',
        ]
      : []),
  ];
  if (problems.length > 0) {
    throw new Error(`invalid deployment settings: ${problems.join('; ')}`);
  }
  return {
    stage: settings.stage,
    account: nonEmpty(env.CDK_DEFAULT_ACCOUNT),
    region,
    alarmEmail: settings.alarmEmail,
    consoleUrl: settings.consoleUrl,
    sms: {
      accountTps: settings.smsTps,
      consumers: settings.smsConsumers,
      senderId: settings.smsSenderId,
      originationNumber: settings.smsOriginationNumber,
    },
    smsProvider: {
      provider: settings.smsProvider ?? DEFAULT_SMS_PROVIDER.provider,
      signName: settings.smsSignName,
      sdkAppId: settings.smsSdkAppId,
      templates: settings.smsTemplates,
      secretArn: settings.smsSecretArn,
      voice: settings.voice,
    },
    identity: settings.oidcIssuer
      ? {
          kind: 'oidc',
          issuer: settings.oidcIssuer,
          audiences: audiencesOf(settings.oidcAudience),
          ...(settings.oidcGroupsClaim || settings.oidcCommunitiesClaim
            ? { claims: { groups: settings.oidcGroupsClaim, communities: settings.oidcCommunitiesClaim } }
            : {}),
        }
      : { kind: 'cognito' },
    consoleDomain:
      settings.consoleDomain && settings.consoleCertificateId
        ? { domainName: settings.consoleDomain, certificateId: settings.consoleCertificateId }
        : undefined,
  };
}

/** Every way the settings contradict each other or the region, each naming what to change. */
function combinationProblems(settings: ParsedContext, region: string, china: boolean): string[] {
  const problems: string[] = [];
  const provider = settings.smsProvider;
  if (china && provider === undefined) {
    problems.push(
      `smsProvider is required in ${region}: SNS SMS is not offered in the AWS China regions; ` +
        `choose tencent or aliyun (or simulated, which sends nothing), e.g. ${CHINA_EXAMPLE}`,
    );
  }
  if (china && provider === 'sns') {
    problems.push(
      `smsProvider sns cannot be used in ${region}: SNS SMS (and End User Messaging SMS) are not ` +
        'offered in the AWS China regions; use tencent or aliyun',
    );
  }
  if (china && !settings.oidcIssuer) {
    problems.push(
      `oidcIssuer is required in ${region}: Amazon Cognito user pools are not offered in the AWS ` +
        'China regions, so the API checks tokens of your own OpenID Connect provider; pass ' +
        `-c oidcIssuer=<issuer URL> -c oidcAudience=<client id>, e.g. ${CHINA_EXAMPLE}`,
    );
  }
  if (settings.oidcIssuer && audiencesOf(settings.oidcAudience).length === 0) {
    problems.push('oidcAudience is required with oidcIssuer: the client id(s) the tokens are issued to');
  }
  if (!settings.oidcIssuer && (settings.oidcGroupsClaim || settings.oidcCommunitiesClaim)) {
    problems.push(
      'oidcGroupsClaim and oidcCommunitiesClaim need oidcIssuer: Cognito always uses cognito:groups and custom:communities',
    );
  }
  if (!settings.oidcIssuer && settings.oidcAudience) {
    problems.push('oidcAudience needs oidcIssuer: the issuer whose tokens carry that audience');
  }
  if (settings.consoleDomain && !china) {
    problems.push(
      'consoleDomain is for the AWS China regions (an ICP-filed domain on CloudFront); elsewhere the ' +
        'console is served at its CloudFront address, and -c consoleUrl names a domain of its own',
    );
  }
  if (settings.consoleDomain && !settings.consoleCertificateId) {
    problems.push(
      'consoleDomain needs consoleCertificateId: CloudFront in China takes the certificate for that ' +
        'name from IAM (aws iam upload-server-certificate --path /cloudfront/...)',
    );
  }
  if (settings.consoleCertificateId && !settings.consoleDomain) {
    problems.push('consoleCertificateId needs consoleDomain: the name the certificate is for');
  }
  const mainland = provider === 'tencent' || provider === 'aliyun';
  if (!mainland) {
    for (const key of ['smsSignName', 'smsTemplates', 'smsSecretArn'] as const) {
      if (settings[key] !== undefined)
        problems.push(`${key} is for smsProvider tencent or aliyun, not ${provider ?? 'sns'}`);
    }
  }
  if (settings.voice && settings.voice.provider !== provider) {
    problems.push(
      `voice.provider ${settings.voice.provider} must be the smsProvider (${provider ?? 'sns'}): the call uses its key`,
    );
  }
  if (settings.smsSdkAppId !== undefined && provider !== 'tencent') {
    problems.push(`smsSdkAppId is Tencent Cloud's SmsSdkAppId, for smsProvider tencent only`);
  }
  if (provider !== undefined && provider !== 'sns') {
    for (const key of ['smsSenderId', 'smsOriginationNumber'] as const) {
      if (settings[key] !== undefined)
        problems.push(`${key} is an SNS setting, not for smsProvider ${provider}`);
    }
  }
  if (settings.smsSecretArn) {
    const partition = settings.smsSecretArn.startsWith('arn:aws-cn:') ? 'aws-cn' : 'aws';
    if ((partition === 'aws-cn') !== china)
      problems.push(
        `smsSecretArn is in the ${partition} partition, but ${region} is in ${china ? 'aws-cn' : 'aws'}`,
      );
  }
  return problems;
}

/** `-c oidcAudience=a,b`: one or more client ids. */
function audiencesOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((audience) => audience.trim())
    .filter(Boolean);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Messages a second one stream consumer may send, so that all of them together keep the quota. */
export function smsRatePerConsumer(sms: SmsSettings): number {
  return Math.max(1, Math.floor(sms.accountTps / sms.consumers));
}
