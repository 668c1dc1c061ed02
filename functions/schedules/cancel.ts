import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeScheduleUseCases } from '../../shared/use-cases/schedules';
import { drillScheduler, tablePorts } from '../../shared/wiring';

const schedules = makeScheduleUseCases({ ...tablePorts(), scheduler: drillScheduler() });

export const handler = apiHandler(routes.cancelDrillSchedule, async ({ params, principal }) =>
  ok(await schedules.cancel(principal, params.communityId, params.scheduleId)),
);
