export type Route =
  | { page: 'overview' }
  | { page: 'board'; activationId: string }
  | { page: 'roster'; communityId: string }
  // --- Planning pages ---
  | { page: 'schedules'; communityId: string }
  | { page: 'rankings'; streetId?: string | undefined }
  // --- Reports and history ---
  | { page: 'history'; communityId: string }
  | { page: 'streetHistory'; streetId?: string | undefined }
  | { page: 'report'; activationId: string }
  | { page: 'street'; streetId?: string | undefined }
  // --- Whistle pages ---
  | { page: 'whistles'; communityId: string; prefill?: WhistlePrefill | undefined }
  | { page: 'whistle'; whistleId: string }
  | { page: 'streetWhistles'; streetId: string };

/** A whistle form filled in beforehand: a team's shortfall on the board. */
export type WhistlePrefill = { gridId: string; people: number; activationId?: string | undefined };

/**
 * Hash routes, so the console is plain static files on any host: `#/`, `#/board/<id>`,
 * `#/roster/<id>`, `#/schedules/<communityId>`, `#/rankings[/<streetId>]`,
 * `#/history/<communityId>`, `#/street[/<streetId>]`, `#/street/<streetId>/history`
 * (`#/history` alone: the first street's), `#/report/<activationId>`.
 */
export function parseRoute(hash: string): Route {
  const [, page, raw, sub, people, activationId] = hash.replace(/^#/, '').split('/');
  const id = raw ? decodeURIComponent(raw) : undefined;
  if (page === 'whistles' && id) {
    const n = Number(people);
    return {
      page: 'whistles',
      communityId: id,
      prefill:
        sub && Number.isInteger(n) && n > 0
          ? {
              gridId: decodeURIComponent(sub),
              people: n,
              activationId: activationId ? decodeURIComponent(activationId) : undefined,
            }
          : undefined,
    };
  }
  if (page === 'whistle' && id) return { page: 'whistle', whistleId: id };
  if (page === 'street-whistles' && id) return { page: 'streetWhistles', streetId: id };
  if (page === 'board' && id) return { page: 'board', activationId: id };
  if (page === 'roster' && id) return { page: 'roster', communityId: id };
  if (page === 'schedules' && id) return { page: 'schedules', communityId: id };
  if (page === 'rankings') return { page: 'rankings', streetId: id };
  if (page === 'history') return id ? { page: 'history', communityId: id } : { page: 'streetHistory' };
  if (page === 'report' && id) return { page: 'report', activationId: id };
  if (page === 'street')
    return sub === 'history' ? { page: 'streetHistory', streetId: id } : { page: 'street', streetId: id };
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
    case 'history':
      return `#/history/${encodeURIComponent(route.communityId)}`;
    case 'streetHistory':
      return route.streetId ? `#/street/${encodeURIComponent(route.streetId)}/history` : '#/history';
    case 'report':
      return `#/report/${encodeURIComponent(route.activationId)}`;
    case 'street':
      return route.streetId ? `#/street/${encodeURIComponent(route.streetId)}` : '#/street';
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
