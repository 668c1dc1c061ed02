import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Draftee } from '../domain/activation';
import { receiptPart } from '../outbox/dynamo-entries';
import { keys } from '../table';
import { teamCounters } from './activation-records';
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

/**
 * Writes delivery receipts onto the draftee's message. A receipt lands once: it must name the
 * message id the provider answered the send with, and the message must have no receipt yet, so a
 * repeated or late receipt changes nothing. A failed alert counts in the team's `failed` (and so
 * in its shortfall); a delivered one in `delivered`.
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
    const { draftee, messageKey } = args;
    const alert = messageKey === 'alert';
    const tx = new Transaction(this.doc, this.table).addUnit({
      parts: [
        receiptPart('receipt', this.table, keys.draftee(draftee.activationId, draftee.memberId), {
          messageKey,
          messageId: args.messageId,
          delivered: args.delivered,
          reason: args.reason,
          at: args.at,
          alert,
        }),
      ],
      // A released person is in no count (see countsOf): their receipt changes no counter.
      counters:
        alert && draftee.status !== 'released'
          ? [
              teamCounters(
                draftee.activationId,
                draftee.teamId,
                args.delivered ? { delivered: 1 } : { failed: 1 },
              ),
            ]
          : [],
    });
    const result = await tx.commit();
    if (result.ok) return 'applied';
    if (result.failedOn('receipt', 'ConditionalCheckFailed')) return 'duplicate';
    throw new Error(describeFailure('receipt', result));
  }
}
