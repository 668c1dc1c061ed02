import { apiHandler } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { makeActivationUseCases } from '../../shared/use-cases/activation';
import { tablePorts } from '../../shared/wiring';

const switchUseCases = makeActivationUseCases(tablePorts());

export const handler = apiHandler(routes.activate, async ({ params, body, principal, headers }) => {
  const { response, replayed } = await switchUseCases.activate(
    principal,
    params.communityId,
    body,
    headers['idempotency-key'],
  );
  const replyHeaders: Record<string, string> = replayed ? { 'idempotent-replayed': 'true' } : {};
  return { status: 201, body: response, headers: replyHeaders, replayed };
});
