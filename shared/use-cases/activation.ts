import { createHash } from 'node:crypto';
import type {
  ActivationRepository,
  PlanEntry,
  UnitLock,
  UnitLockWrite,
} from '../adapters/activation-repository';
import type { Clock, IdGenerator } from '../adapters/clock';
import type { MemberRepository } from '../adapters/member-repository';
import type { StructureRepository } from '../adapters/structure-repository';
import { authorize, can, type Principal } from '../domain/access';
import { type Activation, type ActivationInput, modeOf, type TeamInfo } from '../domain/activation';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnavailableError,
  ValidationError,
} from '../domain/errors';
import { type CommunityStructure, chinaDay, type Member, type Mode } from '../domain/roster';
import { type Candidate, type Formation, formTeams, rankReserves } from '../domain/team-formation';

export type ActivationPorts = {
  structure: StructureRepository;
  members: MemberRepository;
  activations: ActivationRepository;
  clock: Clock;
  ids: IdGenerator;
};

/** The switch's answer, as the contract gives it. */
export type ActivationResponse = {
  activationId: string;
  communityId: string;
  mode: 'emergency' | 'drill';
  kind: Activation['kind'];
  level: Activation['level'];
  startedAt: string;
  teams: { teamId: string; gridId: string; leaderId: string | null; memberIds: string[] }[];
  drafted: number;
  reserves: number;
};

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;
const COMMIT_ATTEMPTS = 5;

/** Why the switch is refused: the community is already in emergency or drill mode. */
function alreadySwitched(communityId: string, activationId: string | undefined): ConflictError {
  return new ConflictError('ALREADY_SWITCHED', `community '${communityId}' is already switched`, [
    { path: 'communityId', message: 'an activation is open', activationId },
  ]);
}

/** Reduces a roster entry to what formation reads. */
export function toCandidate(m: Pick<Member, keyof Candidate>): Candidate {
  return {
    memberId: m.memberId,
    communityId: m.communityId,
    name: m.name,
    gridId: m.gridId,
    unitId: m.unitId,
    roles: m.roles,
    partyMember: m.partyMember,
    skills: m.skills,
    available: m.available,
    unavailableUntil: m.unavailableUntil,
    smsOptOut: m.smsOptOut,
  };
}

/** Everyone who might be drafted, and who of them is already engaged elsewhere. */
export type FormationContext = { roster: Member[]; locks: Map<string, UnitLock>; engaged: Set<string> };

/**
 * Reads what formation needs: the community's roster, the party members of the units paired
 * with its grids, and the locks of every unit those people belong to, with whom they engage.
 */
export async function formationContext(
  ports: Pick<ActivationPorts, 'members' | 'activations'>,
  found: CommunityStructure,
): Promise<FormationContext> {
  const communityId = found.community.communityId;
  const pairedUnits = [...new Set(found.pairings.map((p) => p.unitId))].sort();
  const [own, ...units] = await Promise.all([
    ports.members.listCommunity(communityId),
    ...pairedUnits.map((u) => ports.members.listUnit(u)),
  ]);
  const fromUnits = units.flat().filter((m) => m.communityId !== communityId && m.partyMember);
  const roster = [...(own ?? []), ...fromUnits];
  const unitIds = [...new Set(roster.flatMap((m) => (m.unitId ? [m.unitId] : [])))].sort();
  const locks = await ports.activations.getUnitLocks(unitIds);
  const engaged = new Set<string>();
  for (const lock of locks.values())
    for (const list of lock.engaged.values()) for (const id of list) engaged.add(id);
  return { roster, locks, engaged };
}

/** The units whose members are drafted, each with the version read and who is drafted. */
export function unitLocksFor(
  drafted: readonly { memberId: string }[],
  byId: Map<string, Member>,
  locks: Map<string, UnitLock>,
): UnitLockWrite[] {
  const byUnit = new Map<string, string[]>();
  for (const entry of drafted) {
    const unitId = byId.get(entry.memberId)?.unitId;
    if (!unitId || !locks.has(unitId)) continue;
    const list = byUnit.get(unitId);
    if (list) list.push(entry.memberId);
    else byUnit.set(unitId, [entry.memberId]);
  }
  return [...byUnit.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([unitId, memberIds]) => {
      const lock = locks.get(unitId);
      return { unitId, version: lock?.version ?? 0, hasMap: lock?.hasMap ?? false, memberIds };
    });
}

