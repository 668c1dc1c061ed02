import { apiHandler } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeActivationUseCases } from '../../shared/use-cases/activation';
import { makeProposalUseCases } from '../../shared/use-cases/proposals';
import { tablePorts } from '../../shared/wiring';

const ports = tablePorts();
const proposals = makeProposalUseCases({ ...ports, switchUseCases: makeActivationUseCases(ports) });

export const handler = apiHandler(routes.receiveWarning, async ({ body, principal }) => {
  const { result, replayed } = await proposals.receive(principal, body);
  const headers: Record<string, string> = replayed ? { 'idempotent-replayed': 'true' } : {};
  return {
    status: replayed ? 200 : 201,
    body: result,
    replayed,
    headers,
  };
});
