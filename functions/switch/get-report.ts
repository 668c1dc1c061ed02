import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeReportUseCases } from '../../shared/use-cases/board';
import { tablePorts } from '../../shared/wiring';

const reports = makeReportUseCases(tablePorts());

export const handler = apiHandler(routes.getReport, async ({ params, query, principal }) => {
  if (query.format === 'csv') {
    return {
      status: 200,
      text: await reports.csv(principal, params.activationId),
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="report-${params.activationId}.csv"`,
      },
    };
  }
  return ok(await reports.get(principal, params.activationId));
});
