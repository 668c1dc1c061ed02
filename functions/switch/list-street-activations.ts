import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeHistoryUseCases } from '../../shared/use-cases/history';
import { tablePorts } from '../../shared/wiring';

const history = makeHistoryUseCases(tablePorts());

export const handler = apiHandler(routes.listStreetActivations, async ({ params, query, principal }) =>
  ok(await history.street(principal, params.streetId, query)),
);
