import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { tablePorts } from '../../shared/wiring';

const { whistle } = tablePorts();

export const handler = apiHandler(routes.getWhistle, async ({ params, principal }) =>
  ok(await whistle.get(principal, params.whistleId)),
);
