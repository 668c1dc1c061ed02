import pMap from 'p-map';
import pThrottle from 'p-throttle';
import type { Clock } from '../adapters/clock';
import { backoff } from '../adapters/dynamo';
import type { OutgoingSms, SentSms, SmsGateway } from '../adapters/sms-gateway';
import { chunk } from '../adapters/transaction';
import type { MessageKind } from '../domain/activation';
import { logger } from '../observability';
import type { ItemKey } from '../table';
import {
  answered,
  byItem,
  deliverInRounds,
  type Outcome,
  outgoingOf,
  requeuedOutcome,
  settledBeforeSending,
  type WasSent,
  type Work,
} from './delivery';
import { dedupeKeyOf, type MessageRef, type Outbox, type OutboxHolder } from './port';

export type SenderPorts = {
  outbox: Outbox;
  sms: SmsGateway;
  clock: Clock;
  /** Messages per second this sender hands to the gateway. */
  rate: number;
  /** How long a claim on a message holds before another sender may settle it. */
  leaseSeconds?: number | undefined;
  /** Tries per message while the gateway says it is busy. */
  maxAttempts?: number | undefined;
  /**
   * Messages claimed, sent and settled together: 50, or as many as one call of a gateway that
   * sends many at once takes.
   */
  groupSize?: number | undefined;
};

/** An item the stream showed with a message waiting, and where its record sits in the batch. */
export type Candidate = { key: ItemKey; index: number };

export type SendStats = { sent: number; failed: number; requeued: number; cancelled: number };

/** Kinds that must not go out once the person's activation has closed. */
export const CALL_OUT_KINDS: ReadonlySet<MessageKind> = new Set(['alert', 'reminder', 'shortfall']);

/** Groups of queued messages read from the table at a time, ahead of sending them. */
const READ_AHEAD_GROUPS = 8;

/** How a gateway is sent through: group size, lease and pace, one message or many a call. */
type Mode = {
  batchLimit: number | undefined;
  groupSize: number;
  leaseMs: number;
  settleBudgetMs: number;
  sendMany: (list: readonly OutgoingSms[]) => Promise<(SentSms | Error)[]>;
};

/** What one item's outbox asks of the sender now. */
type ItemWork = { work: Work[]; cancel: MessageRef[]; held: boolean };

/**
 * What waits in one item's outbox: messages to send (queued, or claimed under a lease that ran
 * out), call-outs to cancel because the activation closed, and whether a live claim holds it.
 */
function workOf(holder: OutboxHolder, index: number, now: number): ItemWork {
  const out: ItemWork = { work: [], cancel: [], held: false };
  for (const [messageKey, message] of holder.messages) {
    const expired = message.state === 'sending' && Date.parse(message.leaseUntil ?? '') < now;
    if (message.state === 'sending' && !expired) {
      // Claimed and not settled: if its sender died, nobody else will look at it again. Keep the
      // record to be delivered again; once the lease has run out it is reconciled and settled.
      out.held = true;
      continue;
    }
    if (message.state !== 'queued' && !expired) continue;
    const closed = holder.team !== undefined && !holder.open && CALL_OUT_KINDS.has(message.kind);
    if (closed && !expired) {
      out.cancel.push({ key: holder.key, messageKey });
      continue;
    }
    // A closed call-out whose sender died holding it may have reached the phone: it is claimed
    // and asked about like any other, then recorded as sent or cancelled, never sent again.
    out.work.push({
      key: holder.key,
      messageKey,
      message,
      phone: holder.phone,
      team: holder.team,
      firstAlert: holder.team !== undefined && message.kind === 'alert' && !holder.alerted,
      reached: holder.reached,
      reconcile: expired,
      closed,
      index,
    });
  }
  return out;
}

/** A promise whose failure is reported where it is awaited, never as an unhandled rejection. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * The rate-limited sender. For a batch of stream records showing waiting messages it reads the
 * current items, claims a group of messages under a lease, hands them to the gateway at the
 * configured rate, and settles them, while the next group is read and claimed. It returns the
 * index of the first record whose messages are not all settled, to be delivered again.
 */
