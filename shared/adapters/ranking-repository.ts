import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  type GridSummary,
  type GridTally,
  HISTOGRAM_CAP_MINUTES,
  type Participation,
} from '../domain/ranking';
import { keys } from '../table';
import { type Item, queryAll, type TransactItem, transactWrite } from './dynamo';

/** A grid's tally in one period, as its bucket item holds it. */
export type GridBucket = GridTally & { communityId: string; gridId: string; gridName: string };

/** One person's participation so far. */
export type ParticipationRecord = {
  communityId: string;
  memberId: string;
  called: number;
  answered: number;
  came: number;
  lastActivationId?: string | undefined;
  lastCalledAt?: string | undefined;
};

/** The precomputed rankings: per street, per period, one bucket per grid; and per person. */
export interface RankingRepository {
  /**
   * Folds one activation into its street's week, month and year buckets and into everyone's
   * participation. Safe to repeat: each slice is written with a marker and skipped once marked.
   */
  record(args: {
    activationId: string;
    startedAt: string;
    streetId: string;
    buckets: readonly string[];
    grids: readonly GridSummary[];
    people: readonly Participation[];
  }): Promise<{ slices: number; written: number }>;
  /** Every grid bucket of a street's period (`week#2026-W49`), in one partition. */
  readPeriod(streetId: string, period: string): Promise<GridBucket[]>;
  getParticipation(communityId: string, memberId: string): Promise<ParticipationRecord | undefined>;
}

/** A transaction holds 100 writes: 99 for the slice and one for its marker. */
const SLICE = 99;
const histogramName = (minute: number) => `h${String(minute).padStart(2, '0')}`;
const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const text = (value: unknown) => (typeof value === 'string' ? value : '');

export class DynamoRankingRepository implements RankingRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async record(args: {
    activationId: string;
    startedAt: string;
    streetId: string;
    buckets: readonly string[];
    grids: readonly GridSummary[];
    people: readonly Participation[];
  }): Promise<{ slices: number; written: number }> {
    const writes: TransactItem[] = [];
    for (const grid of args.grids)
      for (const bucket of args.buckets) writes.push(this.bucketUpdate(args.streetId, bucket, grid));
    for (const person of args.people) writes.push(this.participationUpdate(args, person));
    let written = 0;
    const slices = Math.ceil(writes.length / SLICE);
    for (let part = 0; part < slices; part++) {
      const slice = writes.slice(part * SLICE, (part + 1) * SLICE);
      const result = await transactWrite(this.doc, [
        {
          Put: {
            TableName: this.table,
            Item: { ...keys.rankedMarker(args.activationId, part), type: 'rankedMarker', at: args.startedAt },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...slice,
      ]);
      if (result.ok) written += slice.length;
      // Only the marker carries a condition: a failure means this slice was folded in before.
      else if (!result.failed.every((f) => f.index === 0 && f.code === 'ConditionalCheckFailed'))
        throw new Error(`ranking slice ${part} of ${args.activationId} refused: ${result.failed[0]?.code}`);
    }
    return { slices, written };
  }

  private bucketUpdate(streetId: string, bucket: string, grid: GridSummary): TransactItem {
    const adds: string[] = [];
    const values: Record<string, unknown> = {
      ':type': 'rankingBucket',
      ':street': streetId,
      ':period': bucket,
      ':c': grid.communityId,
      ':g': grid.gridId,
      ':n': grid.gridName,
    };
    const counters: [string, number][] = [
      ['activations', grid.activations],
      ['alerted', grid.alerted],
      ['confirmed', grid.confirmed],
      ['arrived', grid.arrived],
      ['teams', grid.teams],
      ['teamsMet', grid.teamsMet],
      ...grid.histogram.flatMap((count, minute): [string, number][] =>
        count ? [[histogramName(minute), count]] : [],
      ),
    ];
    const names: Record<string, string> = { '#type': 'type', '#period': 'period' };
    for (const [name, value] of counters) {
      adds.push(`#${name} :${name}`);
      names[`#${name}`] = name;
      values[`:${name}`] = value;
    }
    return {
      Update: {
        TableName: this.table,
        Key: keys.rankingBucket(streetId, bucket, grid.communityId, grid.gridId),
        UpdateExpression: `SET #type = :type, streetId = :street, #period = :period, communityId = :c, gridId = :g, gridName = :n ADD ${adds.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }

  private participationUpdate(
    args: { activationId: string; startedAt: string },
    person: Participation,
  ): TransactItem {
    return {
      Update: {
        TableName: this.table,
        Key: keys.participation(person.communityId, person.memberId),
        UpdateExpression:
          'SET #type = :type, communityId = :c, memberId = :m, lastActivationId = :a, lastCalledAt = :at ADD #called :called, #answered :answered, #came :came',
        ExpressionAttributeNames: {
          '#type': 'type',
          '#called': 'called',
          '#answered': 'answered',
          '#came': 'came',
        },
        ExpressionAttributeValues: {
          ':type': 'participation',
          ':c': person.communityId,
          ':m': person.memberId,
          ':a': args.activationId,
          ':at': args.startedAt,
          ':called': person.called,
          ':answered': person.answered,
          ':came': person.came,
        },
      },
    };
  }

  async readPeriod(streetId: string, period: string): Promise<GridBucket[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.rankingPartition(streetId, period) },
    });
    return items.map(toBucket);
  }

  async getParticipation(communityId: string, memberId: string): Promise<ParticipationRecord | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.participation(communityId, memberId) }),
    );
    if (!Item) return undefined;
    return {
      communityId,
      memberId,
      called: num(Item.called),
      answered: num(Item.answered),
      came: num(Item.came),
      lastActivationId: typeof Item.lastActivationId === 'string' ? Item.lastActivationId : undefined,
      lastCalledAt: typeof Item.lastCalledAt === 'string' ? Item.lastCalledAt : undefined,
    };
  }
}

function toBucket(item: Item): GridBucket {
  return {
    communityId: text(item.communityId),
    gridId: text(item.gridId),
    gridName: text(item.gridName),
    activations: num(item.activations),
    alerted: num(item.alerted),
    confirmed: num(item.confirmed),
    arrived: num(item.arrived),
    teams: num(item.teams),
    teamsMet: num(item.teamsMet),
    histogram: Array.from({ length: HISTOGRAM_CAP_MINUTES + 1 }, (_, m) => num(item[histogramName(m)])),
  };
}
