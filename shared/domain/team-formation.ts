import type { IncidentKind, Level } from './incident';
import { type GridLevel, isAvailableOn, type Role, type Skill } from './roster';

/** A person who might be drafted: a roster entry reduced to what formation reads. */
export type Candidate = {
  memberId: string;
  communityId: string;
  name: string;
  gridId?: string | undefined;
  unitId?: string | undefined;
  roles: readonly Role[];
  partyMember: boolean;
  skills: readonly Skill[];
  available: boolean;
  /** Away up to and including this day (YYYY-MM-DD, China time). */
  unavailableUntil?: string | undefined;
  smsOptOut: boolean;
};

export type FormationGrid = { gridId: string; level: GridLevel; neighbours: readonly string[] };

export type FormationInput = {
  /** The community that switched: its grids get teams, its members without a unit are its own. */
  communityId: string;
  kind: IncidentKind;
  level: Level;
  grids: readonly FormationGrid[];
  /** Which partner units are paired with which of the community's grids. */
  pairings: readonly { gridId: string; unitId: string }[];
  /** The community's members and the members of the units paired with its grids. */
  candidates: readonly Candidate[];
  /** People already in another open activation. */
  engaged: ReadonlySet<string>;
  /**
   * The day formation runs on (YYYY-MM-DD, China time), for until-dates. Left out, anyone with
   * an until-date counts as unavailable: nobody away is ever called by mistake.
   */
  today?: string | undefined;
};

export type Source = 'grid' | 'unit' | 'community';

export type FormedTeam = {
  teamId: string;
  gridId: string;
  quota: number;
  /** Undefined only when the team is empty. */
  leaderId?: string | undefined;
  /** Leader first, then in the order they were chosen. */
  memberIds: string[];
  /** How big the team's own pool was (grid people plus its share of unit party members). */
  pool: number;
  /** Skills the incident needs that nobody in the team has. */
  missingSkills: Skill[];
};

export type Reserve = {
  memberId: string;
  gridId?: string | undefined;
  unitId?: string | undefined;
  source: Source;
};

export type Formation = {
  teams: FormedTeam[];
  /** Everyone eligible who was not drafted, in rank order. */
  reserves: Reserve[];
  drafted: number;
  skipped: { unavailable: number; optedOut: number; engaged: number };
};

/**
 * Team size by the grid's grade and the emergency's level. Level I is all hands: the whole
 * eligible pool. Red grids need the most, green the fewest.
 */
export const QUOTAS: Record<Exclude<Level, 'I'>, Record<GridLevel, number>> = {
  II: { red: 16, yellow: 12, green: 8 },
  III: { red: 10, yellow: 7, green: 5 },
  IV: { red: 6, yellow: 4, green: 3 },
};

/** The most one team takes, even at level I, so one team's plan always fits in storage. */
export const MAX_TEAM_SIZE = 5_000;

/** Skills each kind of incident needs in every team, most important first. */
export const NEEDED_SKILLS: Record<IncidentKind, Skill[]> = {
  flood: ['rescue', 'driving'],
  earthquake: ['firstAid', 'rescue'],
  fire: ['firstAid', 'rescue'],
  publicHealth: ['medical'],
  snowstorm: ['driving', 'logistics'],
  other: ['firstAid'],
};

const ROLE_ORDER: Record<Role, number> = {
  gridLeader: 0,
  fullTimeGridWorker: 1,
  partTimeGridWorker: 2,
  servingPartyMember: 3,
  auxiliary: 4,
  volunteer: 5,
};

export function quotaFor(level: Level, grade: GridLevel, pool: number): number {
  if (level === 'I') return Math.min(pool, MAX_TEAM_SIZE);
  return Math.min(QUOTAS[level][grade], MAX_TEAM_SIZE);
}

function bestRole(c: Candidate): number {
  let best = 9;
  for (const r of c.roles) best = Math.min(best, ROLE_ORDER[r]);
  return best;
}

/**
 * Rank within a pool: party members first (a vanguard team is a party-member team), then by
 * role (grid leader, full-time, part-time, serving party member, auxiliary, volunteer), then own
 * grid before unit, then member id so the order is total and the result deterministic.
 */
