import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { tablePorts } from '../../shared/wiring';

const { whistle } = tablePorts();

export const handler = apiHandler(routes.resolveWhistle, async ({ params, body, principal }) =>
  ok(await whistle.resolve(principal, params.whistleId, body.note)),
);
