import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { drafteeItem } from '../../../shared/adapters/activation-records';
import type { Draftee } from '../../../shared/domain/activation';
import { keys } from '../../../shared/table';
import fixture from '../../fixtures/events/sns-inbound-sms.json';
import { fakeContext } from '../support/lambda-context';
import '../support/aws-matchers';

// The handler builds its ports at cold start, from the environment, as in Lambda.
vi.hoisted(() => {
  process.env.TABLE_NAME = 'pingji-test';
});
const { handler } = await import('../../../functions/messaging/inbound-sms');

const ddb = mockClient(DynamoDBDocumentClient);

/** The recorded event: AWS End User Messaging's two-way SMS payload as an SNS notification. */
const recorded: SNSEvent = fixture;
const FROM = '+8613800138000';
const INBOUND_ID = 'cae173d2-66b9-564c-8309-21f858e9fb84';
const SNS_TIMESTAMP = fixture.Records[0]?.Sns.Timestamp ?? '';

/** The recorded event with its first record's message text replaced. */
function withMessage(message: string | Record<string, unknown>): SNSEvent {
  const event = structuredClone(recorded);
  const record = event.Records[0];
  if (record) record.Sns.Message = typeof message === 'string' ? message : JSON.stringify(message);
  return event;
}

/** The payload the fixture carries, parsed, so a test can change one field of it. */
const payload = (): Record<string, unknown> => {
  const parsed: unknown = JSON.parse(fixture.Records[0]?.Sns.Message ?? '{}');
  if (typeof parsed !== 'object' || parsed === null) throw new Error('the fixture carries no payload');
  return { ...parsed };
};

const draftee: Draftee = {
  activationId: '01jd0000000000000000000aaa',
  memberId: 'm1',
  communityId: 'dongguan',
  teamId: 'dg01',
  name: '王伟',
  phone: FROM,
  leader: false,
  source: 'grid',
  status: 'drafted',
  open: true,
  drill: false,
  locale: 'zh',
  musterPoint: '社区广场东门',
  draftedAt: '2025-11-22T08:00:00.000Z',
  alertedAt: '2025-11-22T08:00:05.000Z',
  outbox: {},
};

beforeEach(() => {
  ddb.reset();
  ddb.on(QueryCommand).resolves({ Items: [drafteeItem(draftee, '2025-11-22T08:00:00.000Z')] });
  ddb.on(TransactWriteCommand).resolves({});
});

const firstTransaction = () => ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];

describe('the inbound SMS handler on the recorded SNS event', () => {
  it('applies the reply: the sender’s open call-out, the body, the inbound id and the SNS timestamp', async () => {
    const result = await handler(structuredClone(recorded), fakeContext('inbound-sms'));

    expect(result).toBeUndefined();
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'gsi1',
      ExpressionAttributeValues: { ':p': keys.openDrafteeByPhone(FROM) },
    });
    const items = firstTransaction();
    expect(items[0]?.Put?.Item).toMatchObject(keys.inbound(INBOUND_ID));
    expect(items[1]?.Update?.Key).toEqual(keys.draftee(draftee.activationId, draftee.memberId));
    expect(items[1]?.Update?.ExpressionAttributeValues).toMatchObject({
      ':to': 'confirmed',
      ':eta': 30,
      ':replyAt': SNS_TIMESTAMP,
    });
  });

  it('needs only the sender, the body and the inbound id: the other fields are optional', async () => {
    const {
      destinationNumber: _d,
      messageKeyword: _k,
      previousPublishedMessageId: _p,
      ...minimal
    } = payload();

    await handler(withMessage({ ...minimal, messageBody: '3' }), fakeContext('inbound-sms'));

    expect(firstTransaction()[1]?.Update?.ExpressionAttributeValues).toMatchObject({ ':to': 'arrived' });
  });

  it.each([
    ['text that is not JSON', 'STOP'],
    ['JSON that is not an object', '"1"'],
    [
      'a payload without an inbound message id',
      JSON.stringify({ ...payload(), inboundMessageId: undefined }),
    ],
    ['a payload with an empty sender', JSON.stringify({ ...payload(), originationNumber: '' })],
    ['a payload whose body is not text', JSON.stringify({ ...payload(), messageBody: 1 })],
  ])('drops %s without throwing and without touching the table', async (_what, message) => {
    const result = await handler(withMessage(message), fakeContext('inbound-sms'));

    expect(result).toBeUndefined();
    expect(ddb.calls()).toEqual([]);
  });

  it('a malformed record does not stop the good one after it', async () => {
    const event = withMessage('<xml/>');
    const good = structuredClone(recorded.Records[0]);
    if (good) event.Records.push(good);

    await handler(event, fakeContext('inbound-sms'));

    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    expect(firstTransaction()[0]?.Put?.Item).toMatchObject(keys.inbound(INBOUND_ID));
  });

  it('throws when the table fails, so SNS delivers the message again', async () => {
    ddb.on(QueryCommand).rejects(
      new DynamoDBServiceException({
        name: 'InternalServerError',
        $fault: 'server',
        $metadata: {},
        message: 'internal error',
      }),
    );

    await expect(handler(structuredClone(recorded), fakeContext('inbound-sms'))).rejects.toThrow(
      'internal error',
    );
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
  });
});
