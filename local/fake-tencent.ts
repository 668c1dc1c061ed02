import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import * as z from 'zod';
import {
  type Body,
  type FakeOptions,
  FakeProvider,
  type FakeVoiceCall,
  type FakeVoiceReport,
} from './fake-provider';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

const sendSms = z.object({
  PhoneNumberSet: z.array(z.string()).min(1),
  SmsSdkAppId: z.string(),
  TemplateId: z.string(),
  SignName: z.string().optional(),
  TemplateParamSet: z.array(z.string()).default([]),
  SessionContext: z.string().max(511).optional(),
});

const pullStatus = z.object({
  PhoneNumber: z.string(),
  SmsSdkAppId: z.string(),
  BeginTime: z.number().int(),
  EndTime: z.number().int().optional(),
  Offset: z.number().int(),
  Limit: z.number().int().min(1).max(100),
});

const header = (req: IncomingMessage, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
};

/**
 * Verifies a TC3-HMAC-SHA256 signature as Tencent Cloud's API gateway does: the canonical request
 * from method, path, query, the signed headers and the body's hash; the key derived from the
 * secret, the date and the service. True only when it matches and the time is within 5 minutes.
 */
export function verifyTc3(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  secretId: string,
  secretKey: string,
): boolean {
  const auth =
    /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
      header(req, 'authorization'),
    );
  if (!auth) return false;
  const [, id, date, service, signedHeaders, signature] = auth;
  if (id !== secretId || !date || !service || !signedHeaders || !signature) return false;
  const timestamp = Number(header(req, 'x-tc-timestamp'));
  if (!Number.isFinite(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) return false;
  if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== date) return false;
  const canonicalHeaders = signedHeaders
    .split(';')
    .map((name) => {
      const value = header(req, name).trim();
      // The host is signed without its port, as the SDK signs it.
      return `${name}:${name === 'host' ? value.replace(/:\d+$/, '') : value}\n`;
    })
    .join('');
  const canonical = [
    req.method ?? 'POST',
    url.pathname,
    url.search.slice(1),
    canonicalHeaders,
    signedHeaders,
    sha256(body),
  ].join('\n');
  const toSign = [
    'TC3-HMAC-SHA256',
    String(timestamp),
    `${date}/${service}/tc3_request`,
    sha256(canonical),
  ].join('\n');
  const key = hmac(hmac(hmac(`TC3${secretKey}`, date), service), 'tc3_request');
  const expected = createHmac('sha256', key).update(toSign).digest();
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const sendTtsVoice = z.object({
  TemplateId: z.string().min(1),
  TemplateParamSet: z.array(z.string()).optional(),
  CalledNumber: z.string().regex(/^\+\d{6,15}$/),
  VoiceSdkAppid: z.string().min(1),
  PlayTimes: z.number().int().min(1).max(3).optional(),
  SessionContext: z.string().max(1024).optional(),
});

const error = (code: string, message: string): Body => ({
  status: 200,
  json: { Response: { Error: { Code: code, Message: message }, RequestId: randomUUID() } },
});

/**
 * Tencent Cloud SMS on loopback: SendSms and PullSmsSendStatusByPhoneNumber (2021-01-11), status
 * and reply callbacks.
 */
export class FakeTencent extends FakeProvider {
  readonly name = 'tencent' as const;

  constructor(
    options: FakeOptions,
    private readonly smsSdkAppId: string,
    private readonly variableLimit = 6,
  ) {
    super(options);
  }

