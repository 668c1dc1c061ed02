import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INCIDENT_KINDS, LEVELS } from '../../../../shared/domain/incident';
import { GRID_LEVELS, ROLES, type Role, SKILLS, type Skill } from '../../../../shared/domain/roster';
import {
  type Candidate,
  type Formation,
  type FormationGrid,
  type FormationInput,
  formTeams,
  MAX_TEAM_SIZE,
  NEEDED_SKILLS,
  QUOTAS,
  type Reserve,
  rankReserves,
  reservePool,
} from '../../../../shared/domain/team-formation';

const HOME = 'c1';
const OTHER = 'c2';

// ---------------------------------------------------------------------------------------------
// Generators: a community's grids (grades, neighbours), unit pairings ("1+1" and "N+1"), and a
// roster of candidates from this community and from units it shares with another community.
// ---------------------------------------------------------------------------------------------

type RawCandidate = {
  id: number;
  home: 'own' | 'other';
  gridId: string | null;
  unitId: string | null;
  roles: Role[];
  partyMember: boolean;
  skills: Skill[];
  available: boolean;
  smsOptOut: boolean;
  engaged: boolean;
};

const memberId = (n: number) => `m${String(n).padStart(3, '0')}`;

/** Mostly eligible people, with a fair share of the unavailable, the opted-out and the engaged. */
const rawCandidate = (gridIds: readonly string[], unitIds: readonly string[]): fc.Arbitrary<RawCandidate> =>
  fc.record({
    id: fc.integer({ min: 0, max: 999 }),
    home: fc.constantFrom<'own' | 'other'>('own', 'own', 'own', 'other'),
    // 'x1' is a grid of no grid here; a grid id of ours on a member of the other community is a
    // different grid that happens to have the same name.
    gridId: fc.option(fc.constantFrom(...gridIds, 'x1'), { freq: 4 }),
    unitId: unitIds.length ? fc.option(fc.constantFrom(...unitIds), { freq: 2 }) : fc.constant(null),
    roles: fc.subarray([...ROLES], { minLength: 1, maxLength: 2 }),
    partyMember: fc.boolean(),
    skills: fc.subarray([...SKILLS], { maxLength: 3 }),
    available: fc.integer({ min: 0, max: 9 }).map((n) => n > 1),
    smsOptOut: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    engaged: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  });

type Scenario = { input: FormationInput; unitIds: string[] };

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    gridCount: fc.integer({ min: 1, max: 5 }),
    unitCount: fc.integer({ min: 0, max: 4 }),
    people: fc.integer({ min: 0, max: 60 }),
  })
  .chain(({ gridCount, unitCount, people }) => {
    const gridIds = Array.from({ length: gridCount }, (_, i) => `g${i}`);
    const unitIds = Array.from({ length: unitCount }, (_, i) => `u${i}`);
    const grid = (gridId: string): fc.Arbitrary<FormationGrid> =>
      fc.record({
        gridId: fc.constant(gridId),
        level: fc.constantFrom(...GRID_LEVELS),
        neighbours: fc.shuffledSubarray(
          gridIds.filter((g) => g !== gridId),
          { maxLength: Math.min(3, gridIds.length - 1) },
        ),
      });
    return fc.record({
      kind: fc.constantFrom(...INCIDENT_KINDS),
      level: fc.constantFrom(...LEVELS),
      grids: fc.tuple(...gridIds.map(grid)),
      // Each unit paired with none, one ("1+1") or several ("N+1") of the community's grids.
      pairedWith: fc.tuple(...unitIds.map(() => fc.shuffledSubarray(gridIds))),
      raw: fc.uniqueArray(rawCandidate(gridIds, unitIds), {
        minLength: people,
        maxLength: people,
        selector: (c) => c.id,
      }),
      unitIds: fc.constant(unitIds),
    });
  })
  .map(({ kind, level, grids, pairedWith, raw, unitIds }) => {
    const pairings = unitIds.flatMap((unitId, i) =>
      (pairedWith[i] ?? []).map((gridId) => ({ gridId, unitId })),
    );
    const paired = new Set(pairings.map((p) => p.unitId));
    const candidates: Candidate[] = raw.map((r) => {
      // The other community's people come only through a unit paired with one of our grids.
      const other = r.home === 'other' && r.unitId !== null && paired.has(r.unitId);
      const partyMember = r.partyMember || r.roles.includes('servingPartyMember');
      return {
        memberId: memberId(r.id),
        communityId: other ? OTHER : HOME,
        name: `name-${r.id}`,
        gridId: r.gridId ?? undefined,
        unitId: r.unitId ?? undefined,
        roles: r.roles,
        partyMember,
        skills: r.skills,
        available: r.available,
        smsOptOut: r.smsOptOut,
      };
    });
    const engaged = new Set(raw.filter((r) => r.engaged).map((r) => memberId(r.id)));
    return { input: { communityId: HOME, kind, level, grids, pairings, candidates, engaged }, unitIds };
  });

