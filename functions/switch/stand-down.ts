import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeActivationUseCases } from '../../shared/use-cases/activation';
import { tablePorts } from '../../shared/wiring';

const switchUseCases = makeActivationUseCases(tablePorts());

export const handler = apiHandler(routes.standDown, async ({ params, principal }) =>
  ok(await switchUseCases.standDown(principal, params.activationId)),
);
