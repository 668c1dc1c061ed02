import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TransactItem } from '../../../../shared/adapters/dynamo';
import {
  commitUnits,
  counterItem,
  Transaction,
  type TransactionUnit,
} from '../../../../shared/adapters/transaction';

const TABLE = 'pingji-test';
const ddb = mockClient(DynamoDBDocumentClient);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));

const cancelled = (codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled [${codes.join(', ')}]`,
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

const put = (sk: string): TransactItem => ({
  Put: { TableName: TABLE, Item: { pk: 'P', sk }, ConditionExpression: 'attribute_not_exists(pk)' },
});
const team = { pk: 'ACT#a1', sk: 'TEAM#g1' };

beforeEach(() => ddb.reset());

describe('a labelled transaction', () => {
  it('names the part that failed by its label', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled(['None', 'None', 'ConditionalCheckFailed']));
    const result = await new Transaction(doc, TABLE)
      .add('release', put('a'))
      .add('unitLock', put('b'))
      .add('unitLock', put('c'))
      .commit();
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failed).toEqual([{ label: 'unitLock', code: 'ConditionalCheckFailed', item: undefined }]);
    expect(result.failedOn('unitLock', 'ConditionalCheckFailed')).toBeDefined();
    expect(result.failedOn('release')).toBeUndefined();
  });

  it('sums counters on one item into a single update, sent after the other parts', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await new Transaction(doc, TABLE)
      .add('draftee', put('a'))
      .count(team, { drafted: 2, alerted: 1 })
      .count(team, { drafted: -1, released: 1 })
      .count({ pk: 'ACT#a1', sk: 'TEAM#g2' }, { drafted: 0 })
      .commit();
    const items = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items).toHaveLength(2);
    expect(items[1]).toEqual(counterItem(TABLE, team, { drafted: 1, alerted: 1, released: 1 }));
    expect(items[1]?.Update?.ExpressionAttributeNames).toEqual({
      '#c0': 'drafted',
      '#c1': 'alerted',
      '#c2': 'released',
    });
  });

  it('renders no counter update when every value is zero', () => {
    expect(counterItem(TABLE, team, { drafted: 0 })).toBeUndefined();
  });
});

describe('writing units packed into transactions', () => {
  const unit = (sk: string): TransactionUnit => ({
    parts: [{ label: 'row', item: put(sk) }],
    counters: [{ key: team, delta: { noResponse: 1 } }],
  });

  it('packs up to 100 items a transaction, counters of one team merged', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const applied = await commitUnits(
      doc,
      TABLE,
      Array.from({ length: 150 }, (_, i) => unit(`s${i}`)),
    );
    expect(applied.every(Boolean)).toBe(true);
    const sizes = ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems?.length);
    expect(sizes).toEqual([100, 52]);
  });

  it('never touches one item twice in a transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await commitUnits(doc, TABLE, [unit('same'), unit('same')]);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('when a packed transaction is refused, writes its units one by one and reports which held', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled(['None', 'ConditionalCheckFailed', 'None', 'None']))
      .resolvesOnce({})
      .rejectsOnce(cancelled(['ConditionalCheckFailed', 'None']))
      .resolvesOnce({});
    const applied = await commitUnits(doc, TABLE, [unit('a'), unit('b'), unit('c')]);
    expect(applied).toEqual([true, false, true]);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(4);
  });
});