/** Use cases of the one-key switch: switch, stand down, read the mode. */
export function makeActivationUseCases({ structure, members, activations, clock, ids }: ActivationPorts) {
  async function response(activation: Activation): Promise<ActivationResponse> {
    const plan = await activations.getPlan(activation.activationId);
    return buildResponse(activation, plan);
  }

  return {
    /**
     * Presses the key: forms the teams and switches the community in one conditional write.
     * Sending happens afterwards, from the table's stream, so the answer does not wait for it.
     */
    async activate(
      principal: Principal,
      communityId: string,
      input: ActivationInput,
      idempotencyKey?: string,
    ): Promise<{ response: ActivationResponse; replayed: boolean }> {
      authorize(principal, input.drill ? 'drill:switch' : 'emergency:switch', [communityId]);
      if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
        throw new ValidationError('bad Idempotency-Key', [
          { path: 'Idempotency-Key', message: 'must be 1 to 128 printable ASCII characters' },
        ]);
      }
      const hash = createHash('sha256').update(JSON.stringify(input)).digest('hex');
      const replay = async (): Promise<{ response: ActivationResponse; replayed: boolean } | undefined> => {
        if (idempotencyKey === undefined) return undefined;
        const seen = await activations.findIdempotent(communityId, idempotencyKey);
        if (!seen) return undefined;
        if (seen.hash !== hash) {
          throw new ConflictError(
            'IDEMPOTENCY_KEY_REUSED',
            'this Idempotency-Key was used for a different request',
            [
              {
                path: 'Idempotency-Key',
                message: 'reused with a different body',
                activationId: seen.activationId,
              },
            ],
          );
        }
        const activation = await activations.get(seen.activationId);
        if (!activation) return undefined;
        return { response: await response(activation), replayed: true };
      };
      const earlier = await replay();
      if (earlier) return earlier;

      for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
        const found = await structure.getStructure(communityId);
        if (!found) throw new NotFoundError('community', communityId);
        if (found.community.mode !== 'normal') {
          // The press this retries may have committed since the replay check above.
          const same = await replay();
          if (same) return same;
          throw alreadySwitched(communityId, found.community.activationId);
        }

        const { roster, locks, engaged } = await formationContext({ members, activations }, found);

        const formation = formTeams({
          communityId,
          kind: input.kind,
          level: input.level,
          grids: found.grids,
          pairings: found.pairings,
          candidates: roster.map(toCandidate),
          engaged,
          today: chinaDay(clock.now()),
        });
        const activation = buildActivation({
          activationId: ids.next(),
          found,
          formation,
          roster,
          input,
          startedAt: clock.now().toISOString(),
          startedBy: principal.sub,
        });
        const byId = new Map(roster.map((m) => [m.memberId, m]));
        const plan = planOf(formation, byId);
        const unitLocks = unitLocksFor(plan, byId, locks);
        activation.unitIds = unitLocks.map((l) => l.unitId);

        const result = await activations.commit({
          activation,
          teamCounts: Object.fromEntries(formation.teams.map((t) => [t.teamId, t.memberIds.length])),
          plan,
          unitLocks,
          idempotency: idempotencyKey === undefined ? undefined : { key: idempotencyKey, hash },
        });
        if (result.ok) return { response: buildResponse(activation, plan), replayed: false };
        if (result.reason === 'noCommunity') throw new NotFoundError('community', communityId);
        if (result.reason === 'unitsChanged') continue; // another community drafted from a shared unit: form again
        // Switched meanwhile, or our key was used meanwhile: a retry of the same press gets its activation.
        const same = await replay();
        if (same) return same;
        throw alreadySwitched(communityId, result.reason === 'switched' ? result.activationId : undefined);
      }
      throw new UnavailableError('the roster kept changing under the switch; press again');
    },

    /**
     * One key for a whole street: switches every community of the street the caller may switch,
     * one after another. A community already switched, or outside the caller's reach, is
     * reported as skipped; the others are switched regardless.
     */
    async activateStreet(
      principal: Principal,
      streetId: string,
      input: ActivationInput,
      idempotencyKey?: string,
    ): Promise<{
      streetId: string;
      activations: ActivationResponse[];
      skipped: { communityId: string; code: string; activationId?: string | undefined }[];
    }> {
      if (!(await structure.getStreet(streetId))) throw new NotFoundError('street', streetId);
      const communities = await structure.listCommunitiesOfStreet(streetId);
      const action = input.drill ? 'drill:switch' : 'emergency:switch';
      const allowed = communities.filter((c) => can(principal, action, [c.communityId]));
      if (communities.length > 0 && allowed.length === 0) {
        throw new ForbiddenError(`not allowed to switch any community of street '${streetId}'`);
      }
      const activations: ActivationResponse[] = [];
      const skipped: { communityId: string; code: string; activationId?: string | undefined }[] = communities
        .filter((c) => !allowed.includes(c))
        .map((c) => ({ communityId: c.communityId, code: 'FORBIDDEN' }));
      for (const community of allowed) {
        try {
          const key = idempotencyKey === undefined ? undefined : `${idempotencyKey}:${community.communityId}`;
          activations.push((await this.activate(principal, community.communityId, input, key)).response);
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
          const open = error.details.find(
            (d): d is { activationId: string } =>
              typeof d === 'object' &&
              d !== null &&
              typeof (d as { activationId?: unknown }).activationId === 'string',
          );
          skipped.push({
            communityId: community.communityId,
            code: error.code,
            activationId: open?.activationId,
          });
        }
      }
      return { streetId, activations, skipped };
    },

    async getMode(principal: Principal, communityId: string): Promise<{ mode: Mode; activationId?: string }> {
      authorize(principal, 'roster:read', [communityId]);
      const community = await structure.getCommunity(communityId);
      if (!community) throw new NotFoundError('community', communityId);
      return {
        mode: community.mode,
        ...(community.mode !== 'normal' && community.activationId
          ? { activationId: community.activationId }
          : {}),
      };
    },

    /** 急转平: closes the activation and returns the community to normal. Safe to call twice. */
    async standDown(
      principal: Principal,
      activationId: string,
    ): Promise<{ activationId: string; endedAt: string }> {
      const activation = await activations.get(activationId);
      if (!activation) throw new NotFoundError('activation', activationId);
      authorize(principal, activation.drill ? 'drill:switch' : 'emergency:switch', [activation.communityId]);
      if (activation.status === 'stoodDown')
        return { activationId, endedAt: activation.endedAt ?? activation.startedAt };
      const endedAt = clock.now().toISOString();
      if (await activations.standDown(activation, endedAt, principal.sub)) return { activationId, endedAt };
      const closed = await activations.get(activationId);
      return { activationId, endedAt: closed?.endedAt ?? endedAt };
    },

    async list(principal: Principal, communityId: string, limit: number, cursor?: string) {
      authorize(principal, 'board:read', [communityId]);
      try {
        return await activations.listForCommunity(communityId, limit, cursor);
      } catch (error) {
        if (error instanceof Error && error.message === 'bad cursor') {
          throw new ValidationError('bad cursor', [
            { path: 'cursor', message: 'not a cursor from this list' },
          ]);
        }
        throw error;
      }
    },

    response,
  };
}

