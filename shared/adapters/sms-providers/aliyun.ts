import * as Dysmsapi from '@alicloud/dysmsapi20170525';
import { $OpenApiUtil } from '@alicloud/openapi-core';
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

export type AliyunSettings = {
  /** Read once, at the first send: from the environment locally, from Secrets Manager in AWS. */
  credentials: () => Promise<ProviderCredentials>;
  signName: string;
  /** `host[:port]` of the API; the real one unless pointed at the local fake. */
  endpoint?: string | undefined;
  protocol?: 'https' | 'http' | undefined;
  timeoutMs?: number | undefined;
  variableLimit?: number | undefined;
};

// The package is CommonJS: depending on the loader its client is the default export or that export's default.
const DysmsapiClient: typeof Dysmsapi.default =
  typeof Dysmsapi.default === 'function'
    ? Dysmsapi.default
    : (Dysmsapi.default as unknown as { default: typeof Dysmsapi.default }).default;

const FREQUENCY = new Set(['isv.BUSINESS_LIMIT_CONTROL', 'isv.DAY_LIMIT_CONTROL', 'isv.MOBILE_FLOW_CONTROL']);
const REFUSED = new Set([
  'isv.MOBILE_NUMBER_ILLEGAL',
  'isv.BLACK_NUMBER',
  'isv.PHONE_NUMBER_IN_BLACKLIST',
  'isv.NOT_SUPPORT_REGION',
]);
const THROTTLED =
  /^(Throttling|isp\.SYSTEM_ERROR|isv\.SYSTEM_ERROR|ServiceUnavailable|InternalError|Timeout|RequestTimeout)/;

/** Sorts an Alibaba Cloud error code into what the sender does about it. */
export function classifyAliyun(code: string, message = ''): ProviderFailure {
  const reason = message ? `${code}: ${message}` : code;
  if (FREQUENCY.has(code)) return { kind: 'frequencyLimited', code, reason };
  if (REFUSED.has(code)) return { kind: 'refused', code, reason };
  if (THROTTLED.test(code) || code === '') return throttledFailure(code, reason);
  // Signature, template, parameters, keys, balance, permissions: nothing a retry can mend.
  return { kind: 'misconfigured', code, reason };
}

const reportCallback = z.array(
  z.looseObject({
    phone_number: z.string(),
    success: z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]),
    err_code: z.string().optional(),
    err_msg: z.string().optional(),
    biz_id: z.string(),
    out_id: z.string().optional(),
    report_time: z.string().optional(),
  }),
);
const upCallback = z.array(
  z.looseObject({
    phone_number: z.string(),
    content: z.string(),
    send_time: z.string().optional(),
    sequence_id: z.union([z.number(), z.string()]),
    sign_name: z.string().optional(),
    dest_code: z.string().optional(),
  }),
);

const international = (phone: string) =>
  phone.startsWith('+') ? phone : phone.startsWith('86') && phone.length === 13 ? `+${phone}` : `+86${phone}`;
const domestic = (e164: string) => e164.replace(/^\+86/, '');
const beijing = (text: string | undefined) => {
  if (!text) return undefined;
  const at = Date.parse(`${text.replace(' ', 'T')}+08:00`);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
};

/** QuerySendDetails answers at most 50 records a page; a number has few messages a day. */
const DETAIL_PAGE_SIZE = 50;
const MAX_DETAIL_PAGES = 4;

