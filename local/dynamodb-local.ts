import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { JavaMissingError, javaProblem } from './java';

export type DynamoDbLocal = {
  endpoint: string;
  port: number;
  javaPid: () => Promise<number | undefined>;
  stop(): Promise<void>;
};

/** Where the npm package amplify-dynamodb-simulator keeps AWS's DynamoDB Local jar. */
export function dynamoDbLocalDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((accept, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => accept(port));
    });
  });
}

// The shell stays between us and Java: when our end of its stdin closes, because we stopped it
// or because this process died however it died, it kills Java. No JVM outlives the stack. And
// when Java dies on its own, the shell exits at once, so a failed start is reported at once.
const WATCHDOG = `
exec 3<&0
if [ -n "$DB_PATH" ]; then set -- -dbPath "$DB_PATH"; else set -- -inMemory; fi
java -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar -port "$PORT" -sharedDb "$@" </dev/null &
j=$!
echo "java:$j"
cat <&3 >/dev/null &
c=$!
trap 'kill $j $c 2>/dev/null; wait $j; exit 0' TERM INT HUP
wait -n $j $c
kill $j $c 2>/dev/null
wait $j
`;

/**
 * Starts DynamoDB Local on a free port (or `port`), in memory or persisting under `dataDir`,
 * and resolves once it answers requests.
 */
export async function startDynamoDbLocal(options: {
  inMemory: boolean;
  dataDir?: string;
  port?: number;
}): Promise<DynamoDbLocal> {
  if (javaProblem()) throw new JavaMissingError();
  const port = options.port ?? (await freePort());
  // Passed as its own variable and quoted in the script, so a data dir with spaces stays one argument.
  let dbPath = '';
  if (!options.inMemory) {
    dbPath = resolve(options.dataDir ?? '.pingji/dynamodb');
    mkdirSync(dbPath, { recursive: true });
  }
  const child: ChildProcess = spawn('bash', ['-c', WATCHDOG], {
    cwd: dynamoDbLocalDir(),
    env: { ...process.env, PORT: String(port), DB_PATH: dbPath },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let javaPid: number | undefined;
  const pidKnown = new Promise<number | undefined>((accept) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /java:(\d+)/.exec(output);
      if (match && javaPid === undefined) {
        javaPid = Number(match[1]);
        accept(javaPid);
      }
    });
    child.on('exit', () => accept(javaPid));
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((accept) => child.on('exit', () => accept()));

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited during start:\n${output}`);
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGTERM');
        throw new Error(`DynamoDB Local did not answer within 60 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  client.destroy();

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    port,
    javaPid: () => pidKnown,
    stop() {
      stopping ??= (async () => {
        child.stdin?.end();
        const timer = setTimeout(() => child.kill('SIGTERM'), 5_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
