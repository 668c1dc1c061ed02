import { apiHandler, upserted } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeStructureUseCases } from '../../shared/use-cases/structure';
import { tablePorts } from '../../shared/wiring';

const structure = makeStructureUseCases(tablePorts());

export const handler = apiHandler(routes.putStreet, async ({ params, body, principal }) =>
  upserted(await structure.putStreet(principal, params.streetId, body)),
);
