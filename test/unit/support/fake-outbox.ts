import type { Item } from '../../../shared/adapters/dynamo';
import type { OutboxMessage } from '../../../shared/domain/activation';
import { holderOf } from '../../../shared/outbox/dynamo-outbox';
import type { MessageRef, Outbox, OutboxHolder, Settlement } from '../../../shared/outbox/port';
import type { ItemKey } from '../../../shared/table';
import type { StreamChange } from '../../../shared/use-cases/stream-events';

const idOf = (key: ItemKey) => `${key.pk}|${key.sk}`;
/** A round trip to a network: the answer comes in a later turn of the event loop, as real I/O does. */
const io = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The outbox port in memory: items with outboxes, moved the way the conditional updates move them. */
export class FakeOutbox implements Outbox {
  readonly items = new Map<string, Item>();
  claims = 0;
  /** What happened, in order: `read N` when a read of N items returns, `send` for each hand-over. */
  readonly log: string[] = [];
  reads = 0;
  /** Makes the n-th read (1-based) fail as DynamoDB would when it is unreachable. */
  failRead: number | undefined;
  /** Makes the n-th claim (1-based) fail as DynamoDB would when it is unreachable. */
  failClaim: number | undefined;

  /** Stores an item, and returns the stream record that its write would produce. */
  add(item: Item): StreamChange {
    this.items.set(idOf({ pk: String(item.pk), sk: String(item.sk) }), structuredClone(item));
    return { index: this.items.size - 1, eventName: 'INSERT', newImage: structuredClone(item) };
  }

  message(key: ItemKey, messageKey = 'alert'): OutboxMessage | undefined {
    return this.entry({ key, messageKey })?.message;
  }

  async read(wanted: readonly ItemKey[]): Promise<OutboxHolder[]> {
    // A bigger read takes longer, as several requests do.
    await new Promise((resolve) => setTimeout(resolve, wanted.length > 100 ? 20 : 0));
    if (++this.reads === this.failRead) throw new Error('DynamoDB is unreachable');
    this.log.push(`read ${wanted.length}`);
    return wanted.flatMap((key) => {
      const item = this.items.get(idOf(key));
      return item ? [holderOf(structuredClone(item))] : [];
    });
  }

  async claim(messages: readonly MessageRef[], leaseUntil: string, now: string): Promise<MessageRef[]> {
    await io();
    if (++this.claims === this.failClaim) throw new Error('DynamoDB is unreachable');
    return messages.filter((ref) => {
      const m = this.entry(ref)?.message;
      if (!m || (m.state !== 'queued' && !(m.state === 'sending' && (m.leaseUntil ?? '') < now))) return true;
      Object.assign(m, {
        state: 'sending',
        leaseUntil,
        claimedAt: m.claimedAt ?? now,
        attempts: m.attempts + 1,
      });
      return false;
    });
  }

  async settle(settlements: readonly Settlement[]): Promise<Settlement[]> {
    await io();
    return settlements.filter((s) => {
      const found = this.entry(s);
      if (!found || found.message.state !== 'sending') return true;
      const { item, message } = found;
      if (s.action === 'failed' && s.firstAlert && s.reached !== (item.respondedAt !== undefined))
        return true;
      if (s.action === 'sent') {
        Object.assign(message, {
          state: 'sent',
          sentAt: s.sentAt,
          messageId: s.messageId,
          leaseUntil: undefined,
        });
        if (s.firstAlert) item.alertedAt ??= s.sentAt;
      } else if (s.action === 'failed') {
        Object.assign(message, { state: 'failed', error: s.error, leaseUntil: undefined });
      } else if (s.action === 'cancel') {
        Object.assign(message, { state: 'cancelled', leaseUntil: undefined });
      } else {
        Object.assign(message, { state: 'queued', leaseUntil: undefined });
      }
      return false;
    });
  }

  async cancel(messages: readonly MessageRef[]): Promise<void> {
    await io();
    for (const ref of messages) {
      const m = this.entry(ref)?.message;
      if (m) Object.assign(m, { state: 'cancelled', leaseUntil: undefined });
    }
  }

  async nudge(ref: MessageRef, leaseUntil: string, at: string): Promise<boolean> {
    const m = this.entry(ref)?.message;
    if (!m || m.state !== 'sending' || m.leaseUntil !== leaseUntil) return false;
    Object.assign(m, { nudgedAt: at });
    return true;
  }

  private entry(ref: MessageRef): { item: Item; message: OutboxMessage } | undefined {
    const item = this.items.get(idOf(ref.key));
    const outbox = item?.outbox;
    if (!item || typeof outbox !== 'object' || outbox === null) return undefined;
    const message: OutboxMessage | undefined = (outbox as Record<string, OutboxMessage>)[ref.messageKey];
    return message ? { item, message } : undefined;
  }
}
