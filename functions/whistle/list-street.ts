import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { tablePorts } from '../../shared/wiring';

const { whistle } = tablePorts();

export const handler = apiHandler(routes.listStreetWhistles, async ({ params, principal }) =>
  ok({ items: await whistle.listStreet(principal, params.streetId) }),
);
