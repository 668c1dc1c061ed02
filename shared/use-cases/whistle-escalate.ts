import type { ResponderRecord, WhistleRecord } from '../adapters/whistle-repository';
import type { NewCall } from '../adapters/whistle-store';
import type { Member } from '../domain/roster';
import { nextLevel, type WhistleLevel, type WhistleUnit, whoIsCalled } from '../domain/whistle';
import { logger } from '../observability';
import { toCandidate } from './activation';
import { releaseUnneeded } from './whistle-answer';
import { callMessage, minutesLater, type WhistleContext } from './whistle-context';

/** Who may be called for a whistle of one grid: the street's units, the people, who is busy. */
export type Calling = {
  units: WhistleUnit[];
  neighbours: string[];
  roster: Map<string, Member>;
  engaged: Set<string>;
};

type WhereCalled = Pick<WhistleRecord, 'communityId' | 'streetId' | 'gridId' | 'category'>;

/** Reads what `whoIsCalled` needs for a whistle of this grid, and the community's structure. */
export async function readCalling(ctx: WhistleContext, w: WhereCalled) {
  const { structure, members, activations } = ctx;
  const [found, communities, allUnits] = await Promise.all([
    structure.getStructure(w.communityId),
    structure.listCommunitiesOfStreet(w.streetId),
    structure.listUnits(),
  ]);
  const inStreet = new Set(communities.map((c) => c.communityId));
  const units: WhistleUnit[] = allUnits
    .filter(
      (u) =>
        u.pairedGrids.some((g) => inStreet.has(g.communityId)) ||
        (u.kind === 'department' && u.pairedGrids.length === 0),
    )
    .map((u) => ({ unitId: u.unitId, kind: u.kind, serves: u.serves, pairedGrids: u.pairedGrids }));
  // Only units that can be called at some level are read.
  const relevant = units.filter(
    (u) => u.pairedGrids.some((g) => g.communityId === w.communityId) || u.serves.includes(w.category),
  );
  const [own, ...fromUnits] = await Promise.all([
    members.listCommunity(w.communityId),
    ...relevant.map((u) => members.listUnit(u.unitId)),
  ]);
  const roster = new Map<string, Member>();
  for (const m of [...own, ...fromUnits.flat()]) roster.set(m.memberId, m);
  const unitIds = [...new Set([...roster.values()].flatMap((m) => (m.unitId ? [m.unitId] : [])))].sort();
  const locks = await activations.getUnitLocks(unitIds);
  const engaged = new Set<string>();
  for (const lock of locks.values())
    for (const list of lock.engaged.values()) for (const id of list) engaged.add(id);
  const community = found?.community;
  if (community && community.mode !== 'normal' && community.activationId) {
    for (const d of await activations.listDraftees(community.activationId))
      if (d.open) engaged.add(d.memberId);
  }
  const grid = found?.grids.find((g) => g.gridId === w.gridId);
  return { found, calling: { units, neighbours: grid?.neighbours ?? [], roster, engaged } satisfies Calling };
}

/** The people `level` calls that the whistle has not called yet, each with their call SMS. */
export function callsAt(
  w: WhistleRecord,
  calling: Calling,
  level: WhistleLevel,
  already: ReadonlySet<string>,
  now: string,
): NewCall[] {
  const calls = whoIsCalled({
    communityId: w.communityId,
    gridId: w.gridId,
    category: w.category,
    skills: w.skills,
    level,
    neighbours: calling.neighbours,
    units: calling.units,
    candidates: [...calling.roster.values()].map(toCandidate),
    engaged: calling.engaged,
    alreadyCalled: already,
  });
  return calls.flatMap((c): NewCall[] => {
    const m = calling.roster.get(c.memberId);
    if (!m) return [];
    const responder: ResponderRecord = {
      memberId: m.memberId,
      communityId: m.communityId,
      ...(c.unitId ? { unitId: c.unitId } : {}),
      name: m.name,
      phone: m.phone,
      status: 'called',
      level,
      reason: c.reason,
      calledAt: now,
    };
    return [{ responder, message: callMessage(w, responder) }];
  });
}

/**
 * Writes the calls a first write left over, a transaction at a time, the last marking the
 * level's calls complete. A writer that dies part-way leaves the whistle pending: `resume` finishes it.
 */
