import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeBoardUseCases } from '../../shared/use-cases/board';
import { tablePorts } from '../../shared/wiring';

const board = makeBoardUseCases(tablePorts());

export const handler = apiHandler(routes.getBoard, async ({ params, query, principal }) =>
  ok(await board.get(principal, params.activationId, query.view)),
);
