import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeMemberUseCases } from '../../shared/use-cases/members';
import { tablePorts } from '../../shared/wiring';

const members = makeMemberUseCases(tablePorts());

export const handler = apiHandler(routes.listMembers, async ({ params, query, principal }) => {
  const { limit, cursor, ...filter } = query;
  return ok(await members.list(principal, params.communityId, filter, limit, cursor));
});
