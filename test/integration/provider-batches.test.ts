import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAliyun } from '../../local/fake-aliyun';
import type { FakeProvider } from '../../local/fake-provider';
import { FakeTencent } from '../../local/fake-tencent';
import { MemoryCheckpoints } from '../../local/stream-poller';
import type { OutgoingSms, SentCheck, SentSms, SmsGateway } from '../../shared/adapters/sms-gateway';
import { AliyunSmsProvider } from '../../shared/adapters/sms-providers/aliyun';
import type { SmsProvider } from '../../shared/adapters/sms-providers/port';
import { ProviderSmsGateway } from '../../shared/adapters/sms-providers/provider-gateway';
import {
  OPTIONAL_TEMPLATE_KEYS,
  TEMPLATE_KEYS,
  type TemplateConfig,
} from '../../shared/adapters/sms-providers/templates';
import { TencentSmsProvider } from '../../shared/adapters/sms-providers/tencent';
import { startConsumer, withConsumers } from './support/consumer';
import type { Api } from './support/http-client';
import { startTestApi, type TestApi } from './support/local-api';
import { oneGridCommunity, PhoneBook } from './support/roster';
import { boardOf, pressOk, waitForBoard } from './support/switch-api';
import { waitFor } from './support/wait-for';

// The deployment's default: no leader templates, so a team's alerts, leader's included, are one content.
const templates: TemplateConfig = {
  signName: '平急',
  templates: {
    zh: Object.fromEntries(
      TEMPLATE_KEYS.filter((k) => !OPTIONAL_TEMPLATE_KEYS.has(k)).map((k, i) => [k, String(300000 + i)]),
    ),
  },
};
const credentials = { id: 'AKIDbatchtest', secret: 'batch-secret-key' };

let api: TestApi;
let admin: Api;
const phoneBook = new PhoneBook(12_012);
const fakes: FakeProvider[] = [];

beforeAll(async () => {
  // No consumer of its own: each test runs the consumers ("processes") it needs.
  api = await startTestApi({ consumer: false });
  admin = await api.as(['admin'], ['*']);
});
afterAll(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
  await api?.stop();
});

/** A community of one grid (one team) and `people` available members; returns their phones. */
async function community(communityId: string, people: number): Promise<string[]> {
  const phones = Array.from({ length: people }, () => phoneBook.next());
  await oneGridCommunity(admin, { streetId: 'st-batches', communityId }, phones);
  return phones;
}

/** A fake provider, and the official SDK client pointed at it with a short time-out. */
async function providerOf(kind: 'tencent' | 'aliyun') {
  const inbox: string[] = [];
  const options = {
    templates,
    credentials,
    deliver: async (sms: { to: string }) => {
      inbox.push(sms.to);
    },
  };
  const fake = kind === 'tencent' ? new FakeTencent(options, '1400000001', 20) : new FakeAliyun(options);
  fakes.push(fake);
  const endpoint = await fake.start();
  const client = (): SmsProvider =>
    kind === 'tencent'
      ? new TencentSmsProvider({
          credentials: async () => credentials,
          region: 'ap-guangzhou',
          smsSdkAppId: '1400000001',
          signName: templates.signName,
          endpoint,
          protocol: 'http://',
          timeoutSeconds: 1,
          variableLimit: 20,
        })
      : new AliyunSmsProvider({
          credentials: async () => credentials,
          signName: templates.signName,
          endpoint,
          protocol: 'http',
          timeoutMs: 1_000,
        });
  /** How many messages each phone got. */
  const received = (phones: readonly string[]) => phones.map((p) => inbox.filter((to) => to === p).length);
  return { fake, client, received };
}

/** A gateway whose process dies: once killed, nothing it is asked reaches the provider. */
class KillableGateway implements SmsGateway {
  private dead = false;
  constructor(private readonly inner: ProviderSmsGateway) {}
  get batchLimit() {
    return this.inner.batchLimit;
  }
  async send(sms: OutgoingSms): Promise<SentSms> {
    if (this.dead) throw new Error('process is dead');
    return this.inner.send(sms);
  }
  async sendMany(list: readonly OutgoingSms[]): Promise<(SentSms | Error)[]> {
    if (this.dead) throw new Error('process is dead');
    return this.inner.sendMany(list);
  }
  async wasSent(dedupeKey: string, check?: SentCheck) {
    if (this.dead) throw new Error('process is dead');
    return this.inner.wasSent(dedupeKey, check);
  }
  kill(): void {
    this.dead = true;
  }
}

const consumerSettings = () => ({ tableName: api.stack.tableName, endpoint: api.stack.endpoint, rate: 500 });

const everyAlertOut = (activationId: string) =>
  waitForBoard(
    admin,
    activationId,
    'every alert handed over',
    (b) => b.counts.alerted + b.counts.failed === b.counts.drafted,
  );

/**
 * A team's alerts go out in one call that the provider carries out but never answers; the sender
 * dies waiting; a successor that reads the same checkpoints takes over once the claims run out.
 */
