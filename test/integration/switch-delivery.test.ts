import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCheckpoints } from '../../local/stream-poller';
import { dedupeKeyOf } from '../../shared/outbox/port';
import { keys } from '../../shared/table';
import { tablePorts } from '../../shared/wiring';
import {
  DyingGateway,
  PhoneNetwork,
  rejectNumber,
  startConsumer,
  TestGateway,
  throttleShare,
  withConsumers,
} from './support/consumer';
import type { Api } from './support/http-client';
import { startTestApi, type TestApi } from './support/local-api';
import { buildCommunity, CSV_HEADER, importCsv, importResult, PhoneBook } from './support/roster';
import {
  type ActivationView,
  boardMembers,
  boardOf,
  pressOk,
  standDown,
  waitForBoard,
} from './support/switch-api';
import { waitFor } from './support/wait-for';

let api: TestApi;
let admin: Api;
const phoneBook = new PhoneBook(4_004);

beforeAll(async () => {
  // No consumer of its own: each test runs the consumers ("processes") it needs.
  api = await startTestApi({ consumer: false });
  admin = await api.as(['admin'], ['*']);
});
afterAll(async () => {
  await api?.stop();
});

/** A community of three grids and `people` available members; returns their phones. */
async function community(communityId: string, people: number): Promise<string[]> {
  await buildCommunity(admin, { streetId: 'st-delivery', communityId, grids: ['g1', 'g2', 'g3'] });
  const phones = Array.from({ length: people }, () => phoneBook.next());
  const rows = phones.map((phone, i) => `队员${i},${phone},volunteer,${i % 4 === 0},g${(i % 3) + 1},,,true`);
  const reply = await importCsv(admin, communityId, [CSV_HEADER, ...rows].join('\n'));
  const result = importResult.parse(reply.body);
  if (result.created !== people) throw new Error(`imported ${result.created} of ${people}`);
  return phones;
}

/** The dedupe keys of every alert an activation owes, one per drafted person. */
const alertKeys = (activation: ActivationView) =>
  activation.teams.flatMap((t) =>
    t.memberIds.map((memberId) => dedupeKeyOf(keys.draftee(activation.activationId, memberId), 'alert')),
  );

/** How many times each of the keys reached a phone. */
const sendsOf = (network: PhoneNetwork, wanted: readonly string[]) => {
  const counts = network.sendsByKey();
  return wanted.map((key) => counts.get(key) ?? 0);
};

const everyAlertOut = (activationId: string) =>
  waitForBoard(admin, activationId, 'every alert handed over', (b) => b.counts.alerted === b.counts.drafted);

const consumerSettings = () => ({ tableName: api.stack.tableName, endpoint: api.stack.endpoint });

