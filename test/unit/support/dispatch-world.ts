import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoActivationRepository } from '../../../shared/adapters/activation-repository';
import { DynamoDrafteeRepository } from '../../../shared/adapters/draftee-repository';
import type { Item } from '../../../shared/adapters/dynamo';
import { DynamoMemberRepository } from '../../../shared/adapters/member-repository';
import type { SmsGateway } from '../../../shared/adapters/sms-gateway';
import type { OutboxMessage } from '../../../shared/domain/activation';
import type { ItemKey } from '../../../shared/table';
import { makeDispatcher } from '../../../shared/use-cases/dispatch';
import type { FakeOutbox } from './fake-outbox';

/*
 * What the stream consumer's unit tests share: a clock, draftees of one activation with their
 * outboxes, and the dispatcher over an in-memory outbox.
 */

// The repositories are never asked to reach DynamoDB: the fakes answer instead.
const unused = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'cn-north-1' }));

export const NOW = Date.parse('2025-11-22T08:00:00.000Z');
export const at = (ms: number) => new Date(NOW + ms).toISOString();
/** A round trip to a network: the answer comes in a later turn of the event loop, as real I/O does. */
export const io = () => new Promise<void>((resolve) => setImmediate(resolve));
export const keyOf = (memberId: string): ItemKey => ({ pk: 'ACT#a1', sk: `MEMBER#${memberId}` });
export const phoneOf = (memberId: string) => `+86138000000${memberId.slice(-2)}`;

/** A message queued `queuedMs` after the start. */
export const queuedMessage = (
  kind: OutboxMessage['kind'],
  queuedMs: number,
  extra: Partial<OutboxMessage> = {},
): OutboxMessage => ({
  kind,
  body: `【平急】${kind}`,
  state: 'queued',
  queuedAt: at(queuedMs),
  attempts: 0,
  ...extra,
});

/** A draftee of team g1 of activation a1, with these messages waiting. */
export function drafteeItem(
  memberId: string,
  outbox: Record<string, OutboxMessage> = { alert: queuedMessage('alert', 0) },
): Item {
  return {
    ...keyOf(memberId),
    type: 'draftee',
    activationId: 'a1',
    memberId,
    teamId: 'g1',
    phone: phoneOf(memberId),
    open: true,
    outbox,
  };
}

export function dispatcher(
  outbox: FakeOutbox,
  sms: SmsGateway,
  options: Partial<Parameters<typeof makeDispatcher>[0]> = {},
) {
  return makeDispatcher({
    activations: new DynamoActivationRepository(unused, 'fake'),
    draftees: new DynamoDrafteeRepository(unused, 'fake'),
    outbox,
    members: new DynamoMemberRepository(unused, 'fake'),
    sms,
    clock: { now: () => new Date(NOW) },
    rate: 1_000,
    leaseSeconds: 60,
    ...options,
  });
}
