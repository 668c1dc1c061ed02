import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeActivationUseCases } from '../../shared/use-cases/activation';
import { tablePorts } from '../../shared/wiring';

const switchUseCases = makeActivationUseCases(tablePorts());

export const handler = apiHandler(routes.listActivations, async ({ params, query, principal }) =>
  ok(await switchUseCases.list(principal, params.communityId, query.limit, query.cursor)),
);
