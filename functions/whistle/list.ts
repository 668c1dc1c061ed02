import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { tablePorts } from '../../shared/wiring';

const { whistle } = tablePorts();

export const handler = apiHandler(routes.listWhistles, async ({ params, query, principal }) =>
  ok({ items: await whistle.list(principal, params.communityId, query.status) }),
);
