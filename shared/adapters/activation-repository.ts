import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import pMap from 'p-map';
import * as z from 'zod';
import {
  ACTIVATION_STATUSES,
  type Activation,
  COUNTERS,
  type Counts,
  DRAFTEE_STATUSES,
  type Draftee,
  MESSAGE_KINDS,
  OUTBOX_STATES,
  type OutboxMessage,
  type TeamInfo,
  zeroCounts,
} from '../domain/activation';
import { INCIDENT_KINDS, LEVELS } from '../domain/incident';
import { SKILLS } from '../domain/roster';
import { type ItemKey, keys } from '../table';
import {
  batchGetAll,
  decodeCursor,
  encodeCursor,
  type Item,
  queryAll,
  type TransactItem,
  transactWrite,
} from './dynamo';

/** One planned place on a team, written with the activation and turned into a draftee later. */
export type PlanEntry = {
  memberId: string;
  communityId: string;
  teamId: string;
  leader: boolean;
  source: 'grid' | 'unit' | 'community' | 'reserve';
};

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

/** A write to one draftee's outbox message: claim it, settle it, or put it back. */
export type MessageUpdate = {
  key: ItemKey;
  messageKey: string;
  /** Team counters to move with it (draftees only). */
  team?: { activationId: string; teamId: string } | undefined;
} & (
  | { action: 'claim'; leaseUntil: string; now: string }
  | {
      action: 'sent';
      sentAt: string;
      messageId: string;
      delivered: boolean;
      /** First alert handed over: the person now counts as alerted. */
      firstAlert: boolean;
    }
  | { action: 'failed'; error: string; firstAlert: boolean }
  | { action: 'requeue' }
  | { action: 'cancel' }
);

/**
 * The transaction item that moves a team's counters by `delta` (nothing when it is all zeros).
 * Counters only ever move inside the transaction that changes what they count.
 */
