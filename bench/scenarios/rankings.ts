/**
 * Rankings at the size of Lianhu district: one street of 131 communities in 364 grids, every
 * community drilled once a week for a year. The year's aggregates are written through the ranking
 * adapter, exactly as each stand-down writes them (one transaction per drill, with its marker),
 * without running the drills themselves; then the week, month and year rankings are read through
 * the use case the API calls, counting every DynamoDB request each read makes.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../shared/adapters/table-admin';
import type { Principal } from '../../shared/domain/access';
import {
  bucketsOf,
  cstDay,
  emptyTally,
  type GridSummary,
  HISTOGRAM_CAP_MINUTES,
  type Period,
  type UnitSummary,
} from '../../shared/domain/ranking';
import { makeRankingUseCases } from '../../shared/use-cases/rankings';
import { childSettings, progress, writeResult } from '../support/harness';
import { asActor, RequestCounter } from '../support/requests';

export type RankingsArgs = {
  communities: number;
  grids: number;
  weeks: number;
  year: number;
  concurrency: number;
  /** Units and departments of the street that answer whistles. */
  units: number;
};

export type RankingsRead = {
  period: Period;
  at: string;
  grids: number;
  communities: number;
  units: number;
  requests: number;
  /** Every request of the read, by what it did. */
  byOp: Record<string, number>;
  ms: number;
};

export type RankingsResult = {
  communities: number;
  grids: number;
  drills: number;
  gridDrills: number;
  /** Whistles closed in the year, each folded in like the stream consumer does. */
  whistles: number;
  units: number;
  bucketItems: number;
  seed: { ms: number; requests: number };
  reads: RankingsRead[];
};

const STREET = 'lianhu';

/** A deterministic spread of outcomes: each grid, each week, a little different. */
function gridSummary(communityId: string, gridId: string, seed: number): GridSummary {
  const alerted = 8 + (seed % 7);
  const confirmed = Math.max(0, alerted - (seed % 5));
  const arrived = Math.max(0, confirmed - (seed % 3));
  const histogram = Array.from({ length: HISTOGRAM_CAP_MINUTES + 1 }, () => 0);
  for (let i = 0; i < confirmed; i++) {
    const minute = Math.min(HISTOGRAM_CAP_MINUTES, 1 + ((seed + i * 7) % 25));
    histogram[minute] = (histogram[minute] ?? 0) + 1;
  }
  return {
    communityId,
    gridId,
    gridName: `网格 ${gridId}`,
    activations: 1,
    alerted,
    confirmed,
    arrived,
    teams: 1,
    teamsMet: confirmed >= 6 ? 1 : 0,
    histogram,
    whistlesRaised: 0,
  };
}

/** Two units called to a whistle, one or both coming, at a deterministic speed. */
function whistleUnits(units: number, seed: number): UnitSummary[] {
  return [seed % units, (seed * 7 + 3) % units]
    .filter((u, i, all) => all.indexOf(u) === i)
    .map((u, i) => {
      const answered = (seed + i) % 4 !== 0;
      const answerHistogram = Array.from({ length: HISTOGRAM_CAP_MINUTES + 1 }, () => 0);
      if (answered) answerHistogram[1 + ((seed + i * 5) % 20)] = 1;
      return {
        unitId: `u${String(u + 1).padStart(3, '0')}`,
        unitName: `单位 ${u + 1}`,
        kind: u % 5 === 0 ? 'department' : 'unit',
        whistlesCalled: 1,
        whistlesAnswered: answered ? 1 : 0,
        whistlesFilledInTime: answered && seed % 3 !== 0 ? 1 : 0,
        answerHistogram,
      };
    });
}

