import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TransactItem } from '../../../../shared/adapters/dynamo';
import { DynamoStructureRepository } from '../../../../shared/adapters/structure-repository';
import { ConflictError, NotFoundError, ValidationError } from '../../../../shared/domain/errors';
import type { Community, Grid, Unit } from '../../../../shared/domain/roster';
import { keys } from '../../../../shared/table';
import '../../support/aws-matchers';

const TABLE = 'pingji-test';
const NOW = '2025-11-22T08:00:00.000Z';
const ddb = mockClient(DynamoDBDocumentClient);
const repo = new DynamoStructureRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), TABLE);

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

const transactions = () =>
  ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

const community: Omit<Community, 'mode' | 'activationId'> = {
  communityId: 'dongguan',
  name: '东关社区',
  streetId: 'chengguan',
  updatedAt: NOW,
};

describe('putCommunity', () => {
  it('refuses an unknown street with 400 at streetId', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed'));

    const error = await caught(repo.putCommunity({ ...community, streetId: 'nowhere' }));

    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({
      status: 400,
      details: [{ path: 'streetId', message: "unknown street 'nowhere'" }],
    });
  });

  it('creates a community in normal mode, checking its street in the same transaction', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).resolves({});

    const result = await repo.putCommunity(community);

    expect(result).toEqual({
      created: true,
      community: { ...community, mode: 'normal', activationId: undefined },
    });
    expect(transactions()[0]?.[1]).toEqual({
      ConditionCheck: {
        TableName: TABLE,
        Key: keys.street('chengguan'),
        ConditionExpression: 'attribute_exists(pk)',
      },
    });
  });

  it('keeps the mode and activation of a community that exists', async () => {
    const existing = {
      ...community,
      mode: 'emergency',
      activationId: 'a1',
      updatedAt: '2025-11-01T00:00:00.000Z',
    };
    ddb.on(GetCommand).resolves({ Item: { ...keys.community('dongguan'), type: 'community', ...existing } });
    ddb.on(TransactWriteCommand).resolves({});

    const result = await repo.putCommunity({ ...community, name: '东关新社区' });

    expect(result).toEqual({
      created: false,
      community: { ...community, name: '东关新社区', mode: 'emergency', activationId: 'a1' },
    });
  });

  it('lets a throttling error from the SDK through', async () => {
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    ddb.on(GetCommand).rejects(throttled);

    await expect(repo.putCommunity(community)).rejects.toBe(throttled);
  });
});

describe('putStreet', () => {
  it('reports created when the street had no previous attributes', async () => {
    ddb.on(UpdateCommand).resolves({});

    await expect(
      repo.putStreet({ streetId: 'chengguan', name: '城关街道', updatedAt: NOW }),
    ).resolves.toEqual({
      created: true,
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: keys.street('chengguan'),
      ReturnValues: 'UPDATED_OLD',
    });
  });

  it('reports an update when the street existed', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { streetId: 'chengguan' } });

    await expect(
      repo.putStreet({ streetId: 'chengguan', name: '城关街道', updatedAt: NOW }),
    ).resolves.toEqual({
      created: false,
    });
  });
});

describe('putGrid', () => {
  const grid: Grid = {
    communityId: 'dongguan',
    gridId: 'dg01',
    name: '东关一网格',
    level: 'red',
    musterPoint: '小学操场',
    neighbours: ['dg02'],
    updatedAt: NOW,
  };

  it('refuses a grid of an unknown community with 404', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed'));

    await expect(repo.putGrid(grid)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('writes the grid in its community’s partition', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...keys.grid('dongguan', 'dg01'), type: 'grid', ...grid } });
    ddb.on(TransactWriteCommand).resolves({});

    const result = await repo.putGrid(grid);

    expect(result).toEqual({ created: false });
    expect(transactions()[0]?.[0]).toEqual({
      Put: { TableName: TABLE, Item: { ...keys.grid('dongguan', 'dg01'), type: 'grid', ...grid } },
    });
  });
});

describe('putUnit', () => {
  /** The condition on the unit's own write, whether the repository puts or updates it. */
  const guardOf = (item: TransactItem | undefined) => {
    const write = item?.Put ?? item?.Update;
    return { condition: write?.ConditionExpression, seen: write?.ExpressionAttributeValues?.[':seen'] };
  };
  const dg = (n: number) => ({ communityId: 'dongguan', gridId: `dg0${n}` });
  const previous: Unit = {
    unitId: 'power-supply',
    name: '县供电公司',
    pairedGrids: [dg(1), dg(2)],
    serves: ['electric'],
    kind: 'unit',
    updatedAt: NOW,
  };

  it('replaces only the pairings that changed, if the unit is unchanged since it was read', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const next: Unit = { ...previous, pairedGrids: [dg(2), dg(3)], updatedAt: '2025-11-23T00:00:00.000Z' };

    const result = await repo.putUnit(next, previous);

    expect(result).toEqual({ created: false });
    const [items] = transactions();
    expect(guardOf(items?.[0])).toEqual({ condition: 'updatedAt = :seen', seen: NOW });
    expect(items?.slice(1)).toEqual([
      { Delete: { TableName: TABLE, Key: keys.pairing('dongguan', 'dg01', 'power-supply') } },
      {
        Put: {
          TableName: TABLE,
          Item: {
            ...keys.pairing('dongguan', 'dg03', 'power-supply'),
            type: 'pairing',
            communityId: 'dongguan',
            gridId: 'dg03',
            unitId: 'power-supply',
          },
        },
      },
    ]);
  });

  it('creates a unit only if it is new', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    const result = await repo.putUnit(previous, undefined);

    expect(result).toEqual({ created: true });
    expect(transactions()[0]).toHaveLength(3);
    expect(guardOf(transactions()[0]?.[0])).toEqual({
      condition: 'attribute_not_exists(pk)',
      seen: undefined,
    });
  });

  it('turns a changed unit into 409 CONCURRENT_UPDATE', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));

    const error = await caught(repo.putUnit({ ...previous, pairedGrids: [dg(1)] }, previous));

    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ status: 409, code: 'CONCURRENT_UPDATE' });
  });
});

describe('getStructure', () => {
  it('reads the community, its grids and pairings in one consistent query', async () => {
    const grid = {
      communityId: 'dongguan',
      gridId: 'dg01',
      name: '东关一网格',
      level: 'red',
      musterPoint: '小学操场',
      neighbours: [],
      updatedAt: NOW,
    };
    const pairing = { communityId: 'dongguan', gridId: 'dg01', unitId: 'county-hospital' };
    ddb.on(QueryCommand).resolves({
      Items: [
        { ...keys.community('dongguan'), type: 'community', ...community, mode: 'normal' },
        { ...keys.grid('dongguan', 'dg01'), type: 'grid', ...grid },
        { ...keys.pairing('dongguan', 'dg01', 'county-hospital'), type: 'pairing', ...pairing },
      ],
    });

    const result = await repo.getStructure('dongguan');

    expect(result).toEqual({
      community: { ...community, mode: 'normal' },
      grids: [grid],
      pairings: [pairing],
    });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ConsistentRead: true,
    });
  });

  it('returns undefined for a community that does not exist', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });

    await expect(repo.getStructure('nowhere')).resolves.toBeUndefined();
  });
});
