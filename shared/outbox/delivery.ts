import pMap from 'p-map';
import type { Clock } from '../adapters/clock';
import { backoff } from '../adapters/dynamo';
import {
  type OutgoingSms,
  type SentSms,
  SmsRejectedError,
  SmsThrottledError,
  SmsUncertainError,
} from '../adapters/sms-gateway';
import type { OutboxMessage } from '../domain/activation';
import { logger } from '../observability';
import { dedupeKeyOf, type MessageRef, type Settlement, type TeamRef } from './port';

/** A queued message, ready to be claimed, with where it goes. */
export type Work = MessageRef & {
  message: OutboxMessage;
  phone: string;
  team?: TeamRef | undefined;
  firstAlert: boolean;
  /** The person had answered when the item was read (see `OutboxHolder.reached`). */
  reached: boolean;
  /** Claimed by a sender that never settled it: ask the gateway before sending again. */
  reconcile: boolean;
  /** A call-out whose activation has closed: settled as sent if it had left, else cancelled. */
  closed: boolean;
  index: number;
};

export type Outcome = { work: Work; settlement: Settlement };

/** What the gateway is handed for a piece of work. */
export const outgoingOf = (work: Work): OutgoingSms => ({
  to: work.phone,
  body: work.message.body,
  dedupeKey: dedupeKeyOf(work.key, work.messageKey),
  template: work.message.template,
});

const refOf = (work: Work) => ({ key: work.key, messageKey: work.messageKey, team: work.team });

/** A message the gateway took. */
export function sentOutcome(work: Work, result: SentSms, clock: Clock): Outcome {
  return {
    work,
    settlement: {
      ...refOf(work),
      action: 'sent',
      sentAt: clock.now().toISOString(),
      messageId: result.messageId,
      delivered: result.delivered === true,
      firstAlert: work.firstAlert,
    },
  };
}

/** A message the gateway refused for good: recorded as failed with the reason. */
export const failedOutcome = (work: Work, error: string): Outcome => ({
  work,
  settlement: { ...refOf(work), action: 'failed', error, firstAlert: work.firstAlert, reached: work.reached },
});

/** A message still refused after every try: put back, its record retried later. */
export const requeuedOutcome = (work: Work): Outcome => ({
  work,
  settlement: { ...refOf(work), action: 'requeue' },
});

/** Asks the gateway whether a message went out at or after `since`. */
export type WasSent = (
  dedupeKey: string,
  sms: OutgoingSms & { since: string },
) => Promise<'yes' | 'no' | 'unknown'>;

/**
 * A message that may have left since `since` (its sender died holding it, or a call for it got no
 * answer), settled as sent if the gateway's records show it; undefined when they do not.
 */
export async function sentAlready(
  work: Work,
  since: string,
  wasSent: WasSent,
  clock: Clock,
): Promise<Outcome | undefined> {
  const sms = outgoingOf(work);
  if ((await wasSent(sms.dedupeKey, { ...sms, since })) !== 'yes') return undefined;
  return sentOutcome(work, { messageId: 'reconciled', delivered: false }, clock);
}

/**
 * What happens to a message before it is handed over: one whose sender died may have left already
 * (the gateway is asked), a closed call-out is cancelled, a message without a number fails. Undefined
 * when it is to be sent.
 */
export async function settledBeforeSending(
  work: Work,
  wasSent: WasSent,
  clock: Clock,
): Promise<Outcome | undefined> {
  if (work.reconcile) {
    const left = await sentAlready(work, work.message.claimedAt ?? work.message.queuedAt, wasSent, clock);
    if (left) return left;
  }
  if (work.closed) return { work, settlement: { ...refOf(work), action: 'cancel' } };
  if (!work.phone) return failedOutcome(work, 'no phone number');
  return undefined;
}

/** What a gateway answer means for a message: settled, or to be tried again (undefined). */
export function answered(work: Work, answer: SentSms | Error, clock: Clock): Outcome | undefined {
  if (!(answer instanceof Error)) return sentOutcome(work, answer, clock);
  if (answer instanceof SmsRejectedError) return failedOutcome(work, answer.reason);
  if (!(answer instanceof SmsThrottledError)) logger.warn('sms gateway error; retrying', { error: answer });
  return undefined;
}

