import type {
  ApplyResult,
  CheckInRepository,
  Inbound,
  PhoneEntry,
} from '../../../shared/adapters/check-in-repository';
import type { Draftee, OutboxMessage } from '../../../shared/domain/activation';

/** One write the fake accepted, as the reply path asked for it. */
export type CheckInWrite =
  | {
      op: 'status';
      memberId: string;
      from: Draftee['status'];
      to: Draftee['status'];
      at: string;
      replyAt: string;
      inbound?: Inbound | undefined;
      etaMinutes?: number | undefined;
      reason?: string | undefined;
      ack?: { key: string; message: OutboxMessage } | undefined;
    }
  | { op: 'help'; memberId: string; inbound: Inbound; message: OutboxMessage }
  | { op: 'loose'; id: string; phone: string; message: OutboxMessage; inbound: Inbound }
  | {
      op: 'optOut';
      phone: string;
      optOut: boolean;
      inbound: Inbound;
      confirmation: { id: string; message: OutboxMessage };
      released?: string | undefined;
    };

const idOf = (activationId: string, memberId: string) => `${activationId}/${memberId}`;

/**
 * The reply path's port in memory. Each write holds or is refused whole, on the same conditions
 * as the DynamoDB adapter's transaction: an inbound id seen before refuses it as a replay, a
 * draftee that moved since it was read refuses it as stale.
 */
export class FakeCheckIns implements CheckInRepository {
  readonly phones = new Map<string, PhoneEntry>();
  readonly draftees = new Map<string, Draftee>();
  readonly inbound = new Set<string>();
  /** SMS that belong to no activation, by id. */
  readonly loose = new Map<string, { phone: string; message: OutboxMessage }>();
  /** Members' opt-out flags, as the roster holds them. */
  readonly memberOptOut = new Map<string, boolean>();
  /** Every write accepted, in order. */
  readonly writes: CheckInWrite[] = [];
  /** How often each write was asked for, accepted or not. */
  readonly attempts = { applyStatus: 0, sendHelp: 0, queueLoose: 0, setOptOut: 0, recordInbound: 0 };
  /** The id of every loose SMS asked for, accepted or not. */
  readonly looseIds: string[] = [];
  /** How often each read was made. */
  readonly reads = { findOpenByPhone: 0, getPhone: 0, getDraftee: 0 };
  private racing: (() => void) | undefined;

  /** Stores draftees as the table holds them. */
  withDraftees(...draftees: Draftee[]): this {
    for (const d of draftees) this.draftees.set(idOf(d.activationId, d.memberId), structuredClone(d));
    return this;
  }

  withPhone(entry: PhoneEntry): this {
    this.phones.set(entry.phone, { ...entry });
    return this;
  }

  /** Runs `change` once, just before the next write: another writer that got there first. */
  beforeNextWrite(change: () => void): this {
    this.racing = change;
    return this;
  }

  /** Moves a stored draftee, as another writer would. */
  move(activationId: string, memberId: string, change: Partial<Draftee>): void {
    const stored = this.draftees.get(idOf(activationId, memberId));
    if (!stored) throw new Error(`no draftee ${memberId}`);
    Object.assign(stored, change);
  }

  draftee(activationId: string, memberId: string): Draftee | undefined {
    return this.draftees.get(idOf(activationId, memberId));
  }

  async findOpenByPhone(phone: string): Promise<Draftee[]> {
    this.reads.findOpenByPhone++;
    return [...this.draftees.values()]
      .filter((d) => d.phone === phone && d.open)
      .sort((a, b) => b.draftedAt.localeCompare(a.draftedAt))
      .map((d) => structuredClone(d));
  }

  async getPhone(phone: string): Promise<PhoneEntry | undefined> {
    this.reads.getPhone++;
    const entry = this.phones.get(phone);
    return entry && { ...entry };
  }

  async getDraftee(activationId: string, memberId: string): Promise<Draftee | undefined> {
    this.reads.getDraftee++;
    const stored = this.draftee(activationId, memberId);
    return stored && structuredClone(stored);
  }

  async recordInbound(inbound: Inbound): Promise<boolean> {
    this.attempts.recordInbound++;
    if (this.inbound.has(inbound.id)) return false;
    this.inbound.add(inbound.id);
    return true;
  }

