import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** A token `npm start` printed for one demo user. */
export type PrintedToken = { role: string; communities: string[]; token: string };

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export type DynamoDbLocalProcess = { pid: number; commandLine: string };

/** `npm start` running as a child process of the test. */
export type LocalProcess = {
  pid: number;
  url: string;
  output(): string;
  tokens(): PrintedToken[];
  exited: Promise<Exit>;
  hasExited(): boolean;
  /** The DynamoDB Local JVMs running below it once it was ready. */
  dynamoDbLocals: DynamoDbLocalProcess[];
  /** Sends `signal` and waits, up to `timeoutMs`, for the process to exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
  /**
   * Makes sure it is gone: SIGTERM, then SIGKILL if it lingers; then SIGKILL for any of its
   * DynamoDB Local JVMs still running, so a failing test leaks none. For `afterAll`.
   */
  kill(): Promise<void>;
};

const TOKEN_LINE = /^ {2}(\w+) \(([^)]*)\):\r?\n {2}([\w-]+\.[\w-]+\.[\w-]+)\s*$/gm;

/** The demo tokens in `npm start`'s output. */
export function printedTokens(output: string): PrintedToken[] {
  return [...output.matchAll(TOKEN_LINE)].map((m) => ({
    role: m[1] ?? '',
    communities: (m[2] ?? '').split(',').filter(Boolean),
    token: m[3] ?? '',
  }));
}

/**
 * The environment for the child: this one without anything that points the stack somewhere,
 * plus `env`.
 */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(base)) {
    if (key.startsWith('PINGJI_') || key === 'AWS_ENDPOINT_URL_DYNAMODB' || key === 'AWS_ENDPOINT_URL')
      delete base[key];
  }
  delete base.TABLE_NAME;
  delete base.PORT;
  return { ...base, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env };
}

/**
 * Runs `local/start.ts` (what `npm start` runs) with tsx's loader in one Node process, and
 * resolves once it answers `GET /health` and has printed its four demo tokens. Rejects at once
 * if the process exits first, or after `timeoutMs`.
 */
export async function startLocalProcess(
  env: Record<string, string> & { PORT: string },
  timeoutMs = 90_000,
): Promise<LocalProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      output += chunk;
    });
  }
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((accept) => {
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      accept(exit);
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('local/start.ts did not start');
  const url = `http://127.0.0.1:${env.PORT}`;

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', stopTimeoutMs = 30_000): Promise<Exit> => {
    if (exit) return exit;
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no exit within ${stopTimeoutMs} ms of ${signal}:\n${output}`)),
        stopTimeoutMs,
      );
    });
    try {
      return await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  const running: LocalProcess = {
    pid,
    url,
    output: () => output,
    tokens: () => printedTokens(output),
    exited,
    hasExited: () => exit !== undefined,
    dynamoDbLocals: [],
    stop,
    async kill() {
      if (!exit) {
        try {
          await stop('SIGTERM', 15_000);
        } catch {
          await stop('SIGKILL', 15_000);
        }
      }
      for (const { pid: jvm } of running.dynamoDbLocals) {
        if (await isDynamoDbLocal(jvm)) process.kill(jvm, 'SIGKILL');
      }
    },
  };

  try {
    await Promise.race([
      waitFor(
        `${url} to answer /health and print its demo tokens`,
        async () => {
          if (printedTokens(output).length < 4) return undefined;
          const reply = await fetch(`${url}/health`);
          return reply.status === 200 ? true : undefined;
        },
        { timeoutMs, intervalMs: 200 },
      ),
      exited.then((e) => {
        throw new Error(`local/start.ts exited (${e.code ?? e.signal}) before it was ready:\n${output}`);
      }),
    ]);
    running.dynamoDbLocals = await dynamoDbLocalsUnder(pid);
  } catch (error) {
    await running.kill();
    throw error;
  }
  return running;
}

type ProcInfo = { pid: number; ppid: number; state: string };

async function procInfo(pid: number): Promise<ProcInfo | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: read the fields after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, state: fields[0] ?? '', ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

async function argv(pid: number): Promise<string[]> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** A JVM running the DynamoDB Local jar (not the shell whose script mentions it). */
const runsDynamoDbLocal = (args: readonly string[]) =>
  /(^|\/)java$/.test(args[0] ?? '') && args.some((a) => a.endsWith('DynamoDBLocal.jar'));

/** Every process below `root` in the process tree, read from /proc. */
export async function descendants(root: number): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const infos = (await Promise.all(pids.map(procInfo))).filter((i): i is ProcInfo => i !== undefined);
  const children = new Map<number, number[]>();
  for (const info of infos) children.set(info.ppid, [...(children.get(info.ppid) ?? []), info.pid]);
  const found: number[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** True while `pid` is a live (not zombie) DynamoDB Local JVM. */
export async function isDynamoDbLocal(pid: number): Promise<boolean> {
  const info = await procInfo(pid);
  if (!info || info.state === 'Z') return false;
  return runsDynamoDbLocal(await argv(pid));
}

/** The DynamoDB Local JVMs below `root`, with their command lines. */
export async function dynamoDbLocalsUnder(root: number): Promise<DynamoDbLocalProcess[]> {
  const found: DynamoDbLocalProcess[] = [];
  for (const pid of await descendants(root)) {
    if (await isDynamoDbLocal(pid)) found.push({ pid, commandLine: (await argv(pid)).join(' ') });
  }
  return found;
}
