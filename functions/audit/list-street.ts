import { auditLog } from '../../shared/adapters/audit-log';
import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeAuditUseCases } from '../../shared/use-cases/audit';

const audit = makeAuditUseCases({ audit: auditLog() });

export const handler = apiHandler(routes.getStreetAudit, async ({ params, query, principal }) =>
  ok(await audit.street(principal, params.streetId, query.limit, query.cursor)),
);
