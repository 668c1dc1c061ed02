import { afterEach, describe, expect, it } from 'vitest';
import { FakeAliyun } from '../../local/fake-aliyun';
import type { FakeProvider } from '../../local/fake-provider';
import { FakeTencent } from '../../local/fake-tencent';
import { ProviderCallError } from '../../shared/adapters/sms-providers/port';
import { TEMPLATE_KEYS, type TemplateConfig } from '../../shared/adapters/sms-providers/templates';
import { AliyunVoiceProvider } from '../../shared/adapters/voice/aliyun';
import type { VoiceCall, VoiceProvider } from '../../shared/adapters/voice/port';
import { TencentVoiceProvider } from '../../shared/adapters/voice/tencent';

/**
 * The voice adapters on the providers' own clients (Tencent's `CommonClient`, Alibaba's
 * `openapi-core`) against the fake providers, which check each request's signature: a call is
 * placed with the template, its values and the context, and a refused or capped number is an
 * error of the right kind.
 */

const templates: TemplateConfig = {
  signName: '平急',
  templates: { zh: Object.fromEntries(TEMPLATE_KEYS.map((k, i) => [k, String(100000 + i)])) },
};
const credentials = { id: 'AKIDlocaltest', secret: 'local-secret-key' };
const running: FakeProvider[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.stop()));
});

async function setUp(kind: 'tencent' | 'aliyun', secret = credentials.secret) {
  const options = { templates, credentials, deliver: async () => undefined };
  const fake = kind === 'tencent' ? new FakeTencent(options, '1400000001', 20) : new FakeAliyun(options);
  running.push(fake);
  const endpoint = await fake.start();
  const creds = async () => ({ id: credentials.id, secret });
  const provider: VoiceProvider =
    kind === 'tencent'
      ? new TencentVoiceProvider({
          credentials: creds,
          region: 'ap-guangzhou',
          appId: '1400000009',
          playTimes: 2,
          endpoint,
          protocol: 'http://',
          timeoutSeconds: 5,
        })
      : new AliyunVoiceProvider({
          credentials: creds,
          playTimes: 2,
          endpoint,
          protocol: 'http',
          timeoutMs: 5_000,
        });
  return { fake, provider };
}

const call = (phone: string): VoiceCall => ({
  phone,
  templateId: '2345001',
  params: ['幸福里社区', '防汛I级', '三网格'],
  names: ['community', 'incident', 'team'],
  context: 'act-1|m-7',
});

describe.each(['tencent', 'aliyun'] as const)('%s voice calls through the official client', (kind) => {
  it('places a signed call with the template, its values and the context, and answers the call id', async () => {
    const { fake, provider } = await setUp(kind);

    const callId = await provider.placeCall(call('+8613800138001'));

    expect(fake.badSignatures).toBe(0);
    expect(fake.voiceCalls).toEqual([
      {
        callId,
        phone: '+8613800138001',
        templateId: '2345001',
        params:
          kind === 'tencent'
            ? ['幸福里社区', '防汛I级', '三网格']
            : { community: '幸福里社区', incident: '防汛I级', team: '三网格' },
        playTimes: 2,
        context: 'act-1|m-7',
      },
    ]);
  });

  it('sorts a refused number, a capped number, throttling and a wrong key into their kinds', async () => {
    const { fake, provider } = await setUp(kind);
    fake.failures.refuse.add('+8613800138002');
    fake.failures.frequencyLimit.add('+8613800138003');
    const kindOf = (phone: string, using = provider) =>
      using.placeCall(call(phone)).then(
        () => 'placed',
        (error: unknown) => (error instanceof ProviderCallError ? error.failure.kind : String(error)),
      );

    expect(await kindOf('+8613800138002')).toBe('refused');
    expect(await kindOf('+8613800138003')).toBe('frequencyLimited');
    fake.failures.throttleCalls = 1;
    expect(await kindOf('+8613800138004')).toBe('throttled');
    expect(await kindOf('+8613800138004')).toBe('placed');
    const wrongKey = await setUp(kind, 'not-the-secret');
    expect(await kindOf('+8613800138005', wrongKey.provider)).toBe('misconfigured');
    expect(wrongKey.fake.badSignatures).toBe(1);
    expect(fake.voiceCalls.map((c) => c.phone)).toEqual(['+8613800138004']);
  });
});