export type ActivationUseCases = ReturnType<typeof makeActivationUseCases>;

function buildActivation(args: {
  activationId: string;
  found: CommunityStructure;
  formation: Formation;
  roster: Member[];
  input: ActivationInput;
  startedAt: string;
  startedBy: string;
}): Activation {
  const { found, formation, input } = args;
  const names = new Map(args.roster.map((m) => [m.memberId, m.name]));
  const gridById = new Map(found.grids.map((g) => [g.gridId, g]));
  const teams: TeamInfo[] = formation.teams.map((t) => {
    const grid = gridById.get(t.gridId);
    return {
      teamId: t.teamId,
      gridId: t.gridId,
      gridName: grid?.name ?? t.gridId,
      musterPoint: grid?.musterPoint ?? '',
      quota: t.quota,
      leaderId: t.leaderId,
      leaderName: t.leaderId ? names.get(t.leaderId) : undefined,
      missingSkills: t.missingSkills,
      reserves: rankReserves(t.gridId, found, formation.reserves).length,
    };
  });
  return {
    activationId: args.activationId,
    communityId: found.community.communityId,
    communityName: found.community.name,
    kind: input.kind,
    level: input.level,
    drill: input.drill,
    note: input.note,
    locale: input.locale,
    status: 'active',
    startedAt: args.startedAt,
    startedBy: args.startedBy,
    teams,
    unitIds: [],
    drafted: formation.drafted,
    reserves: formation.reserves.length,
  };
}

function planOf(formation: Formation, byId: Map<string, Member>): PlanEntry[] {
  return formation.teams.flatMap((team) =>
    team.memberIds.map(
      (memberId): PlanEntry => ({
        memberId,
        communityId: byId.get(memberId)?.communityId ?? '',
        teamId: team.teamId,
        leader: memberId === team.leaderId,
        source: byId.get(memberId)?.gridId === team.gridId ? 'grid' : 'unit',
      }),
    ),
  );
}

function buildResponse(activation: Activation, plan: readonly PlanEntry[]): ActivationResponse {
  const byTeam = new Map<string, string[]>();
  for (const e of plan) {
    const list = byTeam.get(e.teamId) ?? [];
    if (e.leader) list.unshift(e.memberId);
    else list.push(e.memberId);
    byTeam.set(e.teamId, list);
  }
  return {
    activationId: activation.activationId,
    communityId: activation.communityId,
    mode: modeOf(activation),
    kind: activation.kind,
    level: activation.level,
    startedAt: activation.startedAt,
    teams: activation.teams.map((t) => ({
      teamId: t.teamId,
      gridId: t.gridId,
      leaderId: t.leaderId ?? null,
      memberIds: byTeam.get(t.teamId) ?? [],
    })),
    drafted: activation.drafted,
    reserves: activation.reserves,
  };
}