export function compareCandidates(a: Ranked, b: Ranked): number {
  return (
    a.key - b.key ||
    (a.candidate.memberId < b.candidate.memberId ? -1 : a.candidate.memberId > b.candidate.memberId ? 1 : 0)
  );
}

/** A candidate in a pool, with its rank folded into one number so sorting 100,000 stays cheap. */
type Ranked = { candidate: Candidate; key: number; source: Source; gridId?: string | undefined };

const sourceOrder = (s: Source) => (s === 'grid' ? 0 : s === 'unit' ? 1 : 2);

function ranked(candidate: Candidate, source: Source, gridId?: string): Ranked {
  const key = (candidate.partyMember ? 0 : 100) + bestRole(candidate) * 10 + sourceOrder(source);
  return { candidate, key, source, gridId };
}

function pickLeader(pool: readonly Ranked[]): Ranked | undefined {
  const isLeader = (r: Ranked) => r.candidate.roles.includes('gridLeader') && r.source === 'grid';
  return (
    pool.find((r) => isLeader(r) && r.candidate.partyMember) ??
    pool.find((r) => r.candidate.partyMember) ??
    pool.find(isLeader) ??
    pool[0]
  );
}

type Pools = { pools: Map<string, Ranked[]>; unassigned: Ranked[]; skipped: Formation['skipped'] };

/**
 * Sorts the eligible into pools: each grid's own people, plus the party members of the units
 * paired with it (a unit paired with several grids spreads its people across them); everyone
 * else eligible is unassigned. Each person lands in one place at most.
 */