/** The Beijing dates (`yyyyMMdd`) from one instant to another, at most a week as the API keeps. */
function beijingDays(from: Date, to: Date): string[] {
  const day = (t: number) => new Date(t + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
  const days: string[] = [];
  const start = Math.max(from.getTime(), to.getTime() - 7 * 86_400_000);
  for (let t = start; days.length < 8; t += 86_400_000) {
    const d = day(t);
    if (!days.includes(d)) days.push(d);
    if (d === day(to.getTime())) break;
  }
  return days;
}

/** The OpenAPI client configuration for one Alibaba product: key, endpoint, protocol, timeouts. */
export function aliyunConfig(
  c: ProviderCredentials,
  settings: {
    endpoint?: string | undefined;
    protocol?: 'https' | 'http' | undefined;
    timeoutMs?: number | undefined;
  },
  host: string,
): $OpenApiUtil.Config {
  return new $OpenApiUtil.Config({
    accessKeyId: c.id,
    accessKeySecret: c.secret,
    endpoint: settings.endpoint ?? host,
    protocol: settings.protocol ?? 'https',
    readTimeout: settings.timeoutMs ?? 5_000,
    connectTimeout: Math.min(settings.timeoutMs ?? 5_000, 3_000),
  });
}

/** What a darabonba error says: its code and message. A timeout or a lost connection has no code. */
export function errorCode(error: unknown): { code: string; message: string } {
  if (typeof error !== 'object' || error === null) return { code: '', message: '' };
  const raw = 'code' in error && typeof error.code === 'string' ? error.code : '';
  const message = error instanceof Error ? error.message : '';
  return { code: raw === 'undefined' ? '' : raw, message };
}

/**
 * Alibaba Cloud SMS (Dysmsapi 2017-05-25) through its official Node SDK. A batch is one SendSms
 * with the numbers comma-separated (at most 1,000); the call answers for all of them at once, so a
 * batch refused for one number's sake is sent again number by number to find which.
 */
export class AliyunSmsProvider implements SmsProvider {
  readonly name = 'aliyun' as const;
  readonly maxBatch = 1000;
  readonly variableLimit: number;
  readonly ack = { code: 0, msg: '成功' };
  private readonly connect: () => Promise<InstanceType<typeof Dysmsapi.default>>;

  constructor(private readonly settings: AliyunSettings) {
    // Alibaba allows 35 characters in a variable of the "other" kind (names, places).
    this.variableLimit = settings.variableLimit ?? 35;
    this.connect = lazyClient(() =>
      settings
        .credentials()
        .then((c) => new DysmsapiClient(aliyunConfig(c, settings, 'dysmsapi.aliyuncs.com'))),
    );
  }

  async sendBatch(batch: ProviderBatch): Promise<RecipientResult[]> {
    const first = await this.call(batch);
    if (first.ok) return batch.recipients.map((r) => ({ ...r, ok: true, messageId: first.bizId }));
    const perNumber = first.failure.kind === 'refused' || first.failure.kind === 'frequencyLimited';
    if (!perNumber || batch.recipients.length === 1)
      return batch.recipients.map((r) => ({ ...r, ok: false, ...first.failure }));
    const out: RecipientResult[] = [];
    for (const r of batch.recipients) out.push(...(await this.sendBatch({ ...batch, recipients: [r] })));
    return out;
  }

  private async call(
    batch: ProviderBatch,
  ): Promise<{ ok: true; bizId: string } | { ok: false; failure: ProviderFailure }> {
    const templateParam = Object.fromEntries(batch.names.map((n, i) => [n, batch.params[i] ?? '']));
    const client = await this.connect();
    try {
      const response = await client.sendSms(
        new Dysmsapi.SendSmsRequest({
          phoneNumbers: batch.recipients.map((r) => domestic(r.phone)).join(','),
          signName: this.settings.signName,
          templateCode: batch.templateId,
          templateParam: JSON.stringify(templateParam),
          outId: batch.context,
        }),
      );
      const body = response.body;
      if (body?.code === 'OK') return { ok: true, bizId: body.bizId ?? '' };
      return { ok: false, failure: classifyAliyun(body?.code ?? '', body?.message ?? '') };
    } catch (error) {
      const { code, message } = errorCode(error);
      throw new ProviderCallError(classifyAliyun(code, message));
    }
  }

  /**
   * Asks Alibaba which messages went to this number on each Beijing day since `since` (its send
   * records carry the call's `OutId`). A failed query is an error: the caller sends again.
   */
  async sentSince(phone: string, context: string, since: Date): Promise<boolean> {
    const client = await this.connect();
    for (const day of beijingDays(since, new Date())) {
      for (let page = 1; page <= MAX_DETAIL_PAGES; page++) {
        const response = await client.querySendDetails(
          new Dysmsapi.QuerySendDetailsRequest({
            phoneNumber: domestic(phone),
            sendDate: day,
            pageSize: DETAIL_PAGE_SIZE,
            currentPage: page,
          }),
        );
        const body = response.body;
        if (body?.code !== 'OK')
          throw new ProviderCallError(classifyAliyun(body?.code ?? '', body?.message ?? ''));
        const details = body.smsSendDetailDTOs?.smsSendDetailDTO ?? [];
        const match = details.some((d) => {
          const at = beijing(d.sendDate);
          return d.outId === context && (at === undefined || Date.parse(at) >= since.getTime() - 1_000);
        });
        if (match) return true;
        if (details.length < DETAIL_PAGE_SIZE) break;
      }
    }
    return false;
  }

  parseReceipts(body: unknown): Receipt[] {
    return reportCallback.parse(body).map((r) => ({
      phone: international(r.phone_number),
      messageId: r.biz_id,
      delivered: r.success,
      reason: r.success ? undefined : [r.err_code, r.err_msg].filter(Boolean).join(' '),
      at: beijing(r.report_time),
    }));
  }

  parseReplies(body: unknown): ProviderReply[] {
    return upCallback.parse(body).map((r) => ({
      from: international(r.phone_number),
      body: r.content,
      replyId: String(r.sequence_id),
      receivedAt: beijing(r.send_time),
    }));
  }
}
