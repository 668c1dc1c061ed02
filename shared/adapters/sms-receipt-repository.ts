import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Counts, Draftee } from '../domain/activation';
import { awaitsReceipt, receiptPart } from '../outbox/dynamo-entries';
import type { UpdateClause } from '../outbox/dynamo-outbox';
import { keys } from '../table';
import { teamCounters, toDraftee } from './activation-records';
import { describeFailure, Transaction } from './transaction';

export type ReceiptResult = 'applied' | 'duplicate';

/** The port delivery receipts are written through. */
export interface SmsReceiptRepository {
  /** Lands one receipt on a draftee's message, once; `duplicate` when it had one already. */
  apply(args: {
    draftee: Draftee;
    messageKey: string;
    messageId: string;
    delivered: boolean;
    reason?: string | undefined;
    at: string;
  }): Promise<ReceiptResult>;
}

/** Reads again after the draftee moved under a receipt; a receipt outlasts a few replies. */
const ATTEMPTS = 4;

/**
 * Writes delivery receipts onto the draftee's message. A receipt lands once: it must name the
 * message id the provider answered the send with, and the message must have no receipt yet, so a
 * repeated or late receipt changes nothing. A failed alert counts in the team's `failed` (and so
 * in its shortfall); a delivered one in `delivered`. An alert's receipt holds only while the
 * draftee's status is as read, since the status decides which counters move.
 */
export class DynamoSmsReceiptRepository implements SmsReceiptRepository {
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
    const { messageKey } = args;
    const alert = messageKey === 'alert';
    let draftee = args.draftee;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const { also, delta } = alert ? this.alertEffects(draftee, args.delivered) : { also: {}, delta: {} };
      const result = await new Transaction(this.doc, this.table)
        .addUnit({
          parts: [
            receiptPart(
              'receipt',
              this.table,
              keys.draftee(draftee.activationId, draftee.memberId),
              {
                messageKey,
                messageId: args.messageId,
                delivered: args.delivered,
                reason: args.reason,
                at: args.at,
                alert,
              },
              also,
            ),
          ],
          counters: [teamCounters(draftee.activationId, draftee.teamId, delta)],
        })
        .commit();
      if (result.ok) return 'applied';
      if (!result.failedOn('receipt', 'ConditionalCheckFailed'))
        throw new Error(describeFailure('receipt', result));
      if (!alert) return 'duplicate';
      // The message had its receipt already, or the person moved since they were read: look again.
      const fresh = await this.read(draftee);
      if (!fresh || !awaitsReceipt(fresh.outbox[messageKey], args.messageId)) return 'duplicate';
      if (args.delivered && fresh.deliveredAt) return 'duplicate';
      draftee = fresh;
    }
    throw new Error('receipt kept racing with the draftee');
  }

  /**
   * What an alert's receipt does beside the message: the counters it moves, and the status it
   * expects. A released person is in no count (see countsOf). Someone marked silent before the
   * receipt said their alert never arrived is not silent but unreached: back to `drafted`, so
   * they count in the shortfall once, as failed, and are replaced once. Someone who has answered
   * was reached whatever the receipt says.
   */
  private alertEffects(
    draftee: Draftee,
    delivered: boolean,
  ): { also: { set?: UpdateClause[]; condition: UpdateClause[] }; delta: Partial<Counts> } {
    const seen: UpdateClause = {
      expression: '#status = :seen',
      names: { '#status': 'status' },
      values: { ':seen': draftee.status },
    };
    if (draftee.status === 'released') return { also: { condition: [seen] }, delta: {} };
    if (delivered) return { also: { condition: [seen] }, delta: { delivered: 1 } };
    // They answered, so they were reached: the alert is recorded failed, the counts do not move.
    if (draftee.respondedAt !== undefined) return { also: { condition: [seen] }, delta: {} };
    if (draftee.status === 'noResponse')
      return {
        also: {
          set: [
            {
              expression: '#status = :unreached',
              names: { '#status': 'status' },
              values: { ':unreached': 'drafted' },
            },
          ],
          condition: [seen],
        },
        delta: { failed: 1, noResponse: -1 },
      };
    return { also: { condition: [seen] }, delta: { failed: 1 } };
  }

  private async read(draftee: Draftee): Promise<Draftee | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: keys.draftee(draftee.activationId, draftee.memberId),
        ConsistentRead: true,
      }),
    );
    return Item ? toDraftee(Item) : undefined;
  }
}
