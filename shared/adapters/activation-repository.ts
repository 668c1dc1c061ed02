import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { type Activation, type Counts, type Draftee, type TeamInfo, zeroCounts } from '../domain/activation';
import { keys } from '../table';
import {
  drafteePut,
  encodePlanEntry,
  type PlanEntry,
  planEntriesOf,
  teamCounters,
  toActivation,
  toDraftee,
  toTeamCounts,
} from './activation-records';
import { batchGetAll, decodeCursor, encodeCursor, queryAll, type TransactItem } from './dynamo';
import { chunk, describeFailure, Transaction } from './transaction';

export type { PlanEntry } from './activation-records';

export type NewActivation = {
  activation: Activation;
  teamCounts: Record<string, number>;
  plan: PlanEntry[];
  /** For each unit whose members are drafted: the lock version read, and who is drafted. */
  unitLocks: UnitLockWrite[];
  idempotency?: { key: string; hash: string } | undefined;
};

export type CommitResult =
  | { ok: true }
  | { ok: false; reason: 'switched'; activationId?: string | undefined }
  | { ok: false; reason: 'unitsChanged' }
  | { ok: false; reason: 'duplicateKey' }
  | { ok: false; reason: 'noCommunity' };

/** A unit's lock as read: its version, and who each open activation drafted from it. */
export type UnitLock = { unitId: string; version: number; hasMap: boolean; engaged: Map<string, string[]> };
/** What an activation writes to a unit's lock: who it drafts, conditional on the version it read. */
export type UnitLockWrite = { unitId: string; version: number; hasMap: boolean; memberIds: string[] };

export type Team = TeamInfo & { counts: Counts };

/** Plan entries per stored plan item: a 40,000-person plan is a few items. */
const PLAN_CHUNK = 2_000;

/** The activation aggregate: the switch itself, its teams and counters, its plan, who it holds. */
export interface ActivationRepository {
  /** The activation an idempotency key already started in a community, with its request's hash. */
  findIdempotent(
    communityId: string,
    key: string,
  ): Promise<{ activationId: string; hash: string } | undefined>;
  /** The units' locks as they stand: version, and who each open activation holds from them. */
  getUnitLocks(unitIds: readonly string[]): Promise<Map<string, UnitLock>>;
  /** Writes a whole activation, all or nothing; says why not when refused. */
  commit(input: NewActivation): Promise<CommitResult>;
  get(activationId: string): Promise<Activation | undefined>;
  /** The activation with its teams and their counters. */
  getWithTeams(activationId: string): Promise<{ activation: Activation; teams: Team[] } | undefined>;
  getPlan(activationId: string): Promise<PlanEntry[]>;
  listDraftees(activationId: string): Promise<Draftee[]>;
  /** Activations of a community, newest first; throws on a cursor it did not make. */
  listForCommunity(
    communityId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ items: Activation[]; nextCursor?: string }>;
  /** Activations still open. */
  listOpen(): Promise<Activation[]>;
  /** Closes an activation; false when it was already closed. */
  standDown(activation: Activation, endedAt: string, endedBy: string): Promise<boolean>;
  /** Calls reserves into an open activation, with their counters and unit locks. */
  backfill(args: {
    activation: Activation;
    draftees: readonly Draftee[];
    unitLocks: readonly UnitLockWrite[];
  }): Promise<'applied' | 'conflict' | 'closed'>;
}

