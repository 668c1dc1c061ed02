import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { loadConfig } from '../../config';
import { tracer } from '../../observability';
import { AliyunSmsProvider } from './aliyun';
import {
  PROVIDERS,
  ProviderCallError,
  type ProviderCredentials,
  type SmsProvider,
  type TemplateProviderName,
} from './port';
import { parseTemplateConfig, type TemplateConfig } from './templates';
import { TencentSmsProvider } from './tencent';

const providerEnv = z.object({
  /** Where SMS go; the older PINGJI_SMS_GATEWAY (`sns` | `simulated`) still names the first two. */
  PINGJI_SMS_PROVIDER: z.enum(PROVIDERS).optional(),
  PINGJI_SMS_GATEWAY: z.enum(['sns', 'simulated']).default('sns'),
  /** `{signName, templates: {zh: {alert: "id", …}, en?: {…}}}`, see docs/sms.md. */
  PINGJI_SMS_TEMPLATES: z.string().optional(),
  /**
   * In AWS: a secret holding the provider's key and `callbackToken` (see `storedSecret`), read
   * once per cold start.
   */
  PINGJI_SMS_SECRET_ARN: z.string().min(20).optional(),
  /** Locally: the key pair and callback token straight from the environment. */
  PINGJI_SMS_KEY_ID: z.string().min(1).optional(),
  PINGJI_SMS_KEY_SECRET: z.string().min(1).optional(),
  PINGJI_SMS_CALLBACK_TOKEN: z.string().min(16).optional(),
  PINGJI_TENCENT_SDK_APP_ID: z
    .string()
    .regex(/^\d{6,}$/, 'a numeric SmsSdkAppId')
    .optional(),
  PINGJI_TENCENT_REGION: z.string().default('ap-guangzhou'),
  /** `host[:port]` of the provider's API: only to point the SDK at the local fake. */
  PINGJI_SMS_ENDPOINT: z.string().optional(),
  PINGJI_SMS_ENDPOINT_PROTOCOL: z.enum(['https', 'http']).default('https'),
  PINGJI_SMS_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(5_000),
  /** The per-variable limit the account has (Tencent 6 by default, Alibaba 35). */
  PINGJI_SMS_VARIABLE_LIMIT: z.coerce.number().int().min(1).max(100).optional(),
});

const secretShape = z.object({
  id: z.string().min(1),
  secret: z.string().min(1),
  callbackToken: z.string().min(16),
});

/**
 * The secret as the stack makes it: the callback token it generated, and the provider's key in
 * the provider's own field names (Tencent `secretId`/`secretKey`, Alibaba `accessKeyId`/
 * `accessKeySecret`), or `id`/`secret`. The key fields stay empty until the operator writes the
 * key in; the callbacks need only the token, so that is checked when sending.
 */
const storedSecret = z
  .object({
    callbackToken: z.string().min(16),
    id: z.string().optional(),
    secret: z.string().optional(),
    secretId: z.string().optional(),
    secretKey: z.string().optional(),
    accessKeyId: z.string().optional(),
    accessKeySecret: z.string().optional(),
  })
  .transform((s) => ({
    callbackToken: s.callbackToken,
    id: s.id || s.secretId || s.accessKeyId || '',
    secret: s.secret || s.secretKey || s.accessKeySecret || '',
  }));
export type ProviderSecret = z.infer<typeof secretShape>;

/** The provider the environment names. */
export function providerName(env: NodeJS.ProcessEnv = process.env) {
  const parsed = loadConfig(providerEnv, env);
  return parsed.PINGJI_SMS_PROVIDER ?? parsed.PINGJI_SMS_GATEWAY;
}

