import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type ShardIteratorType,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  AttributeValue as LambdaAttributeValue,
} from 'aws-lambda';
import { type FilterPattern, passesFilters } from '../shared/stream-filters';
import { lambdaContext } from './server';

export type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<DynamoDBBatchResponse | undefined>;

/** Where each shard was read up to, so a restarted poller carries on instead of starting over. */
export interface CheckpointStore {
  get(shardId: string): string | undefined;
  set(shardId: string, sequenceNumber: string): void;
}

export class MemoryCheckpoints implements CheckpointStore {
  private readonly map = new Map<string, string>();
  get(shardId: string) {
    return this.map.get(shardId);
  }
  set(shardId: string, sequenceNumber: string) {
    this.map.set(shardId, sequenceNumber);
  }
}

export class FileCheckpoints implements CheckpointStore {
  private readonly map: Map<string, string>;
  constructor(private readonly file: string) {
    this.map = new Map(
      existsSync(file)
        ? Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>)
        : [],
    );
  }
  get(shardId: string) {
    return this.map.get(shardId);
  }
  set(shardId: string, sequenceNumber: string) {
    this.map.set(shardId, sequenceNumber);
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(this.file, JSON.stringify(Object.fromEntries(this.map)));
  }
}

export type PollerOptions = {
  tableName: string;
  endpoint: string;
  handler: StreamHandler;
  /** Records per invocation, like the event source mapping's BatchSize. */
  batchSize?: number;
  /** Retries of a failing record before it is set aside, like MaximumRetryAttempts. */
  maxRetries?: number;
  idleMs?: number;
  checkpoints?: CheckpointStore;
  /** Called with records given up on after every retry: the local on-failure destination. */
  onDiscard?: (records: DynamoDBRecord[], error: unknown) => void;
  /** Time the handler is told it has, per invocation. */
  invocationMs?: number;
  /**
   * Event filter patterns, like the event source mapping's FilterCriteria: records that match
   * none are passed over without invoking the handler. Without them every record is delivered.
   */
  filters?: readonly FilterPattern[] | undefined;
};

type ShardState = {
  shardId: string;
  parentId?: string | undefined;
  iterator?: string | undefined;
  /** The next batch, read while the handler works on the current one. */
  prefetch?: { iterator: string; page: Promise<StreamPage | undefined> } | undefined;
  done: boolean;
  failures: number;
};

type Image = Record<string, LambdaAttributeValue>;

/** Records read from a shard, and where to read on. */
type StreamPage = Pick<GetRecordsCommandOutput, 'Records' | 'NextShardIterator'>;

/** The most records one `GetRecords` call returns. */
const GET_RECORDS_LIMIT = 1_000;
/**
 * Lambda hands a batch over whole up to its 6 MB payload. Records' `SizeBytes` (DynamoDB's own
 * encoding) grow about twofold as event JSON, so a batch stops growing past this many.
 */
const BATCH_SIZE_BYTES = 2_500_000;

