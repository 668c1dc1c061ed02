import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { demoTemplates } from '../../local/fake-provider-stack';
import { FakeTencent } from '../../local/fake-tencent';
import type { OutgoingSms, SentCheck, SentSms, SmsGateway } from '../../shared/adapters/sms-gateway';
import { ProviderSmsGateway } from '../../shared/adapters/sms-providers/provider-gateway';
import { OPTIONAL_TEMPLATE_KEYS, type TemplateConfig } from '../../shared/adapters/sms-providers/templates';
import { TencentSmsProvider } from '../../shared/adapters/sms-providers/tencent';
import {
  type CountingGateway,
  childSettings,
  progress,
  sleep,
  startHarness,
  writeResult,
} from '../support/harness';
import { PacedGateway } from '../support/paced-gateway';
import { benchStreet, seedBenchStreet } from '../support/roster';

export type ProviderArgs = { people: number; rate: number; burst: number; batchSize: number };

/**
 * One level I press, through SNS-like paced sending or through the fake Tencent Cloud SMS: with
 * the deployment's default templates (`tencent`: a leader gets the team's alert), or with the
 * optional leader templates registered too (`tencentLeader`: one more call per team).
 */
export type ProviderPress = {
  via: 'sns' | 'tencent' | 'tencentLeader';
  drafted: number;
  alerts: number;
  /** Tencent `SendSms` calls made for this press (none for SNS, which takes one message a call). */
  apiCalls: number;
  apiCallsPerAlert: number;
  /** Press to the 201, and to the last alert the provider (or the paced gateway) accepted. */
  timeTo201Ms: number;
  lastAlertMs: number;
  /** Every DynamoDB request of the switch, plan → draftees and sending, per drafted person. */
  requests: number;
  requestsPerDrafted: number;
  badSignatures: number;
  load: [number, number];
};

export type ProviderResult = {
  people: number;
  rate: number;
  batchSize: number;
  seedMs: number;
  presses: ProviderPress[];
};

/** Sends through whichever gateway the press is for, and counts what every gateway accepted. */
class SwitchingGateway implements CountingGateway {
  current: SmsGateway;
  constructor(
    private readonly paced: PacedGateway,
    private readonly accepted: () => number,
  ) {
    this.current = paced;
  }
  send(sms: OutgoingSms): Promise<SentSms> {
    return this.current.send(sms);
  }
  get batchLimit() {
    return this.current.batchLimit;
  }
  /** The current gateway's batch path, if it has one: the sender asks at every invocation. */
  get sendMany() {
    return this.current.sendMany?.bind(this.current);
  }
  wasSent(dedupeKey: string, check?: SentCheck) {
    return this.current.wasSent(dedupeKey, check);
  }
  count(): number {
    return this.paced.count() + this.accepted();
  }
}

const COMMUNITY = 'pv';

