import { createHash } from 'node:crypto';
import { sms } from 'tencentcloud-sdk-nodejs-sms';
import * as z from 'zod';
import {
  lazyClient,
  type ProviderBatch,
  ProviderCallError,
  type ProviderCredentials,
  type ProviderFailure,
  type ProviderReply,
  type Receipt,
  type RecipientResult,
  type SmsProvider,
  throttledFailure,
} from './port';

export type TencentSettings = {
  /** Read once, at the first send: from the environment locally, from Secrets Manager in AWS. */
  credentials: () => Promise<ProviderCredentials>;
  region: string;
  smsSdkAppId: string;
  signName: string;
  /** `host[:port]` of the API; the real one unless pointed at the local fake. */
  endpoint?: string | undefined;
  protocol?: 'https://' | 'http://' | undefined;
  /** Seconds before a call is given up (and classified as throttled). */
  timeoutSeconds?: number | undefined;
  variableLimit?: number | undefined;
};

/** Per-number codes that mean this number has had as many messages as allowed for now. */
const FREQUENCY = /^LimitExceeded\.(PhoneNumber|DeliveryFrequency)/;
/** Per-number codes that mean this number will not get the message. */
const REFUSED = new Set([
  'FailedOperation.PhoneNumberInBlacklist',
  'InvalidParameterValue.IncorrectPhoneNumber',
  'FailedOperation.PhoneNumberParseFail',
  'UnsupportedOperation.UnsupportedRegion',
  'FailedOperation.ContainSensitiveWord',
]);
const THROTTLED =
  /^(RequestLimitExceeded|InternalError\.Timeout|InternalError\.RequestTimeException|InternalError$|ResourceUnavailable)/;
const MISCONFIGURED =
  /^(AuthFailure|UnauthorizedOperation|FailedOperation\.(TemplateIncorrectOrUnapproved|SignatureIncorrectOrUnapproved|InsufficientBalanceInSmsPackage|TemplateParamSetNotMatchApprovedTemplate)|InvalidParameterValue\.(SdkAppIdNotExist|TemplateParameterFormatError|TemplateParameterLengthLimit|ProhibitedUseUrlInTemplateParameter)|LimitExceeded\.(AppDailyLimit|AppGlobalDailyLimit|AppMainlandChinaDailyLimit)|InvalidParameter)/;

/** Sorts a Tencent error code into what the sender does about it. */
export function classifyTencent(code: string, message = ''): ProviderFailure {
  const reason = message ? `${code}: ${message}` : code;
  // The account's own daily caps stop every number: that is for an operator, not a retry.
  if (/^LimitExceeded\.App/.test(code)) return { kind: 'misconfigured', code, reason };
  if (FREQUENCY.test(code)) return { kind: 'frequencyLimited', code, reason };
  if (REFUSED.has(code)) return { kind: 'refused', code, reason };
  if (MISCONFIGURED.test(code)) return { kind: 'misconfigured', code, reason };
  if (THROTTLED.test(code) || code === '') return throttledFailure(code, reason);
  return { kind: 'misconfigured', code, reason };
}

const statusCallback = z.array(
  z.looseObject({
    mobile: z.string(),
    nationcode: z.string().optional(),
    report_status: z.string(),
    errmsg: z.string().optional(),
    description: z.string().optional(),
    sid: z.string(),
    user_receive_time: z.string().optional(),
  }),
);
const replyItem = z.looseObject({
  mobile: z.string(),
  nationcode: z.string().optional(),
  text: z.string(),
  time: z.number().optional(),
  sign: z.string().optional(),
  extend: z.string().optional(),
});
const replyCallback = z.union([z.array(replyItem), replyItem.transform((r) => [r])]);

const international = (nationcode: string | undefined, mobile: string) =>
  mobile.startsWith('+') ? mobile : `+${nationcode ?? '86'}${mobile}`;

/** Tencent's times are Beijing time without a zone. */
const beijing = (text: string | undefined) => {
  if (!text) return undefined;
  const at = Date.parse(`${text.replace(' ', 'T')}+08:00`);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
};

