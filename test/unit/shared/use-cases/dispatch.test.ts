import { describe, expect, it } from 'vitest';
import {
  type OutgoingSms,
  type SentSms,
  type SmsGateway,
  SmsRejectedError,
  SmsThrottledError,
} from '../../../../shared/adapters/sms-gateway';
import type { OutboxMessage } from '../../../../shared/domain/activation';
import { dedupeKeyOf } from '../../../../shared/outbox/port';
import type { ItemKey } from '../../../../shared/table';
import { at, dispatcher, drafteeItem, io, keyOf, queuedMessage } from '../../support/dispatch-world';
import { FakeOutbox } from '../../support/fake-outbox';

const idOf = (key: ItemKey) => `${key.pk}|${key.sk}`;

/** A gateway that answers each call with the next of its scripted outcomes, then with success. */
class ScriptedGateway implements SmsGateway {
  readonly sent: OutgoingSms[] = [];
  readonly calls: OutgoingSms[] = [];
  constructor(
    private readonly script: ((sms: OutgoingSms) => void)[] = [],
    private readonly knows: 'yes' | 'no' | 'unknown' = 'unknown',
  ) {}
  async send(sms: OutgoingSms): Promise<SentSms> {
    await io();
    this.calls.push(sms);
    this.script.shift()?.(sms);
    this.sent.push(sms);
    return { messageId: `m-${this.sent.length}`, delivered: true };
  }
  async wasSent(): Promise<'yes' | 'no' | 'unknown'> {
    return this.knows;
  }
}

const draftee = (memberId: string, alert: Partial<OutboxMessage> = {}) =>
  drafteeItem(memberId, { alert: queuedMessage('alert', 0, alert) });

