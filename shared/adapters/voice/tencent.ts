import { CommonClient } from 'tencentcloud-sdk-nodejs-common';
import * as z from 'zod';
import {
  lazyClient,
  ProviderCallError,
  type ProviderCredentials,
  type ProviderFailure,
} from '../sms-providers/port';
import { tencentClientConfig } from '../sms-providers/tencent';
import type { VoiceCall, VoiceOutcome, VoiceProvider, VoiceReport } from './port';

export type TencentVoiceSettings = {
  credentials: () => Promise<ProviderCredentials>;
  region: string;
  /** The voice application's `VoiceSdkAppid`. */
  appId: string;
  /** How many times the text is read out in one call (1 to 3). */
  playTimes: number;
  endpoint?: string | undefined;
  protocol?: 'https://' | 'http://' | undefined;
  timeoutSeconds?: number | undefined;
  variableLimit?: number | undefined;
};

/** Codes that mean this number will not be rung: invalid, blacklisted, out of service. */
const REFUSED =
  /^(InvalidParameterValue\.(IncorrectPhoneNumber|PhoneNumberIn)|FailedOperation\.(PhoneNumberInBlacklist|PhoneNumberParseFail))/;
const FREQUENCY = /^LimitExceeded\.(PhoneNumber|DeliveryFrequency|CalledNumber)/;
const THROTTLED =
  /^(RequestLimitExceeded|InternalError\.Timeout|InternalError\.RequestTimeException|InternalError$|ResourceUnavailable)/;

/** Sorts a Tencent VMS error code into what the voice step does about it. */
export function classifyTencentVoice(code: string, message = ''): ProviderFailure {
  const reason = message ? `${code}: ${message}` : code;
  if (/^LimitExceeded\.App/.test(code)) return { kind: 'misconfigured', code, reason };
  if (FREQUENCY.test(code)) return { kind: 'frequencyLimited', code, reason };
  if (REFUSED.test(code)) return { kind: 'refused', code, reason };
  if (THROTTLED.test(code) || code === '') return { kind: 'throttled', code: code || 'Timeout', reason };
  // Credentials, app id, template, balance, parameters: nothing a retry can mend.
  return { kind: 'misconfigured', code, reason };
}

const sendResponse = z.looseObject({
  SendStatus: z.looseObject({ CallId: z.string().min(1), SessionContext: z.string().optional() }),
});

const mobile = z.string();
const promptCallback = z.looseObject({
  result: z.union([z.string(), z.number()]).transform(String),
  callid: z.string(),
  mobile,
  nationcode: z.string().optional(),
  start_calltime: z.string().optional(),
  accept_time: z.string().optional(),
  end_calltime: z.string().optional(),
});
const keyCallback = z.looseObject({
  callid: z.string(),
  mobile,
  nationcode: z.string().optional(),
  keypress: z.string(),
});
const failureCallback = z.looseObject({
  callid: z.string(),
  mobile,
  nationcode: z.string().optional(),
  failure_code: z.union([z.number(), z.string()]).optional(),
  failure_reason: z.string().optional(),
});
const international = (nationcode: string | undefined, phone: string) =>
  phone.startsWith('+') ? phone : `+${nationcode ?? '86'}${phone}`;
const unixTime = (text: string | undefined) => {
  const seconds = Number(text);
  return text && Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000).toISOString() : undefined;
};

/** A status report: how the call ended, and how long it was listened to. */
function statusReport(s: z.infer<typeof promptCallback>): VoiceReport {
  const accepted = Number(s.accept_time);
  const ended = Number(s.end_calltime);
  const duration =
    Number.isFinite(accepted) && Number.isFinite(ended) && accepted > 0 && ended >= accepted
      ? ended - accepted
      : undefined;
  return {
    callId: s.callid,
    phone: international(s.nationcode, s.mobile),
    outcome: OUTCOME[s.result] ?? 'failed',
    durationSeconds: duration,
    at: unixTime(s.end_calltime),
  };
}

const callbackItem = z.union([
  z
    .looseObject({ voiceprompt_callback: promptCallback })
    .transform((c) => statusReport(c.voiceprompt_callback)),
  z.looseObject({ voicecode_callback: promptCallback }).transform((c) => statusReport(c.voicecode_callback)),
  z.looseObject({ voicekey_callback: keyCallback }).transform(
    ({ voicekey_callback: k }): VoiceReport => ({
      callId: k.callid,
      phone: international(k.nationcode, k.mobile),
      keypress: k.keypress,
    }),
  ),
  z.looseObject({ voice_failure_callback: failureCallback }).transform(
    ({ voice_failure_callback: f }): VoiceReport => ({
      callId: f.callid,
      phone: international(f.nationcode, f.mobile),
      outcome: 'failed',
      reason: [f.failure_code, f.failure_reason].filter((x) => x !== undefined && x !== '').join(' '),
    }),
  ),
]);
const callbackBody = z.union([z.array(callbackItem), callbackItem.transform((c) => [c])]);

/** Tencent's status result: 0 answered, 1 not answered, 2 the call failed. */
const OUTCOME: Record<string, VoiceOutcome> = { '0': 'answered', '1': 'unanswered', '2': 'failed' };

/**
 * Tencent Cloud VMS (API 2020-09-02) `SendTtsVoice`, through the SDK's generic client: there is
 * no product package for VMS, and the generic client signs as every product client does.
 */
export class TencentVoiceProvider implements VoiceProvider {
  readonly name = 'tencent' as const;
  readonly variableLimit: number;
  private readonly connect: () => Promise<CommonClient>;

  constructor(private readonly settings: TencentVoiceSettings) {
    this.variableLimit = settings.variableLimit ?? 20;
    // VMS's own host; a local fake's address, when given, goes in the HTTP profile.
    this.connect = lazyClient(() =>
      settings
        .credentials()
        .then(
          (c) => new CommonClient('vms.tencentcloudapi.com', '2020-09-02', tencentClientConfig(c, settings)),
        ),
    );
  }

  async placeCall(call: VoiceCall): Promise<string> {
    const client = await this.connect();
    let response: unknown;
    try {
      response = await client.request('SendTtsVoice', {
        TemplateId: call.templateId,
        TemplateParamSet: [...call.params],
        CalledNumber: call.phone,
        VoiceSdkAppid: this.settings.appId,
        PlayTimes: this.settings.playTimes,
        SessionContext: call.context,
      });
    } catch (error) {
      const code = typeof error === 'object' && error && 'code' in error ? String(error.code ?? '') : '';
      const message = error instanceof Error ? error.message : '';
      throw new ProviderCallError(classifyTencentVoice(code === 'undefined' ? '' : code, message));
    }
    const parsed = sendResponse.safeParse(response);
    if (!parsed.success)
      throw new ProviderCallError({
        kind: 'throttled',
        code: 'NoCallId',
        reason: 'no call id in the answer',
      });
    return parsed.data.SendStatus.CallId;
  }

  parseReports(body: unknown): VoiceReport[] {
    return callbackBody.parse(body);
  }
}
