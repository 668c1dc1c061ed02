import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeActivationUseCases } from '../../shared/use-cases/activation';
import { tablePorts } from '../../shared/wiring';

const switchUseCases = makeActivationUseCases(tablePorts());

export const handler = apiHandler(routes.getMode, async ({ params, principal }) =>
  ok(await switchUseCases.getMode(principal, params.communityId)),
);
