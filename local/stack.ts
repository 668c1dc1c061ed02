import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { ensureTable } from '../shared/adapters/table-admin';
import { allRoutes } from '../shared/http/routes';
import { TABLE } from '../shared/table';
import { demoStreet } from './demo-data';
import { type DevAuth, makeDevAuth } from './dev-auth';
import { devTokenRoutes } from './dev-routes';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local';
import { type SeedReport, seedStreet } from './seed';
import { LocalApiServer } from './server';

export type LocalStackOptions = {
  port?: number;
  seed?: 'demo' | 'none';
  inMemory?: boolean;
  dataDir?: string;
  /** An existing DynamoDB endpoint; none is started when set. */
  endpoint?: string | undefined;
  tableName?: string;
};

export type LocalStack = {
  url: string;
  port: number;
  endpoint: string;
  tableName: string;
  auth: DevAuth;
  seeded?: SeedReport | undefined;
  dynamo?: DynamoDbLocal | undefined;
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
    })
    .parse(env);
  return {
    port: parsed.PORT,
    seed: parsed.PINGJI_SEED,
    inMemory: parsed.PINGJI_IN_MEMORY === '1' || parsed.PINGJI_IN_MEMORY === 'true',
    dataDir: parsed.PINGJI_DATA_DIR,
    endpoint: parsed.AWS_ENDPOINT_URL_DYNAMODB,
    tableName: parsed.TABLE_NAME,
  };
}

/**
 * Starts the whole service on this machine: DynamoDB Local (unless an endpoint is given), the
 * table from the shared definition, demo data, and the API on `port`. `stop()` undoes all of it.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const dataDir = resolve(options.dataDir ?? '.pingji');
  const tableName = options.tableName ?? TABLE.localName;
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
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

  const stopDynamo = async () => {
    await dynamo?.stop();
  };
  try {
    const admin = new DynamoDBClient({});
    await ensureTable(admin, tableName);
    admin.destroy();

    let seeded: SeedReport | undefined;
    if ((options.seed ?? 'demo') === 'demo') {
      const { tablePorts } = await import('../shared/wiring');
      const { makeStructureUseCases } = await import('../shared/use-cases/structure');
      const { makeMemberUseCases } = await import('../shared/use-cases/members');
      const ports = tablePorts();
      const demo = demoStreet();
      if (!(await ports.structure.getStreet(demo.street.streetId))) {
        seeded = await seedStreet(demo, {
          structure: makeStructureUseCases(ports),
          members: makeMemberUseCases(ports),
        });
      }
    }

    const auth = await makeDevAuth({
      issuer: DEV_ISSUER,
      keyFile: inMemory ? undefined : join(dataDir, 'dev-signing-key.json'),
    });
    const server = new LocalApiServer({
      routes: allRoutes,
      devRoutes: devTokenRoutes(auth),
      auth,
      loadHandler: async (fn) => {
        const module = (await import(pathToFileURL(resolve('functions', `${fn}.ts`)).href)) as {
          handler: (event: unknown, context: unknown) => Promise<unknown>;
        };
        return module.handler;
      },
    });
    const port = await server.listen(options.port ?? 3000);
    const url = `http://localhost:${port}`;

    let stopped: Promise<void> | undefined;
    return {
      url,
      port,
      endpoint,
      tableName,
      auth,
      seeded,
      dynamo,
      stop() {
        stopped ??= (async () => {
          await server.close();
          await stopDynamo();
        })();
        return stopped;
      },
    };
  } catch (error) {
    await stopDynamo();
    throw error;
  }
}
