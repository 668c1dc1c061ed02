import type { Inbound } from './check-in-repository';
import type { WhistleMessage } from './whistle-messages';
import type {
  NewEvent,
  PersonRef,
  ResponderRecord,
  WhistleDetail,
  WhistleMarker,
  WhistleRecord,
} from './whistle-repository';

/** One person called to a whistle: their responder item, their marker and the call SMS, written together. */
export type NewCall = { responder: ResponderRecord; message: WhistleMessage };

/** The calls a write left for later (`rest`), and the whistle as it stored it. */
export type CallsWritten = { whistle: WhistleRecord; added: ResponderRecord[]; rest: NewCall[] };

/** What each write of the store takes. */
export type CreateWhistle = {
  whistle: WhistleRecord;
  events: readonly NewEvent[];
  inbound?: Inbound | undefined;
  calls: readonly NewCall[];
  now: string;
};
export type CallWhistle = {
  whistle: WhistleRecord;
  next: WhistleRecord;
  events: readonly NewEvent[];
  calls: readonly NewCall[];
  now: string;
};
export type AdvanceWhistle = {
  whistle: WhistleRecord;
  next: WhistleRecord;
  events?: readonly NewEvent[];
  inbound?: Inbound | undefined;
};
export type AnswerWhistle = {
  whistle: WhistleRecord;
  next: WhistleRecord;
  events: readonly NewEvent[];
  inbound: Inbound;
  responder: { from: ResponderRecord; to: ResponderRecord };
  ack: WhistleMessage;
  now: string;
};

/** An SMS raise seen before: the whistle it raised, when the record of it says. */
export type Replayed = { outcome: 'replayed'; whistleId?: string | undefined };

/** The whistles as the use cases see them; `WhistleRepository` over DynamoDB, in-memory fakes in tests. */
export interface WhistleStore {
  /**
   * Writes a new whistle with its events and as many of its calls as its transaction holds; the
   * rest come back in `rest`, and the whistle is stored with its calls pending until the last
   * of them is written with `addCalls`. `replayed` when the inbound SMS was seen, with the id of
   * the whistle it raised then.
   */
  create(args: CreateWhistle): Promise<({ outcome: 'created' } & CallsWritten) | Replayed>;
  /**
   * Moves the whistle (as read: same version) to `next` with its events and the first of `calls`,
   * as `create` does; `stale` when the whistle moved meanwhile.
   */
  call(args: CallWhistle): Promise<({ outcome: 'applied' } & CallsWritten) | { outcome: 'stale' }>;
  /**
   * Writes the next transaction's worth of a whistle's pending calls; the last part also marks
   * the level's calls complete. `stopped` when the whistle no longer waits for them (closed, or
   * the calls taken over).
   */
  addCalls(
    whistle: WhistleRecord,
    calls: readonly NewCall[],
  ): Promise<{ added: ResponderRecord[]; rest: NewCall[] } | 'stopped'>;
  get(whistleId: string): Promise<WhistleDetail | undefined>;
  listCommunity(communityId: string, limit: number): Promise<WhistleRecord[]>;
  listOpenOfStreet(streetId: string): Promise<WhistleRecord[]>;
  listDue(now: string): Promise<string[]>;
  getMarkers(people: readonly PersonRef[]): Promise<WhistleMarker[]>;
  advance(args: AdvanceWhistle): Promise<'applied' | 'stale' | 'replayed'>;
  /**
   * An answer: the whistle moved (as read), the responder moved (from the status read), its
   * events, the inbound id and the acknowledgement queued, in one transaction.
   */
  answer(args: AnswerWhistle): Promise<'applied' | 'stale' | 'replayed'>;
  settleResponders(
    whistleId: string,
    changes: readonly { from: ResponderRecord; to: ResponderRecord }[],
  ): Promise<ResponderRecord[]>;
}
