import { createHash, timingSafeEqual } from 'node:crypto';
import type { CheckInRepository } from '../adapters/check-in-repository';
import type { Clock } from '../adapters/clock';
import type { SmsProvider } from '../adapters/sms-providers/port';
import type { SmsReceiptRepository } from '../adapters/sms-receipt-repository';
import type { IncomingReply, ReplyOutcome } from './check-in';

/** True when the token given is the deployment's callback secret; compared in constant time. */
export function callbackTokenMatches(given: string | undefined, secret: string): boolean {
  // Hashing first makes both sides the same length, so the comparison never leaks the length.
  const a = createHash('sha256')
    .update(given ?? '')
    .digest();
  const b = createHash('sha256').update(secret).digest();
  return given !== undefined && secret.length > 0 && timingSafeEqual(a, b);
}

export type CallbackPorts = {
  provider: SmsProvider;
  checkIns: CheckInRepository;
  receipts: SmsReceiptRepository;
  clock: Clock;
  reply: (incoming: IncomingReply) => Promise<ReplyOutcome>;
};

export type CallbackOutcome = {
  /** False when some item must come again (its send is not settled yet): the provider retries. */
  ack: boolean;
  applied: number;
  duplicates: number;
  unmatched: number;
};

/**
 * Provider callbacks: delivery receipts onto each member's message, replies into the check-in
 * path. Both are at-least-once and may come out of order; each item counts once.
 */
export function makeSmsCallbacks({ provider, checkIns, receipts, clock, reply }: CallbackPorts) {
  return {
    async receipts(body: unknown): Promise<CallbackOutcome> {
      const outcome: CallbackOutcome = { ack: true, applied: 0, duplicates: 0, unmatched: 0 };
      for (const receipt of provider.parseReceipts(body)) {
        const draftees = await checkIns.findOpenByPhone(receipt.phone);
        const match = draftees
          .flatMap((d) => Object.entries(d.outbox).map(([key, m]) => ({ draftee: d, key, m })))
          .find(({ m }) => m.messageId === receipt.messageId);
        if (!match) {
          // A receipt faster than the sender's own record of the send: ask for it again later.
          const unsettled = draftees.some((d) => Object.values(d.outbox).some((m) => m.state === 'sending'));
          if (unsettled) outcome.ack = false;
          else outcome.unmatched++;
          continue;
        }
        const result = await receipts.apply({
          draftee: match.draftee,
          messageKey: match.key,
          messageId: receipt.messageId,
          delivered: receipt.delivered,
          reason: receipt.reason,
          at: receipt.at ?? clock.now().toISOString(),
        });
        if (result === 'applied') outcome.applied++;
        else outcome.duplicates++;
      }
      return outcome;
    },

    async replies(body: unknown): Promise<CallbackOutcome> {
      const outcome: CallbackOutcome = { ack: true, applied: 0, duplicates: 0, unmatched: 0 };
      for (const r of provider.parseReplies(body)) {
        const result = await reply({
          from: r.from,
          body: r.body,
          inboundMessageId: `${provider.name}:${r.replyId}`,
          receivedAt: r.receivedAt,
        });
        if (result === 'replayed') outcome.duplicates++;
        else if (result === 'unknownPhone') outcome.unmatched++;
        else outcome.applied++;
      }
      return outcome;
    },
  };
}