export function teamCounterUpdate(
  table: string,
  activationId: string,
  teamId: string,
  delta: Partial<Counts>,
): TransactItem[] {
  const entries = Object.entries(delta).filter(([, v]) => v !== 0);
  if (!entries.length) return [];
  const names: Record<string, string> = {};
  const values: Record<string, number> = {};
  const parts = entries.map(([k, v], i) => {
    names[`#c${i}`] = k;
    values[`:c${i}`] = v;
    return `counts.#c${i} :c${i}`;
  });
  return [
    {
      Update: {
        TableName: table,
        Key: keys.team(activationId, teamId),
        UpdateExpression: `ADD ${parts.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
  ];
}

/** Splits a list into lists of at most `size`. */
export function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

const PLAN_CHUNK = 2_000;
/** DynamoDB refuses transactions over 100 items or 4 MB; stay clear of both. */
const TRANSACTION_ITEMS = 100;
const TRANSACTION_BYTES = 3_500_000;

const countsRecord = z.object(Object.fromEntries(COUNTERS.map((c) => [c, z.number().default(0)]))).partial();
const teamInfoRecord = z.object({
  teamId: z.string(),
  gridId: z.string(),
  gridName: z.string(),
  musterPoint: z.string(),
  quota: z.number(),
  leaderId: z.string().optional(),
  leaderName: z.string().optional(),
  missingSkills: z.array(z.enum(SKILLS)),
  reserves: z.number(),
});
const activationRecord = z.object({
  activationId: z.string(),
  communityId: z.string(),
  communityName: z.string(),
  kind: z.enum(INCIDENT_KINDS),
  level: z.enum(LEVELS),
  drill: z.boolean(),
  note: z.string().optional(),
  locale: z.enum(['zh', 'en']),
  status: z.enum(ACTIVATION_STATUSES),
  startedAt: z.string(),
  startedBy: z.string(),
  endedAt: z.string().optional(),
  endedBy: z.string().optional(),
  teams: z.array(teamInfoRecord),
  unitIds: z.array(z.string()),
  drafted: z.number(),
  reserves: z.number(),
});
const outboxRecord = z.object({
  kind: z.enum(MESSAGE_KINDS),
  body: z.string(),
  state: z.enum(OUTBOX_STATES),
  queuedAt: z.string(),
  leaseUntil: z.string().optional(),
  sentAt: z.string().optional(),
  messageId: z.string().optional(),
  error: z.string().optional(),
  attempts: z.number().default(0),
  receipt: z.enum(['delivered', 'failed']).optional(),
});
const drafteeRecord = z.object({
  activationId: z.string(),
  memberId: z.string(),
  communityId: z.string(),
  teamId: z.string(),
  name: z.string(),
  phone: z.string(),
  leader: z.boolean(),
  source: z.enum(['grid', 'unit', 'community', 'reserve']),
  status: z.enum(DRAFTEE_STATUSES),
  open: z.boolean(),
  drill: z.boolean().default(false),
  locale: z.enum(['zh', 'en']).default('zh'),
  musterPoint: z.string().default(''),
  draftedAt: z.string(),
  alertedAt: z.string().optional(),
  deliveredAt: z.string().optional(),
  respondedAt: z.string().optional(),
  confirmedAt: z.string().optional(),
  arrivedAt: z.string().optional(),
  etaMinutes: z.number().optional(),
  reason: z.string().optional(),
  lastReplyAt: z.string().optional(),
  helpSentAt: z.string().optional(),
  remindedAt: z.string().optional(),
  outbox: z.record(z.string(), outboxRecord).default({}),
});
const planRecord = z.object({ entries: z.array(z.string()) });

export const toActivation = (item: Item): Activation => activationRecord.parse(item);
export const toDraftee = (item: Item): Draftee => drafteeRecord.parse(item);
export const toTeamCounts = (item: Item): Counts => ({
  ...zeroCounts(),
  ...countsRecord.parse(item.counts ?? {}),
});

/** Plan entries are stored compactly, one string each, so a 40,000-person plan is a few items. */
export function encodePlanEntry(e: PlanEntry): string {
  return [e.memberId, e.communityId, e.teamId, e.leader ? 'L' : '', e.source[0]].join('|');
}

const SOURCE_BY_LETTER = { g: 'grid', u: 'unit', c: 'community', r: 'reserve' } as const;

export function decodePlanEntry(text: string): PlanEntry {
  const [memberId = '', communityId = '', teamId = '', leader = '', source = 'g'] = text.split('|');
  return {
    memberId,
    communityId,
    teamId,
    leader: leader === 'L',
    source: SOURCE_BY_LETTER[source as keyof typeof SOURCE_BY_LETTER] ?? 'grid',
  };
}

export function planEntriesOf(item: Item): PlanEntry[] {
  return planRecord.parse(item).entries.map(decodePlanEntry);
}

export function drafteeItem(d: Draftee, startedAt: string): Item {
  return {
    ...keys.draftee(d.activationId, d.memberId),
    type: 'draftee',
    ...d,
    ...(d.open ? { gsi1pk: keys.openDrafteeByPhone(d.phone), gsi1sk: `${startedAt}#${d.activationId}` } : {}),
  };
}

/** The activation aggregate: the switch itself, its teams and counters, its plan and its draftees. */
export class ActivationRepository {
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
    const items: TransactItem[] = [
      {
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
      },
      {
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
      },
    ];
    const idempotencyIndex = items.length;
    if (input.idempotency) {
      items.push({
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
      items.push({
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
      items.push({
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
    const unitStart = items.length;
    for (const lock of input.unitLocks) items.push(this.unitLockItem(aid, lock));
    const bytes = JSON.stringify(items).length;
    if (items.length > TRANSACTION_ITEMS || bytes > TRANSACTION_BYTES) {
      throw new Error(`activation too large for one transaction: ${items.length} items, ${bytes} bytes`);
    }

    const result = await transactWrite(this.doc, items);
    if (result.ok) return { ok: true };
    const failed = result.failed.find((f) => f.code === 'ConditionalCheckFailed');
    if (failed?.index === 0) {
      if (!failed.item) return { ok: false, reason: 'noCommunity' };
      const open = typeof failed.item.activationId === 'string' ? failed.item.activationId : undefined;
      return { ok: false, reason: 'switched', activationId: open };
    }
    if (input.idempotency && failed?.index === idempotencyIndex) return { ok: false, reason: 'duplicateKey' };
    if (failed && failed.index >= unitStart) return { ok: false, reason: 'unitsChanged' };
    throw new Error(
      `activation commit failed: ${JSON.stringify(result.failed.map((f) => [f.index, f.code]))}`,
    );
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

  async getDraftees(keysToRead: readonly ItemKey[]): Promise<Item[]> {
    return batchGetAll(this.doc, this.table, keysToRead, true);
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
    const result = await transactWrite(this.doc, [
      {
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
      },
      {
        Update: {
          TableName: this.table,
          Key: keys.community(activation.communityId),
          UpdateExpression: 'SET #mode = :normal, modeSince = :at REMOVE activationId',
          ConditionExpression: 'activationId = :aid',
          ExpressionAttributeNames: { '#mode': 'mode' },
          ExpressionAttributeValues: { ':normal': 'normal', ':at': endedAt, ':aid': aid },
        },
      },
      ...activation.unitIds.map(
        (unitId): TransactItem => ({
          Update: {
            TableName: this.table,
            Key: keys.unit(unitId),
            UpdateExpression: 'REMOVE engaged.#aid',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#aid': aid },
          },
        }),
      ),
    ]);
    if (result.ok) return true;
    if (result.failed.some((f) => f.index === 0)) return false;
    throw new Error(`stand-down failed: ${JSON.stringify(result.failed.map((f) => [f.index, f.code]))}`);
  }

  /**
   * Writes new draftees, each only if it is not there yet, with their team's counters moved in
   * the same transaction; a retry writes only what is missing and counts nothing twice.
   */
  async insertDraftees(
    activation: Pick<Activation, 'activationId' | 'startedAt'>,
    groups: readonly { teamId: string; draftees: readonly Draftee[]; delta: Partial<Counts> }[],
  ): Promise<number> {
    let written = 0;
    const batches = groups.flatMap((g) =>
      chunk(g.draftees, TRANSACTION_ITEMS - 1).map((draftees, i) => ({
        teamId: g.teamId,
        draftees,
        // The team's counters move once, with the first batch of the group.
        delta: i === 0 ? g.delta : {},
      })),
    );
    await pMap(
      batches,
      async (batch) => {
        let pending = batch.draftees;
        for (let attempt = 0; pending.length > 0 && attempt < 3; attempt++) {
          const result = await transactWrite(this.doc, [
            ...pending.map(
              (d): TransactItem => ({
                Put: {
                  TableName: this.table,
                  Item: drafteeItem(d, activation.startedAt),
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              }),
            ),
            ...this.counterUpdate(activation.activationId, batch.teamId, attempt === 0 ? batch.delta : {}),
          ]);
          if (result.ok) {
            written += pending.length;
            return;
          }
          // Some were written by an earlier attempt: keep only the missing ones.
          const existing = new Set(
            (await this.getDraftees(pending.map((d) => keys.draftee(d.activationId, d.memberId)))).map((i) =>
              String(i.memberId),
            ),
          );
          pending = pending.filter((d) => !existing.has(d.memberId));
        }
        if (pending.length) throw new Error(`could not write ${pending.length} draftees`);
      },
      { concurrency: 4 },
    );
    return written;
  }

  /**
   * Applies outbox transitions with their counters, as few transactions as possible. Each
   * transition is conditional on the state it expects, so a replayed batch changes nothing.
   * Returns the message updates that lost a race (their condition failed).
   */
  async applyMessageUpdates(updates: readonly MessageUpdate[]): Promise<MessageUpdate[]> {
    const lost: MessageUpdate[] = [];
    // A transaction may touch an item once: at most one update per draftee and per team in each.
    const batches: { updates: MessageUpdate[]; counters: Map<string, Partial<Counts>> }[] = [];
    let current = {
      updates: [] as MessageUpdate[],
      counters: new Map<string, Partial<Counts>>(),
      items: new Set<string>(),
    };
    const flush = () => {
      if (current.updates.length) batches.push({ updates: current.updates, counters: current.counters });
      current = { updates: [], counters: new Map(), items: new Set() };
    };
    for (const u of updates) {
      const id = `${u.key.pk}|${u.key.sk}`;
      const delta = this.deltaFor(u);
      const teamKey =
        u.team && Object.keys(delta).length ? `${u.team.activationId}|${u.team.teamId}` : undefined;
      const size =
        current.updates.length + current.counters.size + (teamKey && !current.counters.has(teamKey) ? 2 : 1);
      if (current.items.has(id) || size > TRANSACTION_ITEMS) flush();
      current.updates.push(u);
      current.items.add(id);
      if (teamKey) {
        const sum = current.counters.get(teamKey) ?? {};
        for (const [k, v] of Object.entries(delta) as [keyof Counts, number][]) sum[k] = (sum[k] ?? 0) + v;
        current.counters.set(teamKey, sum);
      }
    }
    flush();

    for (const batch of batches) {
      const items: TransactItem[] = [
        ...batch.updates.map((u) => this.messageUpdateItem(u)),
        ...[...batch.counters.entries()].flatMap(([teamKey, delta]) => {
          const [aid = '', teamId = ''] = teamKey.split('|');
          return this.counterUpdate(aid, teamId, delta);
        }),
      ];
      const result = await transactWrite(this.doc, items);
      if (result.ok) continue;
      // Somebody else moved one of these first: apply the rest one by one, each with its counters.
      for (const u of batch.updates) {
        const single = await transactWrite(this.doc, [
          this.messageUpdateItem(u),
          ...(u.team ? this.counterUpdate(u.team.activationId, u.team.teamId, this.deltaFor(u)) : []),
        ]);
        if (!single.ok) lost.push(u);
      }
    }
    return lost;
  }

  /**
   * Closes draftees at stand-down: they leave the open-phone index, queued alerts are
   * cancelled, and the given message is queued for those who were alerted.
   */
  async closeDraftees(
    activationId: string,
    closings: readonly {
      memberId: string;
      message?: { key: string; value: OutboxMessage };
      cancel: string[];
    }[],
  ): Promise<void> {
    const item = (c: (typeof closings)[number]): TransactItem => {
      const names: Record<string, string> = { '#open': 'open' };
      const values: Record<string, unknown> = { ':f': false, ':t': true };
      const sets = ['#open = :f'];
      if (c.message) {
        names['#mk'] = c.message.key;
        values[':msg'] = c.message.value;
        sets.push('outbox.#mk = :msg');
      }
      c.cancel.forEach((key, i) => {
        names[`#c${i}`] = key;
        sets.push(`outbox.#c${i}.#state = :cancelled`);
      });
      if (c.cancel.length) {
        names['#state'] = 'state';
        values[':cancelled'] = 'cancelled';
      }
      return {
        Update: {
          TableName: this.table,
          Key: keys.draftee(activationId, c.memberId),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE gsi1pk, gsi1sk`,
          ConditionExpression: '#open = :t',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      };
    };
    await pMap(
      chunk(closings, TRANSACTION_ITEMS),
      async (batch) => {
        const result = await transactWrite(this.doc, batch.map(item));
        if (result.ok) return;
        for (const c of batch) await transactWrite(this.doc, [item(c)]);
      },
      { concurrency: 4 },
    );
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
    const perTeam = new Map<string, number>();
    for (const d of args.draftees) perTeam.set(d.teamId, (perTeam.get(d.teamId) ?? 0) + 1);
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.table,
          Key: keys.activation(aid),
          UpdateExpression: 'SET unitIds = :units',
          ConditionExpression: '#status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':units': units, ':active': 'active' },
        },
      },
      ...args.draftees.map(
        (d): TransactItem => ({
          Put: {
            TableName: this.table,
            Item: drafteeItem(d, activation.startedAt),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        }),
      ),
      ...[...perTeam.entries()].flatMap(([teamId, n]) => this.counterUpdate(aid, teamId, { drafted: n })),
      ...args.unitLocks.map((lock) => this.unitLockItem(aid, lock)),
    ];
    const result = await transactWrite(this.doc, items);
    if (result.ok) return 'applied';
    if (result.failed.some((f) => f.index === 0)) return 'closed';
    return 'conflict';
  }

  /** Queues a reminder for each silent draftee who has not had one. Returns how many were queued. */
  async queueReminders(
    activationId: string,
    reminders: readonly { memberId: string; message: OutboxMessage }[],
    at: string,
  ): Promise<number> {
    const item = (r: (typeof reminders)[number]): TransactItem => ({
      Update: {
        TableName: this.table,
        Key: keys.draftee(activationId, r.memberId),
        UpdateExpression: 'SET remindedAt = :at, outbox.#r = :msg',
        ConditionExpression: '#status = :drafted AND #open = :true AND attribute_not_exists(remindedAt)',
        ExpressionAttributeNames: { '#r': 'reminder', '#status': 'status', '#open': 'open' },
        ExpressionAttributeValues: { ':at': at, ':msg': r.message, ':drafted': 'drafted', ':true': true },
      },
    });
    return this.conditionalBatches(reminders.map((r) => [item(r)]));
  }

  /**
   * Marks silent draftees `noResponse` (only those still silent and alerted before `cutoff`),
   * moving their teams' counters with them.
   */
  async markNoResponse(
    activationId: string,
    silent: readonly { memberId: string; teamId: string }[],
    cutoff: string,
  ): Promise<number> {
    const units = silent.map((d): TransactItem[] => [
      {
        Update: {
          TableName: this.table,
          Key: keys.draftee(activationId, d.memberId),
          UpdateExpression: 'SET #status = :silent',
          ConditionExpression: '#status = :drafted AND #open = :true AND alertedAt <= :cutoff',
          ExpressionAttributeNames: { '#status': 'status', '#open': 'open' },
          ExpressionAttributeValues: {
            ':silent': 'noResponse',
            ':drafted': 'drafted',
            ':true': true,
            ':cutoff': cutoff,
          },
        },
      },
      ...this.counterUpdate(activationId, d.teamId, { noResponse: 1 }),
    ]);
    return this.conditionalBatches(units);
  }

  /**
   * Touches a message whose claim ran out without being settled (its sender died and the stream
   * gave up on the record), so the stream carries it to the consumer again to be settled.
   */
  async nudge(
    activationId: string,
    memberId: string,
    messageKey: string,
    leaseUntil: string,
    at: string,
  ): Promise<boolean> {
    const result = await transactWrite(this.doc, [
      {
        Update: {
          TableName: this.table,
          Key: keys.draftee(activationId, memberId),
          UpdateExpression: 'SET outbox.#m.nudgedAt = :at',
          ConditionExpression: 'outbox.#m.#s = :sending AND outbox.#m.leaseUntil = :lease',
          ExpressionAttributeNames: { '#m': messageKey, '#s': 'state' },
          ExpressionAttributeValues: { ':at': at, ':sending': 'sending', ':lease': leaseUntil },
        },
      },
    ]);
    return result.ok;
  }

  /** Queues a message on a draftee under a key it has not had yet (an SMS to a team leader). */
  async queueOnce(
    activationId: string,
    memberId: string,
    messageKey: string,
    message: OutboxMessage,
  ): Promise<boolean> {
    const result = await transactWrite(this.doc, [
      {
        Update: {
          TableName: this.table,
          Key: keys.draftee(activationId, memberId),
          UpdateExpression: 'SET outbox.#k = :msg',
          ConditionExpression: 'attribute_not_exists(outbox.#k) AND #open = :true',
          ExpressionAttributeNames: { '#k': messageKey, '#open': 'open' },
          ExpressionAttributeValues: { ':msg': message, ':true': true },
        },
      },
    ]);
    return result.ok;
  }

  /**
   * Writes units of transaction items (each unit all or nothing) packed into transactions; when
   * a packed transaction fails a condition, its units are retried one by one so only the units
   * whose condition no longer holds are dropped. Team counter items are merged per transaction.
   */
  private async conditionalBatches(units: readonly TransactItem[][]): Promise<number> {
    let applied = 0;
    const batches: TransactItem[][][] = [];
    let current: TransactItem[][] = [];
    let size = 0;
    for (const unit of units) {
      if (size + unit.length > TRANSACTION_ITEMS - 10) {
        batches.push(current);
        current = [];
        size = 0;
      }
      current.push(unit);
      size += unit.length;
    }
    if (current.length) batches.push(current);
    for (const batch of batches) {
      const merged = mergeCounterItems(batch.flat());
      const result = await transactWrite(this.doc, merged);
      if (result.ok) {
        applied += batch.length;
        continue;
      }
      for (const unit of batch) if ((await transactWrite(this.doc, unit)).ok) applied++;
    }
    return applied;
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

  private deltaFor(u: MessageUpdate): Partial<Counts> {
    if (u.action === 'sent' && u.firstAlert)
      return u.delivered ? { alerted: 1, delivered: 1 } : { alerted: 1 };
    if (u.action === 'failed' && u.firstAlert) return { failed: 1 };
    return {};
  }

  private counterUpdate(activationId: string, teamId: string, delta: Partial<Counts>): TransactItem[] {
    return teamCounterUpdate(this.table, activationId, teamId, delta);
  }

  private messageUpdateItem(u: MessageUpdate): TransactItem {
    const names: Record<string, string> = { '#m': u.messageKey, '#s': 'state' };
    const base = { TableName: this.table, Key: u.key, ExpressionAttributeNames: names };
    switch (u.action) {
      case 'claim':
        return {
          Update: {
            ...base,
            UpdateExpression:
              'SET outbox.#m.#s = :sending, outbox.#m.leaseUntil = :lease ADD outbox.#m.attempts :one',
            ConditionExpression:
              'outbox.#m.#s = :queued OR (outbox.#m.#s = :sending AND outbox.#m.leaseUntil < :now)',
            ExpressionAttributeValues: {
              ':sending': 'sending',
              ':queued': 'queued',
              ':lease': u.leaseUntil,
              ':now': u.now,
              ':one': 1,
            },
          },
        };
      case 'sent': {
        const sets = ['outbox.#m.#s = :sent', 'outbox.#m.sentAt = :at', 'outbox.#m.messageId = :id'];
        const values: Record<string, unknown> = {
          ':sent': 'sent',
          ':sending': 'sending',
          ':at': u.sentAt,
          ':id': u.messageId,
        };
        if (u.firstAlert) sets.push('alertedAt = if_not_exists(alertedAt, :at)');
        if (u.firstAlert && u.delivered) sets.push('deliveredAt = if_not_exists(deliveredAt, :at)');
        return {
          Update: {
            ...base,
            UpdateExpression: `SET ${sets.join(', ')} REMOVE outbox.#m.leaseUntil`,
            ConditionExpression: 'outbox.#m.#s = :sending',
            ExpressionAttributeValues: values,
          },
        };
      }
      case 'failed':
        return {
          Update: {
            ...base,
            UpdateExpression: 'SET outbox.#m.#s = :failed, outbox.#m.#e = :error REMOVE outbox.#m.leaseUntil',
            ConditionExpression: 'outbox.#m.#s = :sending',
            ExpressionAttributeNames: { ...names, '#e': 'error' },
            ExpressionAttributeValues: { ':failed': 'failed', ':sending': 'sending', ':error': u.error },
          },
        };
      case 'requeue':
        return {
          Update: {
            ...base,
            UpdateExpression: 'SET outbox.#m.#s = :queued REMOVE outbox.#m.leaseUntil',
            ConditionExpression: 'outbox.#m.#s = :sending',
            ExpressionAttributeValues: { ':queued': 'queued', ':sending': 'sending' },
          },
        };
      case 'cancel':
        return {
          Update: {
            ...base,
            UpdateExpression: 'SET outbox.#m.#s = :cancelled REMOVE outbox.#m.leaseUntil',
            ConditionExpression: 'outbox.#m.#s IN (:queued, :sending)',
            ExpressionAttributeValues: {
              ':cancelled': 'cancelled',
              ':queued': 'queued',
              ':sending': 'sending',
            },
          },
        };
    }
  }
}

/**
 * Merges team counter updates that hit the same team into one item (a transaction may touch an
 * item once); other items pass through in order.
 */
function mergeCounterItems(items: readonly TransactItem[]): TransactItem[] {
  const out: TransactItem[] = [];
  const counters = new Map<string, Record<string, number>>();
  const keyOf = new Map<string, ItemKey>();
  for (const item of items) {
    const update = item.Update;
    const key = update?.Key as ItemKey | undefined;
    if (
      update &&
      key &&
      String(key.sk).startsWith(keys.teamPrefix) &&
      update.UpdateExpression?.startsWith('ADD counts.')
    ) {
      const id = `${key.pk}|${key.sk}`;
      const sum = counters.get(id) ?? {};
      const names = update.ExpressionAttributeNames ?? {};
      const values = (update.ExpressionAttributeValues ?? {}) as Record<string, number>;
      for (const [alias, name] of Object.entries(names)) {
        const value = values[alias.replace('#', ':')] ?? 0;
        sum[name] = (sum[name] ?? 0) + value;
      }
      counters.set(id, sum);
      keyOf.set(id, key);
      continue;
    }
    out.push(item);
  }
  for (const [id, sum] of counters) {
    const key = keyOf.get(id) as ItemKey;
    const entries = Object.entries(sum).filter(([, v]) => v !== 0);
    if (!entries.length) continue;
    const table = items.find((i) => i.Update?.Key === key)?.Update?.TableName;
    out.push({
      Update: {
        TableName: table,
        Key: key,
        UpdateExpression: `ADD ${entries.map((_, i) => `counts.#c${i} :c${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(entries.map(([k], i) => [`#c${i}`, k])),
        ExpressionAttributeValues: Object.fromEntries(entries.map(([, v], i) => [`:c${i}`, v])),
      },
    });
  }
  return out;
}
