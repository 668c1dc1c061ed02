import { describe, expect, it } from 'vitest';
import { DEFAULT_REGION, resolveSettings, smsRatePerConsumer } from '../../infra/settings';

/** The least a China stack needs: the region, a mainland SMS provider, an OpenID Connect issuer. */
const CHINA = {
  region: 'cn-north-1',
  smsProvider: 'tencent',
  oidcIssuer: 'https://idp.example.gov.cn/realms/pingji',
  oidcAudience: 'pingji-console',
};

/** A context lookup over a plain object, as `app.node.tryGetContext` answers. */
const contextOf =
  (values: Record<string, unknown>) =>
  (key: string): unknown =>
    values[key];

describe('deployment settings', () => {
  it('defaults to dev, SNS default quota shared by two consumers, no email, no console URL', () => {
    const settings = resolveSettings(contextOf({}), {});

    expect(settings).toEqual({
      stage: 'dev',
      account: undefined,
      region: DEFAULT_REGION,
      alarmEmail: undefined,
      consoleUrl: undefined,
      sms: { accountTps: 20, consumers: 2, senderId: undefined, originationNumber: undefined },
      smsProvider: { provider: 'sns' },
      identity: { kind: 'cognito' },
      consoleDomain: undefined,
    });
  });

  it('falls back to ap-southeast-1 when neither context nor the CLI names a region', () => {
    expect(resolveSettings(contextOf({}), { CDK_DEFAULT_REGION: '' }).region).toBe('ap-southeast-1');
  });

  it('takes the region the CDK CLI found, and -c region over it', () => {
    const env = { CDK_DEFAULT_REGION: 'ap-east-1', CDK_DEFAULT_ACCOUNT: '111122223333' };

    expect(resolveSettings(contextOf({}), env)).toMatchObject({
      region: 'ap-east-1',
      account: '111122223333',
    });
    expect(resolveSettings(contextOf({ region: 'ap-northeast-1' }), env).region).toBe('ap-northeast-1');
  });

  it.each(['cn-north-1', 'cn-northwest-1'])(
    'in %s, asks for a mainland SMS provider and an OpenID Connect issuer, with an example',
    (region) => {
      const fromContext = () => resolveSettings(contextOf({ region }), {});
      const fromCli = () => resolveSettings(contextOf({}), { CDK_DEFAULT_REGION: region });

      for (const attempt of [fromContext, fromCli]) {
        expect(attempt).toThrow(`smsProvider is required in ${region}`);
        expect(attempt).toThrow(/SNS SMS is not offered in the AWS China regions/);
        expect(attempt).toThrow(`oidcIssuer is required in ${region}`);
        expect(attempt).toThrow(/Cognito user pools are not offered/);
        expect(attempt).toThrow(/npx cdk synth .*-c oidcIssuer=/);
      }
    },
  );

  it('takes the claim names an office’s own identity provider uses for groups and communities', () => {
    const settings = resolveSettings(
      contextOf({ ...CHINA, oidcGroupsClaim: 'groups', oidcCommunitiesClaim: 'pingji_communities' }),
      {},
    );

    expect(settings.identity).toEqual({
      kind: 'oidc',
      issuer: CHINA.oidcIssuer,
      audiences: ['pingji-console'],
      claims: { groups: 'groups', communities: 'pingji_communities' },
    });
  });

  it('takes a China region with a mainland provider and the office’s own identity provider', () => {
    const settings = resolveSettings(
      contextOf({
        ...CHINA,
        region: 'cn-northwest-1',
        smsProvider: 'aliyun',
        oidcAudience: 'console, ops-cli',
      }),
      {},
    );

    expect(settings).toMatchObject({
      region: 'cn-northwest-1',
      smsProvider: { provider: 'aliyun' },
      identity: { kind: 'oidc', issuer: CHINA.oidcIssuer, audiences: ['console', 'ops-cli'] },
      consoleDomain: undefined,
    });
  });

  it('reads the provider’s signature, application and templates, the templates as -c gives them (JSON) or cdk.json (an object)', () => {
    const templates = { 'alert.zh-CN': '2345678', 'reminder.zh-CN': { id: '2345679', params: ['team'] } };
    const fromCli = resolveSettings(
      contextOf({
        ...CHINA,
        smsSignName: '平急',
        smsSdkAppId: '1400000000',
        smsTemplates: JSON.stringify(templates),
        smsSecretArn: 'arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:pingji/tencent-AbCdEf',
      }),
      {},
    );
    const fromCdkJson = resolveSettings(contextOf({ ...CHINA, smsTemplates: templates }), {});

    expect(fromCli.smsProvider).toEqual({
      provider: 'tencent',
      signName: '平急',
      sdkAppId: '1400000000',
      templates,
      secretArn: 'arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:pingji/tencent-AbCdEf',
    });
    expect(fromCdkJson.smsProvider.templates).toEqual(templates);
  });

  it('lets a commercial region use a mainland provider or its own identity provider too, and keeps Cognito otherwise', () => {
    const settings = resolveSettings(
      contextOf({ smsProvider: 'tencent', oidcIssuer: CHINA.oidcIssuer, oidcAudience: 'console' }),
      {},
    );

    expect(settings.region).toBe('ap-southeast-1');
    expect(settings.smsProvider.provider).toBe('tencent');
    expect(settings.identity).toEqual({ kind: 'oidc', issuer: CHINA.oidcIssuer, audiences: ['console'] });
  });

  it('puts the console of a China stack on an ICP-filed domain with its IAM certificate', () => {
    const settings = resolveSettings(
      contextOf({
        ...CHINA,
        consoleDomain: 'Pingji.Example.gov.cn',
        consoleCertificateId: 'ASCACKCEVSQ6C2EXAMPLE',
      }),
      {},
    );

    expect(settings.consoleDomain).toEqual({
      domainName: 'pingji.example.gov.cn',
      certificateId: 'ASCACKCEVSQ6C2EXAMPLE',
    });
  });

  it.each([
    [{ ...CHINA, smsProvider: 'sns' }, /smsProvider sns cannot be used in cn-north-1/],
    [{ ...CHINA, oidcIssuer: undefined }, /oidcIssuer is required in cn-north-1/],
    [{ ...CHINA, oidcAudience: '' }, /oidcAudience is required with oidcIssuer/],
    [{ oidcAudience: 'console' }, /oidcAudience needs oidcIssuer/],
    [{ oidcGroupsClaim: 'groups' }, /oidcGroupsClaim and oidcCommunitiesClaim need oidcIssuer/],
    [{ ...CHINA, oidcCommunitiesClaim: 'a b' }, /oidcCommunitiesClaim must be a claim name/],
    [{ ...CHINA, oidcIssuer: 'http://idp.example.gov.cn' }, /oidcIssuer must be an https URL/],
    [{ smsProvider: 'twilio' }, /smsProvider must be one of simulated, sns, tencent, aliyun/],
    [
      { consoleDomain: 'pingji.example.org', consoleCertificateId: 'ASCACKCEVSQ6C2EXAMPLE' },
      /consoleDomain is for the AWS China regions/,
    ],
    [{ ...CHINA, consoleDomain: 'pingji.example.gov.cn' }, /consoleDomain needs consoleCertificateId/],
    [{ ...CHINA, consoleDomain: 'https://pingji.example.gov.cn' }, /consoleDomain must be a host name/],
    [{ ...CHINA, smsTemplates: '{not json' }, /smsTemplates must be a JSON object/],
    [{ ...CHINA, smsTemplates: '{}' }, /smsTemplates names no template/],
    [{ ...CHINA, smsSignName: '【平急】' }, /smsSignName is the signature without 【】/],
    [{ ...CHINA, smsSdkAppId: '14000' }, /smsSdkAppId must be the 10-digit SmsSdkAppId/],
    [
      { ...CHINA, smsProvider: 'aliyun', smsSdkAppId: '1400000000' },
      /smsSdkAppId is Tencent Cloud's SmsSdkAppId/,
    ],
    [{ smsSignName: '平急' }, /smsSignName is for smsProvider tencent or aliyun, not sns/],
    [{ ...CHINA, smsSenderId: 'PINGJI' }, /smsSenderId is an SNS setting, not for smsProvider tencent/],
    [
      { ...CHINA, smsSecretArn: 'arn:aws:secretsmanager:ap-southeast-1:111122223333:secret:pingji-AbCdEf' },
      /smsSecretArn is in the aws partition, but cn-north-1 is in aws-cn/,
    ],
    [{ ...CHINA, smsSecretArn: 'pingji/tencent' }, /smsSecretArn must be the complete ARN/],
  ])('rejects the combination %o, naming what to change', (context, message) => {
    expect(() => resolveSettings(contextOf(context), {})).toThrow(message);
  });

  it('reads the stage, alarm email, console URL and SMS settings from context, as -c gives them (strings)', () => {
    const settings = resolveSettings(
      contextOf({
        stage: 'prod',
        alarmEmail: 'duty@example.org',
        consoleUrl: 'https://console.example.org/',
        smsTps: '100',
        smsConsumers: '4',
        smsSenderId: 'PINGJI',
        smsOriginationNumber: '+6580000000',
      }),
      {},
    );

    expect(settings).toMatchObject({
      stage: 'prod',
      alarmEmail: 'duty@example.org',
      consoleUrl: 'https://console.example.org/',
      sms: { accountTps: 100, consumers: 4, senderId: 'PINGJI', originationNumber: '+6580000000' },
    });
  });

  it('treats an empty -c value as not given', () => {
    expect(resolveSettings(contextOf({ alarmEmail: '', consoleUrl: ' ' }), {})).toMatchObject({
      alarmEmail: undefined,
      consoleUrl: undefined,
    });
  });

  it.each([
    [{ stage: 'staging' }, /stage must be dev or prod/],
    [{ alarmEmail: 'not-an-address' }, /alarmEmail/],
    [{ consoleUrl: 'http://console.example.org' }, /consoleUrl must use https/],
    [{ consoleUrl: 'ftp://console.example.org' }, /consoleUrl/],
    [{ smsTps: '0' }, /smsTps/],
    [{ smsConsumers: '2.5' }, /smsConsumers/],
    [{ smsSenderId: 'MUCH-TOO-LONG-ID' }, /smsSenderId/],
    [{ smsTps: '3', smsConsumers: '4' }, /smsConsumers \(4\) may not exceed smsTps \(3\)/],
  ])('rejects %o', (context, message) => {
    expect(() => resolveSettings(contextOf(context), {})).toThrow(message);
  });

  it('accepts a console on localhost over plain http, for a console run locally against AWS', () => {
    expect(resolveSettings(contextOf({ consoleUrl: 'http://localhost:5173/' }), {}).consoleUrl).toBe(
      'http://localhost:5173/',
    );
  });

  it('gives each consumer its share of the quota, so all of them together never exceed it', () => {
    for (const [accountTps, consumers] of [
      [20, 2],
      [20, 3],
      [100, 4],
      [7, 7],
      [1, 1],
    ] as const) {
      const rate = smsRatePerConsumer({ accountTps, consumers });

      expect(rate).toBeGreaterThanOrEqual(1);
      expect(rate * consumers).toBeLessThanOrEqual(accountTps);
    }
  });
});
