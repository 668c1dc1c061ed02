import {
  type DemoCommunity,
  type DemoGrid,
  type DemoMember,
  type DemoStreet,
  type DemoUnit,
  rosterCsv,
  syntheticStreet,
} from '../../local/demo-data';
import { SEEDER, seedStreet } from '../../local/seed';
import { CSV_MAX_ROWS } from '../../shared/domain/member-csv';
import type { Skill } from '../../shared/domain/roster';
import type { MemberUseCases } from '../../shared/use-cases/members';
import type { StructureUseCases } from '../../shared/use-cases/structure';

/** A community the benchmark switches: its id and how many people are on its roster. */
export type CommunitySpec = { communityId: string; people: number; name?: string };

const gridIndexOf = (gridId: string | undefined): number => {
  const match = /(\d{2})$/.exec(gridId ?? '');
  return match ? Number(match[1]) - 1 : 0;
};

/**
 * A street whose communities hold whole rosters of the sizes asked for: `syntheticStreet` is
 * built once for all the people (so every phone number is unique across the street), then its
 * people are moved into the benchmark's communities, each with 12 grids (the synthetic grid
 * grades, muster points and neighbours) and two partner units paired with its grids ("N+1":
 * unit A with grids 01 and 02, unit B with grids 06 and 07). A person keeps the grid number they
 * had; one in twenty is a serving party member of one of the two units, as in `syntheticStreet`.
 * With `allAvailable` nobody is marked unavailable, so a level I switch drafts the whole roster.
 */
export function benchStreet(
  specs: readonly CommunitySpec[],
  options: { allAvailable?: boolean; seed?: number } = {},
): DemoStreet {
  const total = specs.reduce((n, s) => n + s.people, 0);
  const source = syntheticStreet(total, options.seed ?? 7);
  const template = source.communities[0] as DemoCommunity;
  const communities: DemoCommunity[] = [];
  const units: DemoUnit[] = [];
  const members: DemoMember[] = [];
  let next = 0;
  for (const spec of specs) {
    const gridId = (i: number) => `g${String(i + 1).padStart(2, '0')}`;
    const grids: DemoGrid[] = template.grids.map((g, i) => ({
      ...g,
      gridId: gridId(i),
      neighbours: g.neighbours.map(gridIndexOf).map(gridId),
    }));
    const cid = spec.communityId;
    communities.push({ communityId: cid, name: spec.name ?? `基准社区${cid}`, grids });
    const pair = (...indexes: number[]) => indexes.map((i) => ({ communityId: cid, gridId: gridId(i) }));
    const unitA = { unitId: `${cid}-ua`, name: `${cid}共建单位甲`, pairedGrids: pair(0, 1), skillBias: [] };
    const unitB = { unitId: `${cid}-ub`, name: `${cid}共建单位乙`, pairedGrids: pair(5, 6), skillBias: [] };
    units.push(
      { ...unitA, skillBias: ['medical'] as Skill[] },
      { ...unitB, skillBias: ['rescue'] as Skill[] },
    );
    let serving = 0;
    for (let k = 0; k < spec.people; k++) {
      const m = source.members[next++] as DemoMember;
      const unitId = m.unitId === undefined ? undefined : serving++ % 2 === 0 ? unitA.unitId : unitB.unitId;
      members.push({
        ...m,
        communityId: cid,
        gridId: gridId(gridIndexOf(m.gridId)),
        unitId,
        available: options.allAvailable ? true : m.available,
      });
    }
  }
  return { street: { streetId: 'bench', name: '基准街道' }, communities, units, members };
}

/**
 * Runs a seeding step again when it fails: on a busy machine DynamoDB Local sometimes answers a
 * transaction with "timed out waiting for a lock" (a 500 that real DynamoDB does not give). Every
 * seeding step is an upsert, so running one again finishes what the failed run left half done.
 */
async function again<T>(step: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (attempt >= attempts) throw error;
      console.warn(
        `  seeding step failed (${error instanceof Error ? error.message : String(error)}); again`,
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000 * attempt));
    }
  }
}

/** How many rows go into one CSV import: the import's own limit, halved to keep each call modest. */
const IMPORT_ROWS = Math.min(CSV_MAX_ROWS, 10_000);

/**
 * Loads a bench street through the same use cases as `npm start`'s seeding: `seedStreet` with the
 * first slice of each roster (structure, pairings, first import), then the rest of each roster as
 * further CSV imports (one import takes at most `CSV_MAX_ROWS` rows).
 */
export async function seedBenchStreet(
  data: DemoStreet,
  useCases: { structure: StructureUseCases; members: MemberUseCases },
  progress: (done: number, total: number) => void = () => undefined,
): Promise<{ members: number; rejected: number }> {
  const byCommunity = new Map<string, DemoMember[]>();
  for (const m of data.members) {
    const list = byCommunity.get(m.communityId);
    if (list) list.push(m);
    else byCommunity.set(m.communityId, [m]);
  }
  const first = [...byCommunity.values()].flatMap((list) => list.slice(0, IMPORT_ROWS));
  const report = await again(() => seedStreet({ ...data, members: first }, useCases));
  let members = report.members;
  let rejected = report.rejected;
  progress(members, data.members.length);
  for (const [communityId, list] of byCommunity) {
    for (let i = IMPORT_ROWS; i < list.length; i += IMPORT_ROWS) {
      const csv = rosterCsv(list.slice(i, i + IMPORT_ROWS));
      const result = await again(() => useCases.members.importCsv(SEEDER, communityId, csv));
      members += result.created + result.updated + result.unchanged;
      rejected += result.rejected.length;
      progress(members, data.members.length);
    }
  }
  return { members, rejected };
}