/** A permutation of a list, for "the order of the input does not matter". */
const shuffled = <T>(list: readonly T[]) =>
  fc.shuffledSubarray([...list], { minLength: list.length, maxLength: list.length });

// ---------------------------------------------------------------------------------------------
// An independent reading of docs/team-formation.md, to check the output against.
// ---------------------------------------------------------------------------------------------

type Why = 'unavailable' | 'optedOut' | 'engaged' | 'eligible';

function why(c: Candidate, input: FormationInput): Why {
  if (!c.available) return 'unavailable';
  if (c.smsOptOut) return 'optedOut';
  if (input.engaged.has(c.memberId)) return 'engaged';
  return 'eligible';
}

/** The grids a unit is paired with, in this community. */
function gridsOfUnit(input: FormationInput, unitId: string | undefined): string[] {
  return unitId ? input.pairings.filter((p) => p.unitId === unitId).map((p) => p.gridId) : [];
}

/** Where the rules put an eligible person: a grid's own pool, a share of a unit, or nowhere. */
function placeOf(c: Candidate, input: FormationInput): 'own' | 'unit' | 'unassigned' {
  const gridIds = new Set(input.grids.map((g) => g.gridId));
  if (c.communityId === input.communityId && c.gridId && gridIds.has(c.gridId)) return 'own';
  if (c.partyMember && gridsOfUnit(input, c.unitId).length > 0) return 'unit';
  return 'unassigned';
}

type Placed = { team?: string; reserve?: Reserve };

/** Where the formation put each person: on a team, in the reserves, or both (which is a bug). */
function placements(formation: Formation): Map<string, Placed[]> {
  const out = new Map<string, Placed[]>();
  const add = (id: string, p: Placed) => out.set(id, [...(out.get(id) ?? []), p]);
  for (const t of formation.teams) for (const id of t.memberIds) add(id, { team: t.gridId });
  for (const r of formation.reserves) add(r.memberId, { reserve: r });
  return out;
}

/** The grid pool a placed person belongs to: their team's grid, or the grid their reserve entry names. */
const poolGridOf = (p: Placed): string | undefined => p.team ?? p.reserve?.gridId;

/** Each grid's pool as the formation reports it: its team plus the reserves that name the grid. */
function poolsOf(formation: Formation): Map<string, string[]> {
  const pools = new Map<string, string[]>();
  for (const t of formation.teams) pools.set(t.gridId, [...t.memberIds]);
  for (const r of formation.reserves)
    if (r.gridId !== undefined) pools.set(r.gridId, [...(pools.get(r.gridId) ?? []), r.memberId]);
  return pools;
}

const byIdOf = (input: FormationInput) => new Map(input.candidates.map((c) => [c.memberId, c]));

/** The list ranking the rules give a reserve for `gridId`, or undefined when it is not this team's. */
function tierOf(r: Reserve, gridId: string, input: Pick<FormationInput, 'grids' | 'pairings'>) {
  const neighbours = input.grids.find((g) => g.gridId === gridId)?.neighbours ?? [];
  const units = new Set(input.pairings.filter((p) => p.gridId === gridId).map((p) => p.unitId));
  if (r.source === 'grid' && r.gridId === gridId) return 0;
  if (r.source === 'grid' && r.gridId !== undefined && neighbours.includes(r.gridId))
    return 1 + neighbours.indexOf(r.gridId);
  if (r.unitId !== undefined && units.has(r.unitId)) return 100;
  if (r.source === 'community') return 200;
  return undefined;
}

