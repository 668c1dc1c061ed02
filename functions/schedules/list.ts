import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeScheduleUseCases } from '../../shared/use-cases/schedules';
import { drillScheduler, tablePorts } from '../../shared/wiring';

const schedules = makeScheduleUseCases({ ...tablePorts(), scheduler: drillScheduler() });

export const handler = apiHandler(routes.listDrillSchedules, async ({ params, principal }) =>
  ok({ items: await schedules.list(principal, params.communityId) }),
);
