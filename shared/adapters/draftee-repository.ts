import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pMap from 'p-map';
import type { Activation, Counts, Draftee, OutboxMessage } from '../domain/activation';
import { messageNotInStateCondition, updatePart } from '../outbox/dynamo-entries';
import { cancelClauses, notQueuedCondition, queueClause, type UpdateClause } from '../outbox/dynamo-outbox';
import { keys } from '../table';
import { drafteePut, teamCounters } from './activation-records';
import { batchGetAll, type TransactItem } from './dynamo';
import { chunk, commitUnits, TRANSACTION_ITEMS, Transaction, type TransactionUnit } from './transaction';

/** What stand-down does to one open draftee: the call-outs to cancel, and what to tell them. */
export type Closing = {
  memberId: string;
  message?: { key: string; value: OutboxMessage } | undefined;
  cancel: string[];
};

/** A team's new draftees, and how its counters move with them. */
export type DrafteeGroup = { teamId: string; draftees: readonly Draftee[]; delta: Partial<Counts> };

/** The writes to an activation's people after the press: each conditional on what it expects. */
export interface DrafteeRepository {
  /** Writes new draftees (each once) with their teams' counters; returns how many were written. */
  insertDraftees(
    activation: Pick<Activation, 'activationId' | 'startedAt'>,
    groups: readonly DrafteeGroup[],
  ): Promise<number>;
  /** Closes open draftees at stand-down. */
  closeDraftees(activationId: string, closings: readonly Closing[]): Promise<void>;
  /** Queues one reminder for each silent draftee who has had none; returns how many. */
  queueReminders(
    activationId: string,
    reminders: readonly { memberId: string; message: OutboxMessage }[],
    at: string,
  ): Promise<number>;
  /** Marks draftees still silent since before `cutoff` as `noResponse`; returns how many. */
  markNoResponse(
    activationId: string,
    silent: readonly { memberId: string; teamId: string }[],
    cutoff: string,
  ): Promise<number>;
  /** Queues a message on an open draftee under a key it has not had yet. */
  queueOnce(
    activationId: string,
    memberId: string,
    messageKey: string,
    message: OutboxMessage,
  ): Promise<boolean>;
}