async function main(): Promise<void> {
  const { endpoint, resultFile, args } = childSettings<ProviderArgs>();
  const label = `provider ${args.people.toLocaleString('en')}`;
  const templates = demoTemplates('tencent');
  const credentials = { id: 'bench-tencent-key', secret: randomBytes(24).toString('hex') };
  /** When the fake accepted each alert, by phone (`performance.now()`). */
  const acceptedAt: number[] = [];
  const fake = new FakeTencent(
    {
      templates,
      credentials,
      // Accepted is what is measured: nothing is written to simulated phones, so the table sees
      // only the service's own requests, as with SNS.
      deliver: async () => {
        acceptedAt.push(performance.now());
      },
      autoReceipts: false,
    },
    '1400000001',
    // An emergency account granted 20 characters a variable (docs/sms.md), as the adapter is told.
    20,
  );
  const fakeEndpoint = await fake.start();
  const provider = new TencentSmsProvider({
    credentials: async () => credentials,
    region: 'ap-guangzhou',
    smsSdkAppId: '1400000001',
    signName: templates.signName,
    endpoint: fakeEndpoint,
    protocol: 'http://',
    variableLimit: 20,
  });
  const paced = new PacedGateway(args.rate, args.burst, 0);
  const gateway = new SwitchingGateway(paced, () => fake.messages);
  // The deployment's default: no leader templates, so a whole team shares one call.
  const withoutLeader: TemplateConfig = {
    ...templates,
    templates: Object.fromEntries(
      Object.entries(templates.templates).map(([locale, ids]) => [
        locale,
        Object.fromEntries(Object.entries(ids ?? {}).filter(([key]) => !OPTIONAL_TEMPLATE_KEYS.has(key))),
      ]),
    ),
  };
  const tencent = new ProviderSmsGateway(provider, withoutLeader);
  const tencentLeader = new ProviderSmsGateway(provider, templates);
  const h = await startHarness({
    endpoint: endpoint(),
    tableName: `bench-provider-${args.people}-${Date.now()}`,
    gateway,
    rate: args.rate,
    batchSize: args.batchSize,
  });
  try {
    const data = benchStreet([{ communityId: COMMUNITY, people: args.people }]);
    progress(label, `seeding ${args.people.toLocaleString('en')} people in one community of 12 grids…`);
    const seedStart = performance.now();
    await seedBenchStreet(data, h.seedUseCases(), (done, total) =>
      progress(label, `  seeded ${done.toLocaleString('en')} / ${total.toLocaleString('en')}`),
    );
    const seedMs = performance.now() - seedStart;
    progress(label, `seeded in ${(seedMs / 1000).toFixed(1)} s`);

    const presses: ProviderPress[] = [];
    presses.push(await press('sns'));
    await standDown();
    gateway.current = tencent;
    presses.push(await press('tencent'));
    await standDown();
    gateway.current = tencentLeader;
    presses.push(await press('tencentLeader'));
    for (const p of presses)
      progress(
        label,
        `${p.via}: ${p.drafted} drafted, 201 in ${p.timeTo201Ms.toFixed(0)} ms, last alert at ${(p.lastAlertMs / 1000).toFixed(1)} s, ${p.apiCallsPerAlert.toFixed(4)} API calls per alert, ${p.requestsPerDrafted.toFixed(4)} DynamoDB requests per drafted person`,
      );
    writeResult(resultFile, {
      people: args.people,
      rate: args.rate,
      batchSize: args.batchSize,
      seedMs,
      presses,
    } satisfies ProviderResult);
  } finally {
    await h.stop();
    await fake.stop();
  }

  async function press(via: ProviderPress['via']): Promise<ProviderPress> {
    await h.settle();
    h.counter.reset();
    const pacedMark = paced.accepts.length;
    const fakeMark = acceptedAt.length;
    const callsMark = fake.apiCalls;
    const loadBefore = loadavg()[0] ?? 0;
    const start = performance.now();
    const response = await fetch(`${h.stack.url}/communities/${COMMUNITY}/activations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'flood', level: 'I', note: `bench ${via}` }),
    });
    const text = await response.text();
    const timeTo201Ms = performance.now() - start;
    if (response.status !== 201) throw new Error(`switch answered ${response.status}: ${text.slice(0, 500)}`);
    const body = JSON.parse(text) as { drafted: number };
    progress(label, `${via}: 201 in ${timeTo201Ms.toFixed(0)} ms; ${body.drafted} drafted; sending…`);
    const accepted = () => (via === 'sns' ? paced.accepts.length - pacedMark : acceptedAt.length - fakeMark);
    const deadline = performance.now() + (body.drafted / args.rate) * 5_000 + 180_000;
    let lastReport = performance.now();
    while (accepted() < body.drafted) {
      if (performance.now() > deadline)
        throw new Error(`only ${accepted()} of ${body.drafted} alerts accepted in time`);
      await sleep(200);
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        progress(label, `  ${accepted()} / ${body.drafted} alerts accepted`);
      }
    }
    const times =
      via === 'sns' ? paced.accepts.slice(pacedMark).map((a) => a.at) : acceptedAt.slice(fakeMark);
    await h.settle();
    const counted = h.counter.read();
    const requests = counted.tallies
      .filter((t) => t.actor === 'api' || t.actor === 'stream')
      .reduce((sum, t) => sum + t.requests, 0);
    const apiCalls = via === 'sns' ? 0 : fake.apiCalls - callsMark;
    const alerts = accepted();
    return {
      via,
      drafted: body.drafted,
      alerts,
      apiCalls,
      apiCallsPerAlert: via === 'sns' ? 1 : apiCalls / Math.max(1, alerts),
      timeTo201Ms,
      lastAlertMs: times.reduce((a, b) => Math.max(a, b), start) - start,
      requests,
      requestsPerDrafted: requests / Math.max(1, body.drafted),
      badSignatures: fake.badSignatures,
      load: [loadBefore, loadavg()[0] ?? 0],
    };
  }

  async function standDown(): Promise<void> {
    const mode = await h.call<{ activationId?: string }>('GET', `/communities/${COMMUNITY}/mode`);
    const id = mode.body.activationId;
    if (!id) throw new Error('no open activation to stand down');
    const result = await h.call('POST', `/activations/${id}/stand-down`);
    if (result.status !== 200) throw new Error(`stand-down answered ${result.status}`);
    progress(label, 'stood down; waiting for the stand-down notices');
    await h.settle();
  }
}

await main();
