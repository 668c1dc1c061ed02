import * as OpenApi from '@alicloud/openapi-core';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import * as z from 'zod';
import { aliyunConfig, errorCode } from '../sms-providers/aliyun';
import {
  lazyClient,
  ProviderCallError,
  type ProviderCredentials,
  type ProviderFailure,
} from '../sms-providers/port';
import type { VoiceCall, VoiceOutcome, VoiceProvider, VoiceReport } from './port';

export type AliyunVoiceSettings = {
  credentials: () => Promise<ProviderCredentials>;
  /** The number the call shows (`CalledShowNumber`); empty for the public number pool. */
  calledShowNumber?: string | undefined;
  /** How many times the text is read out in one call (1 to 3). */
  playTimes: number;
  endpoint?: string | undefined;
  protocol?: 'https' | 'http' | undefined;
  timeoutMs?: number | undefined;
  variableLimit?: number | undefined;
};

// The package is CommonJS: depending on the loader its client is the default export or that export's default.
const OpenApiClient: typeof OpenApi.default =
  typeof OpenApi.default === 'function'
    ? OpenApi.default
    : (OpenApi.default as unknown as { default: typeof OpenApi.default }).default;

const FREQUENCY = new Set([
  'isv.BUSINESS_LIMIT_CONTROL',
  'isv.DAY_LIMIT_CONTROL',
  'isv.OUT_OF_SERVICE_FLOW_CONTROL',
]);
const REFUSED = new Set(['isv.MOBILE_NUMBER_ILLEGAL', 'isv.BLACK_NUMBER', 'isv.PHONE_NUMBER_IN_BLACKLIST']);
const THROTTLED =
  /^(Throttling|isp\.SYSTEM_ERROR|isv\.SYSTEM_ERROR|ServiceUnavailable|InternalError|Timeout|RequestTimeout)/;

/** Sorts an Alibaba Cloud VMS error code into what the voice step does about it. */
export function classifyAliyunVoice(code: string, message = ''): ProviderFailure {
  const reason = message ? `${code}: ${message}` : code;
  if (FREQUENCY.has(code)) return { kind: 'frequencyLimited', code, reason };
  if (REFUSED.has(code)) return { kind: 'refused', code, reason };
  if (THROTTLED.test(code) || code === '') return { kind: 'throttled', code: code || 'Timeout', reason };
  return { kind: 'misconfigured', code, reason };
}

const callResponse = z.looseObject({
  body: z.looseObject({ Code: z.string(), Message: z.string().optional(), CallId: z.string().optional() }),
});

const voiceReport = z.array(
  z.looseObject({
    call_id: z.string(),
    callee: z.string().optional(),
    status_code: z.string(),
    status_msg: z.string().optional(),
    duration: z.union([z.string(), z.number()]).optional(),
    dtmf: z.string().optional(),
    out_id: z.string().optional(),
    end_time: z.string().optional(),
  }),
);

/** Alibaba's call result codes: answered, busy, not picked up; any other is a failed call. */
function outcomeOf(status: string): VoiceOutcome {
  if (status === '200000' || status === '200100') return 'answered';
  if (status === '200002') return 'busy';
  if (['200001', '200003', '200005', '200010', '200011'].includes(status)) return 'unanswered';
  return 'failed';
}

const international = (phone: string) =>
  phone.startsWith('+') ? phone : phone.startsWith('86') && phone.length === 13 ? `+${phone}` : `+86${phone}`;
const domestic = (e164: string) => e164.replace(/^\+86/, '');
const beijing = (text: string | undefined) => {
  if (!text) return undefined;
  const at = Date.parse(`${text.replace(' ', 'T')}+08:00`);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
};

/**
 * Alibaba Cloud VMS (Dyvmsapi 2017-05-25) `SingleCallByTts`, through the OpenAPI core client
 * that every Alibaba product client is built on: an RPC call signed with the access key.
 */
export class AliyunVoiceProvider implements VoiceProvider {
  readonly name = 'aliyun' as const;
  readonly variableLimit: number;
  private readonly connect: () => Promise<InstanceType<typeof OpenApi.default>>;

  constructor(private readonly settings: AliyunVoiceSettings) {
    this.variableLimit = settings.variableLimit ?? 20;
    this.connect = lazyClient(() =>
      settings
        .credentials()
        .then((c) => new OpenApiClient(aliyunConfig(c, settings, 'dyvmsapi.aliyuncs.com'))),
    );
  }

  async placeCall(call: VoiceCall): Promise<string> {
    const client = await this.connect();
    const query: Record<string, string> = {
      CalledNumber: domestic(call.phone),
      TtsCode: call.templateId,
      TtsParam: JSON.stringify(Object.fromEntries(call.names.map((n, i) => [n, call.params[i] ?? '']))),
      PlayTimes: String(this.settings.playTimes),
      OutId: call.context,
    };
    if (this.settings.calledShowNumber) query.CalledShowNumber = this.settings.calledShowNumber;
    const params = new $OpenApiUtil.Params({
      action: 'SingleCallByTts',
      version: '2017-05-25',
      protocol: 'HTTPS',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    let response: unknown;
    try {
      response = await client.callApi(
        params,
        new $OpenApiUtil.OpenApiRequest({ query: OpenApi.OpenApiUtil.query(query) }),
        new $dara.RuntimeOptions({}),
      );
    } catch (error) {
      const { code, message } = errorCode(error);
      throw new ProviderCallError(classifyAliyunVoice(code, message));
    }
    const parsed = callResponse.safeParse(response);
    if (!parsed.success)
      throw new ProviderCallError({
        kind: 'throttled',
        code: 'NoAnswer',
        reason: 'an answer without a body',
      });
    const { Code, Message, CallId } = parsed.data.body;
    if (Code !== 'OK' || !CallId) throw new ProviderCallError(classifyAliyunVoice(Code, Message ?? ''));
    return CallId;
  }

  parseReports(body: unknown): VoiceReport[] {
    return voiceReport.parse(body).map((r) => {
      const seconds = Number(r.duration);
      return {
        callId: r.call_id,
        phone: r.callee ? international(r.callee) : undefined,
        outcome: outcomeOf(r.status_code),
        keypress: r.dtmf || undefined,
        durationSeconds: r.duration !== undefined && Number.isFinite(seconds) ? seconds : undefined,
        reason:
          outcomeOf(r.status_code) === 'answered'
            ? undefined
            : [r.status_code, r.status_msg].filter(Boolean).join(' '),
        at: beijing(r.end_time),
        context: r.out_id,
      };
    });
  }
}
