import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type BatchWriteCommandOutput,
  DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import pMap from 'p-map';
import { tracer } from '../observability';
import type { ItemKey } from '../table';

export type Item = Record<string, unknown>;
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
export type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

let shared: DynamoDBDocumentClient | undefined;

/**
 * The process-wide document client, built once. It honours `AWS_ENDPOINT_URL_DYNAMODB`, which is
 * how the local stack points it at DynamoDB Local.
 */
export function documentClient(): DynamoDBDocumentClient {
  shared ??= DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return shared;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with full jitter, in milliseconds. */
export function backoff(attempt: number, baseMs = 25, capMs = 2_000): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
}

const MAX_ATTEMPTS = 8;
/** `BatchGetItem` requests one read keeps in flight. */
const BATCH_GET_CONCURRENCY = 4;

/** Reads every page of a query. */
export async function queryAll(doc: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Gets items by key, 100 a request, retrying unprocessed keys with backoff. Order is not kept. */
export async function batchGetAll(
  doc: DynamoDBDocumentClient,
  table: string,
  keys: readonly ItemKey[],
  consistent = false,
): Promise<Item[]> {
  const unique = [...new Map(keys.map((k) => [`${k.pk}\u0000${k.sk}`, k])).values()];
  const chunks: ItemKey[][] = [];
  for (let i = 0; i < unique.length; i += 100) chunks.push(unique.slice(i, i + 100));
  // A few requests in flight at once: reading a thousand items costs one round trip per four
  // requests rather than one per request.
  const pages = await pMap(
    chunks,
    async (chunkKeys) => {
      const found: Item[] = [];
      let pending: Item[] | undefined = chunkKeys;
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        if (attempt >= MAX_ATTEMPTS) throw new Error(`batch get: ${pending.length} keys still unprocessed`);
        if (attempt > 0) await sleep(backoff(attempt));
        const result: BatchGetCommandOutput = await doc.send(
          new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: consistent } } }),
        );
        found.push(...(result.Responses?.[table] ?? []));
        pending = result.UnprocessedKeys?.[table]?.Keys;
      }
      return found;
    },
    { concurrency: BATCH_GET_CONCURRENCY },
  );
  return pages.flat();
}

/** Writes put/delete requests, 25 a request, retrying unprocessed items with backoff. */
export async function batchWriteAll(
  doc: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
): Promise<void> {
  for (let i = 0; i < requests.length; i += 25) {
    let pending: WriteRequest[] | undefined = requests.slice(i, i + 25);
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new Error(`batch write: ${pending.length} items still unprocessed`);
      if (attempt > 0) await sleep(backoff(attempt));
      const result: BatchWriteCommandOutput = await doc.send(
        new BatchWriteCommand({ RequestItems: { [table]: pending } }),
      );
      pending = result.UnprocessedItems?.[table];
    }
  }
}

/** Why one item of a cancelled transaction failed. */
export type CancelledItem = { index: number; code: string; item?: Item | undefined };
export type TransactResult = { ok: true } | { ok: false; failed: CancelledItem[] };

const RETRYABLE_CANCEL = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);

type CancellationReason = { Code?: string; Item?: Record<string, unknown> };

function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as Error & { CancellationReasons?: CancellationReason[] }).CancellationReasons;
  return reasons ?? [];
}

/**
 * Runs a transaction. Conflicts and throttling are retried with backoff; a failed condition is
 * returned, with the index, code and (when asked for) the item that failed it, so the caller can
 * say which rule was broken.
 */
export async function transactWrite(
  doc: DynamoDBDocumentClient,
  items: readonly TransactItem[],
  clientRequestToken?: string,
): Promise<TransactResult> {
  if (items.length === 0) return { ok: true };
  for (let attempt = 0; ; attempt++) {
    try {
      await doc.send(
        new TransactWriteCommand({ TransactItems: [...items], ClientRequestToken: clientRequestToken }),
      );
      return { ok: true };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      const failed = reasons
        .map((r, index) => ({
          index,
          code: r.Code ?? 'Unknown',
          item: r.Item ? (unmarshall(r.Item as Parameters<typeof unmarshall>[0]) as Item) : undefined,
        }))
        .filter((r) => r.code !== 'None');
      const retryable = failed.length > 0 && failed.every((r) => RETRYABLE_CANCEL.has(r.code));
      if (!retryable || attempt + 1 >= MAX_ATTEMPTS) {
        if (retryable) throw error;
        return { ok: false, failed };
      }
      await sleep(backoff(attempt));
    }
  }
}

/** True when the error is DynamoDB refusing a single write's condition. */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** Encodes a DynamoDB start key as an opaque cursor. */
export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor made by `encodeCursor`, or returns undefined when it is not one: a start key
 * of string attributes only, with exactly the allowed names (DynamoDB refuses a start key that
 * lacks one of the query's key attributes), whose partition matches the query's.
 */
export function decodeCursor(
  cursor: string,
  allowed: readonly string[],
  partition: { attribute: string; value: string },
): Record<string, string> | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const entries = Object.entries(parsed);
    if (!entries.every(([k, v]) => allowed.includes(k) && typeof v === 'string')) return undefined;
    const key = Object.fromEntries(entries) as Record<string, string>;
    if (!allowed.every((name) => Object.hasOwn(key, name))) return undefined;
    return key[partition.attribute] === partition.value ? key : undefined;
  } catch {
    return undefined;
  }
}
