import type { ActivationRepository } from '../adapters/activation-repository';
import type { MemberRepository } from '../adapters/member-repository';
import type { RankingRepository } from '../adapters/ranking-repository';
import type { StructureRepository } from '../adapters/structure-repository';
import { authorize, can, type Principal } from '../domain/access';
import { ForbiddenError, NotFoundError } from '../domain/errors';
import {
  addTallies,
  bucketsOf,
  type Period,
  participationOf,
  periodOf,
  rank,
  rankUnits,
  SCORE_FORMULA,
  type Standing,
  standingOf,
  summariseActivation,
  type UnitStanding,
  unitStandingOf,
} from '../domain/ranking';
import type { UnitKind } from '../domain/vocabulary';

export type GridRanking = Standing & { communityId: string; gridId: string; gridName: string; rank: number };
export type CommunityRanking = Standing & { communityId: string; communityName: string; rank: number };
export type UnitRanking = UnitStanding & {
  unitId: string;
  name: string;
  kind: UnitKind | null;
  rank: number;
};

export type Rankings = {
  streetId: string;
  period: Period;
  from: string;
  to: string;
  formula: string;
  communities: CommunityRanking[];
  grids: GridRanking[];
  /** Units and departments on the street's whistles (吹哨报到). */
  units: UnitRanking[];
};

/**
 * Folds a stood-down activation into the precomputed rankings: one summary per grid, added to
 * the street's week, month and year buckets, and each alerted person's participation. Repeating
 * it for the same activation adds nothing.
 */
export function makeRankingRecorder({
  activations,
  structure,
  rankings,
}: {
  activations: Pick<ActivationRepository, 'get' | 'listDraftees'>;
  structure: Pick<StructureRepository, 'getCommunity'>;
  rankings: RankingRepository;
}) {
  return {
    async record(activationId: string): Promise<{ slices: number; written: number } | undefined> {
      const activation = await activations.get(activationId);
      if (!activation || activation.status !== 'stoodDown') return undefined;
      const community = await structure.getCommunity(activation.communityId);
      if (!community) return undefined;
      const draftees = await activations.listDraftees(activationId);
      return rankings.record({
        activationId,
        startedAt: activation.startedAt,
        streetId: community.streetId,
        buckets: bucketsOf(activation.startedAt),
        grids: summariseActivation(activation, draftees),
        people: participationOf(draftees),
      });
    },
  };
}

/** 周排名 / 月排行 / 年考评 of a street, read from its period's buckets. */
export function makeRankingUseCases({
  structure,
  members,
  rankings,
}: {
  structure: Pick<StructureRepository, 'getStreet' | 'listCommunitiesOfStreet' | 'getCommunity'>;
  members: Pick<MemberRepository, 'get'>;
  rankings: RankingRepository;
}) {
  return {
    async get(principal: Principal, streetId: string, period: Period, at: string): Promise<Rankings> {
      if (!(await structure.getStreet(streetId))) throw new NotFoundError('street', streetId);
      const [communities, { key, from, to }] = [
        await structure.listCommunitiesOfStreet(streetId),
        periodOf(period, at),
      ];
      const visible = communities.filter((c) => can(principal, 'board:read', [c.communityId]));
      if (communities.length > 0 && visible.length === 0) {
        throw new ForbiddenError(`not allowed to read the rankings of street '${streetId}'`);
      }
      const names = new Map(visible.map((c) => [c.communityId, c.name]));
      const stored = await rankings.readPeriod(streetId, key);
      const buckets = stored.grids.filter((b) => names.has(b.communityId));
      const grids = rank(
        buckets.map((b) => ({
          communityId: b.communityId,
          gridId: b.gridId,
          gridName: b.gridName,
          ...standingOf(b),
        })),
        (g) => `${g.communityId}/${g.gridId}`,
      );
      const byCommunity = new Map<string, typeof buckets>();
      for (const b of buckets) byCommunity.set(b.communityId, [...(byCommunity.get(b.communityId) ?? []), b]);
      const communityRows = rank(
        [...byCommunity.entries()].map(([communityId, list]) => ({
          communityId,
          communityName: names.get(communityId) ?? communityId,
          ...standingOf(addTallies(list)),
          // Every grid of a community takes part in each of its activations: count them once.
          activations: Math.max(...list.map((b) => b.activations)),
        })),
        (c) => c.communityId,
      );
      const units = rankUnits(
        stored.units.map((u) => ({
          unitId: u.unitId,
          name: u.unitName,
          kind: u.kind,
          ...unitStandingOf(u),
        })),
        (u) => u.unitId,
      );
      return {
        streetId,
        period,
        from,
        to,
        formula: SCORE_FORMULA,
        communities: communityRows,
        grids,
        units,
      };
    },

    /** One person's record: how often they were called, answered and came. */
    async participation(principal: Principal, communityId: string, memberId: string) {
      authorize(principal, 'roster:read', [communityId]);
      const member = await members.get(communityId, memberId);
      if (!member) throw new NotFoundError('member', memberId);
      const record = await rankings.getParticipation(communityId, memberId);
      const called = record?.called ?? 0;
      return {
        communityId,
        memberId,
        name: member.name,
        gridId: member.gridId ?? null,
        called,
        answered: record?.answered ?? 0,
        came: record?.came ?? 0,
        answeredRate: called ? Math.round(((record?.answered ?? 0) / called) * 1000) / 1000 : null,
        cameRate: called ? Math.round(((record?.came ?? 0) / called) * 1000) / 1000 : null,
        lastCalledAt: record?.lastCalledAt ?? null,
      };
    },
  };
}

export type RankingUseCases = ReturnType<typeof makeRankingUseCases>;
