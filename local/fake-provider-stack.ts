import { randomBytes } from 'node:crypto';
import type { SimulatedPhoneNetwork } from '../shared/adapters/simulated-phone-network';
import { TEMPLATE_KEYS, type TemplateConfig } from '../shared/adapters/sms-providers/templates';
import { FakeAliyun } from './fake-aliyun';
import type { FakeProvider } from './fake-provider';
import { FakeTencent } from './fake-tencent';
import type { DevRoute } from './server';

/** The demo deployment's registered templates: every key, in both languages. */
export function demoTemplates(provider: 'tencent' | 'aliyun'): TemplateConfig {
  const id = (i: number, offset: number) =>
    provider === 'tencent' ? String(2_000_000 + offset + i) : `SMS_${480_000_000 + offset + i}`;
  return {
    signName: '平急',
    templates: {
      zh: Object.fromEntries(TEMPLATE_KEYS.map((k, i) => [k, id(i, 0)])),
      en: Object.fromEntries(TEMPLATE_KEYS.map((k, i) => [k, id(i, 500)])),
    },
  };
}

/** The demo deployment's voice call (`PINGJI_VOICE=on npm start`), docs/sms.md "Voice call". */
export function demoVoice(provider: 'tencent' | 'aliyun', afterSeconds: number) {
  return {
    provider,
    ...(provider === 'tencent' ? { appId: '1400000009' } : {}),
    templateId: provider === 'tencent' ? '2100001' : 'TTS_480000001',
    drillTemplateId: provider === 'tencent' ? '2100002' : 'TTS_480000002',
    params: ['community', 'incident', 'team', 'muster'],
    afterSeconds,
  };
}

/**
 * Starts the fake Tencent or Alibaba provider on loopback and points the handlers' SDK at it,
 * through the same variables a deployment sets. Returns nothing for the simulated network.
 */
export async function startFakeProvider(
  options: {
    smsProvider?: 'simulated' | 'tencent' | 'aliyun';
    fakeProvider?: { duplicates?: boolean; outOfOrder?: boolean; manualReceipts?: boolean };
  },
  phones: SimulatedPhoneNetwork,
  apiUrl: () => string,
): Promise<FakeProvider | undefined> {
  const name = options.smsProvider ?? 'simulated';
  process.env.PINGJI_SMS_PROVIDER = name;
  if (name === 'simulated') return undefined;
  const templates = demoTemplates(name);
  const credentials = { id: `local-${name}-key`, secret: randomBytes(24).toString('hex') };
  const token = randomBytes(24).toString('hex');
  const fakeOptions = {
    templates,
    credentials,
    deliver: (sms: { to: string; body: string; dedupeKey: string }) => phones.send(sms),
    callbackUrl: (kind: 'receipts' | 'replies' | 'voice') => `${apiUrl()}/sms/${name}/${kind}?token=${token}`,
    autoReceipts: !options.fakeProvider?.manualReceipts,
    duplicates: options.fakeProvider?.duplicates,
    outOfOrder: options.fakeProvider?.outOfOrder,
  };
  const appId = '1400000001';
  const fake = name === 'tencent' ? new FakeTencent(fakeOptions, appId) : new FakeAliyun(fakeOptions);
  const endpoint = await fake.start();
  Object.assign(process.env, {
    PINGJI_SMS_TEMPLATES: JSON.stringify(templates),
    PINGJI_SMS_KEY_ID: credentials.id,
    PINGJI_SMS_KEY_SECRET: credentials.secret,
    PINGJI_SMS_CALLBACK_TOKEN: token,
    PINGJI_TENCENT_SDK_APP_ID: appId,
    PINGJI_SMS_ENDPOINT: endpoint,
    PINGJI_SMS_ENDPOINT_PROTOCOL: 'http',
  });
  if (process.env.PINGJI_VOICE === 'on') {
    // The voice call for the silent, on the same fake: rung midway between reminder and noResponse.
    const realert = Number(process.env.PINGJI_REALERT_AFTER_SECONDS ?? 600);
    const noResponse = Number(process.env.PINGJI_NO_RESPONSE_AFTER_SECONDS ?? 1200);
    process.env.PINGJI_VOICE = JSON.stringify(demoVoice(name, Math.floor((realert + noResponse) / 2)));
    process.env.PINGJI_VOICE_ENDPOINT = endpoint;
  }
  return fake;
}

/** `GET /dev/sms/provider`: the fake's counts since start. */
export function fakeProviderRoutes(provider: FakeProvider | undefined): DevRoute[] {
  return [
    {
      method: 'GET',
      path: '/dev/sms/provider',
      async handle() {
        if (!provider) return { status: 200, body: { provider: 'simulated', apiCalls: 0, messages: 0 } };
        return { status: 200, body: provider.counts() };
      },
    },
  ];
}
