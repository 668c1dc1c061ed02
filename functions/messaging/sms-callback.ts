import { documentClient } from '../../shared/adapters/dynamo';
import { secretReader, templateProvider } from '../../shared/adapters/sms-providers/settings';
import { DynamoSmsReceiptRepository } from '../../shared/adapters/sms-receipt-repository';
import { loadConfig, tableEnv } from '../../shared/config';
import { NotFoundError, UnauthorizedError, ValidationError } from '../../shared/domain/errors';
import { apiHandler, ok } from '../../shared/http/api';
import { routes } from '../../shared/http/routes';
import { logger } from '../../shared/observability';
import { makeCheckInUseCases } from '../../shared/use-cases/check-in';
import { callbackTokenMatches, makeSmsCallbacks } from '../../shared/use-cases/sms-callbacks';
import { makeVoiceReports } from '../../shared/use-cases/voice-reports';
import { tablePorts, voiceWiring } from '../../shared/wiring';

const ports = tablePorts();
const checkIn = makeCheckInUseCases(ports);
const receipts = new DynamoSmsReceiptRepository(documentClient(), loadConfig(tableEnv).TABLE_NAME);
const secret = secretReader();
const providers = new Map<string, ReturnType<typeof makeSmsCallbacks>>();
const voice = voiceWiring();
const voiceReports = voice && makeVoiceReports({ ...ports, ...voice, reply: checkIn.reply });

function callbacksFor(name: 'tencent' | 'aliyun') {
  let callbacks = providers.get(name);
  if (!callbacks) {
    const { provider } = templateProvider(name);
    callbacks = makeSmsCallbacks({ ...ports, provider, receipts, reply: checkIn.reply });
    providers.set(name, callbacks);
  }
  return callbacks;
}

/**
 * Receipts and replies from Tencent Cloud SMS or Alibaba Cloud SMS. The token is checked before
 * anything is read; the answer is the provider's own acknowledgement, never the body or a number.
 */
export const handler = apiHandler(routes.smsCallback, async ({ params, query, body }) => {
  const { callbackToken } = await secret();
  if (!callbackTokenMatches(query.token, callbackToken))
    throw new UnauthorizedError('invalid callback token');
  // Voice reports come only where the voice call is on, from the provider that rings.
  if (params.kind === 'voice' && (!voiceReports || voice?.config.provider !== params.provider))
    throw new NotFoundError('callback kind', 'voice');
  let outcome: Awaited<ReturnType<ReturnType<typeof makeSmsCallbacks>['receipts']>>;
  try {
    if (params.kind === 'voice' && voiceReports) outcome = await voiceReports.reports(body);
    else {
      const callbacks = callbacksFor(params.provider);
      outcome = params.kind === 'receipts' ? await callbacks.receipts(body) : await callbacks.replies(body);
    }
  } catch (error) {
    if (error instanceof Error && error.name === 'ZodError')
      throw new ValidationError('not a callback body of this provider', [
        { path: 'body', message: 'unexpected shape' },
      ]);
    throw error;
  }
  logger.info('sms callback', { provider: params.provider, kind: params.kind, ...outcome });
  if (!outcome.ack) {
    // Not yet matched to a settled send: the provider is asked to deliver it again.
    return ok(params.provider === 'tencent' ? { result: 1, errmsg: 'retry' } : { code: 1, msg: 'retry' });
  }
  return ok(params.provider === 'tencent' ? { result: 0, errmsg: 'OK' } : { code: 0, msg: '成功' });
});