describe('the dispatcher, with fakes', () => {
  it('sends each queued alert once and settles it sent, the person now alerted', async () => {
    const outbox = new FakeOutbox();
    const changes = [outbox.add(draftee('m01')), outbox.add(draftee('m02'))];
    const sms = new ScriptedGateway();

    const { failedAt, stats } = await dispatcher(outbox, sms).handle(changes);

    expect(failedAt).toBeUndefined();
    expect(stats.sent).toBe(2);
    expect(sms.sent.map((s) => s.dedupeKey).sort()).toEqual([
      dedupeKeyOf(keyOf('m01'), 'alert'),
      dedupeKeyOf(keyOf('m02'), 'alert'),
    ]);
    expect(outbox.message(keyOf('m01'))).toMatchObject({ state: 'sent', messageId: expect.any(String) });
    expect(outbox.items.get(idOf(keyOf('m01')))?.alertedAt).toBe(at(0));
  });

  it('does nothing twice when the same records come again', async () => {
    const outbox = new FakeOutbox();
    const changes = [outbox.add(draftee('m01'))];
    const sms = new ScriptedGateway();
    const run = dispatcher(outbox, sms);
    await run.handle(changes);

    const again = await run.handle(changes);

    expect(again).toEqual({ stats: expect.objectContaining({ sent: 0 }) });
    expect(sms.calls).toHaveLength(1);
  });

  it('leaves a message another sender holds, and asks for its record again until the claim runs out', async () => {
    const outbox = new FakeOutbox();
    const free = outbox.add(draftee('m01'));
    // The record says queued; since then a sender claimed it and has not settled it (it may have died).
    const held = outbox.add(draftee('m02'));
    Object.assign(outbox.message(keyOf('m02')) ?? {}, {
      state: 'sending',
      leaseUntil: at(30_000),
      attempts: 1,
    });
    const sms = new ScriptedGateway();

    const { failedAt } = await dispatcher(outbox, sms).handle([free, held]);

    expect(failedAt).toBe(held.index);
    expect(sms.calls.map((s) => s.to)).toEqual(['+8613800000001']);
    expect(outbox.message(keyOf('m02'))).toMatchObject({ state: 'sending', leaseUntil: at(30_000) });
  });

  it('settles an expired claim without sending again when the network says it left', async () => {
    const outbox = new FakeOutbox();
    const stale = outbox.add(draftee('m01', { state: 'sending', leaseUntil: at(-1_000), attempts: 1 }));
    const sms = new ScriptedGateway([], 'yes');

    const { failedAt } = await dispatcher(outbox, sms).handle([stale]);

    expect(failedAt).toBeUndefined();
    expect(sms.calls).toEqual([]);
    expect(outbox.message(keyOf('m01'))).toMatchObject({ state: 'sent', messageId: 'reconciled' });
    expect(outbox.items.get(idOf(keyOf('m01')))?.alertedAt).toBe(at(0));
  });

  it('sends an expired claim again when the network cannot say (at least once)', async () => {
    const outbox = new FakeOutbox();
    const stale = outbox.add(draftee('m01', { state: 'sending', leaseUntil: at(-1_000), attempts: 1 }));
    const sms = new ScriptedGateway([], 'unknown');

    await dispatcher(outbox, sms).handle([stale]);

    expect(sms.sent).toHaveLength(1);
    expect(outbox.message(keyOf('m01'))).toMatchObject({ state: 'sent', attempts: 2 });
  });

  it('marks a message the network refuses for good failed, with the reason, and tries no more', async () => {
    const outbox = new FakeOutbox();
    const change = outbox.add(draftee('m01'));
    const refuse = () => {
      throw new SmsRejectedError('refused', 'OptedOutException');
    };
    const sms = new ScriptedGateway([refuse]);

    const { failedAt, stats } = await dispatcher(outbox, sms).handle([change]);

    expect(failedAt).toBeUndefined();
    expect(stats.failed).toBe(1);
    expect(sms.calls).toHaveLength(1);
    expect(outbox.message(keyOf('m01'))).toMatchObject({ state: 'failed', error: 'OptedOutException' });
    expect(outbox.items.get(idOf(keyOf('m01')))?.alertedAt).toBeUndefined();
  });

  it('tries a throttled message again, and puts it back for the record to be retried when the network stays busy', async () => {
    const outbox = new FakeOutbox();
    const once = outbox.add(draftee('m01'));
    const stuck = outbox.add(draftee('m02'));
    const busy = () => {
      throw new SmsThrottledError('busy');
    };
    const sometimesBusy = new ScriptedGateway([busy]);
    const alwaysBusy = new ScriptedGateway([busy, busy]);

    const first = await dispatcher(outbox, sometimesBusy, { maxAttempts: 2 }).handle([once]);
    const second = await dispatcher(outbox, alwaysBusy, { maxAttempts: 2 }).handle([stuck]);

    expect(first.stats.sent).toBe(1);
    expect(sometimesBusy.calls).toHaveLength(2);
    expect(outbox.message(keyOf('m01'))?.state).toBe('sent');
    expect(second.stats.requeued).toBe(1);
    expect(second.failedAt).toBe(stuck.index);
    expect(outbox.message(keyOf('m02'))?.state).toBe('queued');
  });

  it('settles what was handed over before reporting a claim that failed meanwhile', async () => {
    const outbox = new FakeOutbox();
    const changes = [outbox.add(draftee('m01')), outbox.add(draftee('m02'))];
    outbox.failClaim = 2;
    const sms = new ScriptedGateway();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);

    try {
      const outcome = await dispatcher(outbox, sms, { groupSize: 1 })
        .handle(changes)
        .then(
          () => ({ error: 'none', first: 'unknown' }),
          (error: unknown) => ({
            error: error instanceof Error ? error.message : 'rejected',
            // What the record shows the moment the failure is reported.
            first: outbox.message(keyOf('m01'))?.state,
          }),
        );
      // Node reports a rejection nobody handled at the end of the turn it happened in: finish this one.
      await io();

      expect(outcome).toEqual({ error: 'DynamoDB is unreachable', first: 'sent' });
      expect(sms.sent).toHaveLength(1);
      expect(outbox.message(keyOf('m02'))?.state).toBe('queued');
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('starts sending after reading the first two groups, and reads the rest of the batch meanwhile', async () => {
    const outbox = new FakeOutbox();
    const changes = Array.from({ length: 250 }, (_, i) =>
      outbox.add(draftee(`m${String(i).padStart(3, '0')}`)),
    );
    const sms = new ScriptedGateway();
    const sendLog = sms.send.bind(sms);
    sms.send = async (message) => {
      outbox.log.push('send');
      return sendLog(message);
    };

    const { failedAt, stats } = await dispatcher(outbox, sms, { groupSize: 50 }).handle(changes);

    expect(failedAt).toBeUndefined();
    expect(stats.sent).toBe(250);
    // The first read holds two groups; the first send does not wait for the rest to be read.
    expect(outbox.log[0]).toBe('read 100');
    expect(outbox.log.indexOf('send')).toBeLessThan(outbox.log.indexOf('read 150'));
    // Each once, group after group in record order.
    const sentKeys = sms.sent.map((m) => m.dedupeKey);
    expect(new Set(sentKeys)).toEqual(
      new Set(changes.map((_, i) => dedupeKeyOf(keyOf(`m${String(i).padStart(3, '0')}`), 'alert'))),
    );
    expect(sentKeys).toHaveLength(250);
    const groupOf = (key: string) => Math.floor(Number(key.match(/MEMBER#m(\d+)/)?.[1]) / 50);
    expect(sentKeys.map(groupOf)).toEqual([...sentKeys.map(groupOf)].sort((a, b) => a - b));
  });

  it('sends what it read and asks for the rest of the batch again when reading it fails', async () => {
    const outbox = new FakeOutbox();
    const changes = Array.from({ length: 180 }, (_, i) =>
      outbox.add(draftee(`m${String(i).padStart(3, '0')}`)),
    );
    // The first read holds two groups; the second, the other 80, fails.
    outbox.failRead = 2;
    const sms = new ScriptedGateway();

    const { failedAt, stats } = await dispatcher(outbox, sms, { groupSize: 50 }).handle(changes);

    expect(stats.sent).toBe(100);
    expect(failedAt).toBe(100);
    expect(outbox.message(keyOf('m099'))?.state).toBe('sent');
    expect(outbox.message(keyOf('m100'))?.state).toBe('queued');

    // Delivered again from the first record not done, everything left goes out once.
    outbox.failRead = undefined;
    const again = await dispatcher(outbox, sms, { groupSize: 50 }).handle(
      changes.slice(100).map((c, i) => ({ ...c, index: i })),
    );
    expect(again.failedAt).toBeUndefined();
    expect(sms.sent).toHaveLength(180);
    expect(new Set(sms.sent.map((m) => m.dedupeKey)).size).toBe(180);
  });

  it('reads a big batch a window at a time, and stops at the first window it cannot read', async () => {
    const outbox = new FakeOutbox();
    const changes = Array.from({ length: 400 }, (_, i) =>
      outbox.add(draftee(`m${String(i).padStart(3, '0')}`)),
    );
    // Groups of 10: the first read holds 20 items, then windows of 80; the third window fails.
    outbox.failRead = 4;
    const sms = new ScriptedGateway();

    const { failedAt, stats } = await dispatcher(outbox, sms, { groupSize: 10 }).handle(changes);

    expect(outbox.log).toEqual(['read 20', 'read 80', 'read 80']);
    expect(stats.sent).toBe(180);
    expect(failedAt).toBe(180);
    expect(outbox.message(keyOf('m179'))?.state).toBe('sent');
    expect(outbox.message(keyOf('m180'))?.state).toBe('queued');
    expect(outbox.message(keyOf('m399'))?.state).toBe('queued');
  });
});

describe('the dispatcher and closed whistles', () => {
  const closing = (index: number, whistleId: string) => ({
    index,
    eventName: 'MODIFY' as const,
    newImage: { pk: `WHISTLE#${whistleId}`, sk: 'WHISTLE', type: 'whistle', whistleId, status: 'resolved' },
    oldImage: { status: 'filled' },
  });

  it('hands each closed whistle to the rankings, and asks for the batch again from one that failed', async () => {
    const recorded: string[] = [];
    const outbox = new FakeOutbox();
    const whistleRankings = {
      async record(whistleId: string) {
        if (whistleId === 'broken') throw new Error('throttled');
        recorded.push(whistleId);
      },
    };

    const sms = new ScriptedGateway();
    const ok = await dispatcher(outbox, sms, { whistleRankings }).handle([
      closing(0, 'w1'),
      closing(1, 'w2'),
    ]);
    const failed = await dispatcher(outbox, sms, { whistleRankings }).handle([
      closing(0, 'w3'),
      closing(1, 'broken'),
      closing(2, 'w4'),
    ]);

    expect(ok.failedAt).toBeUndefined();
    expect(ok.stats.whistlesRanked).toBe(2);
    expect(failed.failedAt).toBe(1);
    expect(recorded).toEqual(['w1', 'w2', 'w3']);
  });
});