  /** Tencent Cloud VMS `SendTtsVoice` (2020-09-02), once signature, version and throttling are checked. */
  private sendTtsVoice(json: unknown): Body {
    const parsed = sendTtsVoice.safeParse(json);
    if (!parsed.success) return error('InvalidParameter', 'parameters do not match SendTtsVoice');
    const input = parsed.data;
    if (this.failures.refuse.has(input.CalledNumber))
      return error('FailedOperation.PhoneNumberInBlacklist', 'the number is in the blacklist');
    if (this.failures.frequencyLimit.has(input.CalledNumber))
      return error('LimitExceeded.DeliveryFrequencyLimit', 'calls to this number are over the limit');
    const params = input.TemplateParamSet ?? [];
    // VMS allows 20 characters a variable, whatever the SMS account's limit.
    if (params.some((p) => [...p].length > 20))
      return error('InvalidParameterValue.TemplateParameterLengthLimit', 'a parameter is too long');
    const callId = randomUUID();
    this.voiceCalls.push({
      callId,
      phone: input.CalledNumber,
      templateId: input.TemplateId,
      params,
      playTimes: input.PlayTimes ?? 2,
      context: input.SessionContext ?? '',
    });
    this.afterVoiceCall(callId);
    return {
      status: 200,
      json: {
        Response: {
          SendStatus: { CallId: callId, SessionContext: input.SessionContext ?? '' },
          RequestId: randomUUID(),
        },
      },
    };
  }

  /** Tencent's voice callbacks: the call's status, and the key pressed in a callback of its own. */
  protected voiceReportBodies(call: FakeVoiceCall, report: FakeVoiceReport): unknown[] {
    const mobile = call.phone.replace(/^\+86/, '');
    const end = Math.floor(Date.now() / 1000);
    const status = {
      voiceprompt_callback: {
        result: report.outcome === 'answered' ? '0' : '1',
        callid: call.callId,
        mobile,
        nationcode: '86',
        call_from: '',
        start_calltime: String(end - (report.durationSeconds ?? 0) - 5),
        accept_time: report.outcome === 'answered' ? String(end - (report.durationSeconds ?? 0)) : '0',
        end_calltime: String(end),
        fee: '1',
      },
    };
    const key = report.keypress
      ? [{ voicekey_callback: { callid: call.callId, mobile, nationcode: '86', keypress: report.keypress } }]
      : [];
    return [...key, status];
  }

  protected async handle(req: IncomingMessage, url: URL, body: Buffer): Promise<Body> {
    this.apiCalls++;
    if (!verifyTc3(req, url, body, this.options.credentials.id, this.options.credentials.secret)) {
      this.badSignatures++;
      return error('AuthFailure.SignatureFailure', 'The provided credentials could not be validated.');
    }
    const action = header(req, 'x-tc-action');
    const version = header(req, 'x-tc-version');
    const served =
      action === 'SendTtsVoice'
        ? version === '2020-09-02'
        : ['SendSms', 'PullSmsSendStatusByPhoneNumber'].includes(action) && version === '2021-01-11';
    if (!served)
      return error(
        'InvalidAction',
        'only SendSms and PullSmsSendStatusByPhoneNumber 2021-01-11, and VMS SendTtsVoice 2020-09-02, are served here',
      );
    if (this.failures.throttleCalls > 0) {
      this.failures.throttleCalls--;
      return error('RequestLimitExceeded', 'Your current request times exceeds limit.');
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return error('FailedOperation.FailResolvePacket', 'body is not JSON');
    }
    if (action === 'SendTtsVoice') return this.sendTtsVoice(json);
    if (action === 'PullSmsSendStatusByPhoneNumber') return this.pullStatus(json);
    const parsed = sendSms.safeParse(json);
    if (!parsed.success) return error('InvalidParameter', 'parameters do not match SendSms');
    const input = parsed.data;
    if (input.SmsSdkAppId !== this.smsSdkAppId)
      return error('InvalidParameterValue.SdkAppIdNotExist', 'no such SdkAppId');
    if (input.SignName !== this.options.templates.signName)
      return error('FailedOperation.SignatureIncorrectOrUnapproved', 'signature not approved');
    if (input.PhoneNumberSet.length > 200)
      return error('LimitExceeded.PhoneNumberCountLimit', 'over 200 numbers');
    const rendered = this.render(input.TemplateId, (_, i) => input.TemplateParamSet[i]);
    if (!rendered) return error('FailedOperation.TemplateIncorrectOrUnapproved', 'template not approved');
    if (rendered.names.length !== input.TemplateParamSet.length)
      return error('FailedOperation.TemplateParamSetNotMatchApprovedTemplate', 'parameter count differs');
    if (input.TemplateParamSet.some((p) => [...p].length > this.variableLimit))
      return error('InvalidParameterValue.TemplateParameterLengthLimit', 'a parameter is too long');
    if (input.TemplateParamSet.some((p) => /https?:\/\/|www\.|【|】/i.test(p)))
      return error(
        'InvalidParameterValue.ProhibitedUseUrlInTemplateParameter',
        'a parameter holds a link or 【】',
      );
    const statuses = [];
    this.sendCalls.push(input.PhoneNumberSet.length);
    for (const phone of input.PhoneNumberSet) {
      const base = { PhoneNumber: phone, SessionContext: input.SessionContext ?? '', IsoCode: 'CN' };
      if (this.failures.refuse.has(phone)) {
        statuses.push({
          ...base,
          SerialNo: '',
          Fee: 0,
          Code: 'FailedOperation.PhoneNumberInBlacklist',
          Message: 'blacklist',
        });
      } else if (this.failures.frequencyLimit.has(phone)) {
        statuses.push({
          ...base,
          SerialNo: '',
          Fee: 0,
          Code: 'LimitExceeded.PhoneNumberDailyLimit',
          Message: 'daily limit',
        });
      } else {
        const serial = await this.accept(phone, rendered.text, input.SessionContext ?? '', input.TemplateId);
        statuses.push({ ...base, SerialNo: serial, Fee: 1, Code: 'Ok', Message: 'send success' });
      }
    }
    this.afterCall();
    return {
      status: 200,
      json: { Response: { SendStatusSet: statuses, RequestId: randomUUID() } },
      unanswered: this.crashing(),
    };
  }

