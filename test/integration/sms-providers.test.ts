import { afterEach, describe, expect, it } from 'vitest';
import { FakeAliyun } from '../../local/fake-aliyun';
import type { FakeProvider } from '../../local/fake-provider';
import { FakeTencent } from '../../local/fake-tencent';
import { SmsRejectedError, SmsThrottledError } from '../../shared/adapters/sms-gateway';
import { AliyunSmsProvider } from '../../shared/adapters/sms-providers/aliyun';
import {
  type ProviderBatch,
  ProviderCallError,
  type SmsProvider,
} from '../../shared/adapters/sms-providers/port';
import {
  ProviderSmsGateway,
  SmsFrequencyLimitedError,
} from '../../shared/adapters/sms-providers/provider-gateway';
import { TEMPLATE_KEYS, type TemplateConfig } from '../../shared/adapters/sms-providers/templates';
import { TencentSmsProvider } from '../../shared/adapters/sms-providers/tencent';
import type { SmsMessage } from '../../shared/domain/sms';

const templates: TemplateConfig = {
  signName: '平急',
  templates: { zh: Object.fromEntries(TEMPLATE_KEYS.map((k, i) => [k, String(100000 + i)])) },
};
const credentials = { id: 'AKIDlocaltest', secret: 'local-secret-key' };
const alert: SmsMessage = {
  type: 'alert',
  drill: false,
  communityName: '幸福里社区',
  kind: 'flood',
  level: 'II',
  teamName: '三网格',
  leaderName: '王建国',
  musterPoint: '社区广场东门',
  isLeader: false,
};
const phones = ['+8613800138001', '+8613800138002', '+8613800138003'];

type Setup = { fake: FakeProvider; provider: SmsProvider; inbox: { to: string; body: string }[] };
const running: FakeProvider[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.stop()));
});

async function setUp(
  kind: 'tencent' | 'aliyun',
  secret = credentials.secret,
  timeoutMs = 5_000,
): Promise<Setup> {
  const inbox: { to: string; body: string }[] = [];
  const options = {
    templates,
    credentials,
    deliver: async (sms: { to: string; body: string }) => {
      inbox.push(sms);
    },
  };
  const fake = kind === 'tencent' ? new FakeTencent(options, '1400000001') : new FakeAliyun(options);
  running.push(fake);
  const endpoint = await fake.start();
  const creds = async () => ({ id: credentials.id, secret });
  const provider =
    kind === 'tencent'
      ? new TencentSmsProvider({
          credentials: creds,
          region: 'ap-guangzhou',
          smsSdkAppId: '1400000001',
          signName: templates.signName,
          endpoint,
          protocol: 'http://',
          timeoutSeconds: timeoutMs / 1000,
        })
      : new AliyunSmsProvider({
          credentials: creds,
          signName: templates.signName,
          endpoint,
          protocol: 'http',
          timeoutMs,
        });
  return { fake, provider, inbox };
}

function batch(provider: SmsProvider, to: readonly string[]): ProviderBatch {
  const limit = provider.variableLimit;
  return {
    templateId: templates.templates.zh?.alert ?? '',
    names: ['community', 'incident', 'team', 'leader', 'muster'],
    params: ['幸福里社区', '防汛Ⅱ级', '三网格', '王建国', '社区广场东门'].map((v) =>
      [...v].slice(0, limit).join(''),
    ),
    recipients: to.map((phone, i) => ({ phone, dedupeKey: `k${i}` })),
    context: 'pingji:test',
  };
}

