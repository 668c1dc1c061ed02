import { apiHandler, created } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeMemberUseCases } from '../../shared/use-cases/members';
import { tablePorts } from '../../shared/wiring';

const members = makeMemberUseCases(tablePorts());

export const handler = apiHandler(routes.createMember, async ({ params, body, principal }) =>
  created(await members.create(principal, params.communityId, body)),
);
