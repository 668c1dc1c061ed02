import { apiHandler } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeScheduleUseCases } from '../../shared/use-cases/schedules';
import { drillScheduler, tablePorts } from '../../shared/wiring';

const schedules = makeScheduleUseCases({ ...tablePorts(), scheduler: drillScheduler() });

export const handler = apiHandler(routes.createDrillSchedule, async ({ params, body, principal }) => ({
  status: 201,
  body: await schedules.create(principal, params.communityId, body),
}));
