import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeActivationUseCases } from '../../shared/use-cases/activation';
import { makeProposalUseCases } from '../../shared/use-cases/proposals';
import { tablePorts } from '../../shared/wiring';

const ports = tablePorts();
const proposals = makeProposalUseCases({ ...ports, switchUseCases: makeActivationUseCases(ports) });

export const handler = apiHandler(routes.listProposals, async ({ params, principal }) =>
  ok(await proposals.listOpen(principal, params.communityId)),
);
