import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeCheckInUseCases } from '../../shared/use-cases/check-in';
import { tablePorts } from '../../shared/wiring';

const checkIn = makeCheckInUseCases(tablePorts());

export const handler = apiHandler(routes.checkIn, async ({ params, body, principal }) =>
  ok(await checkIn.manual(principal, params.activationId, body)),
);
