import { writeFileSync } from 'node:fs';
import { type AttributeValue, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { MemoryCheckpoints, StreamPoller } from '../../local/stream-poller';
import { documentClient, type Item } from '../../shared/adapters/dynamo';
import type { SmsGateway } from '../../shared/adapters/sms-gateway';
import { STREAM_CONSUMER_FILTERS } from '../../shared/stream-filters';
import { makeDispatcher, type StreamChange } from '../../shared/use-cases/dispatch';
import { makeMemberUseCases } from '../../shared/use-cases/members';
import { makeStructureUseCases } from '../../shared/use-cases/structure';
import { tablePorts } from '../../shared/wiring';
import { asActor, RequestCounter } from './requests';

/** What the orchestrator hands a scenario process: where DynamoDB Local is, where to write results. */
export function childSettings<A>(): { endpoint: () => string; resultFile: string; args: A } {
  const resultFile = process.env.BENCH_RESULT_FILE;
  if (!resultFile) throw new Error('run through `npm run bench`: BENCH_RESULT_FILE is missing');
  const endpoint = () => {
    const url = process.env.BENCH_DYNAMO_ENDPOINT;
    if (!url) throw new Error('run through `npm run bench`: BENCH_DYNAMO_ENDPOINT is missing');
    return url;
  };
  return { endpoint, resultFile, args: JSON.parse(process.env.BENCH_ARGS ?? '{}') as A };
}

export function writeResult(resultFile: string, result: unknown): void {
  writeFileSync(resultFile, JSON.stringify(result, null, 2));
}

/** A line of progress, with the scenario's name and the time since this process started. */
export function progress(label: string, message: string): void {
  const seconds = (performance.now() / 1000).toFixed(1).padStart(6);
  console.log(`  [${label} ${seconds}s] ${message}`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits for `condition`, checking every `everyMs`, failing after `timeoutMs`. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 50,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A gateway that can say how many messages it has accepted, so the harness knows when sending stops. */
export type CountingGateway = SmsGateway & { count(): number };

/** One call of the stream handler, as the poller made it. */
export type Invocation = { start: number; end: number; records: number; failedAt: number | undefined };

export type Harness = {
  stack: LocalStack;
  /** Every stream handler invocation so far (`performance.now()` milliseconds). */
  invocations: Invocation[];
  counter: RequestCounter;
  gateway: CountingGateway;
  /** Records per stream handler invocation now. */
  batchSize(): number;
  /** Restarts the stream consumer with another batch size, from where it was. */
  setBatchSize(size: number): Promise<void>;
  ports: ReturnType<typeof tablePorts>;
  /** An admin token for the local API. */
  token: string;
  call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  seedUseCases(): {
    structure: ReturnType<typeof makeStructureUseCases>;
    members: ReturnType<typeof makeMemberUseCases>;
  };
  /** Waits until the stream consumer has nothing left and no request has been made for `quietMs`. */
  settle(quietMs?: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
};

/** Lambda's stream images use the same attribute-value JSON as the SDK. */
function imageOf(image: Record<string, unknown> | undefined): Item | undefined {
  return image ? unmarshall(image as Record<string, AttributeValue>) : undefined;
}

/**
 * The local stack on a fresh table of the shared DynamoDB Local, with the API on a free port and
 * no timers. The stream consumer is the stack's own (`StreamPoller` invoking the dispatcher as
 * functions/messaging/stream.ts wraps it) but with the benchmark's paced gateway in place of the
 * simulated phone network, so the gateway records accept times and adds no table traffic of its
 * own. Every DynamoDB request the consumer makes is counted for the actor `stream`.
 */
export async function startHarness(options: {
  endpoint: string;
  tableName: string;
  gateway: CountingGateway;
  /** Messages per second the consumer hands to the gateway (PINGJI_SMS_RATE). */
  rate: number;
  /** Records per stream handler invocation (the event source mapping's BatchSize). */
  batchSize: number;
  groupSize?: number;
}): Promise<Harness> {
  const stack = await startLocalStack({
    endpoint: options.endpoint,
    tableName: options.tableName,
    inMemory: true,
    seed: 'none',
    consumer: false,
    sweepSeconds: 0,
    port: 0,
    smsRate: options.rate,
  });
  const counter = new RequestCounter();
  counter.install(documentClient());
  const ports = tablePorts();
  const dispatcher = makeDispatcher({
    ...ports,
    sms: options.gateway,
    rate: options.rate,
    ...(options.groupSize ? { groupSize: options.groupSize } : {}),
  });
  const invocations: Invocation[] = [];
  // The same adaptation functions/messaging/stream.ts makes, minus its logging and metrics.
  const handler = async (event: DynamoDBStreamEvent, context: Context) => {
    const started = performance.now();
    const changes: StreamChange[] = event.Records.map((record, index) => ({
      index,
      eventName: record.eventName ?? 'MODIFY',
      newImage: imageOf(record.dynamodb?.NewImage),
      oldImage: imageOf(record.dynamodb?.OldImage),
    }));
    const { failedAt } = await asActor({ actor: 'stream' }, () =>
      dispatcher.handle(changes, () => context.getRemainingTimeInMillis()),
    );
    const failed = failedAt === undefined ? undefined : event.Records[failedAt]?.dynamodb?.SequenceNumber;
    invocations.push({ start: started, end: performance.now(), records: changes.length, failedAt });
    return { batchItemFailures: failed ? [{ itemIdentifier: failed }] : [] };
  };
  // Like the event source mapping: records in order, `batchSize` at most per invocation. The
  // checkpoints outlive a poller, so a new batch size carries on where the last poller stopped.
  const checkpoints = new MemoryCheckpoints();
  let batchSize = options.batchSize;
  const startPoller = async () => {
    const started = new StreamPoller({
      tableName: options.tableName,
      endpoint: stack.endpoint,
      handler,
      batchSize,
      checkpoints,
      filters: STREAM_CONSUMER_FILTERS,
      onDiscard: (records, error) => console.error('bench: stream records set aside', records.length, error),
    });
    await started.start();
    return started;
  };
  let poller = await startPoller();
  const token = await stack.auth.mint({ sub: 'bench', groups: ['admin'], communities: ['*'] });

  const call = async <T>(method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  return {
    stack,
    invocations,
    counter,
    gateway: options.gateway,
    batchSize: () => batchSize,
    async setBatchSize(size: number) {
      if (size === batchSize) return;
      await poller.caughtUp();
      await poller.stop();
      batchSize = size;
      poller = await startPoller();
    },
    ports,
    token,
    call,
    seedUseCases: () => ({ structure: makeStructureUseCases(ports), members: makeMemberUseCases(ports) }),
    async settle(quietMs = 750, timeoutMs = 300_000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        await poller.caughtUp(Math.max(1_000, deadline - performance.now()));
        const before = counter.read().calls;
        const accepted = options.gateway.count();
        await sleep(quietMs);
        if (counter.read().calls === before && options.gateway.count() === accepted) return;
        if (performance.now() > deadline) throw new Error('the stack did not settle');
      }
    },
    async stop() {
      await poller.stop();
      await stack.stop();
      const admin = new DynamoDBClient({ endpoint: stack.endpoint });
      for (const table of [stack.tableName, stack.phoneTable])
        await admin.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
      admin.destroy();
    },
  };
}
