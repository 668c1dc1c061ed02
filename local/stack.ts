import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod';
import { localConsole } from '../console/build';
import { documentClient } from '../shared/adapters/dynamo';
import { SimulatedPhoneNetwork } from '../shared/adapters/simulated-phone-network';
import { ensureTable } from '../shared/adapters/table-admin';
import { streamBatchSize } from '../shared/config';
import { allRoutes } from '../shared/http/routes';
import { STREAM_CONSUMER_FILTERS } from '../shared/stream-filters';
import { TABLE } from '../shared/table';
import { demoStreet } from './demo-data';
import { type DevAuth, makeDevAuth } from './dev-auth';
import { devTokenRoutes } from './dev-routes';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local';
import type { FakeProvider } from './fake-provider';
import { fakeProviderRoutes, startFakeProvider } from './fake-provider-stack';
import { type SeedReport, seedStreet } from './seed';
import { LocalApiServer, lambdaContext } from './server';
import { smsRoutes } from './sms-routes';
import { inboundSmsEvent } from './sns-event';
import { FileCheckpoints, MemoryCheckpoints, type StreamHandler, StreamPoller } from './stream-poller';

export type LocalStackOptions = {
  port?: number;
  seed?: 'demo' | 'none';
  inMemory?: boolean;
  dataDir?: string;
  /** An existing DynamoDB endpoint; none is started when set. */
  endpoint?: string | undefined;
  tableName?: string;
  /** Run the stream consumer (default). Tests turn it off to drive it themselves. */
  consumer?: boolean;
  /** Messages per second the local consumer sends (default 50). */
  smsRate?: number;
  /** Seconds between runs of the timer sweep (default 15); 0 turns the timer off. */
  sweepSeconds?: number;
  /** Seconds between looks for scheduled drills that are due (default 5); 0 turns the timer off. */
  scheduleSeconds?: number;
  /** Where SMS go: the simulated network (default), or a fake Tencent or Alibaba provider in front of it. */
  smsProvider?: 'simulated' | 'tencent' | 'aliyun';
  /** How the fake provider posts receipts: duplicated, out of order (tests); by itself unless `manual`. */
  fakeProvider?: { duplicates?: boolean; outOfOrder?: boolean; manualReceipts?: boolean };
};

export type LocalStack = {
  url: string;
  port: number;
  endpoint: string;
  tableName: string;
  phoneTable: string;
  auth: DevAuth;
  phones: SimulatedPhoneNetwork;
  seeded?: SeedReport | undefined;
  dynamo?: DynamoDbLocal | undefined;
  /** The running stream consumer, if any. */
  consumer?: StreamPoller | undefined;
  /** The fake SMS provider, when one runs. */
  provider?: FakeProvider | undefined;
  /** Loads a Lambda handler by its entry under functions/, exactly as a route does. */
  loadHandler(fn: string): Promise<(event: unknown, context: Context) => Promise<unknown>>;
  stop(): Promise<void>;
};

/** The local token issuer; Cognito's user pool URL plays this part in AWS. */
export const DEV_ISSUER = 'https://auth.pingji.local/dev';

/** The demo users `npm start` prints tokens for, one per role. */
export const DEMO_USERS = [
  { sub: 'demo-admin', groups: ['admin'], communities: ['*'] },
  { sub: 'demo-planner', groups: ['planner'], communities: ['dongguan', 'xijie'] },
  { sub: 'demo-duty-officer', groups: ['dutyOfficer'], communities: ['dongguan'] },
  { sub: 'demo-commander', groups: ['commander'], communities: ['dongguan'] },
] as const;

/** Machine clients `npm start` prints tokens for: an official warning feed posting CAP alerts. */
export const DEMO_MACHINE_CLIENTS = [
  { sub: 'demo-warning-feed', groups: ['warningFeed'], communities: ['*'] },
] as const;

