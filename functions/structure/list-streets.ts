import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeStructureUseCases } from '../../shared/use-cases/structure';
import { tablePorts } from '../../shared/wiring';

const structure = makeStructureUseCases(tablePorts());

export const handler = apiHandler(routes.listStreets, async ({ principal }) =>
  ok({ items: await structure.listStreets(principal) }),
);