  /** The status records of one number, as the real API lists them once receipts have come in. */
  private pullStatus(json: unknown): Body {
    this.statusQueries++;
    const parsed = pullStatus.safeParse(json);
    if (!parsed.success)
      return error('InvalidParameter', 'parameters do not match PullSmsSendStatusByPhoneNumber');
    const input = parsed.data;
    if (input.SmsSdkAppId !== this.smsSdkAppId)
      return error('InvalidParameterValue.SdkAppIdNotExist', 'no such SdkAppId');
    const to = (input.EndTime ?? Math.ceil(Date.now() / 1000)) * 1000 + 999;
    const records = this.sentTo(input.PhoneNumber, input.BeginTime * 1000, to).slice(0, input.Limit);
    const set = records.map((r) => ({
      UserReceiveTime: Math.floor(r.at / 1000),
      CountryCode: '86',
      SubscriberNumber: r.phone.replace(/^\+86/, ''),
      PhoneNumber: r.phone,
      SerialNo: r.messageId,
      ReportStatus: this.failures.undeliverable.has(r.phone) ? 'FAIL' : 'SUCCESS',
      Description: this.failures.undeliverable.has(r.phone) ? '空号' : '用户短信送达成功',
      SessionContext: r.context,
    }));
    return { status: 200, json: { Response: { PullSmsSendStatusSet: set, RequestId: randomUUID() } } };
  }

  protected receiptBody(items: { phone: string; messageId: string; delivered: boolean }[]) {
    return items.map((i) => ({
      user_receive_time: beijingTime(new Date()),
      nationcode: '86',
      mobile: i.phone.replace(/^\+86/, ''),
      report_status: i.delivered ? 'SUCCESS' : 'FAIL',
      errmsg: i.delivered ? 'DELIVRD' : 'MK:0001',
      description: i.delivered ? '用户短信送达成功' : '空号',
      sid: i.messageId,
    }));
  }

  protected replyBody(reply: { from: string; body: string; at: Date }) {
    return [
      {
        extend: '',
        mobile: reply.from.replace(/^\+86/, ''),
        nationcode: '86',
        sign: this.options.templates.signName,
        text: reply.body,
        time: Math.floor(reply.at.getTime() / 1000),
      },
    ];
  }

  protected acknowledged(json: unknown): boolean {
    return typeof json === 'object' && json !== null && 'result' in json && json.result === 0;
  }
}

/** `YYYY-MM-DD HH:mm:ss` in Beijing time, as both providers write times. */
export function beijingTime(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}
