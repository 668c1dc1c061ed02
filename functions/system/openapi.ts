import { apiHandler, ok } from '../../shared/http/api';
import { openApiDocument } from '../../shared/http/openapi';
import { routes } from '../../shared/http/routes';

const document = openApiDocument();

export const handler = apiHandler(routes.openapi, async () => ok(document));
