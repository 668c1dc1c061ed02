import { type LocalProcess, startLocalProcess } from '../../test/integration/support/local-process';

/** One life of the service process: from its start to its SIGKILL (or the end of the day). */
type Life = { process: LocalProcess; startedAt: number };

/** What the stream consumer logged over every life of the service. */
export type StreamFigures = { invocations: number; records: number };

/**
 * The service (`npm start`) as a child process against a DynamoDB Local that outlives it: it can
 * be killed with SIGKILL at any moment and started again; requests made while it is down wait
 * for the next life.
 */
export class SoakService {
  private readonly lives: Life[] = [];
  private current: LocalProcess | undefined;
  private starting: Promise<LocalProcess> | undefined;
  kills = 0;

  constructor(private readonly env: Record<string, string> & { PORT: string }) {}

  get url(): string {
    return `http://127.0.0.1:${this.env.PORT}`;
  }

  /** The running process, starting one when none is. */
  up(): Promise<LocalProcess> {
    if (this.current && !this.current.hasExited()) return Promise.resolve(this.current);
    this.starting ??= startLocalProcess(this.env, 120_000).then(
      (process) => {
        this.current = process;
        this.lives.push({ process, startedAt: Date.now() });
        this.starting = undefined;
        return process;
      },
      (error: unknown) => {
        this.starting = undefined;
        throw error;
      },
    );
    return this.starting;
  }

  /** The admin token of the running process (each life prints its own). */
  async token(): Promise<string> {
    const process = await this.up();
    const admin = process.tokens().find((t) => t.role === 'admin');
    if (!admin) throw new Error('the service printed no admin token');
    return admin.token;
  }

  /** SIGKILL, as a crashed host would: no shutdown hook runs. Then a new life starts. */
  async killAndRestart(): Promise<void> {
    const running = this.current;
    if (!running || running.hasExited()) return;
    this.current = undefined;
    await running.stop('SIGKILL', 15_000);
    this.kills++;
    await this.up();
  }

  async stop(): Promise<void> {
    await this.current?.kill();
    this.current = undefined;
  }

  /** Stream consumer invocations and records, read from each life's structured log lines. */
  streamFigures(): StreamFigures {
    let invocations = 0;
    let records = 0;
    for (const { process } of this.lives) {
      for (const line of process.output().split('\n')) {
        if (!line.startsWith('{') || !line.includes('"stream batch"')) continue;
        try {
          const parsed: unknown = JSON.parse(line);
          if (typeof parsed !== 'object' || parsed === null) continue;
          if (!('message' in parsed) || parsed.message !== 'stream batch') continue;
          invocations++;
          if ('records' in parsed && typeof parsed.records === 'number') records += parsed.records;
        } catch {
          // a line cut by SIGKILL
        }
      }
    }
    return { invocations, records };
  }

  /** Lines of every life's output that report an error, for the report. */
  errorLines(): string[] {
    return this.lives.flatMap(({ process }) =>
      process
        .output()
        .split('\n')
        .filter((l) => /"level":"ERROR"|set aside/.test(l)),
    );
  }
}