/** Reads the provider's secret once: from Secrets Manager when an ARN is set, else the environment. */
export function secretReader(env: NodeJS.ProcessEnv = process.env): () => Promise<ProviderSecret> {
  const parsed = loadConfig(providerEnv, env);
  let cached: Promise<ProviderSecret> | undefined;
  const read = async (): Promise<ProviderSecret> => {
    if (parsed.PINGJI_SMS_SECRET_ARN) {
      const out = await tracer
        .captureAWSv3Client(new SecretsManagerClient({}))
        .send(new GetSecretValueCommand({ SecretId: parsed.PINGJI_SMS_SECRET_ARN }));
      let json: unknown;
      try {
        json = JSON.parse(out.SecretString ?? '');
      } catch {
        throw new Error('invalid configuration: the SMS provider secret is not JSON');
      }
      const secret = storedSecret.safeParse(json);
      if (!secret.success)
        throw new Error('invalid configuration: the SMS provider secret lacks its callbackToken');
      return secret.data;
    }
    const local = secretShape.safeParse({
      id: parsed.PINGJI_SMS_KEY_ID,
      secret: parsed.PINGJI_SMS_KEY_SECRET,
      callbackToken: parsed.PINGJI_SMS_CALLBACK_TOKEN,
    });
    if (!local.success)
      throw new Error(
        'invalid configuration: PINGJI_SMS_SECRET_ARN, or PINGJI_SMS_KEY_ID, PINGJI_SMS_KEY_SECRET and PINGJI_SMS_CALLBACK_TOKEN, are required for this provider',
      );
    return local.data;
  };
  return () => {
    cached ??= read();
    cached.catch(() => {
      cached = undefined;
    });
    return cached;
  };
}

/**
 * The provider's API key, read from its secret when first needed; a secret still without a key
 * is a configuration fault, named as such.
 */
export function providerCredentials(
  env: NodeJS.ProcessEnv = process.env,
): () => Promise<ProviderCredentials> {
  const secret = secretReader(env);
  return async () => {
    const { id, secret: key } = await secret();
    if (!id || !key)
      throw new ProviderCallError({
        kind: 'misconfigured',
        code: 'NoApiKey',
        reason: 'the SMS provider secret has no API key yet (docs/deploy.md)',
      });
    return { id, secret: key };
  };
}

/**
 * The template provider the environment names, with its registered templates, checked now:
 * a missing template id or setting fails the cold start, naming what is missing.
 */
export function templateProvider(
  name: TemplateProviderName,
  env: NodeJS.ProcessEnv = process.env,
): { provider: SmsProvider; templates: TemplateConfig } {
  const parsed = loadConfig(providerEnv, env);
  const templates = parseTemplateConfig(parsed.PINGJI_SMS_TEMPLATES);
  const credentials = providerCredentials(env);
  if (name === 'tencent') {
    if (!parsed.PINGJI_TENCENT_SDK_APP_ID)
      throw new Error('invalid configuration: PINGJI_TENCENT_SDK_APP_ID is required for Tencent Cloud SMS');
    return {
      templates,
      provider: new TencentSmsProvider({
        credentials,
        region: parsed.PINGJI_TENCENT_REGION,
        smsSdkAppId: parsed.PINGJI_TENCENT_SDK_APP_ID,
        signName: templates.signName,
        endpoint: parsed.PINGJI_SMS_ENDPOINT,
        protocol: parsed.PINGJI_SMS_ENDPOINT_PROTOCOL === 'http' ? 'http://' : 'https://',
        timeoutSeconds: parsed.PINGJI_SMS_TIMEOUT_MS / 1000,
        variableLimit: parsed.PINGJI_SMS_VARIABLE_LIMIT,
      }),
    };
  }
  return {
    templates,
    provider: new AliyunSmsProvider({
      credentials,
      signName: templates.signName,
      endpoint: parsed.PINGJI_SMS_ENDPOINT,
      protocol: parsed.PINGJI_SMS_ENDPOINT_PROTOCOL,
      timeoutMs: parsed.PINGJI_SMS_TIMEOUT_MS,
      variableLimit: parsed.PINGJI_SMS_VARIABLE_LIMIT,
    }),
  };
}
