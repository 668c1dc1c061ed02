export type Route =
  | { page: 'overview' }
  | { page: 'board'; activationId: string }
  | { page: 'roster'; communityId: string }
  // --- Planning pages ---
  | { page: 'schedules'; communityId: string }
  | { page: 'rankings'; streetId?: string | undefined }
  // --- Whistle pages ---
  | { page: 'whistles'; communityId: string; prefill?: WhistlePrefill | undefined }
  | { page: 'whistle'; whistleId: string }
  | { page: 'streetWhistles'; streetId: string };

/** A whistle form filled in beforehand: a team's shortfall on the board. */
export type WhistlePrefill = { gridId: string; people: number; activationId?: string | undefined };

/**
 * Hash routes, so the console is plain static files on any host: `#/`, `#/board/<id>`,
 * `#/roster/<id>`, `#/schedules/<communityId>`, `#/rankings[/<streetId>]`.
 */
export function parseRoute(hash: string): Route {
  const [, page, id, gridId, people, activationId] = hash.replace(/^#/, '').split('/');
  if (page === 'whistles' && id) {
    const n = Number(people);
    return {
      page: 'whistles',
      communityId: decodeURIComponent(id),
      prefill:
        gridId && Number.isInteger(n) && n > 0
          ? {
              gridId: decodeURIComponent(gridId),
              people: n,
              activationId: activationId ? decodeURIComponent(activationId) : undefined,
            }
          : undefined,
    };
  }
  if (page === 'whistle' && id) return { page: 'whistle', whistleId: decodeURIComponent(id) };
  if (page === 'street-whistles' && id) return { page: 'streetWhistles', streetId: decodeURIComponent(id) };
  if (page === 'board' && id) return { page: 'board', activationId: decodeURIComponent(id) };
  if (page === 'roster' && id) return { page: 'roster', communityId: decodeURIComponent(id) };
  if (page === 'schedules' && id) return { page: 'schedules', communityId: decodeURIComponent(id) };
  if (page === 'rankings') return { page: 'rankings', streetId: id ? decodeURIComponent(id) : undefined };
  return { page: 'overview' };
}

export const hrefOf = (route: Route): string => {
  switch (route.page) {
    case 'board':
      return `#/board/${encodeURIComponent(route.activationId)}`;
    case 'roster':
      return `#/roster/${encodeURIComponent(route.communityId)}`;
    case 'schedules':
      return `#/schedules/${encodeURIComponent(route.communityId)}`;
    case 'rankings':
      return route.streetId ? `#/rankings/${encodeURIComponent(route.streetId)}` : '#/rankings';
    case 'whistles': {
      const base = `#/whistles/${encodeURIComponent(route.communityId)}`;
      const p = route.prefill;
      if (!p) return base;
      const tail = p.activationId ? `/${encodeURIComponent(p.activationId)}` : '';
      return `${base}/${encodeURIComponent(p.gridId)}/${p.people}${tail}`;
    }
    case 'whistle':
      return `#/whistle/${encodeURIComponent(route.whistleId)}`;
    case 'streetWhistles':
      return `#/street-whistles/${encodeURIComponent(route.streetId)}`;
    default:
      return '#/';
  }
};

export function navigate(route: Route): void {
  location.hash = hrefOf(route);
}
