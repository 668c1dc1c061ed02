import { apiHandler, noContent } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeMemberUseCases } from '../../shared/use-cases/members';
import { tablePorts } from '../../shared/wiring';

const members = makeMemberUseCases(tablePorts());

export const handler = apiHandler(routes.deleteMember, async ({ params, principal }) => {
  await members.remove(principal, params.communityId, params.memberId);
  return noContent();
});