/** The client configuration for one Tencent product: key, region, endpoint, protocol, timeout. */
export function tencentClientConfig(
  c: ProviderCredentials,
  settings: {
    region: string;
    endpoint?: string | undefined;
    protocol?: 'https://' | 'http://' | undefined;
    timeoutSeconds?: number | undefined;
  },
) {
  return {
    credential: { secretId: c.id, secretKey: c.secret },
    region: settings.region,
    profile: {
      httpProfile: {
        ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
        protocol: settings.protocol ?? 'https://',
        reqTimeout: settings.timeoutSeconds ?? 5,
      },
    },
  };
}

/** Tencent Cloud SMS (API 2021-01-11) through its official Node SDK. */
export class TencentSmsProvider implements SmsProvider {
  readonly name = 'tencent' as const;
  readonly maxBatch = 200;
  readonly variableLimit: number;
  readonly ack = { result: 0, errmsg: 'OK' };
  private readonly connect: () => Promise<InstanceType<typeof sms.v20210111.Client>>;

  constructor(private readonly settings: TencentSettings) {
    // Tencent counts every character as one and allows 6 per variable for notifications by default.
    this.variableLimit = settings.variableLimit ?? 6;
    this.connect = lazyClient(() =>
      settings.credentials().then((c) => new sms.v20210111.Client(tencentClientConfig(c, settings))),
    );
  }

  async sendBatch(batch: ProviderBatch): Promise<RecipientResult[]> {
    const client = await this.connect();
    let response: Awaited<ReturnType<typeof client.SendSms>>;
    try {
      response = await client.SendSms({
        SmsSdkAppId: this.settings.smsSdkAppId,
        SignName: this.settings.signName,
        TemplateId: batch.templateId,
        TemplateParamSet: [...batch.params],
        PhoneNumberSet: batch.recipients.map((r) => r.phone),
        SessionContext: batch.context,
      });
    } catch (error) {
      const code = typeof error === 'object' && error && 'code' in error ? String(error.code ?? '') : '';
      const message = error instanceof Error ? error.message : '';
      throw new ProviderCallError(classifyTencent(code === 'undefined' ? '' : code, message));
    }
    const statuses = response.SendStatusSet ?? [];
    return batch.recipients.map((r): RecipientResult => {
      const status = statuses.find((s) => s.PhoneNumber === r.phone);
      if (!status)
        return {
          ...r,
          ok: false,
          kind: 'throttled',
          code: 'NoStatus',
          reason: 'no status for this number',
          uncertain: true,
        };
      if (status.Code === 'Ok') return { ...r, ok: true, messageId: status.SerialNo ?? '' };
      return { ...r, ok: false, ...classifyTencent(status.Code ?? '', status.Message ?? '') };
    });
  }

  /**
   * Asks Tencent which messages reached this number since `since` (its status records, which carry
   * the call's `SessionContext`). Only messages whose carrier receipt has come in are listed.
   */
  async sentSince(phone: string, context: string, since: Date): Promise<boolean> {
    const client = await this.connect();
    const response = await client.PullSmsSendStatusByPhoneNumber({
      PhoneNumber: phone,
      SmsSdkAppId: this.settings.smsSdkAppId,
      BeginTime: Math.floor(since.getTime() / 1000),
      EndTime: Math.ceil(Date.now() / 1000),
      Offset: 0,
      Limit: 100,
    });
    return (response.PullSmsSendStatusSet ?? []).some((s) => s.SessionContext === context);
  }

  parseReceipts(body: unknown): Receipt[] {
    return statusCallback.parse(body).map((s) => ({
      phone: international(s.nationcode, s.mobile),
      messageId: s.sid,
      delivered: s.report_status === 'SUCCESS',
      reason: s.report_status === 'SUCCESS' ? undefined : [s.errmsg, s.description].filter(Boolean).join(' '),
      at: beijing(s.user_receive_time),
    }));
  }

  parseReplies(body: unknown): ProviderReply[] {
    return replyCallback.parse(body).map((r) => {
      const from = international(r.nationcode, r.mobile);
      // The reply callback carries no id of its own: the same sender, time and text is the same reply.
      const replyId = createHash('sha256')
        .update(`${from}|${r.time ?? ''}|${r.text}`)
        .digest('hex')
        .slice(0, 32);
      return {
        from,
        body: r.text,
        replyId,
        receivedAt: r.time === undefined ? undefined : new Date(r.time * 1000).toISOString(),
      };
    });
  }
}
