import type { WhistleDetail, WhistleRecord } from '../adapters/whistle-repository';
import { authorize, can, type Principal } from '../domain/access';
import { NotFoundError } from '../domain/errors';
import { isOverdue, type WhistleStatus } from '../domain/whistle';
import { COUNTS, type WhistleContext } from './whistle-context';

const seconds = (from: string | undefined, to: string | undefined) =>
  from && to ? Math.round((Date.parse(to) - Date.parse(from)) / 1000) : undefined;

/** A whistle as the API shows it. */
export type WhistleView = ReturnType<typeof toView>;

/** A whistle as `GET /whistles/{id}` returns it. */
export function toView(detail: WhistleDetail, now: string) {
  const { whistle: w, responders, events } = detail;
  const coming = responders.filter((r) => COUNTS.has(r.status)).length;
  return {
    whistleId: w.whistleId,
    code: w.code,
    communityId: w.communityId,
    streetId: w.streetId,
    gridId: w.gridId,
    gridName: w.gridName,
    reason: w.reason,
    category: w.category,
    people: w.people ?? 1,
    skills: w.skills,
    respondWithinMinutes: w.respondWithinMinutes,
    level: w.level,
    status: w.status,
    via: w.via,
    ...(w.activationId ? { activationId: w.activationId } : {}),
    openedAt: w.openedAt,
    deadlineAt: w.deadlineAt,
    overdue: isOverdue(w.status, w.deadlineAt, now),
    filled: w.status === 'filled' || w.filledAt !== undefined,
    coming,
    notified: responders.length,
    firstAnswerAt: w.firstAnswerAt,
    filledAt: w.filledAt,
    closedAt: w.closedAt,
    note: w.note,
    warnings: w.warnings,
    times: {
      toFirstAnswerSeconds: seconds(w.openedAt, w.firstAnswerAt),
      toFilledSeconds: seconds(w.openedAt, w.filledAt),
      toClosedSeconds: seconds(w.openedAt, w.closedAt),
    },
    responders: responders
      .map((r) => ({
        memberId: r.memberId,
        ...(r.unitId ? { unitId: r.unitId } : {}),
        name: r.name,
        status: r.status,
        level: r.level,
        reason: r.reason,
        calledAt: r.calledAt,
        ...(r.respondedAt ? { respondedAt: r.respondedAt } : {}),
        ...(r.etaMinutes !== undefined ? { etaMinutes: r.etaMinutes } : {}),
      }))
      .sort((a, b) => a.calledAt.localeCompare(b.calledAt) || a.name.localeCompare(b.name)),
    events: events.map((e) => ({ at: e.at, type: e.type, detail: e.detail })),
  };
}

/** A whistle in a list: without its responders and events. */
export function toSummary(w: WhistleRecord, now: string) {
  return {
    whistleId: w.whistleId,
    code: w.code,
    communityId: w.communityId,
    gridId: w.gridId,
    gridName: w.gridName,
    reason: w.reason,
    category: w.category,
    people: w.people ?? 1,
    level: w.level,
    status: w.status,
    openedAt: w.openedAt,
    deadlineAt: w.deadlineAt,
    overdue: isOverdue(w.status, w.deadlineAt, now),
    filled: w.status === 'filled' || w.filledAt !== undefined,
    closedAt: w.closedAt,
  };
}

/** The whistle as the API shows it now. */
export async function viewOf(ctx: Pick<WhistleContext, 'whistles' | 'clock'>, whistleId: string) {
  const detail = await ctx.whistles.get(whistleId);
  if (!detail) throw new NotFoundError('whistle', whistleId);
  return toView(detail, ctx.clock.now().toISOString());
}

/** Reading whistles: one, a community's, a street's open ones. */
export function makeWhistleReads(ctx: WhistleContext) {
  const { whistles, clock } = ctx;
  return {
    async get(principal: Principal, whistleId: string) {
      const detail = await whistles.get(whistleId);
      if (!detail) throw new NotFoundError('whistle', whistleId);
      authorize(principal, 'board:read', [detail.whistle.communityId]);
      return toView(detail, clock.now().toISOString());
    },

    /** A community's whistles: open and filled first, then closed, newest first within each. */
    async list(principal: Principal, communityId: string, status?: WhistleStatus, limit = 50) {
      authorize(principal, 'board:read', [communityId]);
      const now = clock.now().toISOString();
      const items = await whistles.listCommunity(communityId, status ? 200 : limit);
      return items
        .filter((w) => !status || w.status === status)
        .slice(0, limit)
        .map((w) => toSummary(w, now));
    },

    /** The street's whistles not yet closed, those of communities the caller may read. */
    async listStreet(principal: Principal, streetId: string) {
      const now = clock.now().toISOString();
      const mine = principal.communities === '*' ? [] : principal.communities.slice(0, 1);
      // Anyone who may read some community's board may ask; they see their own communities' whistles.
      if (!can(principal, 'board:read', []) && !(mine.length > 0 && can(principal, 'board:read', mine)))
        authorize(principal, 'board:read', []);
      const items = await whistles.listOpenOfStreet(streetId);
      return items.filter((w) => can(principal, 'board:read', [w.communityId])).map((w) => toSummary(w, now));
    },
  };
}
