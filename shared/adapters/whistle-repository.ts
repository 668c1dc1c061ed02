import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { SKILLS } from '../domain/vocabulary';
import {
  type ResponderStatus,
  WHISTLE_CATEGORIES,
  WHISTLE_LEVELS,
  WHISTLE_STATUSES,
} from '../domain/whistle';
import { keys } from '../table';
import type { Inbound } from './check-in-repository';
import { inboundPut } from './check-in-repository';
import { batchGetAll, queryAll, transactWrite } from './dynamo';
import { chunk, describeFailure, Transaction } from './transaction';
import {
  addAdvanceParts,
  addCallParts,
  CALLS_PER_TRANSACTION,
  dueAtOf,
  duePut,
  eventPut,
  markerDelete,
  messagePut,
  responderUpdate,
  whistleIndexes,
  withCalls,
  withoutRefused,
} from './whistle-items';
import type {
  AdvanceWhistle,
  AnswerWhistle,
  CallsWritten,
  CallWhistle,
  CreateWhistle,
  NewCall,
  Replayed,
  WhistleStore,
} from './whistle-store';

export const RESPONDER_STATUSES = [
  'called',
  'coming',
  'declined',
  'arrived',
  'notNeeded',
  'released',
] as const satisfies readonly ResponderStatus[];

const whistleRecord = z.object({
  whistleId: z.string(),
  code: z.string(),
  communityId: z.string(),
  communityName: z.string(),
  streetId: z.string(),
  gridId: z.string(),
  gridName: z.string(),
  reason: z.string(),
  category: z.enum(WHISTLE_CATEGORIES),
  people: z.number().int().optional(),
  skills: z.array(z.enum(SKILLS)).default([]),
  respondWithinMinutes: z.number().int(),
  level: z.enum(WHISTLE_LEVELS),
  status: z.enum(WHISTLE_STATUSES),
  openedAt: z.string(),
  deadlineAt: z.string(),
  raisedBy: z.string(),
  via: z.enum(['api', 'sms']),
  /** The activation the whistle is for, when blown for a team's shortfall. */
  activationId: z.string().optional(),
  firstAnswerAt: z.string().optional(),
  filledAt: z.string().optional(),
  closedAt: z.string().optional(),
  overdueAt: z.string().optional(),
  /**
   * Set while the calls of the whistle's level are still being written (a level with more people
   * than one transaction holds); the sweep finishes them should the writer die part-way.
   */
  callingSince: z.string().optional(),
  /**
   * Set from the moment the whistle fills until everyone still called has been told they are not
   * needed; the sweep finishes telling them should the answer that filled it die part-way.
   */
  releasingSince: z.string().optional(),
  note: z.string().optional(),
  warnings: z.array(z.string()).default([]),
  version: z.number().int(),
});
export type WhistleRecord = z.infer<typeof whistleRecord>;

const responderRecord = z.object({
  memberId: z.string(),
  communityId: z.string(),
  unitId: z.string().optional(),
  name: z.string(),
  phone: z.string(),
  status: z.enum(RESPONDER_STATUSES),
  level: z.enum(WHISTLE_LEVELS),
  reason: z.enum(['paired', 'serves', 'reserve', 'commander', 'department']),
  calledAt: z.string(),
  respondedAt: z.string().optional(),
  etaMinutes: z.number().optional(),
});
export type ResponderRecord = z.infer<typeof responderRecord>;

const eventRecord = z.object({
  at: z.string(),
  type: z.string(),
  detail: z.record(z.string(), z.unknown()).default({}),
});
export type WhistleEvent = z.infer<typeof eventRecord>;

const markerRecord = z.object({ communityId: z.string(), memberId: z.string(), whistleId: z.string() });
export type WhistleMarker = z.infer<typeof markerRecord>;

export type WhistleDetail = { whistle: WhistleRecord; responders: ResponderRecord[]; events: WhistleEvent[] };
export type NewEvent = WhistleEvent & { eventId: string };
export type PersonRef = { communityId: string; memberId: string };

