import type { Clock } from '../adapters/clock';
import { backoff } from '../adapters/dynamo';
import { type OutgoingSms, type SentSms, SmsRejectedError, SmsThrottledError } from '../adapters/sms-gateway';
import type { OutboxMessage } from '../domain/activation';
import { logger } from '../observability';
import { dedupeKeyOf, type MessageRef, type Settlement, type TeamRef } from './port';

/** A queued message, ready to be claimed, with where it goes. */
export type Work = MessageRef & {
  message: OutboxMessage;
  phone: string;
  team?: TeamRef | undefined;
  firstAlert: boolean;
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
  settlement: { ...refOf(work), action: 'failed', error, firstAlert: work.firstAlert },
});

/** A message still refused after every try: put back, its record retried later. */
export const requeuedOutcome = (work: Work): Outcome => ({
  work,
  settlement: { ...refOf(work), action: 'requeue' },
});

/**
 * What happens to a message before it is handed over: one whose sender died may have left already
 * (the gateway is asked), a closed call-out is cancelled, a message without a number fails. Undefined
 * when it is to be sent.
 */
export async function settledBeforeSending(
  work: Work,
  wasSent: (dedupeKey: string, sms: OutgoingSms & { since: string }) => Promise<'yes' | 'no' | 'unknown'>,
  clock: Clock,
): Promise<Outcome | undefined> {
  if (work.reconcile) {
    const sms = outgoingOf(work);
    const since = work.message.claimedAt ?? work.message.queuedAt;
    if ((await wasSent(sms.dedupeKey, { ...sms, since })) === 'yes')
      return sentOutcome(work, { messageId: 'reconciled', delivered: false }, clock);
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
  batchLimit: number;
  maxAttempts: number;
};

/**
 * Delivers claimed messages (already past `settledBeforeSending`) in rounds of calls to the
 * gateway: round k carries the next waiting message of every item, so one item's messages leave
 * in the order they were queued. A message the gateway was too busy for is tried again in a
 * later round, after a backoff, until it has had `maxAttempts` tries; then it is put back.
 */
export async function deliverInRounds(lists: readonly Work[][], ports: BatchPorts): Promise<Outcome[]> {
  const { clock, maxAttempts } = ports;
  const queues = lists.map((list) => ({ list: [...list], attempts: 0 }));
  const outcomes: Outcome[] = [];
  for (;;) {
    const active = queues.filter((q) => q.list.length > 0);
    if (!active.length) return outcomes;
    // A round that tries a message again waits first, as long as its most tried message needs.
    const retries = Math.max(...active.map((q) => q.attempts));
    if (retries > 0) await new Promise((resolve) => setTimeout(resolve, backoff(retries - 1, 50, 5_000)));
    for (let from = 0; from < active.length; from += ports.batchLimit) {
      const part = active.slice(from, from + ports.batchLimit);
      const heads = part.flatMap((q) => (q.list[0] ? [q.list[0]] : []));
      const answers = await callSafely(ports, heads.map(outgoingOf));
      part.forEach((q, i) => {
        const head = q.list[0];
        if (!head) return;
        const outcome = answered(head, answers[i] ?? new SmsThrottledError('no answer'), clock);
        q.attempts++;
        if (outcome || q.attempts >= maxAttempts) {
          outcomes.push(outcome ?? requeuedOutcome(head));
          q.list.shift();
          q.attempts = 0;
        }
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
