export type Route =
  | { page: 'overview' }
  | { page: 'board'; activationId: string }
  | { page: 'roster'; communityId: string };

/** Hash routes, so the console is plain static files on any host: `#/`, `#/board/<id>`, `#/roster/<id>`. */
export function parseRoute(hash: string): Route {
  const [, page, id] = hash.replace(/^#/, '').split('/');
  if (page === 'board' && id) return { page: 'board', activationId: decodeURIComponent(id) };
  if (page === 'roster' && id) return { page: 'roster', communityId: decodeURIComponent(id) };
  return { page: 'overview' };
}

export const hrefOf = (route: Route): string =>
  route.page === 'board'
    ? `#/board/${encodeURIComponent(route.activationId)}`
    : route.page === 'roster'
      ? `#/roster/${encodeURIComponent(route.communityId)}`
      : '#/';

export function navigate(route: Route): void {
  location.hash = hrefOf(route);
}