/** Turns a record as DynamoDB Streams returns it into the shape Lambda delivers. */
export function toLambdaRecord(record: StreamRecord, streamArn: string): DynamoDBRecord {
  const d = record.dynamodb;
  const created = d?.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? 'local',
    eventSourceARN: streamArn,
    dynamodb: {
      ...(created ? { ApproximateCreationDateTime: Math.floor(new Date(created).getTime() / 1000) } : {}),
      // The Streams API and Lambda spell attribute values with the same JSON; only the types differ.
      Keys: d?.Keys as Image,
      ...(d?.NewImage ? { NewImage: d.NewImage as Image } : {}),
      ...(d?.OldImage ? { OldImage: d.OldImage as Image } : {}),
      SequenceNumber: d?.SequenceNumber,
      SizeBytes: d?.SizeBytes,
      StreamViewType: d?.StreamViewType,
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads DynamoDB Local's stream and invokes the stream handler the way Lambda's event source
 * mapping does: batches in order per shard, partial batch failures retried from the first
 * failed record with backoff, bounded retries, then the record is set aside.
 */
export class StreamPoller {
  private readonly streams: DynamoDBStreamsClient;
  private readonly shards = new Map<string, ShardState>();
  private running = false;
  private loop: Promise<void> | undefined;
  private streamArn: string | undefined;
  private busy = false;
  private lastIdleAt = 0;
  private wake: (() => void) | undefined;

  constructor(private readonly options: PollerOptions) {
    this.streams = new DynamoDBStreamsClient({ endpoint: options.endpoint });
  }

  async start(): Promise<void> {
    const client = new DynamoDBClient({ endpoint: this.options.endpoint });
    const { Table } = await client.send(new DescribeTableCommand({ TableName: this.options.tableName }));
    client.destroy();
    this.streamArn = Table?.LatestStreamArn;
    if (!this.streamArn) throw new Error(`table ${this.options.tableName} has no stream`);
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.streams.destroy();
  }

  /** Resolves once every record written before the call has been handed to the handler. */
  async caughtUp(timeoutMs = 60_000): Promise<void> {
    const since = Date.now();
    while (this.lastIdleAt <= since || this.busy) {
      if (Date.now() - since > timeoutMs) throw new Error('stream poller did not catch up in time');
      await sleep(25);
    }
  }

  private async refreshShards(): Promise<void> {
    const { StreamDescription } = await this.streams.send(
      new DescribeStreamCommand({ StreamArn: this.streamArn }),
    );
    for (const shard of StreamDescription?.Shards ?? []) {
      if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
      this.shards.set(shard.ShardId, {
        shardId: shard.ShardId,
        parentId: shard.ParentShardId,
        done: false,
        failures: 0,
      });
    }
  }

  private async iteratorFor(
    shard: ShardState,
    type?: ShardIteratorType,
    sequence?: string,
  ): Promise<string | undefined> {
    const checkpoint = this.options.checkpoints?.get(shard.shardId);
    const { ShardIterator } = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shard.shardId,
        ShardIteratorType: type ?? (checkpoint ? 'AFTER_SEQUENCE_NUMBER' : 'TRIM_HORIZON'),
        ...(type ? { SequenceNumber: sequence } : checkpoint ? { SequenceNumber: checkpoint } : {}),
      }),
    );
    return ShardIterator;
  }

  private async run(): Promise<void> {
    let lastRefresh = 0;
    while (this.running) {
      try {
        if (Date.now() - lastRefresh > 2_000) {
          await this.refreshShards();
          lastRefresh = Date.now();
        }
        let worked = false;
        for (const shard of this.shards.values()) {
          if (!this.running) break;
          if (shard.done) continue;
          // A child shard waits until its parent has been read to the end: order is kept.
          const parent = shard.parentId ? this.shards.get(shard.parentId) : undefined;
          if (parent && !parent.done) continue;
          worked = (await this.pollShard(shard)) || worked;
        }
        if (!worked) {
          this.lastIdleAt = Date.now();
          await new Promise<void>((resolve) => {
            this.wake = resolve;
            setTimeout(resolve, this.options.idleMs ?? 100);
          });
        }
      } catch (error) {
        if (!this.running) break;
        console.error('stream poller error', error);
        await sleep(500);
      }
    }
  }

  private async pollShard(shard: ShardState): Promise<boolean> {
    shard.iterator ??= await this.iteratorFor(shard);
    if (!shard.iterator) {
      shard.done = true;
      return false;
    }
    this.busy = true;
    try {
      let prefetched = shard.prefetch?.iterator === shard.iterator ? await shard.prefetch.page : undefined;
      shard.prefetch = undefined;
      // An empty page read ahead is stale: what was written since must be seen before "caught up".
      if (prefetched && !prefetched.Records?.length) {
        if (!prefetched.NextShardIterator) shard.done = true;
        shard.iterator = prefetched.NextShardIterator;
        prefetched = undefined;
        if (!shard.iterator) return false;
      }
      const page = prefetched ?? (await this.readBatch(shard.iterator));
      const records = page.Records ?? [];
      if (!page.NextShardIterator) shard.done = true;
      shard.iterator = page.NextShardIterator;
      if (!records.length) return false;
      // Like the event source mapping, read on while the handler works: the next batch is ready
      // when this one is done. A failed batch moves the iterator back and the page is dropped.
      const next = shard.iterator;
      if (next)
        shard.prefetch = {
          iterator: next,
          page: this.readBatch(next).catch(() => undefined),
        };
      await this.deliver(shard, records);
      if (shard.iterator !== next) shard.prefetch = undefined;
      return true;
    } finally {
      this.busy = false;
    }
  }

  /**
   * One batch, as the event source mapping gathers it: up to `batchSize` records, page after page,
   * ending early at the end of what has been written (a short page), at the shard's end, or near
   * Lambda's payload limit.
   */
  private async readBatch(iterator: string): Promise<StreamPage> {
    const wanted = this.options.batchSize ?? GET_RECORDS_LIMIT;
    const records: StreamRecord[] = [];
    let next: string | undefined = iterator;
    let bytes = 0;
    while (next && records.length < wanted) {
      const limit = Math.min(GET_RECORDS_LIMIT, wanted - records.length);
      const page: GetRecordsCommandOutput = await this.streams.send(
        new GetRecordsCommand({ ShardIterator: next, Limit: limit }),
      );
      const got = page.Records ?? [];
      next = page.NextShardIterator;
      records.push(...got);
      for (const r of got) bytes += r.dynamodb?.SizeBytes ?? 0;
      if (got.length < limit || bytes >= BATCH_SIZE_BYTES) break;
    }
    return { Records: records, NextShardIterator: next };
  }

  private async deliver(shard: ShardState, records: StreamRecord[]): Promise<void> {
    const arn = this.streamArn ?? '';
    const all = records.map((r) => toLambdaRecord(r, arn));
    const { filters } = this.options;
    const event: DynamoDBStreamEvent = {
      Records: filters ? all.filter((r) => passesFilters(r, filters)) : all,
    };
    let failedSequence: string | undefined;
    let error: unknown;
    if (!event.Records.length) {
      // Nothing here for the handler: read past it, as Lambda does with filtered-out records.
      const last = records[records.length - 1]?.dynamodb?.SequenceNumber;
      if (last) this.options.checkpoints?.set(shard.shardId, last);
      shard.failures = 0;
      return;
    }
    try {
      const context = lambdaContext('messaging-stream', `local-${Date.now()}`);
      const deadline = Date.now() + (this.options.invocationMs ?? 300_000);
      context.getRemainingTimeInMillis = () => Math.max(0, deadline - Date.now());
      const response = await this.options.handler(event, context);
      failedSequence = response?.batchItemFailures?.[0]?.itemIdentifier;
    } catch (thrown) {
      error = thrown;
      failedSequence = event.Records[0]?.dynamodb?.SequenceNumber;
    }
    const failedIndex = failedSequence
      ? records.findIndex((r) => r.dynamodb?.SequenceNumber === failedSequence)
      : -1;
    const doneUpTo = failedIndex === -1 ? records.length : failedIndex;
    const lastDone = records[doneUpTo - 1]?.dynamodb?.SequenceNumber;
    if (lastDone) this.options.checkpoints?.set(shard.shardId, lastDone);
    if (failedIndex === -1) {
      shard.failures = 0;
      return;
    }
    shard.failures++;
    const maxRetries = this.options.maxRetries ?? 10;
    if (shard.failures > maxRetries) {
      // Given up: set the record aside, like an on-failure destination, and move on.
      this.options.onDiscard?.(all.slice(failedIndex, failedIndex + 1), error);
      shard.failures = 0;
      if (failedSequence) this.options.checkpoints?.set(shard.shardId, failedSequence);
      shard.iterator = await this.iteratorFor(shard, 'AFTER_SEQUENCE_NUMBER', failedSequence);
      // A closed shard's last page may have failed: it is not done until read past it.
      shard.done = false;
      return;
    }
    await sleep(Math.min(5_000, 100 * 2 ** shard.failures));
    shard.iterator = await this.iteratorFor(shard, 'AT_SEQUENCE_NUMBER', failedSequence);
    shard.done = false;
  }
}
