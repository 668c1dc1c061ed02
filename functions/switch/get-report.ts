import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeReportUseCases } from '../../shared/use-cases/board';
import { tablePorts } from '../../shared/wiring';

const reports = makeReportUseCases(tablePorts());

export const handler = apiHandler(routes.getReport, async ({ params, principal }) =>
  ok(await reports.get(principal, params.activationId)),
);
