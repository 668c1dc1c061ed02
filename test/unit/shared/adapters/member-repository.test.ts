import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeCursor, encodeCursor } from '../../../../shared/adapters/dynamo';
import { DynamoMemberRepository } from '../../../../shared/adapters/member-repository';
import { ConflictError, NotFoundError, ValidationError } from '../../../../shared/domain/errors';
import type { Member } from '../../../../shared/domain/roster';
import { keys } from '../../../../shared/table';
import '../../support/aws-matchers';
import { aMember } from '../../support/members';

const TABLE = 'pingji-test';
const ddb = mockClient(DynamoDBDocumentClient);
const repo = new DynamoMemberRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), TABLE);

beforeEach(() => {
  ddb.reset();
  vi.spyOn(Math, 'random').mockReturnValue(0);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

/** A member as the table holds it: keys, type and index attributes beside the fields. */
const stored = (m: Member) => ({
  ...keys.member(m.communityId, m.memberId),
  type: 'member',
  ...m,
  ...(m.gridId ? { gsi1pk: keys.membersOfGrid(m.communityId, m.gridId), gsi1sk: m.memberId } : {}),
  ...(m.unitId ? { gsi2pk: keys.membersOfUnit(m.unitId), gsi2sk: `${m.communityId}#${m.memberId}` } : {}),
});

const member = (n: number, overrides: Partial<Member> = {}) =>
  aMember({ memberId: `m${n}`, phone: `+86138001380${String(n).padStart(2, '0')}`, ...overrides });

/** The TransactItems of each TransactWrite call, in order. */
const transactions = () =>
  ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);
const queryInput = (call = 0): QueryCommandInput | undefined =>
  ddb.commandCalls(QueryCommand)[call]?.args[0].input;

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('create', () => {
  it('puts the member and its phone guard in one transaction, each only if new', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const m = member(1, { unitId: 'county-hospital' });

    await repo.create(m);

    expect(transactions()).toEqual([
      [
        {
          Put: {
            TableName: TABLE,
            Item: { ...stored(m) },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: TABLE,
            Item: {
              ...keys.phone(m.phone),
              type: 'phone',
              phone: m.phone,
              memberId: 'm1',
              communityId: 'dongguan',
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    ]);
  });

  it('turns a failed phone guard into 409 PHONE_TAKEN at phone', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed'));

    const error = await caught(repo.create(member(1)));

    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({
      status: 409,
      code: 'PHONE_TAKEN',
      details: [{ path: 'phone', message: 'already on a roster' }],
    });
  });

  it('turns a failed member put into 409 MEMBER_EXISTS', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));

    await expect(repo.create(member(1))).rejects.toMatchObject({ status: 409, code: 'MEMBER_EXISTS' });
  });

  it('lets a throttling error from the SDK through', async () => {
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    ddb.on(TransactWriteCommand).rejects(throttled);

    await expect(repo.create(member(1))).rejects.toBe(throttled);
  });
});

describe('update', () => {
  it('replaces the member only if it is unchanged since it was read', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const previous = member(1);
    const next = { ...previous, name: '李娜', gridId: undefined, updatedAt: '2025-11-23T00:00:00.000Z' };

    await repo.update(previous, next);

    expect(transactions()).toEqual([
      [
        {
          Put: {
            TableName: TABLE,
            Item: stored(next),
            ConditionExpression: 'updatedAt = :seen',
            ExpressionAttributeValues: { ':seen': previous.updatedAt },
          },
        },
      ],
    ]);
  });

  it('moves the phone guard when the phone changes', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const previous = member(1);
    const next = { ...previous, phone: '+8613900139000', updatedAt: '2025-11-23T00:00:00.000Z' };

    await repo.update(previous, next);

    const [items] = transactions();
    expect(items).toHaveLength(3);
    expect(items?.[1]).toEqual({
      Delete: {
        TableName: TABLE,
        Key: keys.phone(previous.phone),
        ConditionExpression: 'attribute_not_exists(pk) OR memberId = :id',
        ExpressionAttributeValues: { ':id': 'm1' },
      },
    });
    expect(items?.[2]).toMatchObject({
      Put: {
        Item: { ...keys.phone('+8613900139000'), memberId: 'm1' },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
  });

  it('turns a failure at index 0 into 409 CONCURRENT_UPDATE', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed'));
    const previous = member(1);

    const error = await caught(repo.update(previous, { ...previous, name: '李娜' }));

    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ status: 409, code: 'CONCURRENT_UPDATE' });
  });

  it('turns a failure at the new phone guard into 409 PHONE_TAKEN', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'None', 'ConditionalCheckFailed'));
    const previous = member(1);

    await expect(repo.update(previous, { ...previous, phone: '+8613900139000' })).rejects.toMatchObject({
      code: 'PHONE_TAKEN',
      details: [{ path: 'phone' }],
    });
  });
});

