import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  type GridSummary,
  type GridTally,
  HISTOGRAM_CAP_MINUTES,
  type Participation,
  type UnitSummary,
} from '../domain/ranking';
import { UNIT_KINDS } from '../domain/vocabulary';
import { keys } from '../table';
import { type Item, queryAll, type TransactItem, transactWrite } from './dynamo';

/** A grid's tally in one period, as its bucket item holds it. */
export type GridBucket = GridTally & { communityId: string; gridId: string; gridName: string };

/** A unit's or department's whistle tally in one period. */
export type UnitBucket = UnitSummary;

/** Everything a street's period holds: the grids' tallies and the units'. */
export type PeriodBuckets = { grids: GridBucket[]; units: UnitBucket[] };

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
  /**
   * Folds one closed whistle into its street's week, month and year buckets: one raised to its
   * grid, and its units' answers. Safe to repeat, like `record`.
   */
  recordWhistle(args: {
    whistleId: string;
    streetId: string;
    buckets: readonly string[];
    grid: GridSummary;
    units: readonly UnitSummary[];
  }): Promise<{ slices: number; written: number }>;
  /** Every grid and unit bucket of a street's period (`week#2026-W49`), in one partition. */
  readPeriod(streetId: string, period: string): Promise<PeriodBuckets>;
  getParticipation(communityId: string, memberId: string): Promise<ParticipationRecord | undefined>;
}

/** A transaction holds 100 writes: 99 for the slice and one for its marker. */
const SLICE = 99;
const histogramName = (minute: number) => `h${String(minute).padStart(2, '0')}`;
const answerHistogramName = (minute: number) => `w${String(minute).padStart(2, '0')}`;
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
    return this.writeSlices(writes, (part) => keys.rankedMarker(args.activationId, part), args.startedAt);
  }

  async recordWhistle(args: {
    whistleId: string;
    streetId: string;
    buckets: readonly string[];
    grid: GridSummary;
    units: readonly UnitSummary[];
  }): Promise<{ slices: number; written: number }> {
    const writes: TransactItem[] = [];
    for (const bucket of args.buckets) {
      writes.push(this.bucketUpdate(args.streetId, bucket, args.grid));
      for (const unit of args.units) writes.push(this.unitUpdate(args.streetId, bucket, unit));
    }
    return this.writeSlices(writes, (part) => keys.rankedWhistleMarker(args.whistleId, part));
  }

  /**
   * Writes in transactions of 99 with a marker each; a slice whose marker is there was folded in
   * before and is skipped.
   */
  private async writeSlices(
    writes: readonly TransactItem[],
    marker: (part: number) => { pk: string; sk: string },
    at?: string,
  ): Promise<{ slices: number; written: number }> {
    let written = 0;
    const slices = Math.ceil(writes.length / SLICE);
    for (let part = 0; part < slices; part++) {
      const slice = writes.slice(part * SLICE, (part + 1) * SLICE);
      const key = marker(part);
      const result = await transactWrite(this.doc, [
        {
          Put: {
            TableName: this.table,
            Item: { ...key, type: 'rankedMarker', ...(at ? { at } : {}) },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...slice,
      ]);
      if (result.ok) written += slice.length;
      // Only the marker carries a condition: a failure means this slice was folded in before.
      else if (!result.failed.every((f) => f.index === 0 && f.code === 'ConditionalCheckFailed'))
        throw new Error(`ranking slice ${key.pk} ${part} refused: ${result.failed[0]?.code}`);
    }
    return { slices, written };
  }

  private unitUpdate(streetId: string, bucket: string, unit: UnitSummary): TransactItem {
    const counters: [string, number][] = [
      ['whistlesCalled', unit.whistlesCalled],
      ['whistlesAnswered', unit.whistlesAnswered],
      ['whistlesFilledInTime', unit.whistlesFilledInTime],
      ...unit.answerHistogram.flatMap((count, minute): [string, number][] =>
        count ? [[answerHistogramName(minute), count]] : [],
      ),
    ];
    const names: Record<string, string> = { '#type': 'type', '#period': 'period', '#kind': 'kind' };
    const values: Record<string, unknown> = {
      ':type': 'rankingUnitBucket',
      ':street': streetId,
      ':period': bucket,
      ':u': unit.unitId,
      ':n': unit.unitName,
      ':k': unit.kind ?? 'unit',
    };
    for (const [name, value] of counters) {
      names[`#${name}`] = name;
      values[`:${name}`] = value;
    }
    return {
      Update: {
        TableName: this.table,
        Key: keys.rankingUnitBucket(streetId, bucket, unit.unitId),
        UpdateExpression: `SET #type = :type, streetId = :street, #period = :period, unitId = :u, unitName = :n, #kind = :k ADD ${counters.map(([n]) => `#${n} :${n}`).join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
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
      ['whistlesRaised', grid.whistlesRaised],
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

  async readPeriod(streetId: string, period: string): Promise<PeriodBuckets> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.rankingPartition(streetId, period) },
    });
    const sk = (i: Item) => text(i.sk);
    return {
      grids: items.filter((i) => sk(i).startsWith(keys.rankingGridPrefix)).map(toBucket),
      units: items.filter((i) => sk(i).startsWith(keys.rankingUnitPrefix)).map(toUnitBucket),
    };
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
    whistlesRaised: num(item.whistlesRaised),
  };
}

function toUnitBucket(item: Item): UnitBucket {
  const kind = UNIT_KINDS.find((k) => k === item.kind);
  return {
    unitId: text(item.unitId),
    unitName: text(item.unitName),
    kind: kind ?? null,
    whistlesCalled: num(item.whistlesCalled),
    whistlesAnswered: num(item.whistlesAnswered),
    whistlesFilledInTime: num(item.whistlesFilledInTime),
    answerHistogram: Array.from({ length: HISTOGRAM_CAP_MINUTES + 1 }, (_, m) =>
      num(item[answerHistogramName(m)]),
    ),
  };
}
