import type { Inbound } from '../../../shared/adapters/check-in-repository';
import type { WhistleMessage, WhistleMessenger } from '../../../shared/adapters/whistle-messages';
import type {
  NewEvent,
  PersonRef,
  ResponderRecord,
  WhistleDetail,
  WhistleMarker,
  WhistleRecord,
} from '../../../shared/adapters/whistle-repository';
import type {
  AdvanceWhistle,
  AnswerWhistle,
  CallsWritten,
  CallWhistle,
  CreateWhistle,
  NewCall,
  Replayed,
  WhistleStore,
} from '../../../shared/adapters/whistle-store';

type Stored = { whistle: WhistleRecord; responders: Map<string, ResponderRecord>; events: NewEvent[] };

const personKey = (p: PersonRef) => `${p.communityId}#${p.memberId}`;
const isClosed = (w: WhistleRecord) => w.status === 'resolved' || w.status === 'cancelled';
const withoutCalling = ({ callingSince: _, ...rest }: WhistleRecord): WhistleRecord => rest;
const dueAt = (w: WhistleRecord) => {
  const pending = w.releasingSince ?? w.callingSince;
  return pending ? new Date(Date.parse(pending) + 60_000).toISOString() : w.deadlineAt;
};

/**
 * The SMS a whistle queued, by message id; a second queueing of an id changes nothing, as the
 * conditional put does. Shared by the fake store and the fake messenger.
 */
export class FakeSmsOutbox implements WhistleMessenger {
  readonly queued = new Map<string, WhistleMessage>();
  /** How many times each id was offered, to see that nothing is queued twice on purpose. */
  readonly offered = new Map<string, number>();
  /** Which write queued each id: the whistle store's own transaction, or the messenger after it. */
  readonly via = new Map<string, 'store' | 'messenger'>();

  put(m: WhistleMessage, via: 'store' | 'messenger' = 'store'): void {
    this.offered.set(m.id, (this.offered.get(m.id) ?? 0) + 1);
    if (this.queued.has(m.id)) return;
    this.queued.set(m.id, structuredClone(m));
    this.via.set(m.id, via);
  }

  async queue(messages: readonly WhistleMessage[]): Promise<void> {
    for (const m of messages) this.put(m, 'messenger');
  }

  to(phone: string, type?: WhistleMessage['message']['type']): WhistleMessage[] {
    return [...this.queued.values()].filter((m) => m.phone === phone && (!type || m.message.type === type));
  }
}

/**
 * The whistle store in memory, with the adapter's rules: versions, one marker per person, the
 * inbound id remembered, calls written a few at a time with the rest pending.
 */
export class FakeWhistleStore implements WhistleStore {
  readonly whistles = new Map<string, Stored>();
  readonly markers = new Map<string, string>();
  /** The whistle each inbound raise made, for its replays. */
  private readonly raisedBy = new Map<string, string>();
  readonly inbound = new Set<string>();
  /** Makes `addCalls` throw this many times, as a writer dying part-way would. */
  dieOnAddCalls = 0;
  /** Makes `settleResponders` throw this many times, as an answer dying after its own write would. */
  dieOnSettle = 0;

  constructor(
    readonly sms: FakeSmsOutbox,
    private readonly callsPerTransaction = 3,
  ) {}

  private seen(inbound: Inbound | undefined): boolean {
    if (!inbound) return false;
    if (this.inbound.has(inbound.id)) return true;
    this.inbound.add(inbound.id);
    return false;
  }

  private writeCalls(whistleId: string, calls: readonly NewCall[]): ResponderRecord[] {
    const stored = this.whistles.get(whistleId);
    if (!stored) throw new Error(`no whistle ${whistleId}`);
    return calls.flatMap(({ responder, message }) => {
      if (stored.responders.has(responder.memberId) || this.markers.has(personKey(responder))) return [];
      stored.responders.set(responder.memberId, structuredClone(responder));
      this.markers.set(personKey(responder), whistleId);
      this.sms.put(message);
      return [responder];
    });
  }

  private split(calls: readonly NewCall[]) {
    return { first: calls.slice(0, this.callsPerTransaction), rest: calls.slice(this.callsPerTransaction) };
  }

  async create(args: CreateWhistle): Promise<({ outcome: 'created' } & CallsWritten) | Replayed> {
    if (this.seen(args.inbound))
      return { outcome: 'replayed', whistleId: this.raisedBy.get(args.inbound?.id ?? '') };
    if (args.inbound) this.raisedBy.set(args.inbound.id, args.whistle.whistleId);
    const { first, rest } = this.split(args.calls);
    const base = withoutCalling(args.whistle);
    const whistle = rest.length > 0 ? { ...base, callingSince: args.now } : base;
    this.whistles.set(whistle.whistleId, { whistle, responders: new Map(), events: [...args.events] });
    return { outcome: 'created', whistle, added: this.writeCalls(whistle.whistleId, first), rest };
  }