/** The draftee writes on the single table. */
export class DynamoDrafteeRepository implements DrafteeRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * Writes new draftees, each only if it is not there yet, with their team's counters moved in
   * the same transaction; a retry writes only what is missing and counts nothing twice.
   */
  async insertDraftees(
    activation: Pick<Activation, 'activationId' | 'startedAt'>,
    groups: readonly DrafteeGroup[],
  ): Promise<number> {
    let written = 0;
    const batches = groups.flatMap((g) =>
      chunk(g.draftees, TRANSACTION_ITEMS - 1).map((draftees, i) => ({
        teamId: g.teamId,
        draftees,
        // The team's counters move once, with the first batch of the group.
        delta: i === 0 ? g.delta : {},
      })),
    );
    await pMap(
      batches,
      async (batch) => {
        let pending = batch.draftees;
        for (let attempt = 0; pending.length > 0 && attempt < 3; attempt++) {
          const tx = new Transaction(this.doc, this.table);
          for (const d of pending) tx.add('draftee', drafteePut(this.table, d, activation.startedAt));
          if (attempt === 0) {
            const counters = teamCounters(activation.activationId, batch.teamId, batch.delta);
            tx.count(counters.key, counters.delta);
          }
          if ((await tx.commit()).ok) {
            written += pending.length;
            return;
          }
          // Some were written by an earlier attempt: keep only the missing ones.
          const existing = new Set(
            (
              await batchGetAll(
                this.doc,
                this.table,
                pending.map((d) => keys.draftee(d.activationId, d.memberId)),
                true,
              )
            ).map((i) => String(i.memberId)),
          );
          pending = pending.filter((d) => !existing.has(d.memberId));
        }
        if (pending.length) throw new Error(`could not write ${pending.length} draftees`);
      },
      { concurrency: 4 },
    );
    return written;
  }

  /**
   * Closes draftees at stand-down: they leave the open-phone index, queued alerts are
   * cancelled, and the given message is queued for those who were alerted.
   */
  async closeDraftees(activationId: string, closings: readonly Closing[]): Promise<void> {
    const units = closings.map(
      (c): TransactionUnit => ({
        parts: [
          {
            label: 'close',
            item: this.drafteeUpdate(activationId, c.memberId, {
              set: [
                { expression: '#open = :f', names: { '#open': 'open' }, values: { ':f': false } },
                ...(c.message ? [queueClause('mk', c.message.key, c.message.value)] : []),
                ...cancelClauses(c.cancel),
              ],
              remove: 'gsi1pk, gsi1sk',
              condition: [{ expression: '#open = :t', names: { '#open': 'open' }, values: { ':t': true } }],
            }),
          },
        ],
      }),
    );
    await commitUnits(this.doc, this.table, units, { concurrency: 4 });
  }

  /** Queues a reminder for each silent draftee who has not had one. Returns how many were queued. */
  async queueReminders(
    activationId: string,
    reminders: readonly { memberId: string; message: OutboxMessage }[],
    at: string,
  ): Promise<number> {
    const units = reminders.map(
      (r): TransactionUnit => ({
        parts: [
          {
            label: 'reminder',
            item: this.drafteeUpdate(activationId, r.memberId, {
              set: [
                { expression: 'remindedAt = :at', names: {}, values: { ':at': at } },
                queueClause('r', 'reminder', r.message),
              ],
              condition: [
                {
                  expression: '#status = :drafted AND #open = :true AND attribute_not_exists(remindedAt)',
                  names: { '#status': 'status', '#open': 'open' },
                  values: { ':drafted': 'drafted', ':true': true },
                },
              ],
            }),
          },
        ],
      }),
    );
    return (await commitUnits(this.doc, this.table, units)).filter(Boolean).length;
  }

  /**
   * Marks silent draftees `noResponse` (only those still silent and alerted before `cutoff`, and
   * whose alert has not failed), moving their teams' counters with them.
   */
  async markNoResponse(
    activationId: string,
    silent: readonly { memberId: string; teamId: string }[],
    cutoff: string,
  ): Promise<number> {
    const units = silent.map(
      (d): TransactionUnit => ({
        parts: [
          updatePart('noResponse', this.table, keys.draftee(activationId, d.memberId), {
            set: [
              {
                expression: '#status = :silent',
                names: { '#status': 'status' },
                values: { ':silent': 'noResponse' },
              },
            ],
            condition: [
              {
                expression: '#status = :drafted AND #open = :true AND alertedAt <= :cutoff',
                names: { '#status': 'status', '#open': 'open' },
                values: { ':drafted': 'drafted', ':true': true, ':cutoff': cutoff },
              },
              // One whose alert failed meanwhile already counts in the shortfall: not as silent too.
              messageNotInStateCondition('alert', 'alert', 'failed'),
            ],
          }),
        ],
        counters: [teamCounters(activationId, d.teamId, { noResponse: 1 })],
      }),
    );
    return (await commitUnits(this.doc, this.table, units)).filter(Boolean).length;
  }

  /** Queues a message on a draftee under a key it has not had yet (an SMS to a team leader). */
  async queueOnce(
    activationId: string,
    memberId: string,
    messageKey: string,
    message: OutboxMessage,
  ): Promise<boolean> {
    const result = await new Transaction(this.doc, this.table)
      .add(
        'queue',
        this.drafteeUpdate(activationId, memberId, {
          set: [queueClause('k', messageKey, message)],
          condition: [
            notQueuedCondition('k', messageKey),
            { expression: '#open = :true', names: { '#open': 'open' }, values: { ':true': true } },
          ],
        }),
      )
      .commit();
    return result.ok;
  }

  /** One draftee's update, assembled from clauses: SETs, an optional REMOVE, conditions joined by AND. */
  private drafteeUpdate(
    activationId: string,
    memberId: string,
    update: { set: UpdateClause[]; remove?: string; condition: UpdateClause[] },
  ): TransactItem {
    const clauses = [...update.set, ...update.condition];
    const values = Object.assign({}, ...clauses.map((c) => c.values));
    return {
      Update: {
        TableName: this.table,
        Key: keys.draftee(activationId, memberId),
        UpdateExpression: `SET ${update.set.map((c) => c.expression).join(', ')}${update.remove ? ` REMOVE ${update.remove}` : ''}`,
        ConditionExpression: update.condition.map((c) => c.expression).join(' AND '),
        ExpressionAttributeNames: Object.assign({}, ...clauses.map((c) => c.names)),
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
      },
    };
  }
}
