import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  type Body,
  type FakeOptions,
  FakeProvider,
  type FakeVoiceCall,
  type FakeVoiceReport,
} from './fake-provider';
import { beijingTime } from './fake-tencent';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
/** RFC 3986 percent-encoding, as the ACS3 canonical query uses. */
const encode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const header = (req: IncomingMessage, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
};

/**
 * Verifies an ACS3-HMAC-SHA256 signature as Alibaba Cloud's gateway does: the canonical request
 * from method, path, the sorted and encoded query, the signed headers (x-acs-*, host,
 * content-type) and the payload hash the client declares, which must be the body's.
 */
export function verifyAcs3(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  accessKeyId: string,
  secret: string,
): boolean {
  const auth =
    /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([a-z0-9;-]+),Signature=([0-9a-f]{64})$/.exec(
      header(req, 'authorization'),
    );
  if (!auth) return false;
  const [, id, signedHeaders, signature] = auth;
  if (id !== accessKeyId || !signedHeaders || !signature) return false;
  const names = signedHeaders.split(';');
  if (!names.includes('x-acs-date') || !names.includes('host')) return false;
  const at = Date.parse(header(req, 'x-acs-date'));
  if (!Number.isFinite(at) || Math.abs(Date.now() - at) > 15 * 60_000) return false;
  const payloadHash = header(req, 'x-acs-content-sha256');
  if (payloadHash !== sha256(body)) return false;
  const params = [...url.searchParams.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const query = params.map(([k, v]) => `${k}=${encode(v)}`).join('&');
  const canonicalHeaders = names.map((n) => `${n}:${header(req, n).trim()}\n`).join('');
  const canonical = [
    req.method ?? 'POST',
    url.pathname,
    query,
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');
  const toSign = `ACS3-HMAC-SHA256\n${sha256(canonical)}`;
  const expected = createHmac('sha256', secret).update(toSign).digest();
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const answer = (code: string, message: string, status = 200, extra: Record<string, unknown> = {}): Body => ({
  status,
  json: { Code: code, Message: message, RequestId: randomUUID(), ...extra },
});

/** Alibaba Cloud SMS (Dysmsapi 2017-05-25) on loopback: SendSms, QuerySendDetails, SmsReport and SmsUp. */
export class FakeAliyun extends FakeProvider {
  readonly name = 'aliyun' as const;

  constructor(
    options: FakeOptions,
    private readonly variableLimit = 35,
  ) {
    super(options);
  }

  /** Alibaba Cloud VMS (Dyvmsapi 2017-05-25) `SingleCallByTts`, once signature and throttling are checked. */
  private singleCallByTts(q: URLSearchParams): Body {
    const number = q.get('CalledNumber') ?? '';
    const templateId = q.get('TtsCode') ?? '';
    if (!/^\d{11}$/.test(number)) return answer('isv.MOBILE_NUMBER_ILLEGAL', '号码格式错误');
    if (!templateId) return answer('isv.TTS_TEMPLATE_ILLEGAL', '模板不合法');
    let params: Record<string, string> = {};
    try {
      const raw: unknown = JSON.parse(q.get('TtsParam') ?? '{}');
      if (typeof raw === 'object' && raw !== null)
        params = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
    } catch {
      return answer('isv.INVALID_JSON_PARAM', 'JSON参数不合法');
    }
    const phone = `+86${number}`;
    if (this.failures.refuse.has(phone)) return answer('isv.BLACK_NUMBER', '号码在黑名单中');
    if (this.failures.frequencyLimit.has(phone)) return answer('isv.DAY_LIMIT_CONTROL', '触发号码天级流控');
    const callId = `${Date.now()}^${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    this.voiceCalls.push({
      callId,
      phone,
      templateId,
      params,
      playTimes: Number(q.get('PlayTimes') ?? 2),
      context: q.get('OutId') ?? '',
    });
    this.afterVoiceCall(callId);
    return answer('OK', 'OK', 200, { CallId: callId });
  }

  /** Alibaba's VoiceReport: one list, the key pressed in the call's own record. */
  protected voiceReportBodies(call: FakeVoiceCall, report: FakeVoiceReport): unknown[] {
    const code = { answered: '200000', unanswered: '200005', busy: '200002' }[report.outcome];
    return [
      [
        {
          call_id: call.callId,
          callee: call.phone.replace(/^\+86/, ''),
          status_code: code,
          status_msg: report.outcome,
          duration: String(report.outcome === 'answered' ? (report.durationSeconds ?? 0) : 0),
          dtmf: report.keypress ?? '',
          out_id: call.context,
          end_time: beijingTime(new Date()),
        },
      ],
    ];
  }

  protected async handle(req: IncomingMessage, url: URL, body: Buffer): Promise<Body> {
    this.apiCalls++;
    if (!verifyAcs3(req, url, body, this.options.credentials.id, this.options.credentials.secret)) {
      this.badSignatures++;
      return answer('SignatureDoesNotMatch', 'Specified signature does not match our calculation.', 400);
    }
    const action = header(req, 'x-acs-action');
    // Dysmsapi and Dyvmsapi share the version 2017-05-25.
    if (
      !['SendSms', 'QuerySendDetails', 'SingleCallByTts'].includes(action) ||
      header(req, 'x-acs-version') !== '2017-05-25'
    )
      return answer(
        'InvalidAction.NotFound',
        'only SendSms, QuerySendDetails and SingleCallByTts 2017-05-25 are served here',
        404,
      );
    if (this.failures.throttleCalls > 0) {
      this.failures.throttleCalls--;
      return answer('Throttling.User', 'Request was denied due to user flow control.', 400);
    }
    const q = url.searchParams;
    if (action === 'QuerySendDetails') return this.sendDetails(q);
    if (action === 'SingleCallByTts') return this.singleCallByTts(q);
    if (q.get('SignName') !== this.options.templates.signName)
      return answer('isv.SMS_SIGNATURE_ILLEGAL', '签名不合法');
    const phones = (q.get('PhoneNumbers') ?? '').split(',').filter(Boolean);
    if (!phones.length) return answer('isv.MOBILE_NUMBER_ILLEGAL', '手机号码格式错误');
    if (phones.length > 1000) return answer('isv.MOBILE_COUNT_OVER_LIMIT', '手机号码数量超过限制');
    let params: Record<string, unknown> = {};
    try {
      const raw: unknown = JSON.parse(q.get('TemplateParam') ?? '{}');
      if (typeof raw === 'object' && raw !== null) params = Object.fromEntries(Object.entries(raw));
    } catch {
      return answer('isv.INVALID_JSON_PARAM', 'JSON参数不合法');
    }
    const rendered = this.render(q.get('TemplateCode') ?? '', (name) =>
      typeof params[name] === 'string' ? params[name] : undefined,
    );
    if (!rendered) return answer('isv.SMS_TEMPLATE_ILLEGAL', '模板不合法');
    if (rendered.names.some((n) => typeof params[n] !== 'string'))
      return answer('isv.TEMPLATE_MISSING_PARAMETERS', '模板缺少变量');
    if (rendered.values.some((v) => [...v].length > this.variableLimit))
      return answer('isv.PARAM_LENGTH_LIMIT', '参数超出长度限制');
    if (rendered.values.some((v) => /https?:\/\/|www\.|【|】/i.test(v)))
      return answer('isv.PARAM_NOT_SUPPORT_URL', '不支持URL或【】');
    const e164 = phones.map((p) => (p.startsWith('+') ? p : `+86${p}`));
    // One answer for the whole call: a bad number fails all of it, as the real API does.
    if (e164.some((p) => this.failures.refuse.has(p)))
      return answer('isv.MOBILE_NUMBER_ILLEGAL', '手机号码格式错误');
    if (e164.some((p) => this.failures.frequencyLimit.has(p)))
      return answer('isv.BUSINESS_LIMIT_CONTROL', '触发号码天级流控Permits:50');
    const bizId = `${Date.now()}^${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const templateId = q.get('TemplateCode') ?? '';
    this.sendCalls.push(e164.length);
    for (const phone of e164)
      await this.accept(phone, rendered.text, q.get('OutId') ?? '', templateId, bizId);
    this.afterCall();
    return { ...answer('OK', 'OK', 200, { BizId: bizId }), unanswered: this.crashing() };
  }

  /** The send records of one number on one Beijing day, a page at a time, as the real API lists them. */
  private sendDetails(q: URLSearchParams): Body {
    this.statusQueries++;
    const phone = q.get('PhoneNumber') ?? '';
    const day = /^(\d{4})(\d{2})(\d{2})$/.exec(q.get('SendDate') ?? '');
    const pageSize = Number(q.get('PageSize'));
    const page = Number(q.get('CurrentPage'));
    if (!/^\d{11}$/.test(phone)) return answer('isv.MOBILE_NUMBER_ILLEGAL', '手机号码格式错误');
    if (
      !day ||
      !Number.isInteger(pageSize) ||
      pageSize < 1 ||
      pageSize > 50 ||
      !Number.isInteger(page) ||
      page < 1
    )
      return answer('isv.INVALID_PARAMETERS', '参数异常');
    const start = Date.parse(`${day[1]}-${day[2]}-${day[3]}T00:00:00+08:00`);
    const records = this.sentTo(`+86${phone}`, start, start + 86_400_000 - 1);
    const dtos = records.slice((page - 1) * pageSize, page * pageSize).map((r) => ({
      PhoneNum: phone,
      SendStatus: this.failures.undeliverable.has(r.phone) ? 2 : 3,
      ErrCode: this.failures.undeliverable.has(r.phone) ? 'MK:0001' : 'DELIVERED',
      TemplateCode: r.templateId,
      Content: r.text,
      SendDate: beijingTime(new Date(r.at)),
      ReceiveDate: beijingTime(new Date(r.at)),
      OutId: r.context,
    }));
    return answer('OK', 'OK', 200, {
      TotalCount: String(records.length),
      SmsSendDetailDTOs: { SmsSendDetailDTO: dtos },
    });
  }

  protected receiptBody(items: { phone: string; messageId: string; delivered: boolean; context: string }[]) {
    const now = beijingTime(new Date());
    return items.map((i) => ({
      phone_number: i.phone.replace(/^\+86/, ''),
      send_time: now,
      report_time: now,
      success: i.delivered,
      err_code: i.delivered ? 'DELIVERED' : 'MK:0001',
      err_msg: i.delivered ? '用户接收成功' : '空号',
      sms_size: '1',
      biz_id: i.messageId,
      out_id: i.context,
    }));
  }

  protected replyBody(reply: { from: string; body: string; id: string; at: Date }) {
    return [
      {
        phone_number: reply.from.replace(/^\+86/, ''),
        send_time: beijingTime(reply.at),
        content: reply.body,
        sign_name: this.options.templates.signName,
        dest_code: '1069000',
        sequence_id: Number.parseInt(sha256(reply.id).slice(0, 12), 16),
      },
    ];
  }

  protected acknowledged(json: unknown): boolean {
    return typeof json === 'object' && json !== null && 'code' in json && json.code === 0;
  }
}
