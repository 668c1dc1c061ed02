import type { Draftee, MessageKind, OutboxMessage } from './activation';

/**
 * Where a person's alert stands with the SMS provider: handed over (`sent`), confirmed on the
 * phone by a receipt (`delivered`), refused or undelivered (`failed`), or not taken because the
 * provider caps what one number may receive (`frequencyLimited`).
 */
export const DELIVERY_STATES = ['sent', 'delivered', 'failed', 'frequencyLimited'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** The prefix the sender gives the error of a message the provider frequency-limited. */
const FREQUENCY_LIMITED = 'frequencyLimited: ';
/** The prefixes the sender and the receipts give an error, before the provider's own reason. */
const PREFIXES = [FREQUENCY_LIMITED, 'refused: ', 'undelivered: '];

/** True when the provider would not take this message because of its per-number caps. */
export function isFrequencyLimited(m: Pick<OutboxMessage, 'state' | 'error'> | undefined): boolean {
  return m?.state === 'failed' && (m.error ?? '').startsWith(FREQUENCY_LIMITED);
}

/** The provider's reason for a failed message, without the sender's category prefix. */
export function providerReason(error: string | undefined): string | undefined {
  if (!error) return undefined;
  const prefix = PREFIXES.find((p) => error.startsWith(p));
  return (prefix ? error.slice(prefix.length) : error).trim() || undefined;
}

/** The delivery of a person's alert, and the provider's reason when it did not reach the phone. */
export function alertDelivery(d: Pick<Draftee, 'outbox' | 'deliveredAt'>): {
  delivery?: DeliveryState;
  deliveryReason?: string;
} {
  const alert = d.outbox.alert;
  if (!alert) return {};
  if (alert.state === 'failed') {
    const reason = providerReason(alert.error);
    return {
      delivery: isFrequencyLimited(alert) ? 'frequencyLimited' : 'failed',
      ...(reason ? { deliveryReason: reason } : {}),
    };
  }
  if (d.deliveredAt || alert.receipt === 'delivered') return { delivery: 'delivered' };
  if (alert.state === 'sent') return { delivery: 'sent' };
  return {};
}

/** The kinds of a person's messages the provider frequency-limited (a reminder, an acknowledgement…). */
export function frequencyLimitedKinds(d: Pick<Draftee, 'outbox'>): MessageKind[] {
  const kinds = Object.values(d.outbox)
    .filter(isFrequencyLimited)
    .map((m) => m.kind);
  return [...new Set(kinds)].sort();
}