export async function writeRest(
  ctx: WhistleContext,
  whistle: WhistleRecord,
  rest: readonly NewCall[],
): Promise<ResponderRecord[]> {
  const added: ResponderRecord[] = [];
  let left = rest;
  while (left.length > 0) {
    const written = await ctx.whistles.addCalls(whistle, left);
    if (written === 'stopped') return added;
    added.push(...written.added);
    left = written.rest;
  }
  return added;
}

/**
 * Calls the people of `level` and those above it while nobody is found, each level an event
 * `widened`; returns those called.
 */
export async function widenFrom(
  ctx: WhistleContext,
  start: WhistleRecord,
  calling: Calling,
  level: WhistleLevel,
  already: Set<string>,
  now: string,
): Promise<ResponderRecord[]> {
  let whistle = start;
  let current: WhistleLevel | undefined = level;
  const called: ResponderRecord[] = [];
  while (current) {
    const next: WhistleRecord = {
      ...whistle,
      level: current,
      deadlineAt: minutesLater(now, whistle.respondWithinMinutes),
    };
    const result = await ctx.whistles.call({
      whistle,
      next,
      events: [ctx.event(now, 'widened', { level: current })],
      calls: callsAt(next, calling, current, already, now),
      now,
    });
    if (result.outcome === 'stale') return called;
    const added = [...result.added, ...(await writeRest(ctx, result.whistle, result.rest))];
    for (const r of added) already.add(r.memberId);
    called.push(...added);
    if (added.length > 0) break;
    current = nextLevel(current);
    if (result.rest.length === 0) {
      whistle = result.whistle;
      continue;
    }
    // Everyone of a long list was refused: go on from the whistle as it now stands.
    const fresh = current ? await ctx.whistles.get(whistle.whistleId) : undefined;
    if (!fresh) break;
    whistle = fresh.whistle;
  }
  return called;
}

/** Finishes the calls of a whistle's level that a writer left pending; returns those called. */
async function resume(
  ctx: WhistleContext,
  whistle: WhistleRecord,
  calledBefore: readonly string[],
  now: string,
) {
  const { calling } = await readCalling(ctx, whistle);
  const result = await ctx.whistles.call({
    whistle,
    next: whistle,
    events: [],
    calls: callsAt(whistle, calling, whistle.level, new Set(calledBefore), now),
    now,
  });
  if (result.outcome === 'stale') return [];
  return [...result.added, ...(await writeRest(ctx, result.whistle, result.rest))];
}

/** The sweep's part of the whistle: pending calls finished, deadlines widening. */
export function makeWhistleEscalation(ctx: WhistleContext) {
  const { whistles, clock } = ctx;
  return {
    /**
     * Each minute: calls a writer left pending are finished; every open whistle past its deadline
     * widens a level (grid → community → street) and calls the new level's people; past the last
     * level it is flagged overdue.
     */
    async sweep(): Promise<{ widened: number; overdue: number; resumed: number; released: number }> {
      const stats = { widened: 0, overdue: 0, resumed: 0, released: 0 };
      const now = clock.now().toISOString();
      for (const whistleId of await whistles.listDue(now)) {
        try {
          const detail = await whistles.get(whistleId);
          if (!detail) continue;
          const { whistle } = detail;
          if (whistle.releasingSince) {
            // The answer that filled it died before everyone still called was told.
            const told = await releaseUnneeded(ctx, whistleId);
            stats.released++;
            logger.info('a filled whistle told the rest they are not needed', { whistleId, told });
            continue;
          }
          if (whistle.status !== 'open' || whistle.overdueAt) continue;
          const calledBefore = detail.responders.map((r) => r.memberId);
          if (whistle.callingSince) {
            const called = await resume(ctx, whistle, calledBefore, now);
            stats.resumed++;
            logger.info('pending whistle calls finished', { whistleId, called: called.length });
            continue;
          }
          if (whistle.deadlineAt > now) continue;
          const level = nextLevel(whistle.level);
          if (!level) {
            const result = await whistles.advance({
              whistle,
              next: { ...whistle, overdueAt: now },
              events: [ctx.event(now, 'overdue', { level: whistle.level })],
            });
            if (result === 'applied') stats.overdue++;
            continue;
          }
          const { calling } = await readCalling(ctx, whistle);
          const called = await widenFrom(ctx, whistle, calling, level, new Set(calledBefore), now);
          stats.widened++;
          await ctx.recordAudit(whistle.communityId, 'whistle.widen', whistleId, 'sweep', {
            level,
            called: called.length,
          });
        } catch (error) {
          logger.error('widening a whistle failed', { error, whistleId });
        }
      }
      return stats;
    },
  };
}
