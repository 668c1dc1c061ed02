import type { Part } from '../adapters/transaction';
import type { OutboxMessage, OutboxState } from '../domain/activation';
import { type ItemKey, keys } from '../table';
import { cancelClauses, type UpdateClause } from './dynamo-outbox';

/**
 * How outbox entries are written inside other writes: a repository that changes an item and
 * queues, cancels or settles a message with it takes the clauses or parts from here, so only
 * the outbox module knows the shape of the `outbox` map.
 */

/** Loose SMS records (answers outside any activation) are kept this long. */
const LOOSE_TTL_SECONDS = 7 * 24 * 3600;

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/**
 * The conditional put of an SMS that belongs to no activation, under a fixed id: the stream
 * consumer sends it once; a second put of the same id fails its condition.
 */
export function looseSmsPut(table: string, id: string, phone: string, message: OutboxMessage) {
  return {
    TableName: table,
    Item: {
      ...keys.looseSms(id),
      type: 'sms',
      phone,
      outbox: { reply: message },
      expiresAt: epochSeconds(message.queuedAt) + LOOSE_TTL_SECONDS,
    },
    ConditionExpression: 'attribute_not_exists(pk)',
  };
}

/** `looseSmsPut` as a labelled part of a transaction; it fails when that id was queued before. */
export function looseSmsPart(
  label: string,
  table: string,
  id: string,
  phone: string,
  message: OutboxMessage,
): Part {
  return { label, item: { Put: looseSmsPut(table, id, phone, message) } };
}

/** The SET clauses that cancel every message of `outbox` still waiting to be claimed. */
export function cancelQueuedClauses(outbox: Readonly<Record<string, OutboxMessage>>): UpdateClause[] {
  return cancelClauses(
    Object.entries(outbox)
      .filter(([, m]) => m.state === 'queued')
      .map(([k]) => k),
  );
}

/** The condition that the message under `messageKey` is still in `state`, as it was read. */
export function messageStateCondition(alias: string, messageKey: string, state: OutboxState): UpdateClause {
  return {
    expression: `outbox.#${alias}.#${alias}s = :${alias}s`,
    names: { [`#${alias}`]: messageKey, [`#${alias}s`]: 'state' },
    values: { [`:${alias}s`]: state },
  };
}

/** The condition that the message under `messageKey` is absent, or in any state but `state`. */
export function messageNotInStateCondition(
  alias: string,
  messageKey: string,
  state: OutboxState,
): UpdateClause {
  return {
    expression: `(attribute_not_exists(outbox.#${alias}.#${alias}s) OR outbox.#${alias}.#${alias}s <> :${alias}s)`,
    names: { [`#${alias}`]: messageKey, [`#${alias}s`]: 'state' },
    values: { [`:${alias}s`]: state },
  };
}

/**
 * One item's update as a labelled part, assembled from clauses: SETs, an optional REMOVE, and
 * conditions joined by AND.
 */
export function updatePart(
  label: string,
  table: string,
  key: ItemKey,
  update: { set: readonly UpdateClause[]; remove?: readonly string[]; condition: readonly UpdateClause[] },
): Part {
  const clauses = [...update.set, ...update.condition];
  const names: Record<string, string> = Object.assign({}, ...clauses.map((c) => c.names));
  const values: Record<string, unknown> = Object.assign({}, ...clauses.map((c) => c.values));
  const remove = update.remove?.length ? ` REMOVE ${update.remove.join(', ')}` : '';
  return {
    label,
    item: {
      Update: {
        TableName: table,
        Key: key,
        UpdateExpression: `SET ${update.set.map((c) => c.expression).join(', ')}${remove}`,
        ConditionExpression: update.condition.map((c) => c.expression).join(' AND '),
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
      },
    },
  };
}

/** A provider's delivery receipt for one sent message. */
export type ReceiptEntry = {
  messageKey: string;
  messageId: string;
  delivered: boolean;
  reason?: string | undefined;
  at: string;
  /** The draftee's first alert: a delivery stamps the person as reached. */
  alert: boolean;
};

/**
 * The update that lands a delivery receipt on a message, once: it must name the message id the
 * provider answered the send with, and the message must have no receipt yet, so a repeated or
 * late receipt (a `delivered` after a `failed`) fails the condition and changes nothing. A
 * failed delivery fails the message, with the provider's reason. `also` adds the holder's own
 * clauses to the same update (the draftee's status as read, say).
 */
export function receiptPart(
  label: string,
  table: string,
  key: ItemKey,
  receipt: ReceiptEntry,
  also: { set?: readonly UpdateClause[]; condition?: readonly UpdateClause[] } = {},
): Part {
  const m = { '#m': receipt.messageKey, '#s': 'state' };
  const set: UpdateClause[] = [
    {
      expression: 'outbox.#m.receipt = :r',
      names: m,
      values: { ':r': receipt.delivered ? 'delivered' : 'failed' },
    },
  ];
  if (!receipt.delivered)
    set.push({
      expression: 'outbox.#m.#s = :failed, outbox.#m.#e = :error',
      names: { ...m, '#e': 'error' },
      values: { ':failed': 'failed', ':error': `undelivered: ${receipt.reason ?? 'no reason given'}` },
    });
  else if (receipt.alert)
    set.push({
      expression: 'deliveredAt = if_not_exists(deliveredAt, :at)',
      names: {},
      values: { ':at': receipt.at },
    });
  const condition: UpdateClause[] = [
    {
      expression:
        'outbox.#m.messageId = :id AND outbox.#m.#s = :sent AND attribute_not_exists(outbox.#m.receipt)' +
        (receipt.delivered && receipt.alert ? ' AND attribute_not_exists(deliveredAt)' : ''),
      names: m,
      values: { ':id': receipt.messageId, ':sent': 'sent' },
    },
  ];
  return updatePart(label, table, key, {
    set: [...set, ...(also.set ?? [])],
    condition: [...condition, ...(also.condition ?? [])],
  });
}

/** Whether a receipt for this message could still land: sent under that id, with no receipt yet. */
export function awaitsReceipt(message: OutboxMessage | undefined, messageId: string): boolean {
  return message?.state === 'sent' && message.messageId === messageId && message.receipt === undefined;
}
