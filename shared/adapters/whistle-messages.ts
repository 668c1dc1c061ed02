import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Locale, WhistleSms } from '../domain/sms';
import { looseSmsPut } from '../outbox/dynamo-entries';
import { queue } from '../outbox/port';
import { type TransactItem, transactWrite } from './dynamo';
import { chunk } from './transaction';

/** One SMS a whistle sends. `id` is stable, so queueing it again sends nothing twice. */
export type WhistleMessage = { id: string; phone: string; message: WhistleSms; locale?: Locale };

/** Every SMS of the whistle goes through this port. */
export interface WhistleMessenger {
  /** Queues the messages for sending; one already queued under its id is left as it is. */
  queue(messages: readonly WhistleMessage[], now: string): Promise<void>;
}

/** Conditional puts one transaction holds. */
const PER_TRANSACTION = 100;

/**
 * Queues whistle SMS as the outbox stores an SMS that belongs to no activation: one item per
 * message, sent by the table's stream consumer. Each put is conditional on its id, so a repeat
 * (a retried raise, a second sweep) queues nothing again.
 */
export class DynamoWhistleMessenger implements WhistleMessenger {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async queue(messages: readonly WhistleMessage[], now: string): Promise<void> {
    const unique = [...new Map(messages.map((m) => [m.id, m])).values()];
    for (const part of chunk(unique, PER_TRANSACTION)) {
      let pending: TransactItem[] = part.map((m) => ({
        Put: looseSmsPut(
          this.table,
          m.id,
          m.phone,
          queue({ kind: 'notice', message: m.message }, m.locale ?? 'zh', now),
        ),
      }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        const result = await transactWrite(this.doc, pending);
        if (result.ok) break;
        const queuedBefore = new Set(
          result.failed.filter((f) => f.code === 'ConditionalCheckFailed').map((f) => f.index),
        );
        if (queuedBefore.size !== result.failed.length || attempt > PER_TRANSACTION)
          throw new Error(`queueing whistle SMS failed: ${result.failed.map((f) => f.code).join(',')}`);
        pending = pending.filter((_, i) => !queuedBefore.has(i));
      }
    }
  }
}
