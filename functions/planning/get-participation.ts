import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeRankingUseCases } from '../../shared/use-cases/rankings';
import { tablePorts } from '../../shared/wiring';

const rankings = makeRankingUseCases(tablePorts());

export const handler = apiHandler(routes.getParticipation, async ({ params, principal }) =>
  ok(await rankings.participation(principal, params.communityId, params.memberId)),
);
