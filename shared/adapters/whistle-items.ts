import type { WhistleStatus } from '../domain/whistle';
import { looseSmsPut } from '../outbox/dynamo-entries';
import { queue } from '../outbox/port';
import { keys } from '../table';
import type { Item, TransactItem } from './dynamo';
import { describeFailure, type Transaction, type TransactionOutcome } from './transaction';
import type { WhistleMessage } from './whistle-messages';
import type { NewEvent, PersonRef, ResponderRecord, WhistleRecord } from './whistle-repository';
import type { NewCall } from './whistle-store';

/*
 * The whistle's items as DynamoDB stores them, and the labelled parts its writes are made of.
 */

/** A marker outlives its whistle by at most this long, should a closing never finish. */
const MARKER_TTL_SECONDS = 3 * 24 * 3600;
/**
 * People called per transaction: each is three puts (responder, marker, call SMS), next to at
 * most ten items of the whistle itself (its item, deadline, events, the inbound id).
 */
export const CALLS_PER_TRANSACTION = 30;
/** How long calls may stay pending before the sweep takes them over from their writer. */
const CALLING_GRACE_MINUTES = 1;

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const isClosed = (status: WhistleStatus) => status === 'resolved' || status === 'cancelled';
const minutesLater = (at: string, minutes: number) =>
  new Date(Date.parse(at) + minutes * 60_000).toISOString();

/** When the sweep next looks at a whistle: its deadline, or soon when its calls are pending. */
export const dueAtOf = (w: WhistleRecord) =>
  w.releasingSince
    ? minutesLater(w.releasingSince, CALLING_GRACE_MINUTES)
    : w.callingSince
      ? minutesLater(w.callingSince, CALLING_GRACE_MINUTES)
      : w.deadlineAt;

/** Whether the sweep keeps an eye on a whistle: open and not overdue, or still telling people. */
export const isWatched = (w: WhistleRecord) =>
  (w.status === 'open' && !w.overdueAt) || w.releasingSince !== undefined;

/** The whistle as stored with these calls still to write, or with none left. */
export function withCalls(w: WhistleRecord, pending: boolean, now: string): WhistleRecord {
  const { callingSince: _, ...rest } = w;
  return pending && !isClosed(w.status) ? { ...rest, callingSince: now } : rest;
}

export function whistleIndexes(w: WhistleRecord): Item {
  return {
    ...(isClosed(w.status)
      ? {}
      : { gsi1pk: keys.openWhistlesOfStreet(w.streetId), gsi1sk: `${w.openedAt}#${w.whistleId}` }),
    gsi2pk: keys.whistlesOfCommunity(w.communityId),
    gsi2sk: `${isClosed(w.status) ? 'closed' : 'active'}#${w.openedAt}#${w.whistleId}`,
  };
}

/** The write that moves one responder, only from the status read. */
export function responderUpdate(
  table: string,
  whistleId: string,
  responder: ResponderRecord,
  to: ResponderRecord,
): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: { ...keys.whistleResponder(whistleId, to.memberId), type: 'whistleResponder', ...to },
      ConditionExpression: '#status = :from',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':from': responder.status },
    },
  };
}

/** The write that frees a person from this whistle. */
export function markerDelete(table: string, whistleId: string, person: PersonRef): TransactItem {
  return {
    Delete: {
      TableName: table,
      Key: keys.onWhistle(person.communityId, person.memberId),
      ConditionExpression: 'attribute_not_exists(pk) OR whistleId = :w',
      ExpressionAttributeValues: { ':w': whistleId },
    },
  };
}

/** The whistle item moved from the version read to `next`, with its deadline entry and events. */
export function addAdvanceParts(
  tx: Transaction,
  table: string,
  whistle: WhistleRecord,
  nextRead: WhistleRecord,
  events: readonly NewEvent[],
): void {
  const next = isClosed(nextRead.status) ? withCalls(nextRead, false, '') : nextRead;
  tx.add('whistle', {
    Put: {
      TableName: table,
      Item: {
        ...keys.whistle(next.whistleId),
        type: 'whistle',
        ...next,
        version: whistle.version + 1,
        ...whistleIndexes(next),
      },
      ConditionExpression: 'version = :v',
      ExpressionAttributeValues: { ':v': whistle.version },
    },
  });
  const wasDue = isWatched(whistle);
  if (isWatched(next)) {
    if (dueAtOf(next) !== dueAtOf(whistle) || !wasDue)
      tx.add('due', { Put: duePut(table, next.whistleId, dueAtOf(next)) });
  } else if (wasDue) {
    tx.add('due', { Delete: { TableName: table, Key: keys.whistleDue(next.whistleId) } });
  }
  for (const event of events) tx.add('event', { Put: eventPut(table, next.whistleId, event) });
}

/** Each person's responder item, marker and call SMS, under a label of their own. */
export function addCallParts(
  tx: Transaction,
  table: string,
  whistleId: string,
  calls: readonly NewCall[],
): void {
  for (const { responder: r, message } of calls) {
    const label = `call:${r.memberId}`;
    tx.add(label, {
      Put: {
        TableName: table,
        Item: { ...keys.whistleResponder(whistleId, r.memberId), type: 'whistleResponder', ...r },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    tx.add(label, {
      Put: {
        TableName: table,
        Item: {
          ...keys.onWhistle(r.communityId, r.memberId),
          type: 'whistleMarker',
          communityId: r.communityId,
          memberId: r.memberId,
          whistleId,
          expiresAt: epochSeconds(r.calledAt) + MARKER_TTL_SECONDS,
        },
        // A marker left behind by a closing that never finished has expired; it does not block.
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
        ExpressionAttributeValues: { ':now': epochSeconds(r.calledAt) },
      },
    });
    tx.add(label, { Put: messagePut(table, message, r.calledAt) });
  }
  tx.assertWithinLimits('calling a whistle');
}

/**
 * The calls left after a refusal: a person already called or on another whistle is left out
 * by their label; any other refusal is thrown, naming its part.
 */
export function withoutRefused(
  calls: readonly NewCall[],
  outcome: TransactionOutcome,
  what: string,
): NewCall[] {
  if (outcome.ok) return [...calls];
  const isRefusal = (f: { label: string; code: string }) =>
    f.label.startsWith('call:') && f.code === 'ConditionalCheckFailed';
  if (outcome.failed.length === 0 || !outcome.failed.every(isRefusal))
    throw new Error(describeFailure(what, outcome));
  const refused = new Set(outcome.failed.map((f) => f.label));
  return calls.filter((c) => !refused.has(`call:${c.responder.memberId}`));
}

/** A whistle SMS in the outbox, as a reply to a phone on no call-out (stable id: queued once). */
export function messagePut(table: string, m: WhistleMessage, now: string) {
  return looseSmsPut(
    table,
    m.id,
    m.phone,
    queue({ kind: 'notice', message: m.message }, m.locale ?? 'zh', now),
  );
}

export function duePut(table: string, whistleId: string, deadlineAt: string) {
  return {
    TableName: table,
    Item: {
      ...keys.whistleDue(whistleId),
      type: 'whistleDue',
      whistleId,
      gsi1pk: keys.dueWhistlesIndex,
      gsi1sk: `${deadlineAt}#${whistleId}`,
    },
  };
}

export function eventPut(table: string, whistleId: string, event: NewEvent) {
  return {
    TableName: table,
    Item: {
      ...keys.whistleEvent(whistleId, event.eventId),
      type: 'whistleEvent',
      eventType: event.type,
      at: event.at,
      detail: event.detail,
    },
  };
}