  async call(args: CallWhistle): Promise<({ outcome: 'applied' } & CallsWritten) | { outcome: 'stale' }> {
    const stored = this.whistles.get(args.whistle.whistleId);
    if (stored?.whistle.version !== args.whistle.version) return { outcome: 'stale' };
    const { first, rest } = this.split(args.calls);
    const base = { ...withoutCalling(args.next), version: args.whistle.version + 1 };
    stored.whistle = rest.length > 0 ? { ...base, callingSince: args.now } : base;
    stored.events.push(...args.events);
    const added = this.writeCalls(stored.whistle.whistleId, first);
    return { outcome: 'applied', whistle: stored.whistle, added, rest };
  }

  async addCalls(whistle: WhistleRecord, calls: readonly NewCall[]) {
    if (this.dieOnAddCalls > 0) {
      this.dieOnAddCalls--;
      throw new Error('the writer died');
    }
    const stored = this.whistles.get(whistle.whistleId);
    if (!whistle.callingSince || stored?.whistle.callingSince !== whistle.callingSince)
      return 'stopped' as const;
    const { first, rest } = this.split(calls);
    const added = this.writeCalls(whistle.whistleId, first);
    if (rest.length === 0 && stored.whistle.status === 'open')
      stored.whistle = { ...withoutCalling(stored.whistle), version: stored.whistle.version + 1 };
    return { added, rest };
  }

  async get(whistleId: string): Promise<WhistleDetail | undefined> {
    const stored = this.whistles.get(whistleId);
    if (!stored) return undefined;
    return structuredClone({
      whistle: stored.whistle,
      responders: [...stored.responders.values()],
      events: stored.events.map(({ at, type, detail }) => ({ at, type, detail })),
    });
  }

  async listCommunity(communityId: string, limit: number): Promise<WhistleRecord[]> {
    return [...this.whistles.values()]
      .map((s) => s.whistle)
      .filter((w) => w.communityId === communityId)
      .slice(0, limit);
  }

  async listOpenOfStreet(streetId: string): Promise<WhistleRecord[]> {
    return [...this.whistles.values()]
      .map((s) => s.whistle)
      .filter((w) => w.streetId === streetId && !isClosed(w));
  }

  async listDue(now: string): Promise<string[]> {
    return [...this.whistles.values()]
      .map((s) => s.whistle)
      .filter((w) => ((w.status === 'open' && !w.overdueAt) || w.releasingSince) && dueAt(w) <= now)
      .map((w) => w.whistleId);
  }

  async getMarkers(people: readonly PersonRef[]): Promise<WhistleMarker[]> {
    return people.flatMap((p) => {
      const whistleId = this.markers.get(personKey(p));
      return whistleId ? [{ ...p, whistleId }] : [];
    });
  }

  async advance(args: AdvanceWhistle): Promise<'applied' | 'stale' | 'replayed'> {
    const stored = this.whistles.get(args.whistle.whistleId);
    if (args.inbound && this.inbound.has(args.inbound.id)) return 'replayed';
    if (stored?.whistle.version !== args.whistle.version) return 'stale';
    this.seen(args.inbound);
    const next = isClosed(args.next) ? withoutCalling(args.next) : args.next;
    stored.whistle = { ...next, version: args.whistle.version + 1 };
    stored.events.push(...(args.events ?? []));
    return 'applied';
  }

  async answer(args: AnswerWhistle): Promise<'applied' | 'stale' | 'replayed'> {
    const stored = this.whistles.get(args.whistle.whistleId);
    if (this.inbound.has(args.inbound.id)) return 'replayed';
    const current = stored?.responders.get(args.responder.from.memberId);
    if (stored?.whistle.version !== args.whistle.version || current?.status !== args.responder.from.status)
      return 'stale';
    this.seen(args.inbound);
    stored.whistle = { ...args.next, version: args.whistle.version + 1 };
    stored.events.push(...args.events);
    stored.responders.set(args.responder.to.memberId, structuredClone(args.responder.to));
    this.sms.put(args.ack);
    return 'applied';
  }

  async settleResponders(
    whistleId: string,
    changes: readonly { from: ResponderRecord; to: ResponderRecord }[],
  ): Promise<ResponderRecord[]> {
    if (this.dieOnSettle > 0) {
      this.dieOnSettle--;
      throw new Error('the answer died');
    }
    const stored = this.whistles.get(whistleId);
    if (!stored) return [];
    return changes.flatMap(({ from, to }) => {
      if (stored.responders.get(from.memberId)?.status !== from.status) return [];
      stored.responders.set(to.memberId, structuredClone(to));
      if (this.markers.get(personKey(to)) === whistleId) this.markers.delete(personKey(to));
      return [to];
    });
  }
}
