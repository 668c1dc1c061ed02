import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { concurrentUpdate, NotFoundError, unknownReference } from '../domain/errors';
import type { Community, CommunityStructure, Grid, GridRef, Pairing, Street, Unit } from '../domain/roster';
import { GRID_LEVELS, MODES, UNIT_KINDS, WHISTLE_CATEGORIES } from '../domain/roster';
import { keys } from '../table';
import { batchGetAll, type Item, queryAll, type TransactItem, transactWrite } from './dynamo';

/** Streets, communities with their grids, and partner units with their grid pairings. */
export interface StructureRepository {
  getStreet(streetId: string): Promise<Street | undefined>;
  listStreets(): Promise<Street[]>;
  /** Creates or renames a street. */
  putStreet(street: Street): Promise<{ created: boolean }>;
  /** Creates or updates a community's name and street; a new community starts in normal mode. */
  putCommunity(
    input: Omit<Community, 'mode' | 'activationId'>,
  ): Promise<{ community: Community; created: boolean }>;
  getCommunity(communityId: string): Promise<Community | undefined>;
  getCommunities(communityIds: readonly string[]): Promise<Community[]>;
  listCommunities(): Promise<Community[]>;
  /** The communities of one street. */
  listCommunitiesOfStreet(streetId: string): Promise<Community[]>;
  /** The ids of the communities whose GB/T 2260 code starts with `prefix` (at least 2 digits). */
  listCommunityIdsInArea(prefix: string): Promise<string[]>;
  /** The community with its grids and pairings, in one query. */
  getStructure(communityId: string): Promise<CommunityStructure | undefined>;
  putGrid(grid: Grid): Promise<{ created: boolean }>;
  getUnit(unitId: string): Promise<Unit | undefined>;
  getUnits(unitIds: readonly string[]): Promise<Unit[]>;
  listUnits(): Promise<Unit[]>;
  /** Creates or updates a unit and replaces its pairings, all or nothing. */
  putUnit(unit: Unit, previous: Unit | undefined): Promise<{ created: boolean }>;
}

const streetRecord = z.object({ streetId: z.string(), name: z.string(), updatedAt: z.string() });
const communityRecord = z.object({
  communityId: z.string(),
  name: z.string(),
  streetId: z.string(),
  areaCode: z.string().optional(),
  mode: z.enum(MODES),
  activationId: z.string().optional(),
  updatedAt: z.string(),
});
const gridRecord = z.object({
  communityId: z.string(),
  gridId: z.string(),
  name: z.string(),
  level: z.enum(GRID_LEVELS),
  musterPoint: z.string(),
  neighbours: z.array(z.string()),
  updatedAt: z.string(),
});
const pairingRecord = z.object({ communityId: z.string(), gridId: z.string(), unitId: z.string() });
const unitRecord = z.object({
  unitId: z.string(),
  name: z.string(),
  pairedGrids: z.array(z.object({ communityId: z.string(), gridId: z.string() })),
  // Units written before these fields existed read as plain units serving no category.
  serves: z.array(z.enum(WHISTLE_CATEGORIES)).default([]),
  kind: z.enum(UNIT_KINDS).default('unit'),
  updatedAt: z.string(),
});

const toStreet = (item: Item): Street => streetRecord.parse(item);
const toCommunity = (item: Item): Community => communityRecord.parse(item);
const toGrid = (item: Item): Grid => gridRecord.parse(item);
const toUnit = (item: Item): Unit => unitRecord.parse(item);

const pairKey = (p: GridRef) => `${p.communityId}/${p.gridId}`;

