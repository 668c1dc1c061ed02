import { apiHandler } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeCapOutUseCases } from '../../shared/use-cases/cap';
import { capSender, tablePorts } from '../../shared/wiring';

const cap = makeCapOutUseCases({ ...tablePorts(), sender: capSender() });

export const handler = apiHandler(routes.getStreetCap, async ({ params, principal }) => ({
  status: 200,
  raw: {
    contentType: 'application/atom+xml; charset=utf-8',
    text: await cap.streetFeed(principal, params.streetId),
  },
}));
