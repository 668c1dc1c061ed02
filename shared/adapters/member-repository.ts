import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import pMap from 'p-map';
import * as z from 'zod';
import { ConflictError, concurrentUpdate, NotFoundError, ValidationError } from '../domain/errors';
import { type Member, ROLES, type Role, SKILLS, type Skill } from '../domain/roster';
import { keys } from '../table';
import {
  batchGetAll,
  decodeCursor,
  encodeCursor,
  type Item,
  queryAll,
  type TransactItem,
  transactWrite,
} from './dynamo';

export type MemberFilter = { gridId?: string; unitId?: string; role?: Role; skill?: Skill };
export type MemberPage = { items: Member[]; nextCursor?: string };
export type PhoneEntry = { phone: string; memberId: string; communityId: string };

/** What a batch write did to each member, by member id. */
export type BatchOutcome = Map<string, { ok: true } | { ok: false; reason: 'phoneTaken' | 'changed' }>;

/** The people on the rosters, with the phone index that keeps a phone on one roster only. */
export interface MemberRepository {
  /** Adds a member; 409 when the phone is already on any roster. */
  create(member: Member): Promise<void>;
  get(communityId: string, memberId: string): Promise<Member | undefined>;
  getByPhone(phone: string): Promise<PhoneEntry | undefined>;
  getPhones(phones: readonly string[]): Promise<PhoneEntry[]>;
  getMany(refs: readonly { communityId: string; memberId: string }[]): Promise<Member[]>;
  list(communityId: string, filter: MemberFilter, limit: number, cursor?: string): Promise<MemberPage>;
  /** Every member of a community, for team formation. */
  listCommunity(communityId: string): Promise<Member[]>;
  /** Every member of a partner unit, in whatever community they live. */
  listUnit(unitId: string): Promise<Member[]>;
  /** Replaces a member, moving the phone index if the phone changed; 409 if it changed meanwhile. */
  update(previous: Member, next: Member): Promise<void>;
  remove(member: Member): Promise<void>;
  /** Creates and updates many members; each member is written whole or not at all. */
  writeBatch(
    creates: readonly Member[],
    updates: readonly { previous: Member; next: Member }[],
  ): Promise<BatchOutcome>;
}