describe('delivery survives crashes', () => {
  it('sends every alert exactly once when the consumer starts only after the press was answered', async () => {
    await community('late', 24);
    const activation = await pressOk(admin, 'late', { kind: 'flood', level: 'I' });
    expect(activation.drafted).toBe(24);
    const network = new PhoneNetwork();

    await withConsumers(async (started) => {
      const consumer = await startConsumer({
        ...consumerSettings(),
        sms: new TestGateway(network),
        rate: 500,
      });
      started.push(consumer);
      await everyAlertOut(activation.activationId);
      await consumer.caughtUp();
    });

    expect(sendsOf(network, alertKeys(activation))).toEqual(Array(24).fill(1));
    expect(network.deliveries).toHaveLength(24);
  });

  it('sends every alert exactly once when the sender dies mid-send and its successor can ask the network', async () => {
    const { activation, network } = await dieMidSend('midsend', 'truthful');

    expect(sendsOf(network, alertKeys(activation))).toEqual(Array(30).fill(1));
    const board = await boardOf(admin, activation.activationId);
    expect(board.counts).toMatchObject({ drafted: 30, alerted: 30, failed: 0 });
  });

  it('sends at least once, resending at most the group in flight, when the network cannot say what left', async () => {
    const { activation, network, beforeCrash } = await dieMidSend('unknown', 'unknown');

    const wanted = alertKeys(activation);
    const sends = sendsOf(network, wanted);
    expect(sends.every((n) => n >= 1)).toBe(true);
    const duplicated = wanted.filter((_, i) => (sends[i] ?? 0) > 1);
    // At-least-once: only alerts that left before the crash, in the group in flight, go out a
    // second time (seven of them when the whole first group was in flight), never a third time.
    const leftBeforeCrash = new Set(beforeCrash);
    expect(duplicated.filter((key) => !leftBeforeCrash.has(key))).toEqual([]);
    expect(duplicated.length).toBeGreaterThan(0);
    expect(duplicated.length).toBeLessThanOrEqual(CRASH_GROUP_SIZE);
    expect(Math.max(...sends)).toBe(2);
  });

  // An alert whose claim ran out on a closed call-out is asked about before it is cancelled:
  // alerts that reached phones count as sent (alertedAt and the team's `alerted`), none goes again.
  it('records alerts that left before their sender died as sent when the call-out is stood down before a successor settles them', async () => {
    await community('downmid', 30);
    const activation = await pressOk(admin, 'downmid', { kind: 'flood', level: 'I' });
    const network = new PhoneNetwork();
    const settings = {
      ...consumerSettings(),
      rate: 500,
      leaseSeconds: 1,
      groupSize: CRASH_GROUP_SIZE,
      checkpoints: new MemoryCheckpoints(),
    };
    const dying = new DyingGateway(network, 7);

    await withConsumers(async (started) => {
      const first = await startConsumer({ ...settings, sms: dying });
      started.push(first);
      await waitFor('seven sent and the rest of the group hanging', () =>
        network.deliveries.length === 7 && dying.hanging > 0 ? true : undefined,
      );
      first.kill();
      const stopping = first.stop();
      dying.kill();
      await stopping;
      // Stood down while the seven are claimed but not yet settled, before anyone takes over.
      await standDown(admin, activation.activationId);
      const second = await startConsumer({
        ...settings,
        sms: new TestGateway(network, { wasSent: 'truthful' }),
      });
      started.push(second);
      await waitFor('every alert settled', async () => {
        const draftees = await tablePorts().activations.listDraftees(activation.activationId);
        const settled = draftees.every((d) => !['queued', 'sending'].includes(d.outbox.alert?.state ?? ''));
        return settled ? true : undefined;
      });
      await second.caughtUp();
    });

    const reachedPhones = network.deliveries.map((d) => d.dedupeKey).filter((k) => k.endsWith('/alert'));
    expect(reachedPhones).toHaveLength(7);
    const draftees = await tablePorts().activations.listDraftees(activation.activationId);
    const recordedSent = draftees
      .filter((d) => d.outbox.alert?.state === 'sent')
      .map((d) => dedupeKeyOf(keys.draftee(activation.activationId, d.memberId), 'alert'));
    expect(recordedSent.sort()).toEqual([...reachedPhones].sort());
    expect(draftees.filter((d) => d.alertedAt !== undefined)).toHaveLength(7);
    expect((await boardOf(admin, activation.activationId)).counts).toMatchObject({
      drafted: 30,
      alerted: 7,
    });
  });
});

/** Messages a group holds when a sender dies mid-send. */
const CRASH_GROUP_SIZE = 10;

/**
 * Thirty people are alerted; the first sender dies with seven alerts out and the rest of its
 * group hanging (no more writes, its hung sends never reach a phone), and a successor that reads
 * the same checkpoints, with a network that can (`truthful`) or cannot (`unknown`) say what left,
 * finishes. Returns what left before the crash.
 */
async function dieMidSend(communityId: string, wasSent: 'truthful' | 'unknown') {
  await community(communityId, 30);
  const activation = await pressOk(admin, communityId, { kind: 'flood', level: 'I' });
  const network = new PhoneNetwork();
  const checkpoints = new MemoryCheckpoints();
  const settings = {
    ...consumerSettings(),
    rate: 500,
    leaseSeconds: 1,
    groupSize: CRASH_GROUP_SIZE,
    checkpoints,
  };
  const dying = new DyingGateway(network, 7);
  let beforeCrash: string[] = [];

  await withConsumers(async (started) => {
    const first = await startConsumer({ ...settings, sms: dying });
    started.push(first);
    await waitFor('seven sent and the rest of the group hanging', () =>
      network.deliveries.length === 7 && dying.hanging > 0 ? true : undefined,
    );
    first.kill();
    const stopping = first.stop();
    dying.kill();
    await stopping;
    beforeCrash = network.deliveries.map((d) => d.dedupeKey);

    const second = await startConsumer({ ...settings, sms: new TestGateway(network, { wasSent }) });
    started.push(second);
    await everyAlertOut(activation.activationId);
    await second.caughtUp();
  });
  return { activation, network, beforeCrash };
}

