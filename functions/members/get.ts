import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeMemberUseCases } from '../../shared/use-cases/members';
import { tablePorts } from '../../shared/wiring';

const members = makeMemberUseCases(tablePorts());

export const handler = apiHandler(routes.getMember, async ({ params, principal }) =>
  ok(await members.get(principal, params.communityId, params.memberId)),
);