/** Responders settled per transaction: each is an update and its person's marker. */
const PEOPLE_PER_TRANSACTION = 50;

/**
 * The whistles (吹哨): one partition per whistle with its item, its responders (one per person),
 * its events and, while open, its deadline in the `WHISTLES#DUE` index. A marker per person on a
 * whistle keeps them on one whistle at a time and leads their SMS replies to it. Every write of
 * more than one item is a labelled transaction, conditional on what was read. A person is called
 * in one write with their responder item, marker and call SMS, so nobody is called half-way.
 */
export class WhistleRepository implements WhistleStore {
  private readonly callsPerTransaction: number;

  /** `callsPerTransaction` (at most the default) is lowered by tests that write a level in many parts. */
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    options: { callsPerTransaction?: number } = {},
  ) {
    this.callsPerTransaction = Math.min(
      options.callsPerTransaction ?? CALLS_PER_TRANSACTION,
      CALLS_PER_TRANSACTION,
    );
  }

  async create(args: CreateWhistle): Promise<({ outcome: 'created' } & CallsWritten) | Replayed> {
    const { inbound } = args;
    const [first = [], ...later] = chunk(args.calls, this.callsPerTransaction);
    const whistle = withCalls(args.whistle, later.length > 0, args.now);
    let pending = first;
    for (;;) {
      const tx = new Transaction(this.doc, this.table);
      if (inbound)
        tx.add('inbound', { Put: inboundPut(this.table, inbound, { whistleId: whistle.whistleId }) });
      tx.add('whistle', {
        Put: {
          TableName: this.table,
          Item: {
            ...keys.whistle(whistle.whistleId),
            type: 'whistle',
            ...whistle,
            ...whistleIndexes(whistle),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
      tx.add('due', { Put: duePut(this.table, whistle.whistleId, dueAtOf(whistle)) });
      for (const event of args.events)
        tx.add('event', { Put: eventPut(this.table, whistle.whistleId, event) });
      addCallParts(tx, this.table, whistle.whistleId, pending);
      const outcome = await tx.commit();
      if (outcome.ok)
        return { outcome: 'created', whistle, added: pending.map((c) => c.responder), rest: later.flat() };
      if (inbound && outcome.failedOn('inbound', 'ConditionalCheckFailed'))
        return { outcome: 'replayed', whistleId: await this.raisedBy(inbound) };
      pending = withoutRefused(pending, outcome, 'whistle create');
    }
  }

  /** The whistle an inbound SMS raised, as its remembered id records it. */
  private async raisedBy(inbound: Inbound): Promise<string | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.inbound(inbound.id), ConsistentRead: true }),
    );
    return typeof Item?.whistleId === 'string' ? Item.whistleId : undefined;
  }

  async call(args: CallWhistle): Promise<({ outcome: 'applied' } & CallsWritten) | { outcome: 'stale' }> {
    const [first = [], ...later] = chunk(args.calls, this.callsPerTransaction);
    const next = withCalls(args.next, later.length > 0, args.now);
    let pending = first;
    for (;;) {
      const tx = new Transaction(this.doc, this.table);
      addAdvanceParts(tx, this.table, args.whistle, next, args.events);
      addCallParts(tx, this.table, next.whistleId, pending);
      const outcome = await tx.commit();
      if (outcome.ok)
        return {
          outcome: 'applied',
          whistle: { ...next, version: args.whistle.version + 1 },
          added: pending.map((c) => c.responder),
          rest: later.flat(),
        };
      if (outcome.failedOn('whistle', 'ConditionalCheckFailed')) return { outcome: 'stale' };
      pending = withoutRefused(pending, outcome, 'calling a whistle level');
    }
  }

  async addCalls(
    whistle: WhistleRecord,
    calls: readonly NewCall[],
  ): Promise<{ added: ResponderRecord[]; rest: NewCall[] } | 'stopped'> {
    const since = whistle.callingSince;
    if (since === undefined) return 'stopped';
    // Three more people than the first part holds; the last part is one smaller, as it also
    // clears the mark and puts the deadline back.
    const size = this.callsPerTransaction + 3;
    let finish = calls.length <= size - 1;
    let pending = calls.slice(0, finish ? calls.length : size);
    const rest = calls.slice(pending.length);
    for (;;) {
      const tx = new Transaction(this.doc, this.table);
      if (finish) {
        tx.add('whistle', {
          Update: {
            TableName: this.table,
            Key: keys.whistle(whistle.whistleId),
            UpdateExpression: 'REMOVE callingSince ADD version :one',
            ConditionExpression: 'callingSince = :since AND #status = :open',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':since': since, ':open': 'open', ':one': 1 },
          },
        });
        // The deadline cannot move while calls are pending: only widening moves it, after them.
        tx.add('due', { Put: duePut(this.table, whistle.whistleId, whistle.deadlineAt) });
      } else {
        if (pending.length === 0) return { added: [], rest };
        // Only while the whistle still waits for these calls: a closed one calls nobody more.
        tx.add('whistle', {
          ConditionCheck: {
            TableName: this.table,
            Key: keys.whistle(whistle.whistleId),
            ConditionExpression: 'callingSince = :since',
            ExpressionAttributeValues: { ':since': since },
          },
        });
      }
      addCallParts(tx, this.table, whistle.whistleId, pending);
      const outcome = await tx.commit();
      if (outcome.ok) return { added: pending.map((c) => c.responder), rest };
      if (outcome.failedOn('whistle', 'ConditionalCheckFailed')) {
        if (!finish) return 'stopped';
        // Filled meanwhile (it has no deadline to put back), or closed: write only while calling.
        finish = false;
        continue;
      }
      pending = withoutRefused(pending, outcome, 'calling responders');
    }
  }

  /** A whistle with its responders and events, read consistently in one query. */
  async get(whistleId: string): Promise<WhistleDetail | undefined> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': keys.whistlePartition(whistleId) },
      ConsistentRead: true,
    });
    const head = items.find((i) => i.sk === 'WHISTLE');
    if (!head) return undefined;
    return {
      whistle: whistleRecord.parse(head),
      responders: items
        .filter((i) => String(i.sk).startsWith(keys.whistleResponderPrefix))
        .map((i) => responderRecord.parse(i)),
      events: items
        .filter((i) => String(i.sk).startsWith(keys.whistleEventPrefix))
        .map((i) => eventRecord.parse({ ...i, type: i.eventType })),
    };
  }

  /** A community's whistles: open and filled first, then closed ones, newest first within each. */
  async listCommunity(communityId: string, limit: number): Promise<WhistleRecord[]> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :p',
        ExpressionAttributeValues: { ':p': keys.whistlesOfCommunity(communityId) },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (Items ?? []).map((i) => whistleRecord.parse(i));
  }

  /**
   * A community's whistles raised between two instants, open or closed, oldest first: a range of
   * each half (`active#…`, `closed#…`) of the community's gsi2 partition.
   */
  async listCommunityRaisedBetween(communityId: string, from: string, to: string): Promise<WhistleRecord[]> {
    const halves = await Promise.all(
      ['active', 'closed'].map((half) =>
        queryAll(this.doc, {
          TableName: this.table,
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :p AND gsi2sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':p': keys.whistlesOfCommunity(communityId),
            ':from': `${half}#${from}`,
            ':to': `${half}#${to}#\uffff`,
          },
        }),
      ),
    );
    return halves
      .flat()
      .map((i) => whistleRecord.parse(i))
      .sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.whistleId.localeCompare(b.whistleId));
  }

  /** A street's whistles not yet closed, newest first. */
  async listOpenOfStreet(streetId: string): Promise<WhistleRecord[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': keys.openWhistlesOfStreet(streetId) },
      ScanIndexForward: false,
    });
    return items.map((i) => whistleRecord.parse(i));
  }

  /** Ids of open whistles whose deadline has passed. */
  async listDue(now: string): Promise<string[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p AND gsi1sk <= :now',
      ExpressionAttributeValues: { ':p': keys.dueWhistlesIndex, ':now': `${now}#\uffff` },
    });
    return items.map((i) => String(i.whistleId));
  }

  /** The whistle markers of these people, where they have one. */
  async getMarkers(people: readonly PersonRef[]): Promise<WhistleMarker[]> {
    if (people.length === 0) return [];
    const items = await batchGetAll(
      this.doc,
      this.table,
      people.map((p) => keys.onWhistle(p.communityId, p.memberId)),
      true,
    );
    return items.map((i) => markerRecord.parse(i));
  }

  /**
   * Changes the whistle item (as read: same version) together with its deadline and its events.
   * `stale` when the whistle moved meanwhile; a closed whistle keeps no calls pending.
   */
  async advance(args: AdvanceWhistle): Promise<'applied' | 'stale' | 'replayed'> {
    const tx = new Transaction(this.doc, this.table);
    if (args.inbound) tx.add('inbound', { Put: inboundPut(this.table, args.inbound) });
    addAdvanceParts(tx, this.table, args.whistle, args.next, args.events ?? []);
    return this.commitStep(tx, args.inbound, 'whistle update');
  }

  async answer(args: AnswerWhistle): Promise<'applied' | 'stale' | 'replayed'> {
    const { whistle, next, responder, ack } = args;
    const tx = new Transaction(this.doc, this.table);
    tx.add('inbound', { Put: inboundPut(this.table, args.inbound) });
    addAdvanceParts(tx, this.table, whistle, next, args.events);
    tx.add('responder', responderUpdate(this.table, whistle.whistleId, responder.from, responder.to));
    tx.add('ack', { Put: messagePut(this.table, ack, args.now) });
    // The responder moved since it was read (released, settled): read again, like a moved whistle.
    return this.commitStep(tx, args.inbound, 'whistle answer', ['whistle', 'responder']);
  }

  /**
   * Moves many responders to a final status and frees them, a transaction per fifty. Those whose
   * status changed since it was read are left out; the ones moved are returned.
   */
  async settleResponders(
    whistleId: string,
    changes: readonly { from: ResponderRecord; to: ResponderRecord }[],
  ): Promise<ResponderRecord[]> {
    const done: ResponderRecord[] = [];
    for (const part of chunk(changes, PEOPLE_PER_TRANSACTION)) {
      let pending = [...part];
      while (pending.length > 0) {
        const items = pending.flatMap((c) => [
          responderUpdate(this.table, whistleId, c.from, c.to),
          markerDelete(this.table, whistleId, c.to),
        ]);
        const result = await transactWrite(this.doc, items);
        if (result.ok) {
          done.push(...pending.map((c) => c.to));
          break;
        }
        const moved = new Set(
          result.failed
            .filter((f) => f.code === 'ConditionalCheckFailed')
            .map((f) => Math.floor(f.index / 2)),
        );
        if (moved.size === 0)
          throw new Error(`settling responders failed: ${result.failed.map((f) => f.code).join(',')}`);
        pending = pending.filter((_, i) => !moved.has(i));
      }
    }
    return done;
  }

  /** A step's outcome: replayed when its inbound id was seen, stale when the whistle moved. */
  private async commitStep(
    tx: Transaction,
    inbound: Inbound | undefined,
    what: string,
    staleOn: readonly string[] = ['whistle'],
  ): Promise<'applied' | 'stale' | 'replayed'> {
    const outcome = await tx.commit();
    if (outcome.ok) return 'applied';
    if (inbound && outcome.failedOn('inbound', 'ConditionalCheckFailed')) return 'replayed';
    if (staleOn.some((label) => outcome.failedOn(label, 'ConditionalCheckFailed'))) return 'stale';
    throw new Error(describeFailure(what, outcome));
  }
}