describe('delivery through an unreliable network', () => {
  it('sends everything exactly once through a network that throttles three calls in ten', async () => {
    await community('busy', 40);
    const activation = await pressOk(admin, 'busy', { kind: 'flood', level: 'I' });
    const network = new PhoneNetwork();
    const gateway = new TestGateway(network, { refuse: throttleShare(0.3, 42) });

    await withConsumers(async (started) => {
      const consumer = await startConsumer({ ...consumerSettings(), sms: gateway, rate: 500 });
      started.push(consumer);
      await everyAlertOut(activation.activationId);
      await consumer.caughtUp();
    });

    const wanted = new Set(alertKeys(activation));
    expect(gateway.calls.filter((c) => wanted.has(c.sms.dedupeKey)).length).toBeGreaterThan(40);
    expect(sendsOf(network, alertKeys(activation))).toEqual(Array(40).fill(1));
    const board = await boardOf(admin, activation.activationId);
    expect(board.counts).toMatchObject({ drafted: 40, alerted: 40, failed: 0 });
  });

  it('marks an alert the network refuses for good as failed, with the reason, and sends the others', async () => {
    const phones = await community('refused', 12);
    const refused = phones[5] ?? '';
    const activation = await pressOk(admin, 'refused', { kind: 'flood', level: 'I' });
    const network = new PhoneNetwork();
    const gateway = new TestGateway(network, { refuse: rejectNumber(refused, 'InvalidParameterException') });

    await withConsumers(async (started) => {
      const consumer = await startConsumer({ ...consumerSettings(), sms: gateway, rate: 500 });
      started.push(consumer);
      await waitForBoard(
        admin,
        activation.activationId,
        'every alert settled',
        (b) => b.counts.alerted + b.counts.failed === 12,
      );
      await consumer.caughtUp();
    });

    const board = await boardOf(admin, activation.activationId);
    expect(board.counts).toMatchObject({ drafted: 12, alerted: 11, failed: 1 });
    const member = boardMembers(board).find((m) => m.phone === refused);
    expect(member).toMatchObject({ status: 'drafted' });
    expect(member?.alertedAt).toBeUndefined();
    const team = board.teams.find((t) => (t.members ?? []).some((m) => m.memberId === member?.memberId));
    expect(team?.counts.failed).toBe(1);
    const draftees = await tablePorts().activations.listDraftees(activation.activationId);
    const failed = draftees.find((d) => d.phone === refused);
    expect(failed?.outbox.alert).toMatchObject({ state: 'failed', error: 'InvalidParameterException' });
    expect(network.deliveriesTo(refused)).toEqual([]);
    const others = alertKeys(activation).filter(
      (k) => k !== dedupeKeyOf(keys.draftee(activation.activationId, member?.memberId ?? ''), 'alert'),
    );
    expect(sendsOf(network, others)).toEqual(Array(11).fill(1));
  });

  it('hands messages to the network at no more than the configured rate', async () => {
    const rate = 40;
    await community('paced', 70);
    const activation = await pressOk(admin, 'paced', { kind: 'flood', level: 'I' });
    const network = new PhoneNetwork();
    const gateway = new TestGateway(network);

    await withConsumers(async (started) => {
      const consumer = await startConsumer({ ...consumerSettings(), sms: gateway, rate });
      started.push(consumer);
      await everyAlertOut(activation.activationId);
      await consumer.caughtUp();
    });

    const wanted = new Set(alertKeys(activation));
    const times = gateway.calls
      .filter((c) => wanted.has(c.sms.dedupeKey))
      .map((c) => c.at)
      .sort((a, b) => a - b);
    expect(times).toHaveLength(70);
    const busiest = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1_000).length));
    // Sends are paced in slots of a twentieth of a second; timers that fire late can bunch a few
    // slots together, so a quarter of a second's worth of burst is allowed, no more.
    expect(busiest).toBeGreaterThan(rate / 2);
    expect(busiest).toBeLessThanOrEqual(rate + rate / 4);
  });
});
