import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Locale, WhistleSms } from '../domain/sms';
import { looseSmsPut } from '../outbox/dynamo-entries';
import { queue } from '../outbox/port';
import { chunk, describeFailure, TRANSACTION_ITEMS, Transaction } from './transaction';

/** One SMS a whistle sends. `id` is stable, so queueing it again sends nothing twice. */
export type WhistleMessage = { id: string; phone: string; message: WhistleSms; locale?: Locale };

/** Every SMS of the whistle goes through this port. */
export interface WhistleMessenger {
  /** Queues the messages for sending; one already queued under its id is left as it is. */
  queue(messages: readonly WhistleMessage[], now: string): Promise<void>;
}

/**
 * Queues whistle SMS as the outbox stores an SMS that belongs to no activation: one item per
 * message, sent by the table's stream consumer. Each put is conditional on its id and labelled
 * by it, so a repeat (a retried raise, a second sweep) queues nothing again, and a refusal of
 * any other kind names the message it stopped at.
 */
export class DynamoWhistleMessenger implements WhistleMessenger {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async queue(messages: readonly WhistleMessage[], now: string): Promise<void> {
    const unique = [...new Map(messages.map((m) => [m.id, m])).values()];
    for (const part of chunk(unique, TRANSACTION_ITEMS)) {
      let pending = part;
      while (pending.length > 0) {
        const tx = new Transaction(this.doc, this.table);
        for (const m of pending) {
          const entry = queue({ kind: 'notice', message: m.message }, m.locale ?? 'zh', now);
          tx.add(m.id, { Put: looseSmsPut(this.table, m.id, m.phone, entry) });
        }
        const outcome = await tx.commit();
        if (outcome.ok) break;
        // A message already queued under its id stays as it is; any other refusal is thrown, labelled.
        if (outcome.failed.length === 0 || outcome.failed.some((f) => f.code !== 'ConditionalCheckFailed'))
          throw new Error(describeFailure('queueing whistle SMS', outcome));
        const queuedBefore = new Set(outcome.failed.map((f) => f.label));
        pending = pending.filter((m) => !queuedBefore.has(m.id));
      }
    }
  }
}
