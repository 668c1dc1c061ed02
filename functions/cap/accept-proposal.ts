import { apiHandler, created, routedHandler } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeActivationUseCases } from '../../shared/use-cases/activation';
import { makeProposalUseCases } from '../../shared/use-cases/proposals';
import { tablePorts } from '../../shared/wiring';

const ports = tablePorts();
const proposals = makeProposalUseCases({ ...ports, switchUseCases: makeActivationUseCases(ports) });

/** By the community's path, or by the proposal's id alone: one function serves both. */
export const handler = routedHandler(
  apiHandler(routes.acceptProposal, async ({ params, body, principal }) =>
    created(await proposals.accept(principal, params.communityId, params.proposalId, body)),
  ),
  apiHandler(routes.acceptProposalById, async ({ params, body, principal }) =>
    created(await proposals.acceptById(principal, params.proposalId, body)),
  ),
);
