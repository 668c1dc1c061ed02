import * as z from 'zod';

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
};

/**
 * Where `cdk synth` puts the stack when neither `-c region=...` nor the AWS profile names one:
 * Singapore has Cognito user pools, SNS SMS and End User Messaging two-way SMS, and is not an
 * opt-in region.
 */
export const DEFAULT_REGION = 'ap-southeast-1';

/** The AWS China (aws-cn) regions: no Cognito user pools and no SNS SMS there. */
const CHINA_REGION = /^cn-/;

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

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
});

/** The context keys `resolveSettings` reads. */
export const CONTEXT_KEYS = Object.keys(contextSchema.shape) as Array<keyof typeof contextSchema.shape>;

/**
 * Reads the deployment settings from the CDK context (`-c key=value` or `cdk.json`) and the
 * environment the CDK CLI sets. Fails with a message naming the setting when one is wrong, and
 * refuses the AWS China regions, where the service cannot run.
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
  if (CHINA_REGION.test(region)) {
    throw new Error(
      `Pingji cannot be deployed to ${region}: Amazon Cognito user pools and SNS SMS are not offered in the ` +
        'AWS China (aws-cn) regions. Deploy to a commercial region such as ap-southeast-1 (Singapore) or ' +
        'ap-east-1 (Hong Kong) and send +86 SMS from there with a registered template and signature; ' +
        'see docs/deploy.md, "Mainland China".',
    );
  }
  if (settings.smsConsumers > settings.smsTps) {
    throw new Error(
      `invalid deployment settings: smsConsumers (${settings.smsConsumers}) may not exceed smsTps ` +
        `(${settings.smsTps}): every consumer needs at least one message a second`,
    );
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
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Messages a second one stream consumer may send, so that all of them together keep the quota. */
export function smsRatePerConsumer(sms: SmsSettings): number {
  return Math.max(1, Math.floor(sms.accountTps / sms.consumers));
}