/** Options from the environment, as the README lists them. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): LocalStackOptions {
  const parsed = z
    .object({
      PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
      PINGJI_SEED: z.enum(['demo', 'none']).default('demo'),
      PINGJI_IN_MEMORY: z.enum(['0', '1', 'true', 'false', '']).default('0'),
      PINGJI_DATA_DIR: z.string().default('.pingji'),
      AWS_ENDPOINT_URL_DYNAMODB: z.url().optional(),
      TABLE_NAME: z.string().min(3).default(TABLE.localName),
      PINGJI_SMS_RATE: z.coerce.number().positive().default(50),
      PINGJI_SWEEP_SECONDS: z.coerce.number().min(0).default(15),
      PINGJI_SCHEDULE_SECONDS: z.coerce.number().min(0).default(5),
      PINGJI_SMS_PROVIDER: z.enum(['simulated', 'tencent', 'aliyun']).default('simulated'),
    })
    .parse(env);
  return {
    port: parsed.PORT,
    seed: parsed.PINGJI_SEED,
    inMemory: parsed.PINGJI_IN_MEMORY === '1' || parsed.PINGJI_IN_MEMORY === 'true',
    dataDir: parsed.PINGJI_DATA_DIR,
    endpoint: parsed.AWS_ENDPOINT_URL_DYNAMODB,
    tableName: parsed.TABLE_NAME,
    smsRate: parsed.PINGJI_SMS_RATE,
    sweepSeconds: parsed.PINGJI_SWEEP_SECONDS,
    scheduleSeconds: parsed.PINGJI_SCHEDULE_SECONDS,
    smsProvider: parsed.PINGJI_SMS_PROVIDER,
  };
}

type AnyHandler = (event: unknown, context: Context) => Promise<unknown>;

async function importHandler(fn: string): Promise<AnyHandler> {
  const module = (await import(pathToFileURL(resolve('functions', `${fn}.ts`)).href)) as {
    handler: AnyHandler;
  };
  return module.handler;
}

/**
 * Starts the whole service on this machine: DynamoDB Local (unless an endpoint is given), the
 * table from the shared definition, demo data, the API on `port`, the stream consumer and the
 * simulated phone network. `stop()` undoes all of it.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const dataDir = resolve(options.dataDir ?? '.pingji');
  const tableName = options.tableName ?? TABLE.localName;
  const phoneTable = `${tableName}-phones`;
  const inMemory = options.inMemory ?? false;
  let dynamo: DynamoDbLocal | undefined;
  let endpoint = options.endpoint;
  if (!endpoint) {
    dynamo = await startDynamoDbLocal({ inMemory, dataDir: join(dataDir, 'dynamodb') });
    endpoint = dynamo.endpoint;
  }
  // The handlers read these at cold start, exactly as in Lambda.
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
  process.env.TABLE_NAME = tableName;
  process.env.AWS_REGION ??= 'cn-north-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.PINGJI_SMS_GATEWAY = 'simulated';
  process.env.PINGJI_PHONE_TABLE = phoneTable;
  const smsRate = options.smsRate ?? 50;
  process.env.PINGJI_SMS_RATE = String(smsRate);
  // No EventBridge here: the schedule timer below reads due drills from the table's index.
  process.env.PINGJI_DRILL_SCHEDULER = 'table';

  let server: LocalApiServer | undefined;
  let consumer: StreamPoller | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> = Promise.resolve();
  let scheduleTimer: NodeJS.Timeout | undefined;
  let firing: Promise<unknown> = Promise.resolve();
  let provider: FakeProvider | undefined;
  const stopAll = async () => {
    if (sweepTimer) clearInterval(sweepTimer);
    if (scheduleTimer) clearInterval(scheduleTimer);
    await sweeping;
    await firing;
    await consumer?.stop();
    await provider?.stop();
    await server?.close();
    await dynamo?.stop();
  };
  try {
    const admin = new DynamoDBClient({});
    await ensureTable(admin, tableName);
    await SimulatedPhoneNetwork.ensureTable(admin, phoneTable);
    admin.destroy();
    const phones = new SimulatedPhoneNetwork(documentClient(), phoneTable);
    let apiUrl = '';
    provider = await startFakeProvider(options, phones, () => apiUrl);

    let seeded: SeedReport | undefined;
    if ((options.seed ?? 'demo') === 'demo') {
      const { tablePorts } = await import('../shared/wiring');
      const { makeStructureUseCases } = await import('../shared/use-cases/structure');
      const { makeMemberUseCases } = await import('../shared/use-cases/members');
      const ports = tablePorts();
      const demo = demoStreet();
      // The marker is written last: a start interrupted halfway through seeding seeds again
      // (every seeding step is an upsert), a finished seed is never repeated.
      const marker = { TableName: tableName, Key: { pk: 'LOCAL#SEED', sk: 'demo' } };
      if (!(await documentClient().send(new GetCommand({ ...marker, ConsistentRead: true }))).Item) {
        seeded = await seedStreet(demo, {
          structure: makeStructureUseCases(ports),
          members: makeMemberUseCases(ports),
        });
        await documentClient().send(
          new PutCommand({
            TableName: tableName,
            Item: { ...marker.Key, seededAt: new Date().toISOString() },
          }),
        );
      }
    }

    const auth = await makeDevAuth({
      issuer: DEV_ISSUER,
      keyFile: inMemory ? undefined : join(dataDir, 'dev-signing-key.json'),
    });
    const handlers = new Map<string, Promise<AnyHandler>>();
    const loadHandler = (fn: string) => {
      let loaded = handlers.get(fn);
      if (!loaded) {
        loaded = importHandler(fn);
        handlers.set(fn, loaded);
      }
      return loaded;
    };
    // The command console (console/), built once in memory and served at `/`.
    const consoleFiles = await localConsole({ demoUsers: DEMO_USERS });
    server = new LocalApiServer({
      staticFiles: consoleFiles,
      routes: allRoutes,
      devRoutes: [
        ...devTokenRoutes(auth),
        ...fakeProviderRoutes(provider),
        ...smsRoutes(phones, async (reply) => {
          // With a fake provider the reply reaches the service as the provider posts it.
          if (provider) {
            await provider.reply(reply.from, reply.body, reply.inboundMessageId.replace(/-/g, ''));
            return;
          }
          const inbound = await loadHandler('messaging/inbound-sms');
          await inbound(
            inboundSmsEvent(reply),
            lambdaContext('messaging-inbound-sms', reply.inboundMessageId),
          );
        }),
      ],
      auth,
      loadHandler,
    });
    const port = await server.listen(options.port ?? 3000);
    const url = `http://localhost:${port}`;
    apiUrl = `http://127.0.0.1:${port}`;

    if (options.consumer ?? true) {
      const streamHandler = (await loadHandler('messaging/stream')) as unknown as StreamHandler;
      consumer = new StreamPoller({
        tableName,
        endpoint,
        handler: (event: DynamoDBStreamEvent, context: Context) => streamHandler(event, context),
        batchSize: streamBatchSize(smsRate),
        filters: STREAM_CONSUMER_FILTERS,
        checkpoints:
          inMemory || options.endpoint
            ? new MemoryCheckpoints()
            : new FileCheckpoints(join(dataDir, 'stream-checkpoints.json')),
        onDiscard: (records, error) =>
          console.error('stream records set aside after retries', records.length, error),
      });
      await consumer.start();
    }

    const sweepSeconds = options.sweepSeconds ?? 15;
    if (sweepSeconds > 0) {
      // The same handler EventBridge runs every minute in AWS, on a local timer.
      const sweep = await loadHandler('timers/sweep');
      let running = false;
      sweepTimer = setInterval(() => {
        if (running) return; // a slow pass is not stacked on: the next tick comes soon enough
        running = true;
        sweeping = sweep({ source: 'local.timer' }, lambdaContext('timers-sweep', `sweep-${Date.now()}`))
          .catch((error: unknown) => console.error('sweep failed', error))
          .finally(() => {
            running = false;
          });
      }, sweepSeconds * 1000);
    }

    const scheduleSeconds = options.scheduleSeconds ?? 5;
    if (scheduleSeconds > 0) {
      // EventBridge Scheduler invokes this handler once per drill in AWS; here a timer asks it
      // to fire every drill that is due.
      const scheduled = await loadHandler('timers/scheduled-drill');
      let running = false;
      scheduleTimer = setInterval(() => {
        if (running) return;
        running = true;
        firing = scheduled({ due: true }, lambdaContext('timers-scheduled-drill', `due-${Date.now()}`))
          .catch((error: unknown) => console.error('scheduled drills failed', error))
          .finally(() => {
            running = false;
          });
      }, scheduleSeconds * 1000);
    }

    let stopped: Promise<void> | undefined;
    return {
      url,
      port,
      endpoint,
      tableName,
      phoneTable,
      auth,
      phones,
      seeded,
      dynamo,
      consumer,
      provider,
      loadHandler,
      stop() {
        stopped ??= stopAll();
        return stopped;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