// ---------------------------------------------------------------------------------------------

describe('formTeams: properties over generated communities', () => {
  it('puts every eligible person in exactly one place, and nobody who may not be called', () => {
    fc.assert(
      fc.property(scenario, ({ input }) => {
        const formation = formTeams(input);

        const placed = placements(formation);
        for (const c of input.candidates) {
          const where = placed.get(c.memberId) ?? [];
          if (why(c, input) === 'eligible') expect(where, c.memberId).toHaveLength(1);
          else expect(where, `${c.memberId} is ${why(c, input)}`).toEqual([]);
        }
        expect(placed.size).toBe(input.candidates.filter((c) => why(c, input) === 'eligible').length);
      }),
    );
  });

  it('counts the skipped by the first reason that applies', () => {
    fc.assert(
      fc.property(scenario, ({ input }) => {
        const formation = formTeams(input);

        const count = (w: Why) => input.candidates.filter((c) => why(c, input) === w).length;
        expect(formation.skipped).toEqual({
          unavailable: count('unavailable'),
          optedOut: count('optedOut'),
          engaged: count('engaged'),
        });
        expect(formation.drafted).toBe(formation.teams.reduce((n, t) => n + t.memberIds.length, 0));
      }),
    );
  });

  it("sorts people into pools: a grid's own people, unit party members of a paired grid, the rest unassigned", () => {
    fc.assert(
      fc.property(scenario, ({ input }) => {
        const formation = formTeams(input);

        const placed = placements(formation);
        for (const c of input.candidates) {
          const [where] = placed.get(c.memberId) ?? [];
          if (!where) continue;
          const place = placeOf(c, input);
          if (place === 'own') {
            expect(poolGridOf(where), c.memberId).toBe(c.gridId);
            if (where.reserve) expect(where.reserve.source).toBe('grid');
          } else if (place === 'unit') {
            expect(gridsOfUnit(input, c.unitId), c.memberId).toContain(poolGridOf(where));
            if (where.reserve) expect(where.reserve.source).toBe('unit');
          } else {
            expect(where.team, `${c.memberId} is in no pool but was drafted`).toBeUndefined();
            expect(where.reserve?.gridId).toBeUndefined();
            const unitPaired = gridsOfUnit(input, c.unitId).length > 0;
            expect(where.reserve?.source).toBe(unitPaired ? 'unit' : 'community');
          }
        }
      }),
    );
  });

  it('forms one team per grid, each its quota or its whole pool if smaller; level I takes the whole pool', () => {
    fc.assert(
      fc.property(scenario, ({ input }) => {
        const formation = formTeams(input);

        expect(formation.teams.map((t) => t.gridId)).toEqual(input.grids.map((g) => g.gridId));
        const pools = poolsOf(formation);
        for (const grid of input.grids) {
          const team = formation.teams.find((t) => t.gridId === grid.gridId);
          const pool = pools.get(grid.gridId) ?? [];
          const quota =
            input.level === 'I' ? Math.min(pool.length, MAX_TEAM_SIZE) : QUOTAS[input.level][grid.level];
          expect(team?.pool).toBe(pool.length);
          expect(team?.quota).toBe(quota);
          expect(team?.memberIds).toHaveLength(Math.min(quota, pool.length));
          expect(team?.teamId).toBe(grid.gridId);
        }
      }),
    );
  });

  it('makes a party member leader wherever the pool has one, and the grid leader when they are one', () => {
    fc.assert(
      fc.property(scenario, ({ input }) => {
        const formation = formTeams(input);

        const byId = byIdOf(input);
        const pools = poolsOf(formation);
        for (const team of formation.teams) {
          const pool = (pools.get(team.gridId) ?? []).flatMap((id) => byId.get(id) ?? []);
          if (team.memberIds.length === 0) {
            expect(team.leaderId).toBeUndefined();
            continue;
          }
          expect(team.leaderId).toBe(team.memberIds[0]);
          const leader = byId.get(team.leaderId ?? '');
          if (pool.some((c) => c.partyMember)) expect(leader?.partyMember, team.gridId).toBe(true);
          const partyGridLeaders = pool.filter(
            (c) => c.partyMember && c.roles.includes('gridLeader') && placeOf(c, input) === 'own',
          );
          if (partyGridLeaders.length) expect(partyGridLeaders).toContain(leader);
        }
      }),
    );
  });

  it("covers each skill the incident needs whenever the team's pool has it", () => {
    fc.assert(
      fc.property(scenario, ({ input }) => {
        const formation = formTeams(input);

        const byId = byIdOf(input);
        const pools = poolsOf(formation);
        const needed = NEEDED_SKILLS[input.kind];
        for (const team of formation.teams) {
          const has = (ids: readonly string[], skill: Skill) =>
            ids.some((id) => byId.get(id)?.skills.includes(skill));
          for (const skill of needed) {
            const inPool = has(pools.get(team.gridId) ?? [], skill);
            // Every quota in the table leaves room for a leader and each needed skill.
            expect(has(team.memberIds, skill), `${team.gridId} ${skill}`).toBe(inPool);
            expect(team.missingSkills.includes(skill)).toBe(!inPool);
          }
        }
      }),
    );
  });

  it('spreads a unit paired with several grids evenly across them', () => {
    fc.assert(
      fc.property(scenario, ({ input, unitIds }) => {
        const formation = formTeams(input);

        const byId = byIdOf(input);
        const placed = placements(formation);
        for (const unitId of unitIds) {
          const grids = gridsOfUnit(input, unitId);
          if (grids.length < 2) continue;
          const perGrid = new Map(grids.map((g) => [g, 0]));
          for (const [id, [where]] of placed) {
            const c = byId.get(id);
            if (!c || !where || c.unitId !== unitId || placeOf(c, input) !== 'unit') continue;
            const grid = poolGridOf(where) ?? '';
            perGrid.set(grid, (perGrid.get(grid) ?? 0) + 1);
          }
          const counts = [...perGrid.values()];
          expect(Math.max(...counts) - Math.min(...counts), `${unitId} over ${grids}`).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it('gives the same teams and reserves whatever order the roster and pairings come in', () => {
    const withShuffles = scenario.chain(({ input }) =>
      fc.record({
        input: fc.constant(input),
        candidates: shuffled(input.candidates),
        pairings: shuffled(input.pairings),
        engaged: shuffled([...input.engaged]),
      }),
    );
    fc.assert(
      fc.property(withShuffles, ({ input, candidates, pairings, engaged }) => {
        const first = formTeams(input);
        const again = formTeams({ ...input, candidates, pairings, engaged: new Set(engaged) });

        expect(again).toEqual(first);
      }),
    );
  });

  it('reservePool lists everyone eligible once, as formTeams drafts or reserves them', () => {
    fc.assert(
      fc.property(scenario, ({ input }) => {
        const pool = reservePool(input);

        const formation = formTeams(input);
        const ids = pool.map((r) => r.memberId);
        expect(new Set(ids).size).toBe(ids.length);
        expect(new Set(ids)).toEqual(new Set(placements(formation).keys()));
      }),
    );
  });
});

describe('rankReserves: properties', () => {
  /** Any list of reserves of the community, in any order, and some of them already drafted. */
  const withReserves = scenario.chain((s) => {
    const gridIds = s.input.grids.map((g) => g.gridId);
    const unit = s.unitIds.length
      ? fc.option(fc.constantFrom(...s.unitIds), { nil: undefined })
      : fc.constant(undefined);
    const reserve: fc.Arbitrary<Omit<Reserve, 'memberId'>> = fc.oneof(
      fc.record({ source: fc.constant('grid' as const), gridId: fc.constantFrom(...gridIds), unitId: unit }),
      fc.record({
        source: fc.constant('unit' as const),
        gridId: fc.option(fc.constantFrom(...gridIds), { nil: undefined }),
        unitId: unit,
      }),
      fc.record({ source: fc.constant('community' as const) }),
    );
    return fc
      .array(reserve, { maxLength: 40 })
      .map((list) => list.map((r, i): Reserve => ({ ...r, memberId: memberId(i) })))
      .chain((reserves) =>
        fc.record({
          input: fc.constant(s.input),
          reserves: fc.constant(reserves),
          exclude: fc.subarray(reserves.map((r) => r.memberId)),
        }),
      );
  });

  it('ranks own grid, then neighbours in listed order, then paired units, then the community, leaving out the excluded', () => {
    fc.assert(
      fc.property(withReserves, ({ input, reserves, exclude }) => {
        for (const grid of input.grids) {
          const ranked = rankReserves(grid.gridId, input, reserves, new Set(exclude));

          const expected = reserves
            .map((r, order) => ({ r, order, tier: tierOf(r, grid.gridId, input) }))
            .filter((x) => x.tier !== undefined && !exclude.includes(x.r.memberId))
            .sort((a, b) => (a.tier ?? 0) - (b.tier ?? 0) || a.order - b.order)
            .map((x) => x.r);
          expect(ranked).toEqual(expected);
        }
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The rules of docs/team-formation.md, one example each.
// ---------------------------------------------------------------------------------------------

function person(id: string, overrides: Partial<Candidate> = {}): Candidate {
  return {
    memberId: id,
    communityId: HOME,
    name: id,
    gridId: 'g1',
    roles: ['volunteer'],
    partyMember: false,
    skills: [],
    available: true,
    smsOptOut: false,
    ...overrides,
  };
}

function community(overrides: Partial<FormationInput> = {}): FormationInput {
  return {
    communityId: HOME,
    kind: 'other',
    level: 'IV',
    grids: [{ gridId: 'g1', level: 'green', neighbours: [] }],
    pairings: [],
    candidates: [],
    engaged: new Set(),
    ...overrides,
  };
}

const ids = (n: number, prefix = 'p') =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);

describe('formTeams: the rules, by example', () => {
  it('sizes a team by grade and level: a red grid at level III takes 10 of 15', () => {
    const input = community({
      level: 'III',
      grids: [{ gridId: 'g1', level: 'red', neighbours: [] }],
      candidates: ids(15).map((id) => person(id)),
    });

    const { teams, reserves, drafted } = formTeams(input);

    expect(teams[0]?.quota).toBe(10);
    expect(teams[0]?.memberIds).toHaveLength(10);
    expect(drafted).toBe(10);
    expect(reserves).toHaveLength(5);
  });

  it('takes all hands at level I, at most MAX_TEAM_SIZE to a team', () => {
    const input = community({ level: 'I', candidates: ids(MAX_TEAM_SIZE + 3).map((id) => person(id)) });

    const { teams, reserves } = formTeams(input);

    expect(teams[0]?.memberIds).toHaveLength(MAX_TEAM_SIZE);
    expect(reserves).toHaveLength(3);
  });

  it('ranks party members first, then by role, then own grid before unit people, then by member id', () => {
    const input = community({
      level: 'II',
      grids: [{ gridId: 'g1', level: 'red', neighbours: [] }],
      pairings: [{ gridId: 'g1', unitId: 'u1' }],
      candidates: [
        person('a-volunteer'),
        person('b-aux-party', { roles: ['auxiliary'], partyMember: true }),
        person('c-unit-serving', {
          communityId: OTHER,
          gridId: undefined,
          unitId: 'u1',
          roles: ['servingPartyMember'],
          partyMember: true,
        }),
        person('d-serving', { roles: ['servingPartyMember'], partyMember: true }),
        person('e-fulltime', { roles: ['fullTimeGridWorker'] }),
        person('f-leader', { roles: ['gridLeader'], partyMember: true }),
        person('g-parttime-party', { roles: ['partTimeGridWorker'], partyMember: true }),
      ],
    });

    const { teams } = formTeams(input);

    expect(teams[0]?.memberIds).toEqual([
      'f-leader',
      'g-parttime-party',
      'd-serving',
      'c-unit-serving',
      'b-aux-party',
      'e-fulltime',
      'a-volunteer',
    ]);
  });

  it('lets the grid leader lead when available and a party member', () => {
    const input = community({
      candidates: [
        person('a-serving', { roles: ['servingPartyMember'], partyMember: true }),
        person('z-leader', { roles: ['gridLeader'], partyMember: true }),
      ],
    });

    expect(formTeams(input).teams[0]?.leaderId).toBe('z-leader');
  });

  it('gives the lead to the best-ranked party member when the grid leader is not a party member', () => {
    const input = community({
      candidates: [
        person('a-leader', { roles: ['gridLeader'] }),
        person('b-volunteer-party', { partyMember: true }),
        person('c-serving', { roles: ['servingPartyMember'], partyMember: true }),
      ],
    });

    const { teams } = formTeams(input);

    expect(teams[0]?.leaderId).toBe('c-serving');
    expect(teams[0]?.memberIds[0]).toBe('c-serving');
  });

  it('falls back to the grid leader, then the best-ranked person, when the pool has no party member', () => {
    const withLeader = community({
      candidates: [
        person('a-fulltime', { roles: ['fullTimeGridWorker'] }),
        person('b-leader', { roles: ['gridLeader'] }),
      ],
    });
    const withoutLeader = community({
      candidates: [person('a-volunteer'), person('b-fulltime', { roles: ['fullTimeGridWorker'] })],
    });

    expect(formTeams(withLeader).teams[0]?.leaderId).toBe('b-leader');
    expect(formTeams(withoutLeader).teams[0]?.leaderId).toBe('b-fulltime');
  });

  it('skips an unavailable grid leader: another party member leads', () => {
    const input = community({
      candidates: [
        person('a-leader', { roles: ['gridLeader'], partyMember: true, available: false }),
        person('b-party', { partyMember: true }),
      ],
    });

    const { teams, skipped } = formTeams(input);

    expect(teams[0]?.leaderId).toBe('b-party');
    expect(skipped.unavailable).toBe(1);
  });

  it('takes the best-ranked person with each skill the incident needs, and reports a skill nobody has', () => {
    // Level IV green: three places. A flood needs rescue and driving.
    const input = community({
      kind: 'flood',
      candidates: [
        person('a-leader', { roles: ['gridLeader'], partyMember: true }),
        person('b-fulltime', { roles: ['fullTimeGridWorker'], partyMember: true }),
        person('c-parttime', { roles: ['partTimeGridWorker'], partyMember: true }),
        person('y-rescuer', { skills: ['rescue'] }),
        person('z-rescuer', { skills: ['rescue'] }),
      ],
    });

    const { teams } = formTeams(input);

    expect(teams[0]?.memberIds).toEqual(['a-leader', 'y-rescuer', 'b-fulltime']);
    expect(teams[0]?.missingSkills).toEqual(['driving']);
  });

  it('spreads a unit paired with several grids round-robin in member-id order', () => {
    const input = community({
      level: 'II',
      grids: [
        { gridId: 'g1', level: 'red', neighbours: [] },
        { gridId: 'g2', level: 'red', neighbours: [] },
      ],
      pairings: [
        { gridId: 'g2', unitId: 'u1' },
        { gridId: 'g1', unitId: 'u1' },
      ],
      candidates: ['u-4', 'u-2', 'u-3', 'u-1', 'u-5'].map((id) =>
        person(id, {
          communityId: OTHER,
          gridId: undefined,
          unitId: 'u1',
          roles: ['servingPartyMember'],
          partyMember: true,
        }),
      ),
    });

    const { teams } = formTeams(input);

    expect(teams.map((t) => [...t.memberIds].sort())).toEqual([
      ['u-1', 'u-3', 'u-5'],
      ['u-2', 'u-4'],
    ]);
  });

  it("keeps a unit member who lives in one of the community's grids in that grid's pool", () => {
    const input = community({
      grids: [
        { gridId: 'g1', level: 'green', neighbours: [] },
        { gridId: 'g2', level: 'green', neighbours: [] },
      ],
      pairings: [{ gridId: 'g2', unitId: 'u1' }],
      candidates: [person('lives-in-g1', { unitId: 'u1', roles: ['servingPartyMember'], partyMember: true })],
    });

    const { teams } = formTeams(input);

    expect(teams.map((t) => t.memberIds)).toEqual([['lives-in-g1'], []]);
  });

  it("does not take another community's member into our grid of the same name", () => {
    const input = community({
      candidates: [person('theirs', { communityId: OTHER, gridId: 'g1' })],
    });

    const { teams, reserves } = formTeams(input);

    expect(teams[0]?.memberIds).toEqual([]);
    expect(reserves).toEqual([
      { memberId: 'theirs', gridId: undefined, unitId: undefined, source: 'community' },
    ]);
  });

  it('keeps unit people who are not party members, and community people in no grid, as reserves only', () => {
    const input = community({
      pairings: [{ gridId: 'g1', unitId: 'u1' }],
      candidates: [
        person('no-grid', { gridId: undefined }),
        person('unit-non-party', { communityId: OTHER, gridId: undefined, unitId: 'u1' }),
      ],
    });

    const { teams, reserves } = formTeams(input);

    expect(teams[0]?.memberIds).toEqual([]);
    expect(reserves.map((r) => [r.memberId, r.source])).toEqual([
      ['unit-non-party', 'unit'],
      ['no-grid', 'community'],
    ]);
  });

  it('never calls the unavailable, the opted-out or people engaged elsewhere, and counts them', () => {
    const input = community({
      level: 'I',
      candidates: [
        person('away', { available: false }),
        person('opted-out', { smsOptOut: true }),
        person('busy'),
        person('here'),
      ],
      engaged: new Set(['busy']),
    });

    const formation = formTeams(input);

    expect(formation.teams[0]?.memberIds).toEqual(['here']);
    expect(formation.reserves).toEqual([]);
    expect(formation.skipped).toEqual({ unavailable: 1, optedOut: 1, engaged: 1 });
  });
});

describe('formTeams: people away until a date', () => {
  const away = (until: string) => person('away', { unavailableUntil: until });
  const drafted = (today: string | undefined, until: string) =>
    formTeams(community({ level: 'I', candidates: [away(until), person('here')], today }));

  it('does not draft someone away until a later day, nor on the day itself, and counts them unavailable', () => {
    for (const today of ['2026-12-01', '2026-12-10']) {
      const formation = drafted(today, '2026-12-10');
      expect(formation.teams[0]?.memberIds).toEqual(['here']);
      expect(formation.reserves).toEqual([]);
      expect(formation.skipped.unavailable).toBe(1);
    }
  });

  it('drafts them again from the day after the until-date', () => {
    const formation = drafted('2026-12-11', '2026-12-10');

    expect(formation.teams[0]?.memberIds.sort()).toEqual(['away', 'here']);
    expect(formation.skipped.unavailable).toBe(0);
  });

  it('keeps them out when formation is not told the day', () => {
    expect(drafted(undefined, '2000-01-01').teams[0]?.memberIds).toEqual(['here']);
  });

  it('leaves them out of the reserve pool while away', () => {
    const input = community({ candidates: [away('2026-12-10'), person('here')], today: '2026-12-09' });

    expect(reservePool(input).map((r) => r.memberId)).toEqual(['here']);
  });
});

describe('rankReserves: by example', () => {
  it('orders own grid, neighbours in the order listed, paired units, then the community, and skips the excluded', () => {
    const structure = {
      grids: [
        { gridId: 'g1', level: 'green' as const, neighbours: ['g3', 'g2'] },
        { gridId: 'g2', level: 'green' as const, neighbours: [] },
        { gridId: 'g3', level: 'green' as const, neighbours: [] },
        { gridId: 'g4', level: 'green' as const, neighbours: [] },
      ],
      pairings: [
        { gridId: 'g1', unitId: 'u1' },
        { gridId: 'g4', unitId: 'u2' },
      ],
    };
    const reserves: Reserve[] = [
      { memberId: 'community', source: 'community' },
      { memberId: 'u2-person', source: 'unit', unitId: 'u2', gridId: 'g4' },
      { memberId: 'u1-person', source: 'unit', unitId: 'u1', gridId: 'g1' },
      { memberId: 'g4-person', source: 'grid', gridId: 'g4' },
      { memberId: 'g2-person', source: 'grid', gridId: 'g2' },
      { memberId: 'g3-person', source: 'grid', gridId: 'g3' },
      { memberId: 'g1-excluded', source: 'grid', gridId: 'g1' },
      { memberId: 'g1-person', source: 'grid', gridId: 'g1' },
    ];

    const ranked = rankReserves('g1', structure, reserves, new Set(['g1-excluded']));

    expect(ranked.map((r) => r.memberId)).toEqual([
      'g1-person',
      'g3-person',
      'g2-person',
      'u1-person',
      'community',
    ]);
  });
});
