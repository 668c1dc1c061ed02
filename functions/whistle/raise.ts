import { apiHandler, created } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { tablePorts } from '../../shared/wiring';

const { whistle } = tablePorts();

export const handler = apiHandler(routes.raiseWhistle, async ({ params, body, principal }) =>
  created(await whistle.raise(principal, params.communityId, body)),
);