  async applyStatus(args: Parameters<CheckInRepository['applyStatus']>[0]): Promise<ApplyResult> {
    this.attempts.applyStatus++;
    this.race();
    if (args.inbound && this.inbound.has(args.inbound.id)) return 'replayed';
    const stored = this.draftee(args.draftee.activationId, args.draftee.memberId);
    const asRead =
      stored?.status === args.draftee.status &&
      stored.open &&
      (stored.lastReplyAt === undefined || stored.lastReplyAt <= args.replyAt);
    if (!stored || !asRead) return 'stale';
    if (args.inbound) this.inbound.add(args.inbound.id);
    stored.status = args.to;
    stored.respondedAt = args.at;
    stored.lastReplyAt = args.replyAt;
    if (args.to === 'confirmed') stored.confirmedAt ??= args.at;
    if (args.to === 'arrived') stored.arrivedAt ??= args.at;
    if (args.etaMinutes !== undefined) stored.etaMinutes = args.etaMinutes;
    else if (args.to !== 'confirmed') delete stored.etaMinutes;
    if (args.reason !== undefined) stored.reason = args.reason;
    else if (args.to !== 'declined') delete stored.reason;
    if (args.ack) stored.outbox[args.ack.key] = args.ack.message;
    this.writes.push({
      op: 'status',
      memberId: stored.memberId,
      from: args.draftee.status,
      to: args.to,
      at: args.at,
      replyAt: args.replyAt,
      inbound: args.inbound,
      etaMinutes: args.etaMinutes,
      reason: args.reason,
      ack: args.ack,
    });
    return 'applied';
  }

  async sendHelp(
    draftee: Draftee,
    inbound: Inbound,
    message: OutboxMessage,
  ): Promise<'applied' | 'replayed' | 'alreadyHelped'> {
    this.attempts.sendHelp++;
    this.race();
    if (this.inbound.has(inbound.id)) return 'replayed';
    const stored = this.draftee(draftee.activationId, draftee.memberId);
    if (!stored || stored.helpSentAt !== undefined || !stored.open) return 'alreadyHelped';
    this.inbound.add(inbound.id);
    stored.helpSentAt = inbound.at;
    stored.outbox.help = message;
    this.writes.push({ op: 'help', memberId: stored.memberId, inbound, message });
    return 'applied';
  }

  async queueLoose(
    id: string,
    phone: string,
    message: OutboxMessage,
    inbound: Inbound,
  ): Promise<'applied' | 'replayed' | 'exists'> {
    this.attempts.queueLoose++;
    this.looseIds.push(id);
    this.race();
    if (this.inbound.has(inbound.id)) return 'replayed';
    if (this.loose.has(id)) return 'exists';
    this.inbound.add(inbound.id);
    this.loose.set(id, { phone, message });
    this.writes.push({ op: 'loose', id, phone, message, inbound });
    return 'applied';
  }

  async setOptOut(
    args: Parameters<CheckInRepository['setOptOut']>[0],
  ): Promise<'applied' | 'replayed' | 'stale'> {
    this.attempts.setOptOut++;
    this.race();
    if (this.inbound.has(args.inbound.id)) return 'replayed';
    const phone = this.phones.get(args.entry.phone);
    if (phone?.memberId !== args.entry.memberId) throw new Error('opt-out failed: the phone changed hands');
    if (this.loose.has(args.confirmation.id)) throw new Error('opt-out failed: confirmation queued before');
    const release = args.release;
    const stored = release && this.draftee(release.activationId, release.memberId);
    if (release) {
      const asRead =
        stored?.status === release.status &&
        stored.open &&
        (stored.alertedAt !== undefined) === (release.alertedAt !== undefined) &&
        (stored.deliveredAt !== undefined) === (release.deliveredAt !== undefined) &&
        stored.outbox.alert?.state === release.outbox.alert?.state;
      if (!asRead) return 'stale';
    }
    this.inbound.add(args.inbound.id);
    phone.smsOptOut = args.optOut;
    this.memberOptOut.set(args.entry.memberId, args.optOut);
    this.loose.set(args.confirmation.id, { phone: args.entry.phone, message: args.confirmation.message });
    if (stored) {
      stored.status = 'released';
      stored.open = false;
      stored.reason = 'opted out of SMS';
      for (const m of Object.values(stored.outbox)) if (m.state === 'queued') m.state = 'cancelled';
    }
    this.writes.push({
      op: 'optOut',
      phone: args.entry.phone,
      optOut: args.optOut,
      inbound: args.inbound,
      confirmation: args.confirmation,
      released: stored?.memberId,
    });
    return 'applied';
  }

  private race(): void {
    const change = this.racing;
    this.racing = undefined;
    change?.();
  }
}