/** Messages of one item stay in the order they were queued; different items go in parallel. */
export function byItem(work: readonly Work[]): Work[][] {
  const lists = new Map<string, Work[]>();
  for (const w of work) {
    const id = `${w.key.pk}|${w.key.sk}`;
    const list = lists.get(id);
    if (list) list.push(w);
    else lists.set(id, [w]);
  }
  return [...lists.values()];
}

export type BatchPorts = {
  clock: Clock;
  /** Hands messages to the gateway at the sender's pace, one result per message, in order. */
  sendMany: (list: readonly OutgoingSms[]) => Promise<(SentSms | Error)[]>;
  wasSent: WasSent;
  batchLimit: number;
  maxAttempts: number;
};

/** One item's messages still to deliver; `askSince` is set once a call for the head got no answer. */
type ItemQueue = { list: Work[]; attempts: number; askSince?: string | undefined };

/**
 * Delivers claimed messages (already past `settledBeforeSending`) in rounds of calls to the
 * gateway: round k carries the next waiting message of every item, so one item's messages leave
 * in the order they were queued. A message the gateway was too busy for is tried again in a
 * later round, after a backoff, until it has had `maxAttempts` tries; then it is put back. A
 * message whose call got no answer may have left: before it is tried again, or put back, the
 * gateway is asked, and it is settled as sent if its records show it.
 */
export async function deliverInRounds(lists: readonly Work[][], ports: BatchPorts): Promise<Outcome[]> {
  const { clock, maxAttempts } = ports;
  const queues: ItemQueue[] = lists.map((list) => ({ list: [...list], attempts: 0 }));
  const outcomes: Outcome[] = [];
  const settleHead = (q: ItemQueue, outcome: Outcome) => {
    outcomes.push(outcome);
    q.list.shift();
    q.attempts = 0;
    q.askSince = undefined;
  };
  for (;;) {
    const active = queues.filter((q) => q.list.length > 0);
    if (!active.length) return outcomes;
    // A round that tries a message again waits first, as long as its most tried message needs.
    const retries = Math.max(...active.map((q) => q.attempts));
    if (retries > 0) await new Promise((resolve) => setTimeout(resolve, backoff(retries - 1, 50, 5_000)));
    // As many status queries at once as reconciling after a crash makes (see the sender).
    await pMap(
      active.filter((q) => q.askSince !== undefined),
      async (q) => {
        const head = q.list[0];
        if (!head || q.askSince === undefined) return;
        const left = await sentAlready(head, q.askSince, ports.wasSent, clock);
        if (left) settleHead(q, left);
        else if (q.attempts >= maxAttempts) settleHead(q, requeuedOutcome(head));
      },
      { concurrency: 32 },
    );
    const sending = active.filter((q) => q.list.length > 0);
    for (let from = 0; from < sending.length; from += ports.batchLimit) {
      const part = sending.slice(from, from + ports.batchLimit);
      const heads = part.flatMap((q) => (q.list[0] ? [q.list[0]] : []));
      const before = clock.now().toISOString();
      const answers = await callSafely(ports, heads.map(outgoingOf));
      part.forEach((q, i) => {
        const head = q.list[0];
        if (!head) return;
        const answer = answers[i] ?? new SmsThrottledError('no answer');
        const outcome = answered(head, answer, clock);
        q.attempts++;
        if (answer instanceof SmsUncertainError) q.askSince ??= before;
        if (outcome) settleHead(q, outcome);
        // Out of tries: put back now, or after the gateway is asked about an unanswered call.
        else if (q.attempts >= maxAttempts && q.askSince === undefined) settleHead(q, requeuedOutcome(head));
      });
    }
  }
}

/** A gateway call that failed as a whole fails each of its messages the same way. */
async function callSafely(ports: BatchPorts, list: OutgoingSms[]): Promise<(SentSms | Error)[]> {
  try {
    return await ports.sendMany(list);
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    return list.map(() => failure);
  }
}
