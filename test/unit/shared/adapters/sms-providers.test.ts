import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { AliyunSmsProvider, classifyAliyun } from '../../../../shared/adapters/sms-providers/aliyun';
import { aliyunText, tencentText } from '../../../../shared/adapters/sms-providers/registration-texts';
import { secretReader, templateProvider } from '../../../../shared/adapters/sms-providers/settings';
import {
  parseTemplateConfig,
  resolveTemplate,
  TEMPLATE_KEYS,
  TEMPLATE_TEXTS,
  templatesFromContext,
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

  it.each([
    ['tencent', '', true],
    ['tencent', 'InternalError.Timeout', true],
    ['tencent', 'RequestLimitExceeded', false],
    ['aliyun', '', true],
    ['aliyun', 'RequestTimeout', true],
    ['aliyun', 'Throttling.User', false],
  ] as const)('%s %s may have been carried out: %s', (provider, code, uncertain) => {
    const failure = provider === 'tencent' ? classifyTencent(code) : classifyAliyun(code);
    expect(failure.kind).toBe('throttled');
    expect(failure.uncertain === true).toBe(uncertain);
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

  it("gives a leader the team's alert when the deployment registers no leader template", () => {
    const {
      alertLeader: _,
      alertBackfillLeader: __,
      alertLeaderDrill: ___,
      alertBackfillLeaderDrill: ____,
      ...rest
    } = allIds;
    const config = parseTemplateConfig(JSON.stringify({ signName: '平急', templates: { zh: rest } }));
    const team = {
      type: 'alert' as const,
      drill: false,
      communityName: '幸福里',
      kind: 'flood' as const,
      level: 'I' as const,
      teamName: '三网格',
      leaderName: '王建国',
      musterPoint: '东门',
    };
    const member = resolveTemplate(config, { message: { ...team, isLeader: false }, locale: 'zh' }, 6);
    const leader = resolveTemplate(config, { message: { ...team, isLeader: true }, locale: 'zh' }, 6);
    expect(leader).toEqual(member);
    expect(leader.templateId).toBe(allIds.alert);
    const backfilled = { ...team, isLeader: true, backfill: true, drill: true };
    expect(resolveTemplate(config, { message: backfilled, locale: 'zh' }, 6).templateId).toBe(
      allIds.alertBackfillDrill,
    );
    // Registered, the leader's own template is used, and it does not name a leader.
    const own = parseTemplateConfig(JSON.stringify({ signName: '平急', templates: { zh: allIds } }));
    const registered = resolveTemplate(own, { message: { ...team, isLeader: true }, locale: 'zh' }, 6);
    expect(registered.templateId).toBe(allIds.alertLeader);
    expect(registered.names).not.toContain('leader');
    // Only the leader templates are optional.
    const { alert: _____, ...noAlert } = rest;
    expect(() =>
      parseTemplateConfig(JSON.stringify({ signName: '平急', templates: { zh: noAlert } })),
    ).toThrow(/zh template id for alert$/);
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
    expect(t.names).toEqual(['community', 'incident', 'team', 'leader', 'muster']);
    expect(t.params).toEqual(['幸福里社区…', '公共卫生Ⅲ级', '三网格', '王建国', '社区广场东门']);
    const a = resolveTemplate(config, { message, locale: 'en' }, aliyun.variableLimit);
    expect(a.params[0]).toBe('幸福里社区(演练)');
  });

  it('puts fixed words between any two variables, as both providers require', () => {
    for (const key of TEMPLATE_KEYS)
      for (const locale of ['zh', 'en'] as const) {
        const between = (TEMPLATE_TEXTS[key]?.[locale] ?? '').split(/\{\w+\}/).slice(1, -1);
        for (const gap of between) expect(gap, `${key} ${locale}`).toMatch(/\p{L}/u);
      }
    expect(tencentText('alert', 'zh')).toBe(
      '{1}启动{2}响应：您在{3}先锋队，队长{4}，速到{5}集合。回1来，2不能，3已到；TD退订',
    );
    expect(aliyunText('standDown', 'en')).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Alibaba's placeholders are ${name}
      'The ${kind} response in ${community} is over, back to normal. Thank you for your help!',
    );
  });

  it('fills the incident phrase in the message language', () => {
    const enIds = Object.fromEntries(TEMPLATE_KEYS.map((k) => [k, `en-${k}`]));
    const config = parseTemplateConfig(
      JSON.stringify({ signName: '平急', templates: { zh: allIds, en: enIds } }),
    );
    const message = {
      type: 'reminder' as const,
      drill: false,
      communityName: '幸福里社区',
      kind: 'flood' as const,
      level: 'II' as const,
      teamName: '三网格',
      leaderName: '王建国',
      musterPoint: '东门',
      isLeader: false,
    };
    expect(resolveTemplate(config, { message, locale: 'en' }, 35)).toEqual({
      templateId: 'en-reminder',
      names: ['community', 'incident', 'muster'],
      params: ['幸福里社区', 'flood level II', '东门'],
    });
    expect(resolveTemplate(config, { message, locale: 'zh' }, 35).params).toEqual([
      '幸福里社区',
      '防汛Ⅱ级',
      '东门',
    ]);
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

describe('deployment settings', () => {
  it('reads the template ids as the CDK context gives them', () => {
    const { config, unknown } = templatesFromContext('平急', {
      'alert.zh-CN': '2345678',
      'reminder.zh': { id: '2345679', params: ['team'] },
      'alert.en-GB': '2345680',
      'alarm.zh-CN': '1',
      'alert.fr': '2',
      alert: '3',
    });
    expect(config).toEqual({
      signName: '平急',
      templates: { zh: { alert: '2345678', reminder: '2345679' }, en: { alert: '2345680' } },
    });
    expect(unknown).toEqual(['alarm.zh-CN', 'alert.fr', 'alert']);
  });

  it("reads the stack's secret in the provider's field names, and sends nothing before the key is written", async () => {
    const secrets = mockClient(SecretsManagerClient);
    const arn = 'arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:pingji/tencent-AbCdEf';
    const token = 'a-generated-callback-token-of-48-chars';
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify({ secretId: '', secretKey: '', callbackToken: token }) })
      .resolves({
        SecretString: JSON.stringify({ accessKeyId: 'AK', accessKeySecret: 'SK', callbackToken: token }),
      });
    const env = { PINGJI_SMS_SECRET_ARN: arn };
    expect(await secretReader(env)()).toEqual({ id: '', secret: '', callbackToken: token });
    expect(await secretReader(env)()).toEqual({ id: 'AK', secret: 'SK', callbackToken: token });
    secrets.restore();
  });

  it('calls a secret without a key broken configuration, for the alarm', async () => {
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ secretId: '', secretKey: '', callbackToken: 'x'.repeat(48) }),
    });
    const { provider } = templateProvider('tencent', {
      PINGJI_SMS_SECRET_ARN: 'arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:pingji/tencent-AbCdEf',
      PINGJI_SMS_TEMPLATES: JSON.stringify({ signName: '平急', templates: { zh: allIds } }),
      PINGJI_TENCENT_SDK_APP_ID: '1400000000',
    });
    const sending = provider.sendBatch({
      templateId: 'T0',
      names: [],
      params: [],
      recipients: [{ phone: '+8613800138000', dedupeKey: 'k' }],
      context: 'c',
    });
    await expect(sending).rejects.toMatchObject({ failure: { kind: 'misconfigured', code: 'NoApiKey' } });
    secrets.restore();
  });
});
