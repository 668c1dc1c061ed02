import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { batchGetAll, type Item, type TransactItem } from '../adapters/dynamo';
import { commitUnits, Transaction, type TransactionUnit } from '../adapters/transaction';
import { type Counts, MESSAGE_KINDS, OUTBOX_STATES, type OutboxMessage } from '../domain/activation';
import { LOCALES, type SmsMessage } from '../domain/sms';
import { type ItemKey, keys } from '../table';
import type { MessageRef, Outbox, OutboxHolder, Settlement } from './port';

/**
 * How messages are stored: a map `outbox` on the item they concern, one entry per message key,
 * each moving queued → sending (under a lease) → sent | failed | cancelled, or back to queued.
 */
export const outboxRecord = z.object({
  kind: z.enum(MESSAGE_KINDS),
  body: z.string(),
  state: z.enum(OUTBOX_STATES),
  queuedAt: z.string(),
  leaseUntil: z.string().optional(),
  claimedAt: z.string().optional(),
  sentAt: z.string().optional(),
  messageId: z.string().optional(),
  error: z.string().optional(),
  attempts: z.number().default(0),
  receipt: z.enum(['delivered', 'failed']).optional(),
});

/** A stored message with what it says, as the sender hands it to the gateway. */
const sendableRecord = outboxRecord.extend({
  template: z
    .object({
      // Written by `queue` from a typed message; the gateway reads only the fields its template needs.
      message: z.custom<SmsMessage>((v) => typeof v === 'object' && v !== null && 'type' in v),
      locale: z.enum(LOCALES),
    })
    .optional(),
});

/** A clause of an item's update, with the names and values it uses. */
export type UpdateClause = {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
};

/** The SET clause that queues `message` under `messageKey`; `alias` keeps it apart from others. */
export function queueClause(alias: string, messageKey: string, message: OutboxMessage): UpdateClause {
  return {
    expression: `outbox.#${alias} = :${alias}`,
    names: { [`#${alias}`]: messageKey },
    values: { [`:${alias}`]: message },
  };
}

/** The condition that no message has been queued under `messageKey` yet. */
export function notQueuedCondition(alias: string, messageKey: string): UpdateClause {
  return {
    expression: `attribute_not_exists(outbox.#${alias})`,
    names: { [`#${alias}`]: messageKey },
    values: {},
  };
}

/** The SET clauses that cancel the messages under `messageKeys`. */
export function cancelClauses(messageKeys: readonly string[]): UpdateClause[] {
  return messageKeys.map((key, i) => ({
    expression: `outbox.#x${i}.#xs = :xcancelled`,
    names: { [`#x${i}`]: key, '#xs': 'state' },
    values: { ':xcancelled': 'cancelled' },
  }));
}

/** Messages the sender may act on in an image: queued, or claimed under a lease that ran out. */
export function hasWaitingMessage(image: Item, now: number): boolean {
  const outbox = image.outbox;
  if (typeof outbox !== 'object' || outbox === null) return false;
  return Object.values(outbox).some((m: unknown) => {
    if (typeof m !== 'object' || m === null || !('state' in m)) return false;
    if (m.state === 'queued') return true;
    const lease = 'leaseUntil' in m && typeof m.leaseUntil === 'string' ? Date.parse(m.leaseUntil) : 0;
    return m.state === 'sending' && lease < now;
  });
}

/** An item as the sender sees it: who it goes to and what waits in its outbox. */
export function holderOf(item: Item): OutboxHolder {
  const key = { pk: String(item.pk), sk: String(item.sk) };
  const draftee = item.type === 'draftee';
  const outbox = z.record(z.string(), sendableRecord).parse(item.outbox ?? {});
  return {
    key,
    phone: String(item.phone ?? ''),
    team: draftee ? { activationId: String(item.activationId), teamId: String(item.teamId) } : undefined,
    open: item.open !== false,
    alerted: !draftee || item.alertedAt !== undefined,
    reached: draftee && item.respondedAt !== undefined,
    messages: Object.entries(outbox).sort(([, a], [, b]) => a.queuedAt.localeCompare(b.queuedAt)),
  };
}

type Transition = MessageRef &
  ({ action: 'claim'; leaseUntil: string; now: string } | { action: 'cancel' } | Settlement);

/** What a settlement moves on the team's counters (first alerts only). */
function deltaFor(t: Transition): Partial<Counts> {
  if (t.action === 'sent' && t.firstAlert) return t.delivered ? { alerted: 1, delivered: 1 } : { alerted: 1 };
  if (t.action === 'failed' && t.firstAlert && !t.reached) return { failed: 1 };
  return {};
}

/** The outbox on the single table: the lease state machine as conditional updates. */
export class DynamoOutbox implements Outbox {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async read(wanted: readonly ItemKey[]): Promise<OutboxHolder[]> {
    return (await batchGetAll(this.doc, this.table, wanted, true)).map(holderOf);
  }

  async claim(messages: readonly MessageRef[], leaseUntil: string, now: string): Promise<MessageRef[]> {
    return this.apply(
      messages.map((m) => ({ key: m.key, messageKey: m.messageKey, action: 'claim', leaseUntil, now })),
    );
  }

