import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { SKILLS } from '../domain/vocabulary';
import {
  type ResponderStatus,
  WHISTLE_CATEGORIES,
  WHISTLE_LEVELS,
  WHISTLE_STATUSES,
  type WhistleStatus,
} from '../domain/whistle';
import { keys } from '../table';
import type { Inbound } from './check-in-repository';
import { inboundPut } from './check-in-repository';
import { batchGetAll, type Item, queryAll, type TransactItem, transactWrite } from './dynamo';
import { chunk } from './transaction';

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

/** A marker outlives its whistle by at most this long, should a closing never finish. */
const MARKER_TTL_SECONDS = 3 * 24 * 3600;
/** Responders written per transaction: each is a put and its person's marker. */
const PEOPLE_PER_TRANSACTION = 50;

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const isClosed = (status: WhistleStatus) => status === 'resolved' || status === 'cancelled';

function whistleIndexes(w: WhistleRecord): Item {
  return {
    ...(isClosed(w.status)
      ? {}
      : { gsi1pk: keys.openWhistlesOfStreet(w.streetId), gsi1sk: `${w.openedAt}#${w.whistleId}` }),
    gsi2pk: keys.whistlesOfCommunity(w.communityId),
    gsi2sk: `${isClosed(w.status) ? 'closed' : 'active'}#${w.openedAt}#${w.whistleId}`,
  };
}

/**
 * The whistles (吹哨): one partition per whistle with its item, its responders (one per person),
 * its events and, while open, its deadline in the `WHISTLES#DUE` index. A marker per person on a
 * whistle keeps them on one whistle at a time and leads their SMS replies to it. Every write of
 * more than one item is a transaction, conditional on what was read.
 */
export class WhistleRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Writes a new whistle with its first event and deadline; `replayed` when the inbound SMS was seen. */
  async create(whistle: WhistleRecord, event: NewEvent, inbound?: Inbound): Promise<'created' | 'replayed'> {
    const items: TransactItem[] = [];
    if (inbound) items.push({ Put: inboundPut(this.table, inbound) });
    items.push(
      {
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
      },
      { Put: this.duePut(whistle.whistleId, whistle.deadlineAt) },
      { Put: this.eventPut(whistle.whistleId, event) },
    );
    const result = await transactWrite(this.doc, items);
    if (result.ok) return 'created';
    if (inbound && result.failed.some((f) => f.index === 0)) return 'replayed';
    throw new Error(`whistle create failed: ${result.failed.map((f) => `${f.index}:${f.code}`).join(',')}`);
  }

  /**
   * Calls people to a whistle: each one's responder item and marker, together. Anyone already
   * called, or on another whistle, is left out; the ones written are returned.
   */
  async addResponders(whistleId: string, responders: readonly ResponderRecord[]): Promise<ResponderRecord[]> {
    const added: ResponderRecord[] = [];
    for (const part of chunk(responders, PEOPLE_PER_TRANSACTION)) {
      let pending = [...part];
      while (pending.length > 0) {
        const items = pending.flatMap((r): TransactItem[] => [
          {
            Put: {
              TableName: this.table,
              Item: { ...keys.whistleResponder(whistleId, r.memberId), type: 'whistleResponder', ...r },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: this.table,
              Item: {
                ...keys.onWhistle(r.communityId, r.memberId),
                type: 'whistleMarker',
                communityId: r.communityId,
                memberId: r.memberId,
                whistleId,
                expiresAt: epochSeconds(r.calledAt) + MARKER_TTL_SECONDS,
              },
              // A marker left behind by a closing that never finished has expired; it does not block.
              ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
              ExpressionAttributeValues: { ':now': epochSeconds(r.calledAt) },
            },
          },
        ]);
        const result = await transactWrite(this.doc, items);
        if (result.ok) {
          added.push(...pending);
          break;
        }
        const refused = new Set(
          result.failed
            .filter((f) => f.code === 'ConditionalCheckFailed')
            .map((f) => Math.floor(f.index / 2)),
        );
        if (refused.size === 0)
          throw new Error(`calling responders failed: ${result.failed.map((f) => f.code).join(',')}`);
        pending = pending.filter((_, i) => !refused.has(i));
      }
    }
    return added;
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
   * Changes the whistle item (as read: same version) together with its deadline, an event and
   * any other writes of the same step. False when the whistle moved meanwhile.
   */
  async advance(args: {
    whistle: WhistleRecord;
    next: WhistleRecord;
    events?: readonly NewEvent[];
    inbound?: Inbound | undefined;
    extra?: TransactItem[];
  }): Promise<'applied' | 'stale' | 'replayed'> {
    const { whistle, next } = args;
    const items: TransactItem[] = [];
    if (args.inbound) items.push({ Put: inboundPut(this.table, args.inbound) });
    const whistleIndex = items.length;
    const stored: Item = {
      ...keys.whistle(next.whistleId),
      type: 'whistle',
      ...next,
      version: whistle.version + 1,
      ...whistleIndexes(next),
    };
    items.push({
      Put: {
        TableName: this.table,
        Item: stored,
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':v': whistle.version },
      },
    });
    if (next.status === 'open' && !next.overdueAt) {
      if (next.deadlineAt !== whistle.deadlineAt || whistle.status !== 'open')
        items.push({ Put: this.duePut(next.whistleId, next.deadlineAt) });
    } else if (whistle.status === 'open' && !whistle.overdueAt) {
      items.push({ Delete: { TableName: this.table, Key: keys.whistleDue(next.whistleId) } });
    }
    for (const event of args.events ?? []) items.push({ Put: this.eventPut(next.whistleId, event) });
    items.push(...(args.extra ?? []));
    const result = await transactWrite(this.doc, items);
    if (result.ok) return 'applied';
    if (args.inbound && result.failed.some((f) => f.index === 0)) return 'replayed';
    if (result.failed.some((f) => f.index >= whistleIndex && f.code === 'ConditionalCheckFailed'))
      return 'stale';
    throw new Error(`whistle update failed: ${result.failed.map((f) => `${f.index}:${f.code}`).join(',')}`);
  }

  /** The write that moves one responder, only from the status read. */
  responderUpdate(whistleId: string, responder: ResponderRecord, to: ResponderRecord): TransactItem {
    return {
      Put: {
        TableName: this.table,
        Item: { ...keys.whistleResponder(whistleId, to.memberId), type: 'whistleResponder', ...to },
        ConditionExpression: '#status = :from',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':from': responder.status },
      },
    };
  }

  /** The write that frees a person from this whistle. */
  markerDelete(whistleId: string, person: PersonRef): TransactItem {
    return {
      Delete: {
        TableName: this.table,
        Key: keys.onWhistle(person.communityId, person.memberId),
        ConditionExpression: 'attribute_not_exists(pk) OR whistleId = :w',
        ExpressionAttributeValues: { ':w': whistleId },
      },
    };
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
          this.responderUpdate(whistleId, c.from, c.to),
          this.markerDelete(whistleId, c.to),
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

  private duePut(whistleId: string, deadlineAt: string) {
    return {
      TableName: this.table,
      Item: {
        ...keys.whistleDue(whistleId),
        type: 'whistleDue',
        whistleId,
        gsi1pk: keys.dueWhistlesIndex,
        gsi1sk: `${deadlineAt}#${whistleId}`,
      },
    };
  }

  private eventPut(whistleId: string, event: NewEvent) {
    return {
      TableName: this.table,
      Item: {
        ...keys.whistleEvent(whistleId, event.eventId),
        type: 'whistleEvent',
        eventType: event.type,
        at: event.at,
        detail: event.detail,
      },
    };
  }
}