/** The activation aggregate on the single table. */
export class DynamoActivationRepository implements ActivationRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async findIdempotent(
    communityId: string,
    key: string,
  ): Promise<{ activationId: string; hash: string } | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: keys.idempotency(`ACTIVATE#${communityId}`, key),
        ConsistentRead: true,
      }),
    );
    return Item ? z.object({ activationId: z.string(), hash: z.string() }).parse(Item) : undefined;
  }

  async getUnitLocks(unitIds: readonly string[]): Promise<Map<string, UnitLock>> {
    const items = await batchGetAll(this.doc, this.table, unitIds.map(keys.unit), true);
    const locks = new Map<string, UnitLock>();
    for (const item of items) {
      const parsed = z
        .object({
          unitId: z.string(),
          lockVersion: z.number().default(0),
          engaged: z.record(z.string(), z.array(z.string())).optional(),
        })
        .parse(item);
      locks.set(parsed.unitId, {
        unitId: parsed.unitId,
        version: parsed.lockVersion,
        hasMap: parsed.engaged !== undefined,
        engaged: new Map(Object.entries(parsed.engaged ?? {})),
      });
    }
    return locks;
  }

  /**
   * Writes a whole activation in one transaction: the community's switch (only from normal
   * mode), the activation, its teams, its plan, the unit locks and the idempotency key. Either
   * all of it is written or none of it.
   */
  async commit(input: NewActivation): Promise<CommitResult> {
    const { activation } = input;
    const aid = activation.activationId;
    const tx = new Transaction(this.doc, this.table)
      .add('switch', {
        Update: {
          TableName: this.table,
          Key: keys.community(activation.communityId),
          UpdateExpression: 'SET #mode = :mode, activationId = :aid, modeSince = :now',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#mode) OR #mode = :normal)',
          ExpressionAttributeNames: { '#mode': 'mode' },
          ExpressionAttributeValues: {
            ':mode': activation.drill ? 'drill' : 'emergency',
            ':aid': aid,
            ':now': activation.startedAt,
            ':normal': 'normal',
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      })
      .add('activation', {
        Put: {
          TableName: this.table,
          Item: {
            ...keys.activation(aid),
            type: 'activation',
            ...activation,
            gsi1pk: keys.openActivationsIndex,
            gsi1sk: `${activation.startedAt}#${aid}`,
            gsi2pk: keys.activationsOfCommunity(activation.communityId),
            gsi2sk: `${activation.startedAt}#${aid}`,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    if (input.idempotency) {
      tx.add('idempotency', {
        Put: {
          TableName: this.table,
          Item: {
            ...keys.idempotency(`ACTIVATE#${activation.communityId}`, input.idempotency.key),
            type: 'idempotency',
            activationId: aid,
            hash: input.idempotency.hash,
            createdAt: activation.startedAt,
            expiresAt: Math.floor(Date.parse(activation.startedAt) / 1000) + 7 * 24 * 3600,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    for (const team of activation.teams) {
      tx.add('team', {
        Put: {
          TableName: this.table,
          Item: {
            ...keys.team(aid, team.teamId),
            type: 'team',
            activationId: aid,
            teamId: team.teamId,
            counts: { ...zeroCounts(), drafted: input.teamCounts[team.teamId] ?? 0 },
          },
        },
      });
    }
    chunk(input.plan, PLAN_CHUNK).forEach((entries, i) => {
      tx.add('plan', {
        Put: {
          TableName: this.table,
          Item: {
            ...keys.planChunk(aid, i),
            type: 'plan',
            activationId: aid,
            entries: entries.map(encodePlanEntry),
          },
        },
      });
    });
    for (const lock of input.unitLocks) tx.add('unitLock', this.unitLockItem(aid, lock));
    tx.assertWithinLimits('activation');

    const result = await tx.commit();
    if (result.ok) return { ok: true };
    const switched = result.failedOn('switch', 'ConditionalCheckFailed');
    if (switched) {
      if (!switched.item) return { ok: false, reason: 'noCommunity' };
      const open = typeof switched.item.activationId === 'string' ? switched.item.activationId : undefined;
      return { ok: false, reason: 'switched', activationId: open };
    }
    if (result.failedOn('idempotency', 'ConditionalCheckFailed'))
      return { ok: false, reason: 'duplicateKey' };
    if (result.failedOn('unitLock', 'ConditionalCheckFailed')) return { ok: false, reason: 'unitsChanged' };
    throw new Error(describeFailure('activation commit', result));
  }

  async get(activationId: string): Promise<Activation | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.activation(activationId), ConsistentRead: true }),
    );
    return Item ? toActivation(Item) : undefined;
  }

  /** The activation with its teams and their counters: two requests whatever the size. */
  async getWithTeams(activationId: string): Promise<{ activation: Activation; teams: Team[] } | undefined> {
    const [activation, teamItems] = await Promise.all([
      this.get(activationId),
      this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :t)',
          ExpressionAttributeValues: { ':pk': keys.activation(activationId).pk, ':t': keys.teamPrefix },
          ConsistentRead: true,
        }),
      ),
    ]);
    if (!activation) return undefined;
    const counts = new Map((teamItems.Items ?? []).map((i) => [String(i.teamId), toTeamCounts(i)]));
    return {
      activation,
      teams: activation.teams.map((t) => ({ ...t, counts: counts.get(t.teamId) ?? zeroCounts() })),
    };
  }

  async getPlan(activationId: string): Promise<PlanEntry[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': keys.activation(activationId).pk, ':p': keys.planPrefix },
      ConsistentRead: true,
    });
    return items.flatMap(planEntriesOf);
  }

  async listDraftees(activationId: string): Promise<Draftee[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :m)',
      ExpressionAttributeValues: { ':pk': keys.activation(activationId).pk, ':m': keys.drafteePrefix },
      ConsistentRead: true,
    });
    return items.map(toDraftee);
  }

  /** Activations of a community, newest first, a page at a time. */
  async listForCommunity(
    communityId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ items: Activation[]; nextCursor?: string }> {
    const partition = keys.activationsOfCommunity(communityId);
    const start = cursor
      ? decodeCursor(cursor, ['pk', 'sk', 'gsi2pk', 'gsi2sk'], { attribute: 'gsi2pk', value: partition })
      : undefined;
    if (cursor && !start) throw new Error('bad cursor');
    const page = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :p',
        ExpressionAttributeValues: { ':p': partition },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: start,
      }),
    );
    return {
      items: (page.Items ?? []).map(toActivation),
      ...(page.LastEvaluatedKey ? { nextCursor: encodeCursor(page.LastEvaluatedKey) } : {}),
    };
  }

  /** Activations still open, for the timers (a sparse index: closed ones leave it). */
  async listOpen(): Promise<Activation[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': keys.openActivationsIndex },
    });
    return items.map(toActivation);
  }

  /**
   * Closes an activation: the activation, the community's mode and the unit locks in one
   * transaction. Returns false when it was already closed.
   */
  async standDown(activation: Activation, endedAt: string, endedBy: string): Promise<boolean> {
    const aid = activation.activationId;
    const tx = new Transaction(this.doc, this.table)
      .add('activation', {
        Update: {
          TableName: this.table,
          Key: keys.activation(aid),
          UpdateExpression: 'SET #status = :down, endedAt = :at, endedBy = :by REMOVE gsi1pk, gsi1sk',
          ConditionExpression: '#status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':down': 'stoodDown',
            ':active': 'active',
            ':at': endedAt,
            ':by': endedBy,
          },
        },
      })
      .add('community', {
        Update: {
          TableName: this.table,
          Key: keys.community(activation.communityId),
          UpdateExpression: 'SET #mode = :normal, modeSince = :at REMOVE activationId',
          ConditionExpression: 'activationId = :aid',
          ExpressionAttributeNames: { '#mode': 'mode' },
          ExpressionAttributeValues: { ':normal': 'normal', ':at': endedAt, ':aid': aid },
        },
      });
    for (const unitId of activation.unitIds) {
      tx.add('unitLock', {
        Update: {
          TableName: this.table,
          Key: keys.unit(unitId),
          UpdateExpression: 'REMOVE engaged.#aid',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#aid': aid },
        },
      });
    }
    const result = await tx.commit();
    if (result.ok) return true;
    if (result.failedOn('activation')) return false;
    throw new Error(describeFailure('stand-down', result));
  }

  /**
   * Calls reserves into an open activation: the new draftees, their teams' counters, the unit
   * locks for those who belong to a unit, all or nothing, and only while the activation is open.
   */
  async backfill(args: {
    activation: Activation;
    draftees: readonly Draftee[];
    unitLocks: readonly UnitLockWrite[];
  }): Promise<'applied' | 'conflict' | 'closed'> {
    const { activation } = args;
    const aid = activation.activationId;
    const units = [...new Set([...activation.unitIds, ...args.unitLocks.map((l) => l.unitId)])];
    const tx = new Transaction(this.doc, this.table).add('activation', {
      Update: {
        TableName: this.table,
        Key: keys.activation(aid),
        UpdateExpression: 'SET unitIds = :units',
        ConditionExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':units': units, ':active': 'active' },
      },
    });
    for (const d of args.draftees) {
      tx.add('draftee', drafteePut(this.table, d, activation.startedAt));
      const counters = teamCounters(aid, d.teamId, { drafted: 1 });
      tx.count(counters.key, counters.delta);
    }
    for (const lock of args.unitLocks) tx.add('unitLock', this.unitLockItem(aid, lock));
    const result = await tx.commit();
    if (result.ok) return 'applied';
    if (result.failedOn('activation')) return 'closed';
    return 'conflict';
  }

  private unitLockItem(aid: string, lock: UnitLockWrite): TransactItem {
    // The version is the lock: two activations that read the same version cannot both commit.
    const versionCheck =
      lock.version === 0
        ? '(attribute_not_exists(lockVersion) OR lockVersion = :seen)'
        : 'lockVersion = :seen';
    return {
      Update: {
        TableName: this.table,
        Key: keys.unit(lock.unitId),
        // A backfill adds to the people the activation already holds in this unit, never replaces them.
        UpdateExpression: lock.hasMap
          ? 'SET lockVersion = :next, engaged.#aid = list_append(if_not_exists(engaged.#aid, :none), :members)'
          : 'SET lockVersion = :next, engaged = :map',
        ConditionExpression: `attribute_exists(pk) AND ${versionCheck} AND ${lock.hasMap ? 'attribute_exists(engaged)' : 'attribute_not_exists(engaged)'}`,
        ...(lock.hasMap ? { ExpressionAttributeNames: { '#aid': aid } } : {}),
        ExpressionAttributeValues: {
          ':next': lock.version + 1,
          ':seen': lock.version,
          ...(lock.hasMap
            ? { ':members': lock.memberIds, ':none': [] }
            : { ':map': { [aid]: lock.memberIds } }),
        },
      },
    };
  }
}