async function crashMidBatch(kind: 'tencent' | 'aliyun', communityId: string, canTell: boolean) {
  const phones = await community(communityId, 60);
  const { fake, client, received } = await providerOf(kind);
  fake.failures.crashCalls = 1;
  const checkpoints = new MemoryCheckpoints();
  const settings = { ...consumerSettings(), leaseSeconds: 1, checkpoints };
  const dying = new KillableGateway(new ProviderSmsGateway(client(), templates));
  const activation = await pressOk(admin, communityId, { kind: 'flood', level: 'I' });

  await withConsumers(async (started) => {
    const first = await startConsumer({ ...settings, sms: dying });
    started.push(first);
    await waitFor('the batch carried out and unanswered', () => (fake.messages >= 60 ? true : undefined));
    first.kill();
    dying.kill();
    await first.stop();
    // Without status records to ask, a successor can only send again.
    const blind = client();
    const successorProvider: SmsProvider = canTell
      ? blind
      : {
          name: blind.name,
          maxBatch: blind.maxBatch,
          variableLimit: blind.variableLimit,
          ack: blind.ack,
          sendBatch: (batch) => blind.sendBatch(batch),
          parseReceipts: (body) => blind.parseReceipts(body),
          parseReplies: (body) => blind.parseReplies(body),
        };
    const second = await startConsumer({
      ...settings,
      sms: new ProviderSmsGateway(successorProvider, templates),
    });
    started.push(second);
    await everyAlertOut(activation.activationId);
    await second.caughtUp();
  });
  return { fake, sends: received(phones), board: await boardOf(admin, activation.activationId) };
}

/** One consumer sends every alert of the activation through the provider, and is stopped. */
async function sendEveryAlert(provider: SmsProvider, activationId: string): Promise<void> {
  await withConsumers(async (started) => {
    const consumer = await startConsumer({
      ...consumerSettings(),
      sms: new ProviderSmsGateway(provider, templates),
    });
    started.push(consumer);
    await everyAlertOut(activationId);
    await consumer.caughtUp();
  });
}

describe.each(['tencent', 'aliyun'] as const)('%s: a claimed team through one provider call', (kind) => {
  it('sends a team of more than fifty, leader included, in one call', async () => {
    const communityId = `big-${kind}`;
    const phones = await community(communityId, 80);
    const { fake, client, received } = await providerOf(kind);
    const activation = await pressOk(admin, communityId, { kind: 'flood', level: 'I' });

    await sendEveryAlert(client(), activation.activationId);

    expect(received(phones)).toEqual(Array(80).fill(1));
    expect(Math.max(...fake.sendCalls)).toBeGreaterThan(50);
    expect(fake.sendCalls.reduce((a, b) => a + b, 0)).toBe(80);
    expect(fake.badSignatures).toBe(0);
    expect((await boardOf(admin, activation.activationId)).counts).toMatchObject({
      drafted: 80,
      alerted: 80,
    });
  });

  it('loses nothing and doubles nothing when the sender dies mid-batch and the status records tell', async () => {
    const { fake, sends, board } = await crashMidBatch(kind, `crash-${kind}`, true);

    expect(sends).toEqual(Array(60).fill(1));
    expect(fake.statusQueries).toBeGreaterThanOrEqual(60);
    expect(board.counts).toMatchObject({ drafted: 60, alerted: 60, failed: 0 });
  });

  it('loses nothing, sending at most once more, when the sender dies mid-batch and nothing can be asked', async () => {
    const { fake, sends, board } = await crashMidBatch(kind, `blind-${kind}`, false);

    expect(sends.every((n) => n >= 1 && n <= 2)).toBe(true);
    expect(sends.some((n) => n === 2)).toBe(true);
    expect(fake.statusQueries).toBe(0);
    expect(board.counts).toMatchObject({ drafted: 60, alerted: 60 });
  });

  it('sends once a batch whose call was carried out but never answered: the records are asked first', async () => {
    const communityId = `unanswered-${kind}`;
    const phones = await community(communityId, 20);
    const { fake, client, received } = await providerOf(kind);
    fake.failures.crashCalls = 1;
    const activation = await pressOk(admin, communityId, { kind: 'flood', level: 'I' });

    await sendEveryAlert(client(), activation.activationId);

    expect(received(phones)).toEqual(Array(20).fill(1));
    expect(fake.sendCalls).toEqual([20]);
    expect(fake.statusQueries).toBeGreaterThanOrEqual(20);
    expect((await boardOf(admin, activation.activationId)).counts).toMatchObject({
      drafted: 20,
      alerted: 20,
    });
  });

  it('sends a throttled batch again and records a refused number failed, each other number once', async () => {
    const communityId = `busy-${kind}`;
    const phones = await community(communityId, 30);
    const { fake, client, received } = await providerOf(kind);
    fake.failures.throttleCalls = 1;
    const refused = phones[7] ?? '';
    fake.failures.refuse.add(refused);
    const activation = await pressOk(admin, communityId, { kind: 'flood', level: 'I' });

    await sendEveryAlert(client(), activation.activationId);

    expect(received(phones)).toEqual(phones.map((p) => (p === refused ? 0 : 1)));
    expect((await boardOf(admin, activation.activationId)).counts).toMatchObject({
      drafted: 30,
      alerted: 29,
      failed: 1,
    });
  });
});