describe('remove', () => {
  it('deletes the member and its phone guard together', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await repo.remove(member(1));

    expect(transactions()[0]?.map((item) => Object.keys(item)[0])).toEqual(['Delete', 'Delete']);
  });

  it('turns a cancellation into 404', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));

    await expect(repo.remove(member(1))).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('reads', () => {
  it('gets a member consistently and reads an old record without smsOptOut as opted in', async () => {
    const { smsOptOut: _omitted, ...old } = stored(member(1));
    ddb.on(GetCommand).resolves({ Item: old });

    const found = await repo.get('dongguan', 'm1');

    expect(found).toEqual(member(1));
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      TableName: TABLE,
      Key: keys.member('dongguan', 'm1'),
      ConsistentRead: true,
    });
  });

  it('returns undefined for a member that does not exist', async () => {
    ddb.on(GetCommand).resolves({});

    await expect(repo.get('dongguan', 'm404')).resolves.toBeUndefined();
  });

  it('looks phones up by their guard items, consistently', async () => {
    const entry = { phone: '+8613800138001', memberId: 'm1', communityId: 'dongguan' };
    ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [{ ...keys.phone(entry.phone), ...entry }] } });

    const found = await repo.getPhones([entry.phone, '+8613900139000']);

    expect(found).toEqual([entry]);
    expect(ddb).toHaveReceivedCommandWith(BatchGetCommand, {
      RequestItems: {
        [TABLE]: { Keys: [keys.phone(entry.phone), keys.phone('+8613900139000')], ConsistentRead: true },
      },
    });
  });
});

describe('writeBatch', () => {
  it('writes members whole in one transaction when all is well', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const previous = member(3);

    const outcome = await repo.writeBatch(
      [member(1), member(2)],
      [{ previous, next: { ...previous, name: '李娜' } }],
    );

    expect(Object.fromEntries(outcome)).toEqual({ m1: { ok: true }, m2: { ok: true }, m3: { ok: true } });
    expect(transactions().map((t) => t.length)).toEqual([5]);
  });

  it('falls back to one transaction a member when one fails, so only that member is refused', async () => {
    ddb
      .on(TransactWriteCommand)
      // The chunk: m1 (items 0–1), m2 (2–3), m3 (4–5); m2's phone is taken.
      .rejectsOnce(cancelled('None', 'None', 'None', 'ConditionalCheckFailed', 'None', 'None'))
      .resolvesOnce({})
      .rejectsOnce(cancelled('None', 'ConditionalCheckFailed'))
      .resolvesOnce({});

    const outcome = await repo.writeBatch([member(1), member(2), member(3)], []);

    expect(Object.fromEntries(outcome)).toEqual({
      m1: { ok: true },
      m2: { ok: false, reason: 'phoneTaken' },
      m3: { ok: true },
    });
    expect(transactions().map((t) => t.length)).toEqual([6, 2, 2, 2]);
    expect(transactions()[2]?.[0]).toMatchObject({ Put: { Item: { memberId: 'm2' } } });
  });

  it('reports an update changed meanwhile as changed', async () => {
    const previous = member(1);
    ddb
      .on(TransactWriteCommand)
      // Creates come first: m2's two items, then m1's update.
      .rejectsOnce(cancelled('None', 'None', 'ConditionalCheckFailed'))
      .resolvesOnce({})
      .rejectsOnce(cancelled('ConditionalCheckFailed'));

    const outcome = await repo.writeBatch([member(2)], [{ previous, next: { ...previous, name: '李娜' } }]);

    expect(Object.fromEntries(outcome)).toEqual({ m1: { ok: false, reason: 'changed' }, m2: { ok: true } });
  });

  it('packs members into transactions of at most 100 items, never splitting one', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const creates = Array.from({ length: 60 }, (_, i) => member(i));

    const outcome = await repo.writeBatch(creates, []);

    expect(outcome.size).toBe(60);
    expect(
      transactions()
        .map((t) => t.length)
        .sort((a, b) => b - a),
    ).toEqual([100, 20]);
  });
});

