import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';

export const handler = apiHandler(routes.health, async () => ok({ status: 'ok' }));
