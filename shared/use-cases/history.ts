import type { Clock } from '../adapters/clock';
import type { HistoryFilter, HistoryRepository } from '../adapters/history-repository';
import type { StructureRepository } from '../adapters/structure-repository';
import { authorize, can, type Principal } from '../domain/access';
import { NotFoundError, ValidationError } from '../domain/errors';
import { type HistoryEntry, historyEntry } from '../domain/report';

/** The history query as the API takes it: `from` and `to` are days in China time, or instants. */
export type HistoryQuery = {
  drill?: boolean | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  cursor?: string | undefined;
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A day (China time, UTC+8) or an instant as the ISO instant that starts (or ends) it. */
export function instantOf(text: string, end: boolean): string {
  const at = DAY.test(text) ? `${text}T${end ? '23:59:59.999' : '00:00:00.000'}+08:00` : text;
  return new Date(Date.parse(at)).toISOString();
}

function filterOf(query: HistoryQuery): HistoryFilter {
  const filter: HistoryFilter = {
    drill: query.drill,
    from: query.from === undefined ? undefined : instantOf(query.from, false),
    to: query.to === undefined ? undefined : instantOf(query.to, true),
  };
  if (filter.from && filter.to && filter.from > filter.to)
    throw new ValidationError('from is after to', [{ path: 'from', message: 'must not be after to' }]);
  return filter;
}

/** Activation history: per community and per street, newest first, filtered and paged. */
export function makeHistoryUseCases({
  history,
  structure,
  clock,
}: {
  history: HistoryRepository;
  structure: StructureRepository;
  clock: Clock;
}) {
  async function read(communityIds: string[], query: HistoryQuery) {
    const filter = filterOf(query);
    try {
      const page = await history.list(communityIds, filter, query.limit, query.cursor);
      const now = clock.now().toISOString();
      const items: HistoryEntry[] = page.items.map((i) => historyEntry(i.activation, i.counts, now));
      return { items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    } catch (error) {
      if (error instanceof Error && error.message === 'bad cursor') {
        throw new ValidationError('bad cursor', [{ path: 'cursor', message: 'not a cursor from this list' }]);
      }
      throw error;
    }
  }
  return {
    async community(principal: Principal, communityId: string, query: HistoryQuery) {
      authorize(principal, 'board:read', [communityId]);
      return read([communityId], query);
    },
    /** Every community of the street the caller may read, merged newest first. */
    async street(principal: Principal, streetId: string, query: HistoryQuery) {
      const street = await structure.getStreet(streetId);
      if (!street) throw new NotFoundError('street', streetId);
      const communities = (await structure.listCommunitiesOfStreet(streetId))
        .map((c) => c.communityId)
        .filter((id) => can(principal, 'board:read', [id]));
      if (!communities.length) authorize(principal, 'board:read', [`street:${streetId}`]);
      return read(communities, query);
    },
  };
}