describe('list', () => {
  const page = (...members: Member[]) => members.map(stored);

  it('queries the community partition for members when there is no filter', async () => {
    ddb.on(QueryCommand).resolves({ Items: page(member(1)) });

    const result = await repo.list('dongguan', {}, 50);

    expect(result).toEqual({ items: [member(1)] });
    expect(queryInput()).toEqual({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :p AND begins_with(sk, :m)',
      ExpressionAttributeValues: { ':p': 'COMMUNITY#dongguan', ':m': 'MEMBER#' },
      Limit: 50,
    });
  });

  it('queries gsi1 for a grid', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });

    await repo.list('dongguan', { gridId: 'dg01' }, 50);

    expect(queryInput()).toEqual({
      TableName: TABLE,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': 'GRID#dongguan#dg01' },
      Limit: 50,
    });
  });

  it('queries gsi2 for a unit, within the community by sort-key prefix', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });

    await repo.list('dongguan', { unitId: 'county-hospital' }, 50);

    expect(queryInput()).toEqual({
      TableName: TABLE,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :p AND begins_with(gsi2sk, :c)',
      ExpressionAttributeValues: { ':p': 'UNIT#county-hospital', ':c': 'dongguan#' },
      Limit: 50,
    });
  });

  it('filters by role and skill, reading larger pages', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });

    await repo.list('dongguan', { role: 'volunteer', skill: 'firstAid' }, 10);

    expect(queryInput()).toEqual({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :p AND begins_with(sk, :m)',
      FilterExpression: 'contains(#roles, :role) AND contains(#skills, :skill)',
      ExpressionAttributeNames: { '#roles': 'roles', '#skills': 'skills' },
      ExpressionAttributeValues: {
        ':p': 'COMMUNITY#dongguan',
        ':m': 'MEMBER#',
        ':role': 'volunteer',
        ':skill': 'firstAid',
      },
      Limit: 200,
    });
  });

  it('uses the grid index and filters by unit when both are given', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });

    await repo.list('dongguan', { gridId: 'dg01', unitId: 'county-hospital' }, 50);

    expect(queryInput()).toMatchObject({
      IndexName: 'gsi1',
      FilterExpression: '#unitId = :unit',
      ExpressionAttributeNames: { '#unitId': 'unitId' },
      ExpressionAttributeValues: { ':p': 'GRID#dongguan#dg01', ':unit': 'county-hospital' },
    });
  });

  it('reads on until the page is full, asking only for what is missing', async () => {
    const lastKey = keys.member('dongguan', 'm3');
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: page(member(1), member(2)), LastEvaluatedKey: keys.member('dongguan', 'm2') })
      .resolvesOnce({ Items: page(member(3)), LastEvaluatedKey: lastKey });

    const result = await repo.list('dongguan', {}, 3);

    expect(result.items.map((m) => m.memberId)).toEqual(['m1', 'm2', 'm3']);
    expect(queryInput(1)).toMatchObject({ Limit: 1, ExclusiveStartKey: keys.member('dongguan', 'm2') });
    expect(
      result.nextCursor &&
        decodeCursor(result.nextCursor, ['pk', 'sk'], { attribute: 'pk', value: lastKey.pk }),
    ).toEqual(lastKey);
  });

  it('trims a filtered page to the limit, with a cursor at the last member returned', async () => {
    const matches = [member(1), member(2), member(3)].map((m) => ({ ...m, gridId: 'dg01' }));
    ddb.on(QueryCommand).resolves({ Items: page(...matches), LastEvaluatedKey: stored(member(9)) });

    const result = await repo.list('dongguan', { gridId: 'dg01', role: 'volunteer' }, 2);

    expect(result.items.map((m) => m.memberId)).toEqual(['m1', 'm2']);
    const second = stored(matches[1] ?? member(0));
    const resume = { pk: second.pk, sk: second.sk, gsi1pk: second.gsi1pk, gsi1sk: second.gsi1sk };
    expect(
      result.nextCursor &&
        decodeCursor(result.nextCursor, ['pk', 'sk', 'gsi1pk', 'gsi1sk'], {
          attribute: 'gsi1pk',
          value: 'GRID#dongguan#dg01',
        }),
    ).toEqual(resume);
  });

  it('resumes from its own cursor', async () => {
    const start = { pk: 'COMMUNITY#dongguan', sk: 'MEMBER#m2', gsi1pk: 'GRID#dongguan#dg01', gsi1sk: 'm2' };
    ddb.on(QueryCommand).resolves({ Items: [] });

    await repo.list('dongguan', { gridId: 'dg01' }, 2, encodeCursor(start));

    expect(queryInput()).toMatchObject({ ExclusiveStartKey: start });
  });

  it('gives no cursor on the last page', async () => {
    ddb.on(QueryCommand).resolves({ Items: page(member(1)) });

    const result = await repo.list('dongguan', {}, 2);

    expect(result.nextCursor).toBeUndefined();
  });

  it('refuses a cursor from another list with 400 at cursor', async () => {
    const otherGrid = encodeCursor({
      pk: 'COMMUNITY#dongguan',
      sk: 'MEMBER#m2',
      gsi1pk: 'GRID#dongguan#dg02',
      gsi1sk: 'm2',
    });

    const error = await caught(repo.list('dongguan', { gridId: 'dg01' }, 2, otherGrid));

    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ status: 400, details: [{ path: 'cursor' }] });
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
  });

  it('refuses another community’s cursor', async () => {
    const other = encodeCursor(keys.member('xijie', 'm2'));

    await expect(repo.list('dongguan', {}, 2, other)).rejects.toBeInstanceOf(ValidationError);
  });

  it('lets a throttling error from the SDK through', async () => {
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    ddb.on(QueryCommand).rejects(throttled);

    await expect(repo.list('dongguan', {}, 2)).rejects.toBe(throttled);
  });
});