async function main(): Promise<void> {
  const { endpoint, resultFile, args } = childSettings<RankingsArgs>();
  const label = 'rankings';
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint();
  process.env.TABLE_NAME = 'bench-rankings';
  const admin = new DynamoDBClient({});
  await ensureTable(admin, 'bench-rankings');
  admin.destroy();
  const { tablePorts } = await import('../../shared/wiring');
  const { documentClient } = await import('../../shared/adapters/dynamo');
  const counter = new RequestCounter();
  counter.install(documentClient());
  const ports = tablePorts();

  // The street: communities with two or three grids each, 364 grids in all.
  await ports.structure.putStreet({ streetId: STREET, name: '莲湖区', updatedAt: new Date().toISOString() });
  const communities = Array.from(
    { length: args.communities },
    (_, i) => `c${String(i + 1).padStart(3, '0')}`,
  );
  const gridsOf = new Map<string, string[]>();
  const extra = args.grids - 2 * args.communities;
  for (const [i, communityId] of communities.entries()) {
    const count = i < extra ? 3 : 2;
    gridsOf.set(
      communityId,
      Array.from({ length: count }, (_, g) => `${communityId}-g${g + 1}`),
    );
    await ports.structure.putCommunity({
      communityId,
      name: `社区 ${i + 1}`,
      streetId: STREET,
      updatedAt: new Date().toISOString(),
    });
  }
  progress(label, `street of ${communities.length} communities, ${args.grids} grids`);

  // A year of weekly drills: every community on the Tuesday of each ISO week, 09:00 CST.
  counter.reset();
  const seedStart = performance.now();
  const firstTuesday = new Date(Date.UTC(args.year, 0, 1, 1, 0, 0));
  while (firstTuesday.getUTCDay() !== 2) firstTuesday.setUTCDate(firstTuesday.getUTCDate() + 1);
  const jobs: (() => Promise<unknown>)[] = [];
  const bucketKeys = new Set<string>();
  for (let week = 0; week < args.weeks; week++) {
    const startedAt = new Date(firstTuesday.getTime() + week * 7 * 86_400_000).toISOString();
    for (const key of bucketsOf(startedAt)) bucketKeys.add(key);
    for (const [ci, communityId] of communities.entries()) {
      const grids = (gridsOf.get(communityId) ?? []).map((gridId, gi) =>
        gridSummary(communityId, gridId, week * 31 + ci * 7 + gi * 3),
      );
      jobs.push(() =>
        ports.rankings.record({
          activationId: `w${week}${communityId}`.replace(/[^a-z0-9]/g, ''),
          startedAt,
          streetId: STREET,
          buckets: bucketsOf(startedAt),
          grids,
          people: [],
        }),
      );
      // One whistle a week from each community, closed and folded in as the stream consumer does.
      const grid = grids[week % grids.length];
      if (grid)
        jobs.push(() =>
          ports.rankings.recordWhistle({
            whistleId: `wh${week}${communityId}`.replace(/[^a-z0-9]/g, ''),
            streetId: STREET,
            buckets: bucketsOf(startedAt),
            grid: {
              ...grid,
              ...emptyTally(),
              whistlesRaised: 1,
            },
            units: whistleUnits(args.units, week * 131 + ci),
          }),
        );
    }
  }
  let done = 0;
  await Promise.all(
    Array.from({ length: args.concurrency }, async () => {
      for (let job = jobs.shift(); job; job = jobs.shift()) {
        await job();
        if (++done % 1_000 === 0) progress(label, `${done} drills and whistles folded in`);
      }
    }),
  );
  const seed = { ms: performance.now() - seedStart, requests: counter.total() };
  progress(
    label,
    `${done} drills and whistles folded in, ${seed.requests} requests, ${(seed.ms / 1000).toFixed(1)} s`,
  );

  const rankings = makeRankingUseCases(ports);
  const planner: Principal = { sub: 'bench', groups: ['admin'], communities: '*' };
  const mid = cstDay(new Date(firstTuesday.getTime() + 26 * 7 * 86_400_000).toISOString());
  const reads: RankingsRead[] = [];
  for (const [period, at] of [
    ['week', mid],
    ['month', mid],
    ['year', mid],
    ['week', `${args.year + 1}-06-01`],
  ] as const) {
    const tally = new Map<string, number>();
    counter.reset();
    const start = performance.now();
    const result = await asActor({ actor: 'read', tally }, () => rankings.get(planner, STREET, period, at));
    const ms = performance.now() - start;
    reads.push({
      period,
      at,
      grids: result.grids.length,
      communities: result.communities.length,
      units: result.units.length,
      requests: counter.total('read'),
      byOp: Object.fromEntries(tally),
      ms,
    });
    progress(
      label,
      `${period} at ${at}: ${result.grids.length} grids, ${result.units.length} units, ${counter.total('read')} requests, ${ms.toFixed(0)} ms`,
    );
  }
  writeResult(resultFile, {
    communities: communities.length,
    grids: args.grids,
    drills: args.weeks * communities.length,
    gridDrills: args.weeks * args.grids,
    whistles: args.weeks * communities.length,
    units: args.units,
    bucketItems: (args.grids + args.units) * bucketKeys.size,
    seed,
    reads,
  } satisfies RankingsResult);
}

await main();
