import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  backoff,
  batchGetAll,
  batchWriteAll,
  decodeCursor,
  encodeCursor,
  isConditionFailure,
  type TransactItem,
  transactWrite,
  type WriteRequest,
} from '../../../../shared/adapters/dynamo';
import '../../support/aws-matchers';

const TABLE = 'pingji-test';
const ddb = mockClient(DynamoDBDocumentClient);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));

beforeEach(() => {
  ddb.reset();
  // No jitter: every backoff is zero, so retries run at once.
  vi.spyOn(Math, 'random').mockReturnValue(0);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const put = (i: number): WriteRequest => ({ PutRequest: { Item: { pk: `P#${i}`, sk: 'S', n: i } } });
const key = (i: number) => ({ pk: `P#${i}`, sk: 'S' });

/** A cancelled transaction as DynamoDB reports it: one reason per item, in order. */
const cancelled = (...reasons: { Code: string; Item?: Record<string, { S: string }> }[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons
      .map((r) => r.Code)
      .join(', ')}]`,
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: reasons,
  });

const twoPuts: TransactItem[] = [
  { Put: { TableName: TABLE, Item: key(1), ConditionExpression: 'attribute_not_exists(pk)' } },
  { Put: { TableName: TABLE, Item: key(2), ConditionExpression: 'attribute_not_exists(pk)' } },
];

describe('backoff', () => {
  it('stays within the cap whatever the attempt', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999);

    expect(backoff(1)).toBeLessThan(50);
    expect(backoff(30)).toBeLessThanOrEqual(2_000);
  });
});

describe('batchWriteAll', () => {
  it('writes 25 requests a call', async () => {
    ddb.on(BatchWriteCommand).resolves({});
    const requests = Array.from({ length: 60 }, (_, i) => put(i));

    await batchWriteAll(doc, TABLE, requests);

    const sizes = ddb
      .commandCalls(BatchWriteCommand)
      .map((c) => c.args[0].input.RequestItems?.[TABLE]?.length);
    expect(sizes).toEqual([25, 25, 10]);
    expect(ddb).toHaveReceivedNthCommandWith(BatchWriteCommand, 3, {
      RequestItems: { [TABLE]: requests.slice(50) },
    });
  });

  it('sends nothing for no requests', async () => {
    await batchWriteAll(doc, TABLE, []);

    expect(ddb).not.toHaveReceivedAnyCommand();
  });

  it('retries the unprocessed items until none are left', async () => {
    const requests = [put(1), put(2), put(3)];
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { [TABLE]: [put(2), put(3)] } })
      .resolvesOnce({ UnprocessedItems: { [TABLE]: [put(3)] } })
      .resolvesOnce({ UnprocessedItems: {} });

    await batchWriteAll(doc, TABLE, requests);

    expect(ddb).toHaveReceivedCommandTimes(BatchWriteCommand, 3);
    expect(ddb).toHaveReceivedNthCommandWith(BatchWriteCommand, 2, {
      RequestItems: { [TABLE]: [put(2), put(3)] },
    });
    expect(ddb).toHaveReceivedNthCommandWith(BatchWriteCommand, 3, { RequestItems: { [TABLE]: [put(3)] } });
  });

  it('gives up after too many attempts, saying how many items are left', async () => {
    ddb.on(BatchWriteCommand).resolves({ UnprocessedItems: { [TABLE]: [put(1)] } });

    await expect(batchWriteAll(doc, TABLE, [put(1), put(2)])).rejects.toThrow(
      'batch write: 1 items still unprocessed',
    );
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteCommand, 8);
  });

  it('lets an SDK error through', async () => {
    ddb
      .on(BatchWriteCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow', $metadata: {} }));

    await expect(batchWriteAll(doc, TABLE, [put(1)])).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
  });
});

describe('batchGetAll', () => {
  it('asks for each key once, however often it is given', async () => {
    ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [key(1), key(2)] } });

    const items = await batchGetAll(doc, TABLE, [key(1), key(2), key(1), key(2), key(1)]);

    expect(items).toEqual([key(1), key(2)]);
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(BatchGetCommand, {
      RequestItems: { [TABLE]: { Keys: [key(1), key(2)], ConsistentRead: false } },
    });
  });

  it('asks for 100 keys a call', async () => {
    ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [] } });
    const keys = Array.from({ length: 250 }, (_, i) => key(i));

    await batchGetAll(doc, TABLE, keys);

    const sizes = ddb
      .commandCalls(BatchGetCommand)
      .map((c) => c.args[0].input.RequestItems?.[TABLE]?.Keys?.length);
    expect(sizes).toEqual([100, 100, 50]);
  });

  it('retries the unprocessed keys, consistently when asked, and returns everything found', async () => {
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { [TABLE]: [{ ...key(1), n: 1 }] },
        UnprocessedKeys: { [TABLE]: { Keys: [key(2), key(3)] } },
      })
      .resolvesOnce({
        Responses: {
          [TABLE]: [
            { ...key(2), n: 2 },
            { ...key(3), n: 3 },
          ],
        },
      });

    const items = await batchGetAll(doc, TABLE, [key(1), key(2), key(3)], true);

    expect(items).toEqual([
      { ...key(1), n: 1 },
      { ...key(2), n: 2 },
      { ...key(3), n: 3 },
    ]);
    expect(ddb).toHaveReceivedNthCommandWith(BatchGetCommand, 2, {
      RequestItems: { [TABLE]: { Keys: [key(2), key(3)], ConsistentRead: true } },
    });
  });

  it('gives up after too many attempts', async () => {
    ddb.on(BatchGetCommand).resolves({ UnprocessedKeys: { [TABLE]: { Keys: [key(1)] } } });

    await expect(batchGetAll(doc, TABLE, [key(1)])).rejects.toThrow('batch get: 1 keys still unprocessed');
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 8);
  });
});

describe('transactWrite', () => {
  it('succeeds without a call when there is nothing to write', async () => {
    await expect(transactWrite(doc, [])).resolves.toEqual({ ok: true });
    expect(ddb).not.toHaveReceivedAnyCommand();
  });

  it('sends the items and the client request token', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    const result = await transactWrite(doc, twoPuts, 'token-1');

    expect(result).toEqual({ ok: true });
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(TransactWriteCommand, {
      TransactItems: twoPuts,
      ClientRequestToken: 'token-1',
    });
  });

  it('returns the index and code of a failed condition, without retrying', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled({ Code: 'None' }, { Code: 'ConditionalCheckFailed' }));

    const result = await transactWrite(doc, twoPuts);

    expect(result).toEqual({ ok: false, failed: [{ index: 1, code: 'ConditionalCheckFailed' }] });
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('returns the item that failed the condition, unmarshalled, when DynamoDB sends it', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(
        cancelled({ Code: 'ConditionalCheckFailed', Item: { pk: { S: 'P#1' }, memberId: { S: 'm7' } } }),
      );

    const result = await transactWrite(doc, twoPuts.slice(0, 1));

    expect(result).toEqual({
      ok: false,
      failed: [{ index: 0, code: 'ConditionalCheckFailed', item: { pk: 'P#1', memberId: 'm7' } }],
    });
  });

  it('retries a transaction conflict and then succeeds', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled({ Code: 'TransactionConflict' }, { Code: 'None' }))
      .rejectsOnce(cancelled({ Code: 'None' }, { Code: 'ThrottlingError' }))
      .resolvesOnce({});

    const result = await transactWrite(doc, twoPuts);

    expect(result).toEqual({ ok: true });
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 3);
  });

  it('throws the cancellation when conflicts persist', async () => {
    const conflict = cancelled({ Code: 'TransactionConflict' }, { Code: 'None' });
    ddb.on(TransactWriteCommand).rejects(conflict);

    await expect(transactWrite(doc, twoPuts)).rejects.toBe(conflict);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 8);
  });

  it('does not retry when a conflict comes with a failed condition', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(cancelled({ Code: 'TransactionConflict' }, { Code: 'ConditionalCheckFailed' }));

    const result = await transactWrite(doc, twoPuts);

    expect(result).toEqual({
      ok: false,
      failed: [
        { index: 0, code: 'TransactionConflict' },
        { index: 1, code: 'ConditionalCheckFailed' },
      ],
    });
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('rethrows an error that is not a cancellation', async () => {
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    ddb.on(TransactWriteCommand).rejects(throttled);

    await expect(transactWrite(doc, twoPuts)).rejects.toBe(throttled);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });
});

describe('isConditionFailure', () => {
  it('recognises only a ConditionalCheckFailedException', () => {
    expect(
      isConditionFailure(Object.assign(new Error('x'), { name: 'ConditionalCheckFailedException' })),
    ).toBe(true);
    expect(isConditionFailure(new Error('ConditionalCheckFailedException'))).toBe(false);
    expect(isConditionFailure({ name: 'ConditionalCheckFailedException' })).toBe(false);
  });
});

describe('encodeCursor and decodeCursor', () => {
  const allowed = ['pk', 'sk', 'gsi1pk', 'gsi1sk'];
  const partition = { attribute: 'gsi1pk', value: 'GRID#dongguan#dg01' };
  const start = { pk: 'COMMUNITY#dongguan', sk: 'MEMBER#m1', gsi1pk: 'GRID#dongguan#dg01', gsi1sk: 'm1' };
  const raw = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

  it('round-trips a start key through an opaque URL-safe cursor', () => {
    const cursor = encodeCursor(start);

    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, allowed, partition)).toEqual(start);
  });

  it('round-trips keys with characters outside ASCII', () => {
    const key = { pk: 'COMMUNITY#东关', sk: 'MEMBER#王' };

    expect(
      decodeCursor(encodeCursor(key), ['pk', 'sk'], { attribute: 'pk', value: 'COMMUNITY#东关' }),
    ).toEqual(key);
  });

  it('refuses a cursor from another partition', () => {
    const foreign = encodeCursor({ ...start, gsi1pk: 'GRID#xijie#xj01' });

    expect(decodeCursor(foreign, allowed, partition)).toBeUndefined();
  });

  it('refuses attribute names the query does not use', () => {
    expect(decodeCursor(encodeCursor({ ...start, secret: 'x' }), allowed, partition)).toBeUndefined();
  });

  it('refuses a cursor that lacks one of the key attributes', () => {
    const { sk: _sk, ...withoutSortKey } = start;

    expect(decodeCursor(encodeCursor(withoutSortKey), allowed, partition)).toBeUndefined();
  });

  it.each([
    ['a number', { ...start, gsi1sk: 7 }],
    ['a nested object', { ...start, gsi1sk: { S: 'm1' } }],
    ['null', { ...start, sk: null }],
  ])('refuses a value that is %s', (_label, value) => {
    expect(decodeCursor(raw(value), allowed, partition)).toBeUndefined();
  });

  it.each([
    ['garbage', '!!!not-a-cursor'],
    ['an empty string', ''],
    ['base64 of text that is not JSON', Buffer.from('hello').toString('base64url')],
    ['a JSON array', raw(['pk', 'sk'])],
    ['a JSON string', raw('COMMUNITY#dongguan')],
    ['JSON null', raw(null)],
  ])('refuses %s', (_label, cursor) => {
    expect(decodeCursor(cursor, allowed, partition)).toBeUndefined();
  });
});
