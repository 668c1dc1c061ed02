import { describe, expect, it } from 'vitest';
import { AliyunSmsProvider, classifyAliyun } from '../../../../shared/adapters/sms-providers/aliyun';
import {
  aliyunText,
  parseTemplateConfig,
  resolveTemplate,
  TEMPLATE_KEYS,
  tencentText,
  variableValue,
} from '../../../../shared/adapters/sms-providers/templates';
import { classifyTencent, TencentSmsProvider } from '../../../../shared/adapters/sms-providers/tencent';
import { callbackTokenMatches } from '../../../../shared/use-cases/sms-callbacks';

const noCredentials = async () => ({ id: 'x', secret: 'y' });
const tencent = new TencentSmsProvider({
  credentials: noCredentials,
  region: 'ap-guangzhou',
  smsSdkAppId: '1400000001',
  signName: '平急',
});
const aliyun = new AliyunSmsProvider({ credentials: noCredentials, signName: '平急' });
const allIds = Object.fromEntries(TEMPLATE_KEYS.map((k, i) => [k, `T${i}`]));

describe('error classification', () => {
  it.each([
    ['RequestLimitExceeded', 'throttled'],
    ['', 'throttled'],
    ['LimitExceeded.PhoneNumberThirtySecondLimit', 'frequencyLimited'],
    ['LimitExceeded.PhoneNumberDailyLimit', 'frequencyLimited'],
    ['LimitExceeded.AppDailyLimit', 'misconfigured'],
    ['FailedOperation.PhoneNumberInBlacklist', 'refused'],
    ['InvalidParameterValue.IncorrectPhoneNumber', 'refused'],
    ['AuthFailure.SignatureFailure', 'misconfigured'],
    ['FailedOperation.TemplateIncorrectOrUnapproved', 'misconfigured'],
    ['FailedOperation.InsufficientBalanceInSmsPackage', 'misconfigured'],
  ])('Tencent %s is %s', (code, kind) => {
    expect(classifyTencent(code).kind).toBe(kind);
  });

  it.each([
    ['Throttling.User', 'throttled'],
    ['isp.SYSTEM_ERROR', 'throttled'],
    ['isv.BUSINESS_LIMIT_CONTROL', 'frequencyLimited'],
    ['isv.DAY_LIMIT_CONTROL', 'frequencyLimited'],
    ['isv.MOBILE_NUMBER_ILLEGAL', 'refused'],
    ['SignatureDoesNotMatch', 'misconfigured'],
    ['isv.SMS_TEMPLATE_ILLEGAL', 'misconfigured'],
    ['isv.AMOUNT_NOT_ENOUGH', 'misconfigured'],
  ])('Alibaba %s is %s', (code, kind) => {
    expect(classifyAliyun(code).kind).toBe(kind);
  });
});

describe('registered templates', () => {
  it('fails the start naming each kind without a template id', () => {
    const { alertDrill: _, reminder: __, ...rest } = allIds;
    expect(() => parseTemplateConfig(JSON.stringify({ signName: '平急', templates: { zh: rest } }))).toThrow(
      /zh template id for .*alertDrill.*reminder|zh template id for .*reminder.*alertDrill/,
    );
    expect(() => parseTemplateConfig(undefined)).toThrow(/PINGJI_SMS_TEMPLATES/);
    expect(() =>
      parseTemplateConfig(JSON.stringify({ signName: '【平急】', templates: { zh: allIds } })),
    ).toThrow(/signName/);
  });

  it('gives the parameters in the order of the registered text, cut to the provider limit', () => {
    const config = parseTemplateConfig(JSON.stringify({ signName: '平急', templates: { zh: allIds } }));
    const message = {
      type: 'alert' as const,
      drill: true,
      communityName: '幸福里社区【演练】',
      kind: 'publicHealth' as const,
      level: 'III' as const,
      teamName: '三网格',
      leaderName: '王建国',
      musterPoint: '社区广场东门 www.example.cn',
      isLeader: false,
    };
    const t = resolveTemplate(config, { message, locale: 'zh' }, tencent.variableLimit);
    expect(t.templateId).toBe(allIds.alertDrill);
    expect(t.names).toEqual(['community', 'kind', 'level', 'team', 'leader', 'muster']);
    expect(t.params).toEqual(['幸福里社区…', '公共卫生', 'Ⅲ级', '三网格', '王建国', '社区广场东门']);
    const a = resolveTemplate(config, { message, locale: 'en' }, aliyun.variableLimit);
    expect(a.params[0]).toBe('幸福里社区(演练)');
  });

  it('keeps values free of 【】, links and line breaks', () => {
    expect(variableValue('【假】\n通知 http://x.cn/a 到', 35)).toBe('(假) 通知 到');
    expect(variableValue('一二三四五六七', 6)).toBe('一二三四五…');
  });

  it('writes each provider its own placeholder style', () => {
    expect(tencentText('ackConfirmedEta', 'zh')).toBe('已收到，您约{1}分钟后到。请到{2}集合，到达后回3。');
    expect(aliyunText('ackConfirmedEta', 'zh')).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Alibaba's placeholders are ${name}
      '已收到，您约${eta}分钟后到。请到${muster}集合，到达后回3。',
    );
  });
});

describe('callback bodies', () => {
  it('reads Tencent status and reply callbacks', () => {
    const receipts = tencent.parseReceipts([
      {
        user_receive_time: '2026-12-07 10:00:00',
        nationcode: '86',
        mobile: '13800138001',
        report_status: 'FAIL',
        errmsg: 'MK:0001',
        description: '空号',
        sid: 's1',
      },
    ]);
    expect(receipts).toEqual([
      {
        phone: '+8613800138001',
        messageId: 's1',
        delivered: false,
        reason: 'MK:0001 空号',
        at: '2026-12-07T02:00:00.000Z',
      },
    ]);
    const body = [
      { mobile: '13800138001', nationcode: '86', text: '1', time: 1_800_000_000, sign: '平急', extend: '' },
    ];
    const [a] = tencent.parseReplies(body);
    const [b] = tencent.parseReplies(body);
    expect(a?.from).toBe('+8613800138001');
    expect(a?.replyId).toBe(b?.replyId);
  });

  it('reads Alibaba SmsReport and SmsUp', () => {
    expect(
      aliyun.parseReceipts([
        { phone_number: '13800138001', success: true, err_code: 'DELIVERED', biz_id: 'b1', out_id: 'o' },
      ]),
    ).toEqual([
      { phone: '+8613800138001', messageId: 'b1', delivered: true, reason: undefined, at: undefined },
    ]);
    expect(aliyun.parseReplies([{ phone_number: '13800138001', content: '3', sequence_id: 42 }])).toEqual([
      { from: '+8613800138001', body: '3', replyId: '42', receivedAt: undefined },
    ]);
    expect(() => aliyun.parseReceipts({ not: 'an array' })).toThrow();
  });

  it('checks the callback token', () => {
    expect(callbackTokenMatches('s3cret-token-0123456789', 's3cret-token-0123456789')).toBe(true);
    expect(callbackTokenMatches('s3cret-token-012345678', 's3cret-token-0123456789')).toBe(false);
    expect(callbackTokenMatches(undefined, 's3cret-token-0123456789')).toBe(false);
  });
});
