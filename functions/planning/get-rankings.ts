import { cstDay } from '../../shared/domain/ranking';
import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeRankingUseCases } from '../../shared/use-cases/rankings';
import { tablePorts } from '../../shared/wiring';

const ports = tablePorts();
const rankings = makeRankingUseCases(ports);

export const handler = apiHandler(routes.getRankings, async ({ params, query, principal }) =>
  ok(
    await rankings.get(
      principal,
      params.streetId,
      query.period,
      query.at ?? cstDay(ports.clock.now().toISOString()),
    ),
  ),
);