export function makeSender(ports: SenderPorts) {
  const { outbox, sms, clock } = ports;
  const maxAttempts = ports.maxAttempts ?? 6;
  // Spread sends evenly: small slots of a twentieth of a second rather than one burst a second.
  const perSlot = Math.max(1, Math.ceil(ports.rate / 20));
  const paced = pThrottle({
    limit: perSlot,
    interval: Math.max(1, Math.round((1000 * perSlot) / ports.rate)),
  })((sent: OutgoingSms) => sms.send(sent));
  const modes = new Map<number | undefined, Mode>();

  /**
   * How this gateway is sent through, as it says now: one message a call, or `batchLimit` a call.
   * Group size, lease and pace follow from it.
   */
  function currentMode(): Mode {
    const batchLimit = sms.sendMany ? Math.max(1, sms.batchLimit ?? 50) : undefined;
    const known = modes.get(batchLimit);
    if (known) return known;
    const groupSize = ports.groupSize ?? batchLimit ?? 50;
    // A call of many messages weighs as many messages: the rate holds per message, not per call.
    const batchSlot = Math.max(perSlot, batchLimit ?? 1);
    const mode: Mode = {
      batchLimit,
      groupSize,
      // A claim must outlast the time one group takes to send at the configured rate.
      leaseMs: Math.max(
        (ports.leaseSeconds ?? 60) * 1000,
        ((2 * groupSize) / Math.max(ports.rate, 0.001)) * 1000 + 2_000,
      ),
      // Time kept to settle what is in flight before the invocation ends.
      settleBudgetMs: ((groupSize * 2) / Math.max(1, ports.rate)) * 1000 + 5_000,
      sendMany: pThrottle({
        limit: batchSlot,
        interval: Math.max(1, Math.round((1000 * batchSlot) / ports.rate)),
        weight: (list: readonly OutgoingSms[]) => Math.min(batchSlot, Math.max(1, list.length)),
      })(async (list: readonly OutgoingSms[]) => {
        // Built only for a gateway that said it takes many a call.
        if (!sms.sendMany) throw new Error('this gateway takes one message a call');
        return sms.sendMany(list);
      }),
    };
    modes.set(batchLimit, mode);
    return mode;
  }
  const wasSent: WasSent = (dedupeKey, check) => sms.wasSent(dedupeKey, check);

  /** Step 1: read the items behind some candidates; cancel what may no longer go; return the rest. */
  async function readWork(
    part: readonly Candidate[],
    stats: SendStats,
    hold: (index: number) => void,
  ): Promise<Work[]> {
    const indexOf = new Map(part.map((c) => [`${c.key.pk}|${c.key.sk}`, c.index]));
    const holders = await outbox.read(part.map((c) => c.key));
    const now = clock.now().getTime();
    const found = holders.map((h) => workOf(h, indexOf.get(`${h.key.pk}|${h.key.sk}`) ?? 0, now));
    const cancels = found.flatMap((f) => f.cancel);
    if (cancels.length) {
      await outbox.cancel(cancels);
      stats.cancelled += cancels.length;
    }
    const held = holders.flatMap((h, i) =>
      found[i]?.held ? [indexOf.get(`${h.key.pk}|${h.key.sk}`) ?? 0] : [],
    );
    if (held.length) hold(Math.min(...held));
    return found.flatMap((f) => f.work).sort((a, b) => a.index - b.index);
  }

  /** Step 2: claim a group; what another sender holds is left to it. */
  async function claim(group: readonly Work[], mode: Mode): Promise<Work[]> {
    const at = clock.now();
    const lease = new Date(at.getTime() + mode.leaseMs).toISOString();
    const lost = await outbox.claim(group, lease, at.toISOString());
    const taken = new Set(lost.map((m) => dedupeKeyOf(m.key, m.messageKey)));
    return group.filter((w) => !taken.has(dedupeKeyOf(w.key, w.messageKey)));
  }

  /** Step 3a: hand one message to the gateway, retrying while it is busy. */
  async function deliver(work: Work): Promise<Outcome> {
    const before = await settledBeforeSending(work, wasSent, clock);
    if (before) return before;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      let answer: Awaited<ReturnType<typeof sms.send>> | Error;
      try {
        answer = await paced(outgoingOf(work));
      } catch (error) {
        answer = error instanceof Error ? error : new Error(String(error));
      }
      const outcome = answered(work, answer, clock);
      if (outcome) return outcome;
      await new Promise((resolve) => setTimeout(resolve, backoff(attempt, 50, 5_000)));
    }
    // Still refused after every try: put it back; the record is retried later.
    return requeuedOutcome(work);
  }

  /** Step 3b: deliver a claimed group through a gateway that takes many messages per call. */
  async function deliverMany(claimed: readonly Work[], mode: Mode, limit: number): Promise<Outcome[]> {
    const checked = await pMap(claimed, (w) => settledBeforeSending(w, wasSent, clock), { concurrency: 32 });
    const done = checked.flatMap((o) => (o ? [o] : []));
    const toSend = claimed.filter((_, i) => !checked[i]);
    const rounds = await deliverInRounds(byItem(toSend), {
      clock,
      sendMany: mode.sendMany,
      wasSent,
      batchLimit: limit,
      maxAttempts,
    });
    return [...done, ...rounds];
  }

  /** Step 3: deliver a claimed group, one item's messages in order, items in parallel. */
  async function deliverGroup(claimed: readonly Work[], mode: Mode): Promise<Outcome[]> {
    if (mode.batchLimit !== undefined) return deliverMany(claimed, mode, mode.batchLimit);
    const lists = await pMap(
      byItem(claimed),
      async (list) => {
        const done: Outcome[] = [];
        for (const w of list) done.push(await deliver(w));
        return done;
      },
      { concurrency: 32 },
    );
    return lists.flat();
  }

  /** Step 4: record how each message ended; a requeued one keeps its record for a retry. */
  async function settle(outcomes: readonly Outcome[], stats: SendStats, hold: (index: number) => void) {
    const lost = await outbox.settle(outcomes.map((o) => o.settlement));
    if (lost.length) logger.warn('outbox updates lost a race', { count: lost.length });
    for (const o of outcomes) {
      if (o.settlement.action === 'sent') stats.sent++;
      else if (o.settlement.action === 'failed') stats.failed++;
      else if (o.settlement.action === 'cancel') stats.cancelled++;
      else {
        stats.requeued++;
        hold(o.work.index);
      }
    }
  }

  /**
   * The groups to send, read as they are needed: the first items alone so that sending starts at
   * once, the rest a window at a time while earlier groups go out. Candidates are in record
   * order, so the groups stay in it too.
   */
  function groupsOf(
    candidates: readonly Candidate[],
    stats: SendStats,
    hold: (index: number) => void,
    { groupSize }: Mode,
  ) {
    const headSize = groupSize * 2;
    const windows = chunk(candidates.slice(headSize), groupSize * READ_AHEAD_GROUPS);
    const groups: Work[][] = [];
    let nextWindow = 0;
    let reading: { promise: Promise<Work[]>; firstIndex: number } | undefined;
    return {
      /** Reads the first items; sending starts with them. */
      async start(): Promise<void> {
        groups.push(...chunk(await readWork(candidates.slice(0, headSize), stats, hold), groupSize));
      },
      /** Groups read but not yet sent, counted from group `g`. */
      readAfter: (g: number) => groups.length - g,
      /** Starts reading the next window, unless one is being read or none is left. */
      readAhead(): void {
        const window = windows[nextWindow];
        if (reading || !window) return;
        nextWindow++;
        reading = { promise: quiet(readWork(window, stats, hold)), firstIndex: window[0]?.index ?? 0 };
      },
      /** Group `g`, once the windows it needs have been read; undefined when there is none. */
      async at(g: number): Promise<Work[] | undefined> {
        while (g >= groups.length) {
          this.readAhead();
          const current = reading;
          if (!current) break;
          reading = undefined;
          try {
            groups.push(...chunk(await current.promise, groupSize));
          } catch (error) {
            // Not read: those records and all after them are delivered again; what was read goes out.
            logger.warn('reading queued messages failed; their records are retried', { error });
            hold(current.firstIndex);
            nextWindow = windows.length;
            break;
          }
        }
        return groups[g];
      },
    };
  }

  return {
    /**
     * Sends what waits on the candidates' items. Returns the index of the first record to be
     * delivered again (a message requeued, held by a live claim, unread, or left for lack of time).
     */
    async send(
      unsorted: readonly Candidate[],
      remainingMs: () => number,
      stats: SendStats,
    ): Promise<number | undefined> {
      const candidates = [...unsorted].sort((a, b) => a.index - b.index);
      if (candidates.length === 0) return undefined;
      let failedAt: number | undefined;
      const hold = (index: number) => {
        failedAt = failedAt === undefined ? index : Math.min(failedAt, index);
      };
      const mode = currentMode();
      const groups = groupsOf(candidates, stats, hold, mode);
      await groups.start();
      let settling: Promise<void> = Promise.resolve();
      // The first read window starts once the first group is claimed (not sooner: the first
      // claim would wait behind it).
      const first = await groups.at(0);
      let nextClaim: Promise<Work[]> | undefined = first ? quiet(claim(first, mode)) : undefined;
      try {
        for (let g = 0; nextClaim; g++) {
          const claimed = await nextClaim;
          // Keep the next window being read while the groups already read go out.
          if (groups.readAfter(g) <= READ_AHEAD_GROUPS / 2) groups.readAhead();
          // Claim the next group while this one goes out, if there is time to settle it.
          const next = await groups.at(g + 1);
          nextClaim = next && remainingMs() > mode.settleBudgetMs ? quiet(claim(next, mode)) : undefined;
          if (!nextClaim && next) hold(next[0]?.index ?? 0);
          const outcomes = await deliverGroup(claimed, mode);
          await settling;
          settling = quiet(settle(outcomes, stats, hold));
        }
      } finally {
        // What was handed to the gateway is recorded before any error is reported.
        await settling;
      }
      return failedAt;
    },
  };
}

export type Sender = ReturnType<typeof makeSender>;
