import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MemoryCheckpoints, StreamPoller } from '../../local/stream-poller';
import { ensureTable } from '../../shared/adapters/table-admin';
import { STREAM_CONSUMER_FILTERS } from '../../shared/stream-filters';

const endpoint = inject('dynamoEndpoint');
const client = new DynamoDBClient({ endpoint });
const doc = DynamoDBDocumentClient.from(client);

afterAll(() => client.destroy());

async function freshTable(name: string): Promise<string> {
  const tableName = `${name}-${Date.now().toString(36)}`;
  await ensureTable(client, tableName);
  return tableName;
}

async function writeItems(tableName: string, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i += 25) {
    const puts = Array.from({ length: Math.min(25, from + count - i) }, (_, j) => ({
      PutRequest: { Item: { pk: `P#${String(i + j).padStart(5, '0')}`, sk: 'X', n: i + j } },
    }));
    await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: puts } }));
  }
}

const numbers = (event: DynamoDBStreamEvent) =>
  event.Records.map((r) => Number(r.dynamodb?.NewImage?.n?.N ?? Number.NaN));

describe('the local stream poller', () => {
  let tableName: string;
  beforeAll(async () => {
    tableName = await freshTable('poller');
  });

  it('delivers every record once, in order, when a batch fails part-way while the next is read ahead', async () => {
    const seen: number[] = [];
    let failOnce = true;
    const poller = new StreamPoller({
      tableName,
      endpoint,
      batchSize: 40,
      idleMs: 20,
      checkpoints: new MemoryCheckpoints(),
      handler: async (event) => {
        const got = numbers(event);
        // The second batch fails at its 11th record the first time it is seen.
        const failAt = failOnce && got[0] === 40 ? 10 : -1;
        if (failAt >= 0) failOnce = false;
        const done = failAt >= 0 ? got.slice(0, failAt) : got;
        seen.push(...done);
        // Give the read-ahead time to land before the failure is reported.
        await new Promise((resolve) => setTimeout(resolve, 50));
        const failed = failAt >= 0 ? event.Records[failAt]?.dynamodb?.SequenceNumber : undefined;
        return { batchItemFailures: failed ? [{ itemIdentifier: failed }] : [] };
      },
    });
    await writeItems(tableName, 0, 200);
    await poller.start();
    try {
      await poller.caughtUp(60_000);
      expect(failOnce).toBe(false);
      expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i));
    } finally {
      await poller.stop();
    }
  });

  it('with the consumer filters, invokes the handler only for the records they pass, and reads past the rest', async () => {
    const other = await freshTable('poller-filtered');
    const seen: number[] = [];
    let invocations = 0;
    const poller = new StreamPoller({
      tableName: other,
      endpoint,
      batchSize: 10,
      idleMs: 20,
      checkpoints: new MemoryCheckpoints(),
      filters: STREAM_CONSUMER_FILTERS,
      handler: async (event) => {
        invocations++;
        seen.push(...numbers(event));
        return { batchItemFailures: [] };
      },
    });
    // Ten counter-like items that nothing acts on, then a draftee, then ten more.
    await writeItems(other, 0, 10);
    await doc.send(
      new PutCommand({ TableName: other, Item: { pk: 'ACT#a', sk: 'MEMBER#m', type: 'draftee', n: 100 } }),
    );
    await writeItems(other, 10, 10);
    await poller.start();
    try {
      await poller.caughtUp(60_000);
      expect(seen).toEqual([100]);
      expect(invocations).toBe(1);
    } finally {
      await poller.stop();
    }
  });

  it('is not caught up until it has read what was written just before asking', async () => {
    const other = await freshTable('poller-late');
    const seen: number[] = [];
    const poller = new StreamPoller({
      tableName: other,
      endpoint,
      batchSize: 10,
      idleMs: 20,
      checkpoints: new MemoryCheckpoints(),
      handler: async (event) => {
        seen.push(...numbers(event));
        return { batchItemFailures: [] };
      },
    });
    await poller.start();
    try {
      for (let round = 0; round < 5; round++) {
        await writeItems(other, round * 30, 30);
        await doc.send(
          new PutCommand({ TableName: other, Item: { pk: `LAST#${round}`, sk: 'X', n: -1 - round } }),
        );
        await poller.caughtUp(30_000);
        expect(seen).toContain(-1 - round);
        expect(seen.filter((n) => n >= 0)).toHaveLength((round + 1) * 30);
      }
    } finally {
      await poller.stop();
    }
  });

  it('gathers pages into batches bigger than one GetRecords call returns, as the event source mapping does', async () => {
    const other = await freshTable('poller-big');
    const batches: number[][] = [];
    await writeItems(other, 0, 1_500);
    const poller = new StreamPoller({
      tableName: other,
      endpoint,
      batchSize: 1_200,
      idleMs: 20,
      checkpoints: new MemoryCheckpoints(),
      handler: async (event) => {
        batches.push(numbers(event));
        return { batchItemFailures: [] };
      },
    });
    await poller.start();
    try {
      await poller.caughtUp(60_000);
      expect(batches.map((b) => b.length)).toEqual([1_200, 300]);
      expect(batches.flat()).toEqual(Array.from({ length: 1_500 }, (_, i) => i));
    } finally {
      await poller.stop();
    }
  });
});
