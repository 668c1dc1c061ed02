import { describe, expect, it } from 'vitest';
import { DEFAULT_REGION, resolveSettings, smsRatePerConsumer } from '../../infra/settings';

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

  it.each(['cn-north-1', 'cn-northwest-1'])('refuses %s, naming the reason and the way out', (region) => {
    const fromContext = () => resolveSettings(contextOf({ region }), {});
    const fromCli = () => resolveSettings(contextOf({}), { CDK_DEFAULT_REGION: region });

    for (const attempt of [fromContext, fromCli]) {
      expect(attempt).toThrow(region);
      expect(attempt).toThrow(/Cognito user pools and SNS SMS are not offered/);
      expect(attempt).toThrow(/ap-southeast-1/);
      expect(attempt).toThrow(/docs\/deploy\.md/);
    }
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