const memberRecord = z.object({
  memberId: z.string(),
  communityId: z.string(),
  name: z.string(),
  phone: z.string(),
  roles: z.array(z.enum(ROLES)),
  partyMember: z.boolean(),
  gridId: z.string().optional(),
  unitId: z.string().optional(),
  skills: z.array(z.enum(SKILLS)),
  available: z.boolean(),
  unavailableUntil: z.string().optional(),
  smsOptOut: z.boolean().default(false),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const phoneRecord = z.object({ phone: z.string(), memberId: z.string(), communityId: z.string() });

const toMember = (item: Item): Member => memberRecord.parse(item);

function memberItem(m: Member): Item {
  return {
    ...keys.member(m.communityId, m.memberId),
    type: 'member',
    ...m,
    gsi1pk: m.gridId ? keys.membersOfGrid(m.communityId, m.gridId) : undefined,
    gsi1sk: m.gridId ? m.memberId : undefined,
    gsi2pk: m.unitId ? keys.membersOfUnit(m.unitId) : undefined,
    gsi2sk: m.unitId ? `${m.communityId}#${m.memberId}` : undefined,
  };
}

function phoneItem(m: Member): Item {
  return {
    ...keys.phone(m.phone),
    type: 'phone',
    phone: m.phone,
    memberId: m.memberId,
    communityId: m.communityId,
  };
}

const phoneTaken = () =>
  new ConflictError('PHONE_TAKEN', 'this phone number is already on a roster', [
    { path: 'phone', message: 'already on a roster' },
  ]);

export class DynamoMemberRepository implements MemberRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(member: Member): Promise<void> {
    const result = await transactWrite(this.doc, this.createItems(member));
    if (result.ok) return;
    if (result.failed.some((f) => f.index === 1)) throw phoneTaken();
    throw new ConflictError('MEMBER_EXISTS', `member '${member.memberId}' already exists`);
  }

  async get(communityId: string, memberId: string): Promise<Member | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: keys.member(communityId, memberId),
        ConsistentRead: true,
      }),
    );
    return Item ? toMember(Item) : undefined;
  }

  async getByPhone(phone: string): Promise<PhoneEntry | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: keys.phone(phone) }));
    return Item ? phoneRecord.parse(Item) : undefined;
  }

  async getPhones(phones: readonly string[]): Promise<PhoneEntry[]> {
    const items = await batchGetAll(this.doc, this.table, phones.map(keys.phone), true);
    return items.map((i) => phoneRecord.parse(i));
  }

  async getMany(refs: readonly { communityId: string; memberId: string }[]): Promise<Member[]> {
    const items = await batchGetAll(
      this.doc,
      this.table,
      refs.map((r) => keys.member(r.communityId, r.memberId)),
      true,
    );
    return items.map(toMember);
  }

  async list(communityId: string, filter: MemberFilter, limit: number, cursor?: string): Promise<MemberPage> {
    const query = this.listQuery(communityId, filter);
    let start: Record<string, unknown> | undefined;
    if (cursor) {
      start = decodeCursor(cursor, query.keyAttributes, query.partition);
      if (!start)
        throw new ValidationError('bad cursor', [{ path: 'cursor', message: 'not a cursor from this list' }]);
    }
    const filtered = query.input.FilterExpression !== undefined;
    const items: Item[] = [];
    let lastKey: Record<string, unknown> | undefined;
    do {
      let page: QueryCommandOutput;
      try {
        page = await this.doc.send(
          new QueryCommand({
            ...query.input,
            ExclusiveStartKey: start,
            Limit: filtered ? Math.max(limit, 200) : limit - items.length,
          }),
        );
      } catch (error) {
        // A cursor that decodes but points outside this list is the caller's mistake, not ours.
        if (cursor && error instanceof Error && error.name === 'ValidationException') {
          throw new ValidationError('bad cursor', [
            { path: 'cursor', message: 'not a cursor from this list' },
          ]);
        }
        throw error;
      }
      items.push(...(page.Items ?? []));
      lastKey = page.LastEvaluatedKey;
      start = lastKey;
    } while (items.length < limit && lastKey);

    if (items.length > limit) {
      // A filtered page can hold more matches than asked for: resume after the last one returned.
      const last = items[limit - 1] as Item;
      lastKey = Object.fromEntries(query.keyAttributes.map((a) => [a, last[a]]));
      items.length = limit;
    }
    return {
      items: items.map(toMember),
      ...(lastKey ? { nextCursor: encodeCursor(lastKey) } : {}),
    };
  }

  async listCommunity(communityId: string): Promise<Member[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :m)',
      ExpressionAttributeValues: { ':pk': keys.community(communityId).pk, ':m': keys.memberPrefix },
    });
    return items.map(toMember);
  }

  async listUnit(unitId: string): Promise<Member[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :u',
      ExpressionAttributeValues: { ':u': keys.membersOfUnit(unitId) },
    });
    return items.map(toMember);
  }

  async update(previous: Member, next: Member): Promise<void> {
    const result = await transactWrite(this.doc, this.updateItems(previous, next));
    if (result.ok) return;
    // Index 0 is the member; the phone guard, when the phone moves, is last.
    if (result.failed.some((f) => f.index === 0)) throw concurrentUpdate('member', previous.memberId);
    throw phoneTaken();
  }

  async remove(member: Member): Promise<void> {
    const result = await transactWrite(this.doc, [
      {
        Delete: {
          TableName: this.table,
          Key: keys.member(member.communityId, member.memberId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      {
        Delete: {
          TableName: this.table,
          Key: keys.phone(member.phone),
          ConditionExpression: 'attribute_not_exists(pk) OR memberId = :id',
          ExpressionAttributeValues: { ':id': member.memberId },
        },
      },
    ]);
    if (!result.ok) throw new NotFoundError('member', member.memberId);
  }

  async writeBatch(
    creates: readonly Member[],
    updates: readonly { previous: Member; next: Member }[],
  ): Promise<BatchOutcome> {
    type Unit = { id: string; items: TransactItem[]; reasonFor: (index: number) => 'phoneTaken' | 'changed' };
    const units: Unit[] = [
      ...creates.map((m) => ({
        id: m.memberId,
        items: this.createItems(m),
        reasonFor: (i: number) => (i === 1 ? ('phoneTaken' as const) : ('changed' as const)),
      })),
      ...updates.map((u) => ({
        id: u.next.memberId,
        items: this.updateItems(u.previous, u.next),
        reasonFor: (i: number) => (i === 0 ? ('changed' as const) : ('phoneTaken' as const)),
      })),
    ];
    // Pack whole members into transactions of at most 100 items; a member never spans two.
    const chunks: Unit[][] = [];
    let current: Unit[] = [];
    let size = 0;
    for (const unit of units) {
      if (size + unit.items.length > 100) {
        chunks.push(current);
        current = [];
        size = 0;
      }
      current.push(unit);
      size += unit.items.length;
    }
    if (current.length) chunks.push(current);

    const outcome: BatchOutcome = new Map();
    await pMap(
      chunks,
      async (chunk) => {
        const result = await transactWrite(
          this.doc,
          chunk.flatMap((u) => u.items),
        );
        if (result.ok) {
          for (const u of chunk) outcome.set(u.id, { ok: true });
          return;
        }
        // One member broke a rule: write the others one by one so only it is refused.
        for (const u of chunk) {
          const single = await transactWrite(this.doc, u.items);
          const failedAt = single.ok ? undefined : single.failed[0]?.index;
          outcome.set(u.id, single.ok ? { ok: true } : { ok: false, reason: u.reasonFor(failedAt ?? 0) });
        }
      },
      { concurrency: 4 },
    );
    return outcome;
  }

  private createItems(member: Member): TransactItem[] {
    return [
      {
        Put: {
          TableName: this.table,
          Item: memberItem(member),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.table,
          Item: phoneItem(member),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
  }

  private updateItems(previous: Member, next: Member): TransactItem[] {
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.table,
          Item: memberItem(next),
          ConditionExpression: 'updatedAt = :seen',
          ExpressionAttributeValues: { ':seen': previous.updatedAt },
        },
      },
    ];
    if (previous.phone !== next.phone) {
      items.push(
        {
          Delete: {
            TableName: this.table,
            Key: keys.phone(previous.phone),
            ConditionExpression: 'attribute_not_exists(pk) OR memberId = :id',
            ExpressionAttributeValues: { ':id': previous.memberId },
          },
        },
        {
          Put: {
            TableName: this.table,
            Item: phoneItem(next),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      );
    }
    return items;
  }

  private listQuery(
    communityId: string,
    filter: MemberFilter,
  ): { input: QueryCommandInput; keyAttributes: string[]; partition: { attribute: string; value: string } } {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const conditions: string[] = [];
    if (filter.role) {
      conditions.push('contains(#roles, :role)');
      names['#roles'] = 'roles';
      values[':role'] = filter.role;
    }
    if (filter.skill) {
      conditions.push('contains(#skills, :skill)');
      names['#skills'] = 'skills';
      values[':skill'] = filter.skill;
    }
    if (filter.gridId && filter.unitId) {
      conditions.push('#unitId = :unit');
      names['#unitId'] = 'unitId';
      values[':unit'] = filter.unitId;
    }
    const filterPart = conditions.length
      ? {
          FilterExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
        }
      : {};

    if (filter.gridId) {
      const value = keys.membersOfGrid(communityId, filter.gridId);
      return {
        input: {
          TableName: this.table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :p',
          ExpressionAttributeValues: { ':p': value, ...values },
          ...filterPart,
        },
        keyAttributes: ['pk', 'sk', 'gsi1pk', 'gsi1sk'],
        partition: { attribute: 'gsi1pk', value },
      };
    }
    if (filter.unitId) {
      const value = keys.membersOfUnit(filter.unitId);
      return {
        input: {
          TableName: this.table,
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :p AND begins_with(gsi2sk, :c)',
          ExpressionAttributeValues: { ':p': value, ':c': `${communityId}#`, ...values },
          ...filterPart,
        },
        keyAttributes: ['pk', 'sk', 'gsi2pk', 'gsi2sk'],
        partition: { attribute: 'gsi2pk', value },
      };
    }
    const value = keys.community(communityId).pk;
    return {
      input: {
        TableName: this.table,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :m)',
        ExpressionAttributeValues: { ':p': value, ':m': keys.memberPrefix, ...values },
        ...filterPart,
      },
      keyAttributes: ['pk', 'sk'],
      partition: { attribute: 'pk', value },
    };
  }
}
