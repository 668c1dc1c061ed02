import { apiHandler, ok, routedHandler } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeActivationUseCases } from '../../shared/use-cases/activation';
import { makeProposalUseCases } from '../../shared/use-cases/proposals';
import { tablePorts } from '../../shared/wiring';

const ports = tablePorts();
const proposals = makeProposalUseCases({ ...ports, switchUseCases: makeActivationUseCases(ports) });

/** By the community's path, or by the proposal's id alone: one function serves both. */
export const handler = routedHandler(
  apiHandler(routes.dismissProposal, async ({ params, body, principal }) =>
    ok(await proposals.dismiss(principal, params.communityId, params.proposalId, body)),
  ),
  apiHandler(routes.dismissProposalById, async ({ params, body, principal }) =>
    ok(await proposals.dismissById(principal, params.proposalId, body)),
  ),
);