export class DynamoStructureRepository implements StructureRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async getStreet(streetId: string): Promise<Street | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.street(streetId) }),
    );
    return Item ? toStreet(Item) : undefined;
  }

  async listStreets(): Promise<Street[]> {
    return (await this.listIndex(keys.streetsIndex)).map(toStreet);
  }

  async putStreet(street: Street): Promise<{ created: boolean }> {
    const { Attributes } = await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.street(street.streetId),
        UpdateExpression:
          'SET #type = :type, streetId = :id, #name = :name, updatedAt = :now, gsi1pk = :g, gsi1sk = :id',
        ExpressionAttributeNames: { '#type': 'type', '#name': 'name' },
        ExpressionAttributeValues: {
          ':type': 'street',
          ':id': street.streetId,
          ':name': street.name,
          ':now': street.updatedAt,
          ':g': keys.streetsIndex,
        },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    return { created: Attributes?.streetId === undefined };
  }

  async putCommunity(
    input: Omit<Community, 'mode' | 'activationId'>,
  ): Promise<{ community: Community; created: boolean }> {
    const { Item: current } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.community(input.communityId), ConsistentRead: true }),
    );
    const existing = current ? toCommunity(current) : undefined;
    const previousCode = existing?.areaCode;
    const areaChanged = previousCode !== input.areaCode;
    const result = await transactWrite(this.doc, [
      {
        Update: {
          TableName: this.table,
          Key: keys.community(input.communityId),
          UpdateExpression:
            'SET #type = :type, communityId = :id, #name = :name, streetId = :street, updatedAt = :now, ' +
            '#mode = if_not_exists(#mode, :normal), gsi1pk = :g1, gsi1sk = :id, gsi2pk = :g2, gsi2sk = :id' +
            (input.areaCode ? ', areaCode = :area' : ' REMOVE areaCode'),
          // The area index below is written from the code read above: refuse if another write moved it.
          ConditionExpression: previousCode ? 'areaCode = :previous' : 'attribute_not_exists(areaCode)',
          ExpressionAttributeNames: { '#type': 'type', '#name': 'name', '#mode': 'mode' },
          ExpressionAttributeValues: {
            ':type': 'community',
            ':id': input.communityId,
            ':name': input.name,
            ':street': input.streetId,
            ':now': input.updatedAt,
            ':normal': 'normal',
            ':g1': keys.communitiesIndex,
            ':g2': keys.communitiesOfStreet(input.streetId),
            ...(input.areaCode ? { ':area': input.areaCode } : {}),
            ...(previousCode ? { ':previous': previousCode } : {}),
          },
        },
      },
      {
        ConditionCheck: {
          TableName: this.table,
          Key: keys.street(input.streetId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      ...(areaChanged && previousCode
        ? [{ Delete: { TableName: this.table, Key: keys.areaEntry(previousCode, input.communityId) } }]
        : []),
      ...(areaChanged && input.areaCode
        ? [
            {
              Put: {
                TableName: this.table,
                Item: {
                  ...keys.areaEntry(input.areaCode, input.communityId),
                  type: 'areaEntry',
                  communityId: input.communityId,
                  areaCode: input.areaCode,
                },
              },
            },
          ]
        : []),
    ]);
    if (!result.ok && result.failed.some((f) => f.index === 0))
      throw concurrentUpdate('community', input.communityId);
    if (!result.ok) throw unknownReference('streetId', 'street', input.streetId);
    const community: Community = {
      ...input,
      mode: existing?.mode ?? 'normal',
      activationId: existing?.activationId,
    };
    return { community, created: existing === undefined };
  }

  async getCommunity(communityId: string): Promise<Community | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.community(communityId) }),
    );
    return Item ? toCommunity(Item) : undefined;
  }

  async getCommunities(communityIds: readonly string[]): Promise<Community[]> {
    const items = await batchGetAll(this.doc, this.table, communityIds.map(keys.community));
    return items.map(toCommunity).sort((a, b) => a.communityId.localeCompare(b.communityId));
  }

  async listCommunitiesOfStreet(streetId: string): Promise<Community[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :s',
      ExpressionAttributeValues: { ':s': keys.communitiesOfStreet(streetId) },
    });
    return items.map(toCommunity);
  }

  async listCommunityIdsInArea(prefix: string): Promise<string[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.areaPartition(prefix), ':prefix': prefix },
    });
    return items.map((item) => item.communityId).filter((id): id is string => typeof id === 'string');
  }

  async listCommunities(): Promise<Community[]> {
    return (await this.listIndex(keys.communitiesIndex)).map(toCommunity);
  }

  async getStructure(communityId: string): Promise<CommunityStructure | undefined> {
    const { pk } = keys.community(communityId);
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': pk,
        ':from': keys.communityStructureRange.from,
        ':to': keys.communityStructureRange.to,
      },
      ConsistentRead: true,
    });
    const head = items.find((i) => i.type === 'community');
    if (!head) return undefined;
    return {
      community: toCommunity(head),
      grids: items.filter((i) => i.type === 'grid').map(toGrid),
      pairings: items.filter((i) => i.type === 'pairing').map((i): Pairing => pairingRecord.parse(i)),
    };
  }

  async putGrid(grid: Grid): Promise<{ created: boolean }> {
    const existing = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.grid(grid.communityId, grid.gridId) }),
    );
    const result = await transactWrite(this.doc, [
      {
        Put: {
          TableName: this.table,
          Item: { ...keys.grid(grid.communityId, grid.gridId), type: 'grid', ...grid },
        },
      },
      {
        ConditionCheck: {
          TableName: this.table,
          Key: keys.community(grid.communityId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
    ]);
    if (!result.ok) throw new NotFoundError('community', grid.communityId);
    return { created: existing.Item === undefined };
  }

  async getUnit(unitId: string): Promise<Unit | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.unit(unitId), ConsistentRead: true }),
    );
    return Item ? toUnit(Item) : undefined;
  }

  async getUnits(unitIds: readonly string[]): Promise<Unit[]> {
    const items = await batchGetAll(this.doc, this.table, unitIds.map(keys.unit));
    return items.map(toUnit);
  }

  async listUnits(): Promise<Unit[]> {
    return (await this.listIndex(keys.unitsIndex)).map(toUnit);
  }

  async putUnit(unit: Unit, previous: Unit | undefined): Promise<{ created: boolean }> {
    const before = new Map((previous?.pairedGrids ?? []).map((p) => [pairKey(p), p]));
    const after = new Map(unit.pairedGrids.map((p) => [pairKey(p), p]));
    const removed = [...before.values()].filter((p) => !after.has(pairKey(p)));
    const added = [...after.values()].filter((p) => !before.has(pairKey(p)));
    const items: TransactItem[] = [
      {
        // An update, not a put: the unit's activation lock (lockVersion, engaged) must survive edits.
        Update: {
          TableName: this.table,
          Key: keys.unit(unit.unitId),
          UpdateExpression:
            'SET #type = :type, unitId = :id, #name = :name, pairedGrids = :grids, serves = :serves, #kind = :kind, updatedAt = :now, gsi1pk = :g, gsi1sk = :id',
          // The pairings written below were computed from `previous`: refuse if it changed meanwhile.
          ConditionExpression: previous ? 'updatedAt = :seen' : 'attribute_not_exists(pk)',
          ExpressionAttributeNames: { '#type': 'type', '#name': 'name', '#kind': 'kind' },
          ExpressionAttributeValues: {
            ':type': 'unit',
            ':id': unit.unitId,
            ':name': unit.name,
            ':grids': unit.pairedGrids,
            ':serves': unit.serves,
            ':kind': unit.kind,
            ':now': unit.updatedAt,
            ':g': keys.unitsIndex,
            ...(previous ? { ':seen': previous.updatedAt } : {}),
          },
        },
      },
      ...removed.map(
        (p): TransactItem => ({
          Delete: { TableName: this.table, Key: keys.pairing(p.communityId, p.gridId, unit.unitId) },
        }),
      ),
      ...added.map(
        (p): TransactItem => ({
          Put: {
            TableName: this.table,
            Item: {
              ...keys.pairing(p.communityId, p.gridId, unit.unitId),
              type: 'pairing',
              communityId: p.communityId,
              gridId: p.gridId,
              unitId: unit.unitId,
            },
          },
        }),
      ),
    ];
    const result = await transactWrite(this.doc, items);
    if (!result.ok) throw concurrentUpdate('unit', unit.unitId);
    return { created: previous === undefined };
  }

  private async listIndex(partition: string): Promise<Item[]> {
    return queryAll(this.doc, {
      TableName: this.table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': partition },
    });
  }
}