function buildPools(input: FormationInput): Pools {
  const gridIds = new Set(input.grids.map((g) => g.gridId));
  const skipped = { unavailable: 0, optedOut: 0, engaged: 0 };
  const seen = new Set<string>();
  const eligible: Candidate[] = [];
  for (const c of input.candidates) {
    if (seen.has(c.memberId)) continue;
    seen.add(c.memberId);
    if (!isAvailableOn(c, input.today)) skipped.unavailable++;
    else if (c.smsOptOut) skipped.optedOut++;
    else if (input.engaged.has(c.memberId)) skipped.engaged++;
    else eligible.push(c);
  }

  // Which of this community's grids each unit is paired with, in a stable order.
  const unitGrids = new Map<string, string[]>();
  for (const p of [...input.pairings].sort((a, b) => a.gridId.localeCompare(b.gridId))) {
    if (!gridIds.has(p.gridId)) continue;
    const list = unitGrids.get(p.unitId) ?? [];
    if (!list.includes(p.gridId)) list.push(p.gridId);
    unitGrids.set(p.unitId, list);
  }

  const pools = new Map<string, Ranked[]>(input.grids.map((g) => [g.gridId, []]));
  const unassigned: Ranked[] = [];
  const unitShare = new Map<string, Candidate[]>();
  for (const c of eligible) {
    const ownGrid =
      c.communityId === input.communityId && c.gridId && gridIds.has(c.gridId) ? c.gridId : undefined;
    if (ownGrid) {
      pools.get(ownGrid)?.push(ranked(c, 'grid', ownGrid));
    } else if (c.unitId && c.partyMember && unitGrids.has(c.unitId)) {
      const share = unitShare.get(c.unitId);
      if (share) share.push(c);
      else unitShare.set(c.unitId, [c]);
    } else {
      const source: Source = c.unitId && unitGrids.has(c.unitId) ? 'unit' : 'community';
      unassigned.push(ranked(c, source));
    }
  }
  for (const [unitId, people] of [...unitShare.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const grids = unitGrids.get(unitId) ?? [];
    people
      .sort((a, b) => (a.memberId < b.memberId ? -1 : 1))
      .forEach((c, i) => {
        const gridId = grids[i % grids.length] as string;
        pools.get(gridId)?.push(ranked(c, 'unit', gridId));
      });
  }
  for (const pool of pools.values()) pool.sort(compareCandidates);
  unassigned.sort(compareCandidates);
  return { pools, unassigned, skipped };
}

const toReserve = (r: Ranked): Reserve => ({
  memberId: r.candidate.memberId,
  gridId: r.gridId,
  unitId: r.candidate.unitId,
  source: r.source,
});

/**
 * Everyone eligible, as reserves in rank order, with the grid pool each belongs to. Backfill
 * ranks this for a short team with `rankReserves`, leaving out who is already drafted.
 */
export function reservePool(input: FormationInput): Reserve[] {
  const { pools, unassigned } = buildPools(input);
  const pooled = [...pools.values()].flat().sort(compareCandidates);
  return [...pooled, ...unassigned].map(toReserve);
}

/**
 * Forms one vanguard team per grid. Pure and deterministic: the same input gives the same teams.
 * See docs/team-formation.md for the rules.
 */
export function formTeams(input: FormationInput): Formation {
  const { pools, unassigned, skipped } = buildPools(input);
  const needed = NEEDED_SKILLS[input.kind];
  const teams: FormedTeam[] = [];
  const leftovers: Ranked[] = [];
  for (const grid of input.grids) {
    const pool = pools.get(grid.gridId) ?? [];
    const quota = quotaFor(input.level, grid.level, pool.length);
    const chosen: Ranked[] = [];
    const taken = new Set<string>();
    const take = (r: Ranked | undefined) => {
      if (!r || taken.has(r.candidate.memberId) || chosen.length >= quota) return;
      taken.add(r.candidate.memberId);
      chosen.push(r);
    };
    const leader = quota > 0 ? pickLeader(pool) : undefined;
    take(leader);
    for (const skill of needed) {
      if (chosen.some((r) => r.candidate.skills.includes(skill))) continue;
      take(pool.find((r) => !taken.has(r.candidate.memberId) && r.candidate.skills.includes(skill)));
    }
    for (const r of pool) {
      if (chosen.length >= quota) break;
      take(r);
    }
    for (const r of pool) if (!taken.has(r.candidate.memberId)) leftovers.push(r);
    teams.push({
      teamId: grid.gridId,
      gridId: grid.gridId,
      quota,
      leaderId: chosen[0]?.candidate.memberId,
      memberIds: chosen.map((r) => r.candidate.memberId),
      pool: pool.length,
      missingSkills: needed.filter((s) => !chosen.some((r) => r.candidate.skills.includes(s))),
    });
  }

  const reserves = [...leftovers.sort(compareCandidates), ...unassigned.sort(compareCandidates)].map(
    (r): Reserve => ({
      memberId: r.candidate.memberId,
      gridId: r.gridId,
      unitId: r.candidate.unitId,
      source: r.source,
    }),
  );
  return { teams, reserves, drafted: teams.reduce((n, t) => n + t.memberIds.length, 0), skipped };
}

/**
 * The reserves a team calls on, best first: its own grid's, then its neighbouring grids' (in
 * the order the grid lists them), then those of the units paired with it, then the community's
 * people who belong to no grid. People in `exclude` (already drafted) are skipped.
 */
export function rankReserves(
  gridId: string,
  input: Pick<FormationInput, 'grids' | 'pairings'>,
  reserves: readonly Reserve[],
  exclude: ReadonlySet<string> = new Set(),
): Reserve[] {
  const grid = input.grids.find((g) => g.gridId === gridId);
  const neighbours = grid?.neighbours ?? [];
  const units = new Set(input.pairings.filter((p) => p.gridId === gridId).map((p) => p.unitId));
  const tier = (r: Reserve): number => {
    if (r.source === 'grid' && r.gridId === gridId) return 0;
    if (r.source === 'grid' && r.gridId && neighbours.includes(r.gridId))
      return 1 + neighbours.indexOf(r.gridId) / 1000;
    if (r.unitId && units.has(r.unitId)) return 2;
    if (r.source === 'community') return 3;
    return Number.POSITIVE_INFINITY;
  };
  return reserves
    .map((r, order) => ({ r, order, tier: tier(r) }))
    .filter((x) => Number.isFinite(x.tier) && !exclude.has(x.r.memberId))
    .sort((a, b) => a.tier - b.tier || a.order - b.order)
    .map((x) => x.r);
}
