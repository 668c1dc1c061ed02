import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Draftee } from '../domain/activation';
import { keys } from '../table';
import { teamCounterUpdate } from './activation-repository';
import { type TransactItem, transactWrite } from './dynamo';

export type ReceiptResult = 'applied' | 'duplicate';

/**
 * Writes delivery receipts onto the draftee's message. A receipt lands once: it must name the
 * message id the provider answered the send with, and the message must have no receipt yet, so a
 * repeated or late receipt changes nothing. A failed alert counts in the team's `failed` (and so
 * in its shortfall); a delivered one in `delivered`.
 */
export class SmsReceiptRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async apply(args: {
    draftee: Draftee;
    messageKey: string;
    messageId: string;
    delivered: boolean;
    reason?: string | undefined;
    at: string;
  }): Promise<ReceiptResult> {
    const { draftee, messageKey } = args;
    const alert = messageKey === 'alert';
    const names: Record<string, string> = { '#m': messageKey, '#s': 'state' };
    const values: Record<string, unknown> = {
      ':id': args.messageId,
      ':sent': 'sent',
      ':r': args.delivered ? 'delivered' : 'failed',
    };
    const sets = ['outbox.#m.receipt = :r'];
    if (args.delivered) {
      if (alert) sets.push('deliveredAt = if_not_exists(deliveredAt, :at)');
      values[':at'] = args.at;
    } else {
      sets.push('outbox.#m.#s = :failed', 'outbox.#m.#e = :error');
      names['#e'] = 'error';
      values[':failed'] = 'failed';
      values[':error'] = `undelivered: ${args.reason ?? 'no reason given'}`;
    }
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.table,
          Key: keys.draftee(draftee.activationId, draftee.memberId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression:
            'outbox.#m.messageId = :id AND outbox.#m.#s = :sent AND attribute_not_exists(outbox.#m.receipt)' +
            (args.delivered && alert ? ' AND attribute_not_exists(deliveredAt)' : ''),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
    ];
    // A released person is in no count (see countsOf): their receipt changes no counter.
    if (alert && draftee.status !== 'released')
      items.push(
        ...teamCounterUpdate(
          this.table,
          draftee.activationId,
          draftee.teamId,
          args.delivered ? { delivered: 1 } : { failed: 1 },
        ),
      );
    const result = await transactWrite(this.doc, items);
    if (result.ok) return 'applied';
    if (result.failed.some((f) => f.index === 0 && f.code === 'ConditionalCheckFailed')) return 'duplicate';
    throw new Error(`receipt failed: ${JSON.stringify(result.failed.map((f) => [f.index, f.code]))}`);
  }
}