  async settle(settlements: readonly Settlement[]): Promise<Settlement[]> {
    return this.apply(settlements);
  }

  async cancel(messages: readonly MessageRef[]): Promise<void> {
    await this.apply(messages.map((m) => ({ key: m.key, messageKey: m.messageKey, action: 'cancel' })));
  }

  async nudge(message: MessageRef, leaseUntil: string, at: string): Promise<boolean> {
    return (
      await new Transaction(this.doc, this.table)
        .add('nudge', {
          Update: {
            TableName: this.table,
            Key: message.key,
            UpdateExpression: 'SET outbox.#m.nudgedAt = :at',
            ConditionExpression: 'outbox.#m.#s = :sending AND outbox.#m.leaseUntil = :lease',
            ExpressionAttributeNames: { '#m': message.messageKey, '#s': 'state' },
            ExpressionAttributeValues: { ':at': at, ':sending': 'sending', ':lease': leaseUntil },
          },
        })
        .commit()
    ).ok;
  }

  /**
   * Applies transitions with their counters, in as few transactions as possible. Each is
   * conditional on the state it expects, so a replayed batch changes nothing. Returns those
   * that lost a race.
   */
  private async apply<T extends Transition>(transitions: readonly T[]): Promise<T[]> {
    const units = transitions.map(
      (t): TransactionUnit => ({
        parts: [{ label: t.action, item: this.transitionItem(t) }],
        counters:
          'team' in t && t.team
            ? [{ key: keys.team(t.team.activationId, t.team.teamId), delta: deltaFor(t) }]
            : [],
      }),
    );
    const applied = await commitUnits(this.doc, this.table, units);
    return transitions.filter((_, i) => !applied[i]);
  }

  private transitionItem(t: Transition): TransactItem {
    const names: Record<string, string> = { '#m': t.messageKey, '#s': 'state' };
    const base = { TableName: this.table, Key: t.key, ExpressionAttributeNames: names };
    switch (t.action) {
      case 'claim':
        return {
          Update: {
            ...base,
            UpdateExpression:
              'SET outbox.#m.#s = :sending, outbox.#m.leaseUntil = :lease, outbox.#m.claimedAt = if_not_exists(outbox.#m.claimedAt, :now) ADD outbox.#m.attempts :one',
            ConditionExpression:
              'outbox.#m.#s = :queued OR (outbox.#m.#s = :sending AND outbox.#m.leaseUntil < :now)',
            ExpressionAttributeValues: {
              ':sending': 'sending',
              ':queued': 'queued',
              ':lease': t.leaseUntil,
              ':now': t.now,
              ':one': 1,
            },
          },
        };
      case 'sent': {
        const sets = ['outbox.#m.#s = :sent', 'outbox.#m.sentAt = :at', 'outbox.#m.messageId = :id'];
        if (t.firstAlert) sets.push('alertedAt = if_not_exists(alertedAt, :at)');
        if (t.firstAlert && t.delivered) sets.push('deliveredAt = if_not_exists(deliveredAt, :at)');
        return {
          Update: {
            ...base,
            UpdateExpression: `SET ${sets.join(', ')} REMOVE outbox.#m.leaseUntil`,
            ConditionExpression: 'outbox.#m.#s = :sending',
            ExpressionAttributeValues: {
              ':sent': 'sent',
              ':sending': 'sending',
              ':at': t.sentAt,
              ':id': t.messageId,
            },
          },
        };
      }
      case 'failed': {
        // A first alert counts in `failed` only while the person has not answered, as read.
        const answered = t.reached ? 'attribute_exists(respondedAt)' : 'attribute_not_exists(respondedAt)';
        return {
          Update: {
            ...base,
            UpdateExpression: 'SET outbox.#m.#s = :failed, outbox.#m.#e = :error REMOVE outbox.#m.leaseUntil',
            ConditionExpression: t.firstAlert
              ? `outbox.#m.#s = :sending AND ${answered}`
              : 'outbox.#m.#s = :sending',
            ExpressionAttributeNames: { ...names, '#e': 'error' },
            ExpressionAttributeValues: { ':failed': 'failed', ':sending': 'sending', ':error': t.error },
          },
        };
      }
      case 'requeue':
        return {
          Update: {
            ...base,
            UpdateExpression: 'SET outbox.#m.#s = :queued REMOVE outbox.#m.leaseUntil',
            ConditionExpression: 'outbox.#m.#s = :sending',
            ExpressionAttributeValues: { ':queued': 'queued', ':sending': 'sending' },
          },
        };
      case 'cancel':
        return {
          Update: {
            ...base,
            UpdateExpression: 'SET outbox.#m.#s = :cancelled REMOVE outbox.#m.leaseUntil',
            ConditionExpression: 'outbox.#m.#s IN (:queued, :sending)',
            ExpressionAttributeValues: {
              ':cancelled': 'cancelled',
              ':queued': 'queued',
              ':sending': 'sending',
            },
          },
        };
    }
  }
}
