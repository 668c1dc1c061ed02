import { apiHandler } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeCapOutUseCases } from '../../shared/use-cases/cap';
import { capSender, tablePorts } from '../../shared/wiring';

const cap = makeCapOutUseCases({ ...tablePorts(), sender: capSender() });

export const handler = apiHandler(routes.getActivationCap, async ({ params, principal }) => ({
  status: 200,
  raw: {
    contentType: 'application/cap+xml; charset=utf-8',
    text: await cap.alertOf(principal, params.activationId),
  },
}));
