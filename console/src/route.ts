export type Route =
  | { page: 'overview' }
  | { page: 'board'; activationId: string }
  | { page: 'roster'; communityId: string }
  // --- Planning pages ---
  | { page: 'schedules'; communityId: string }
  | { page: 'rankings'; streetId?: string | undefined };

/**
 * Hash routes, so the console is plain static files on any host: `#/`, `#/board/<id>`,
 * `#/roster/<id>`, `#/schedules/<communityId>`, `#/rankings[/<streetId>]`.
 */
export function parseRoute(hash: string): Route {
  const [, page, id] = hash.replace(/^#/, '').split('/');
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
    default:
      return '#/';
  }
};

export function navigate(route: Route): void {
  location.hash = hrefOf(route);
}
