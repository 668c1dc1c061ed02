import { apiHandler, created } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeActivationUseCases } from '../../shared/use-cases/activation';
import { tablePorts } from '../../shared/wiring';

const switchUseCases = makeActivationUseCases(tablePorts());

export const handler = apiHandler(routes.activateStreet, async ({ params, body, principal, headers }) =>
  created(await switchUseCases.activateStreet(principal, params.streetId, body, headers['idempotency-key'])),
);
