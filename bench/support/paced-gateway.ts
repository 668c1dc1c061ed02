import {
  type OutgoingSms,
  type SentSms,
  type SmsGateway,
  SmsThrottledError,
} from '../../shared/adapters/sms-gateway';

export type Accept = { at: number; to: string; dedupeKey: string; kind: string };

/**
 * An SMS gateway in memory that accepts at most `rate` messages a second, as SNS's account
 * limit does: a token bucket holding `burst` tokens, refilled at `rate` a second. A send
 * beyond it is refused with `SmsThrottledError` (nothing sent), exactly what the SNS adapter
 * throws on throttling. Each call takes `latencyMs`, like a round trip to SNS. Every accepted
 * message is recorded with the time it was accepted (`performance.now()` milliseconds).
 */
export class PacedGateway implements SmsGateway {
  readonly accepts: Accept[] = [];
  throttled = 0;
  private readonly sent = new Set<string>();
  private tokens: number;
  private refilledAt = performance.now();
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(
    readonly rate: number,
    readonly burst: number,
    /** Time per call, half before the accept and half after; may be changed between runs. */
    public latencyMs: number,
  ) {
    this.tokens = burst;
  }

  async send(sms: OutgoingSms): Promise<SentSms> {
    const half = this.latencyMs / 2;
    if (half > 0) await new Promise((resolve) => setTimeout(resolve, half));
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) * this.rate) / 1000);
    this.refilledAt = now;
    if (this.tokens < 1) {
      this.throttled++;
      throw new SmsThrottledError('simulated gateway: over its rate');
    }
    this.tokens -= 1;
    const kind = sms.dedupeKey.slice(sms.dedupeKey.lastIndexOf('/') + 1);
    this.accepts.push({ at: now, to: sms.to, dedupeKey: sms.dedupeKey, kind });
    this.sent.add(sms.dedupeKey);
    this.notify();
    if (half > 0) await new Promise((resolve) => setTimeout(resolve, half));
    return { messageId: `bench-${this.accepts.length}`, delivered: true };
  }

  async wasSent(dedupeKey: string): Promise<'yes' | 'no'> {
    return this.sent.has(dedupeKey) ? 'yes' : 'no';
  }

  /** Accepted messages whose outbox key starts with `kind` (`alert`, `ack-…`, `standDown`…). */
  count(kind?: string): number {
    if (kind === undefined) return this.accepts.length;
    let n = 0;
    for (const a of this.accepts) if (a.kind.startsWith(kind)) n++;
    return n;
  }

  /** Resolves once `count` messages have been accepted in all. */
  until(count: number): Promise<void> {
    if (this.accepts.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  private notify(): void {
    const n = this.accepts.length;
    const ready = this.waiters.filter((w) => w.count <= n);
    if (!ready.length) return;
    this.waiters = this.waiters.filter((w) => w.count > n);
    for (const w of ready) w.resolve();
  }
}

/**
 * How busy the gateway was kept over a set of accepts: the time the messages need at the rate,
 * over the time from the first accept to the last. 1 means no time lost.
 */
export function busyFraction(accepts: readonly Accept[], rate: number): number | undefined {
  if (accepts.length < 2) return undefined;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const a of accepts) {
    first = Math.min(first, a.at);
    last = Math.max(last, a.at);
  }
  // As issue 3 defines it: (messages / R) / (last accept - first accept). With a bucket of
  // `burst` tokens this can exceed 1 by about burst / messages.
  const needed = accepts.length / rate;
  const took = (last - first) / 1000;
  return took > 0 ? needed / took : undefined;
}