describe.each(['tencent', 'aliyun'] as const)('%s through its official SDK against the fake', (kind) => {
  it('sends a team in one signed call and renders the registered template', async () => {
    const { fake, provider, inbox } = await setUp(kind);
    const results = await provider.sendBatch(batch(provider, phones));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(fake.apiCalls).toBe(1);
    expect(fake.badSignatures).toBe(0);
    expect(fake.messages).toBe(3);
    expect(inbox.map((m) => m.to)).toEqual(phones);
    expect(inbox[0]?.body).toBe(
      '【平急】幸福里社区启动防汛Ⅱ级响应：您在三网格先锋队，队长王建国，速到社区广场东门集合。回1来，2不能，3已到；TD退订',
    );
  });

  it('refuses a request signed with the wrong secret, and calls it broken configuration', async () => {
    const { fake, provider } = await setUp(kind, 'not-the-secret');
    const error = await provider.sendBatch(batch(provider, phones)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderCallError);
    expect(error instanceof ProviderCallError && error.failure.kind).toBe('misconfigured');
    expect(fake.badSignatures).toBe(1);
    expect(fake.messages).toBe(0);
  });

  it('reports throttling and time-outs as try-later', async () => {
    const { fake, provider } = await setUp(kind, credentials.secret, 300);
    fake.failures.throttleCalls = 1;
    const throttled = await provider.sendBatch(batch(provider, phones)).catch((e: unknown) => e);
    expect(throttled instanceof ProviderCallError && throttled.failure.kind).toBe('throttled');
    fake.failures.timeoutCalls = 1;
    const timedOut = await provider.sendBatch(batch(provider, phones)).catch((e: unknown) => e);
    expect(timedOut instanceof ProviderCallError && timedOut.failure.kind).toBe('throttled');
    expect(fake.messages).toBe(0);
    const after = await provider.sendBatch(batch(provider, phones));
    expect(after.every((r) => r.ok)).toBe(true);
  });

  it('refuses one number and frequency-limits another, and sends the rest', async () => {
    const { fake, provider, inbox } = await setUp(kind);
    fake.failures.refuse.add(phones[0] ?? '');
    fake.failures.frequencyLimit.add(phones[1] ?? '');
    const results = await provider.sendBatch(batch(provider, phones));
    expect(results.map((r) => (r.ok ? 'ok' : r.kind))).toEqual(['refused', 'frequencyLimited', 'ok']);
    expect(inbox.map((m) => m.to)).toEqual([phones[2]]);
  });

  it('sends one alert to many numbers in one call, and tells each number its own outcome', async () => {
    const { fake, provider } = await setUp(kind);
    fake.failures.frequencyLimit.add(phones[0] ?? '');
    const gateway = new ProviderSmsGateway(provider, templates);
    const [limited, ...sent] = await gateway.sendMany(
      phones.map((to, i) => ({
        to,
        body: '',
        dedupeKey: `d${i}`,
        template: { message: alert, locale: 'zh' },
      })),
    );
    expect(limited).toBeInstanceOf(SmsFrequencyLimitedError);
    expect(limited instanceof SmsRejectedError && limited.reason).toMatch(/^frequencyLimited: /);
    expect(sent.every((o) => !(o instanceof Error))).toBe(true);
    // Alibaba answers a batch as a whole, so it sends the refused batch again number by number.
    expect(fake.apiCalls).toBe(kind === 'tencent' ? 1 : 4);
  });

  it('turns throttling into the sender’s try-later error', async () => {
    const { fake, provider } = await setUp(kind);
    fake.failures.throttleCalls = 1;
    const gateway = new ProviderSmsGateway(provider, templates);
    await expect(
      gateway.send({
        to: phones[0] ?? '',
        body: '',
        dedupeKey: 'x',
        template: { message: alert, locale: 'zh' },
      }),
    ).rejects.toBeInstanceOf(SmsThrottledError);
  });

  it('sends a claimed group in one call per content, and answers each message in order', async () => {
    const { fake, provider, inbox } = await setUp(kind);
    fake.failures.refuse.add(phones[1] ?? '');
    const gateway = new ProviderSmsGateway(provider, templates);
    const leaderless = { ...alert, teamName: '四网格' };
    const list = [...phones, phones[0] ?? ''].map((to, i) => ({
      to,
      body: '',
      dedupeKey: `d${i}`,
      template: { message: i === 2 ? leaderless : alert, locale: 'zh' as const },
    }));

    const results = await gateway.sendMany(list);

    expect(results.map((r) => (r instanceof Error ? r.constructor.name : 'sent'))).toEqual([
      'sent',
      'SmsRejectedError',
      'sent',
      'sent',
    ]);
    // One call for 三网格 (the repeated number in a later one), one for 四网格; Alibaba sends a
    // refused call again number by number.
    expect(fake.apiCalls).toBe(kind === 'tencent' ? 3 : 5);
    expect(inbox.filter((m) => m.to === phones[0])).toHaveLength(2);
  });

  it('tells whether a send whose answer never came reached the number, by the content and the claim time', async () => {
    const { fake, provider, inbox } = await setUp(kind, credentials.secret, 300);
    const gateway = new ProviderSmsGateway(provider, templates);
    const since = new Date(Date.now() - 1_000).toISOString();
    const sms = (to: string, i: number) => ({
      to,
      body: '',
      dedupeKey: `d${i}`,
      template: { message: alert, locale: 'zh' as const },
    });
    fake.failures.crashCalls = 1;

    const results = await gateway.sendMany(phones.slice(0, 2).map(sms));

    expect(results.every((r) => r instanceof SmsThrottledError)).toBe(true);
    expect(inbox.map((m) => m.to)).toEqual(phones.slice(0, 2));
    const asked = await Promise.all(
      phones.map((to, i) => gateway.wasSent(`d${i}`, { ...sms(to, i), since })),
    );
    expect(asked).toEqual(['yes', 'yes', 'unknown']);
    // Other content, or a claim after the send, is not this message.
    const other = {
      ...sms(phones[0] ?? '', 0),
      template: { message: { ...alert, teamName: '五网格' }, locale: 'zh' as const },
    };
    expect(await gateway.wasSent('d0', { ...other, since })).toBe('unknown');
    const later = new Date(Date.now() + 5_000).toISOString();
    expect(await gateway.wasSent('d0', { ...sms(phones[0] ?? '', 0), since: later })).toBe('unknown');
    expect(fake.statusQueries).toBeGreaterThanOrEqual(5);
    expect(fake.badSignatures).toBe(0);
  });

  it('answers unknown when the status query fails, so the message is sent again', async () => {
    const { fake, provider } = await setUp(kind, 'not-the-secret');
    const gateway = new ProviderSmsGateway(provider, templates);
    const check = {
      to: phones[0] ?? '',
      body: '',
      dedupeKey: 'd0',
      template: { message: alert, locale: 'zh' as const },
      since: new Date(Date.now() - 1_000).toISOString(),
    };
    expect(await gateway.wasSent('d0', check)).toBe('unknown');
    expect(fake.badSignatures).toBeGreaterThanOrEqual(1);
  });
});
