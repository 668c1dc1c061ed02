import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeMemberUseCases } from '../../shared/use-cases/members';
import { tablePorts } from '../../shared/wiring';

const members = makeMemberUseCases(tablePorts());

export const handler = apiHandler(routes.updateMember, async ({ params, body, principal }) =>
  ok(await members.update(principal, params.communityId, params.memberId, body)),
);
