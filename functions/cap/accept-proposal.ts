import { apiHandler, created } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeActivationUseCases } from '../../shared/use-cases/activation';
import { makeProposalUseCases } from '../../shared/use-cases/proposals';
import { tablePorts } from '../../shared/wiring';

const ports = tablePorts();
const proposals = makeProposalUseCases({ ...ports, switchUseCases: makeActivationUseCases(ports) });

export const handler = apiHandler(routes.acceptProposal, async ({ params, body, principal }) =>
  created(await proposals.accept(principal, params.communityId, params.proposalId, body)),
);
