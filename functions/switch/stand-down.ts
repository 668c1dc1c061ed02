import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { logger } from '../../shared/observability';
import { makeActivationUseCases } from '../../shared/use-cases/activation';
import { makeRankingRecorder } from '../../shared/use-cases/rankings';
import { tablePorts } from '../../shared/wiring';

const ports = tablePorts();
const switchUseCases = makeActivationUseCases(ports);
const rankingRecorder = makeRankingRecorder(ports);

export const handler = apiHandler(routes.standDown, async ({ params, principal }) => {
  const closed = await switchUseCases.standDown(principal, params.activationId);
  // The activation's share of the rankings. Repeatable: a stand-down pressed again after a
  // failure here folds in what is missing and nothing twice.
  try {
    await rankingRecorder.record(params.activationId);
  } catch (error) {
    logger.error('rankings not updated', { activationId: params.activationId, error });
  }
  return ok(closed);
});
