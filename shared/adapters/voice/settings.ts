import * as z from 'zod';
import { loadConfig } from '../../config';
import { TEMPLATE_PROVIDERS } from '../sms-providers/port';
import { providerCredentials } from '../sms-providers/settings';
import { variableValue } from '../sms-providers/templates';
import { AliyunVoiceProvider } from './aliyun';
import type { VoiceProvider } from './port';
import { TencentVoiceProvider } from './tencent';

/** The variables a voice template may use: what a reminder says. */
export const VOICE_VARS = ['community', 'incident', 'team', 'leader', 'muster'] as const;
export type VoiceVar = (typeof VOICE_VARS)[number];

/** `PINGJI_VOICE`: the deployment's voice call, see docs/sms.md "Voice call". */
export const voiceConfigSchema = z
  .object({
    provider: z.enum(TEMPLATE_PROVIDERS),
    /** Tencent: the voice application's `VoiceSdkAppid`. */
    appId: z
      .string()
      .regex(/^\d{6,}$/, 'a numeric VoiceSdkAppid')
      .optional(),
    /** Alibaba: the number the call shows; without it the public number pool rings. */
    calledShowNumber: z.string().min(3).max(20).optional(),
    /** The registered voice template, and its variables in its order. */
    templateId: z.string().min(1).max(64),
    /** The drill's template; without one, drills ring nobody. */
    drillTemplateId: z.string().min(1).max(64).optional(),
    params: z.array(z.enum(VOICE_VARS)).max(VOICE_VARS.length),
    /** Seconds after the alert: after the reminder, before noResponse. */
    afterSeconds: z.number().int().positive(),
    playTimes: z.number().int().min(1).max(3).default(2),
    /** The account's per-variable limit, where it differs from the provider's default. */
    variableLimit: z.number().int().min(1).max(100).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.provider === 'tencent' && !c.appId)
      ctx.addIssue({ code: 'custom', path: ['appId'], message: 'required for Tencent Cloud VMS' });
  });
export type VoiceConfig = z.infer<typeof voiceConfigSchema>;

const voiceEnv = z.object({
  /** JSON of `voiceConfigSchema`; unset, the voice call is off. */
  PINGJI_VOICE: z.string().optional(),
  PINGJI_TENCENT_REGION: z.string().default('ap-guangzhou'),
  /** `host[:port]` of the voice API: only to point the client at the local fake. */
  PINGJI_VOICE_ENDPOINT: z.string().optional(),
  PINGJI_SMS_ENDPOINT_PROTOCOL: z.enum(['https', 'http']).default('https'),
  PINGJI_SMS_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(5_000),
});

/** The deployment's voice call, or undefined when it is off. A malformed one fails the start. */
export function voiceConfig(
  timing: { realertAfterSeconds: number; noResponseAfterSeconds: number },
  env: NodeJS.ProcessEnv = process.env,
): VoiceConfig | undefined {
  const raw = loadConfig(voiceEnv, env).PINGJI_VOICE;
  if (!raw) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error('invalid configuration: PINGJI_VOICE is not JSON');
  }
  const parsed = voiceConfigSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `PINGJI_VOICE.${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration: ${problems.join('; ')}`);
  }
  const { afterSeconds } = parsed.data;
  if (afterSeconds <= timing.realertAfterSeconds || afterSeconds >= timing.noResponseAfterSeconds)
    throw new Error(
      `invalid configuration: PINGJI_VOICE.afterSeconds must lie between PINGJI_REALERT_AFTER_SECONDS (${timing.realertAfterSeconds}) and PINGJI_NO_RESPONSE_AFTER_SECONDS (${timing.noResponseAfterSeconds})`,
    );
  return parsed.data;
}

/** The voice provider the configuration names, on the SMS provider's key and secret. */
export function voiceProvider(config: VoiceConfig, env: NodeJS.ProcessEnv = process.env): VoiceProvider {
  const parsed = loadConfig(voiceEnv, env);
  const credentials = providerCredentials(env);
  if (config.provider === 'tencent')
    return new TencentVoiceProvider({
      credentials,
      region: parsed.PINGJI_TENCENT_REGION,
      appId: config.appId ?? '',
      playTimes: config.playTimes,
      endpoint: parsed.PINGJI_VOICE_ENDPOINT,
      protocol: parsed.PINGJI_SMS_ENDPOINT_PROTOCOL === 'http' ? 'http://' : 'https://',
      timeoutSeconds: parsed.PINGJI_SMS_TIMEOUT_MS / 1000,
      variableLimit: config.variableLimit,
    });
  return new AliyunVoiceProvider({
    credentials,
    calledShowNumber: config.calledShowNumber,
    playTimes: config.playTimes,
    endpoint: parsed.PINGJI_VOICE_ENDPOINT,
    protocol: parsed.PINGJI_SMS_ENDPOINT_PROTOCOL,
    timeoutMs: parsed.PINGJI_SMS_TIMEOUT_MS,
    variableLimit: config.variableLimit,
  });
}

/** The template's values in its order, each cut to the provider's limit as SMS variables are. */
export function voiceParams(
  config: Pick<VoiceConfig, 'params'>,
  values: Record<VoiceVar, string>,
  limit: number,
): string[] {
  return config.params.map((name) => variableValue(values[name], limit));
}
