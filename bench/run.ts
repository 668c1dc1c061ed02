/**
 * `npm run bench [-- switch|checkin|bundles|rankings|provider ...]`: runs the benchmark scenarios, prints their
 * figures and rewrites their sections of BENCHMARKS.md. Each scenario (and each street size)
 * runs in its own process on a fresh table, so handlers bind to their own table at cold start as
 * in Lambda, against a DynamoDB Local (in memory) started for it and stopped after it: one at a
 * time, never two at once. Not one for the whole run, because DynamoDB Local slows down for every
 * table that was ever in it: the same 10,000-person seed took 12 s in a fresh one and 441 s in one
 * whose earlier table had been deleted.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BundlesResult } from './scenarios/bundles';
import type { CheckinArgs, CheckinResult } from './scenarios/checkin';
import type { FormationArgs, FormationResult } from './scenarios/formation';
import type { ProviderArgs, ProviderResult } from './scenarios/provider';
import type { RankingsArgs, RankingsResult } from './scenarios/rankings';
import type { SwitchArgs, SwitchResult } from './scenarios/switch';
import type { WhistleArgs, WhistleResult } from './scenarios/whistle';
import { SETTINGS } from './settings';
import { machine, printSummary, type RunResults, writeReport } from './support/report';

// Set before any SDK module loads (they are imported lazily below), and inherited by each scenario.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
// DynamoDB Local answers "timed out waiting for a lock" (500) when the machine is busy; the SDK
// retries 500s, and more tries ride that out. Retries are counted apart (SDK attempts).
process.env.AWS_MAX_ATTEMPTS ??= '10';
process.env.AWS_REGION ??= 'cn-north-1';
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';

const SCENARIOS = ['switch', 'checkin', 'bundles', 'rankings', 'provider', 'whistle'] as const;
type Scenario = (typeof SCENARIOS)[number];

function selected(argv: readonly string[]): Scenario[] {
  const asked = argv.filter((a) => a !== '--');
  const unknown = asked.filter((a) => !(SCENARIOS as readonly string[]).includes(a));
  if (unknown.length) {
    console.error(`unknown scenario ${unknown.join(', ')}; choose from ${SCENARIOS.join(', ')}`);
    process.exit(2);
  }
  return asked.length ? SCENARIOS.filter((s) => asked.includes(s)) : [...SCENARIOS];
}

/**
 * Powertools Metrics warns on every invocation whose metrics instance is empty; the inbound
 * handler publishes only single metrics, so a storm of replies prints one warning per reply.
 */
const NOISE = /^No application metrics to publish\./;

/** Runs one scenario file in its own Node process and returns what it wrote. */
async function child<T>(file: string, args: unknown, withDynamo = false): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'pingji-bench-'));
  const resultFile = join(dir, 'result.json');
  let suppressed = 0;
  const { startDynamoDbLocal } = await import('../local/dynamodb-local');
  const dynamo = withDynamo ? await startDynamoDbLocal({ inMemory: true }) : undefined;
  const endpoint = dynamo?.endpoint;
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', file], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          BENCH_RESULT_FILE: resultFile,
          BENCH_ARGS: JSON.stringify(args),
          ...(endpoint ? { BENCH_DYNAMO_ENDPOINT: endpoint } : {}),
        },
      });
      for (const [stream, sink] of [
        [proc.stdout, process.stdout],
        [proc.stderr, process.stderr],
      ] as const) {
        createInterface({ input: stream }).on('line', (line) => {
          if (NOISE.test(line)) suppressed++;
          else sink.write(`${line}\n`);
        });
      }
      proc.on('error', reject);
      proc.on('close', resolve);
    });
    if (suppressed)
      console.log(`  (${suppressed} lines of Powertools' "No application metrics to publish" left out)`);
    if (code !== 0) throw new Error(`${file} exited with ${code}`);
    return JSON.parse(readFileSync(resultFile, 'utf8')) as T;
  } finally {
    await dynamo?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const scenarios = selected(process.argv.slice(2));
  const started = performance.now();
  const results: RunResults = { machine: machine(), settings: SETTINGS, errors: [] };
  console.log(`Pingji benchmarks: ${scenarios.join(', ')}`);
  const attempt = async (name: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`${name} failed: ${message}`);
      results.errors.push({ scenario: name, message });
    }
  };
  for (const scenario of scenarios) {
    const t = performance.now();
    console.log(`\n== ${scenario} ==`);
    if (scenario === 'switch') {
      const s = SETTINGS.switch;
      results.switch = [];
      for (const people of s.sizes) {
        await attempt(`switch ${people}`, async () => {
          const args: SwitchArgs = {
            people,
            rate: s.rate,
            burst: s.burst,
            latencyMs: s.latencyMs,
            levels: [...s.levels],
            batchSize: s.batchSize,
            contrasts: people === s.contrast.people ? s.contrast.runs.map((c) => ({ ...c })) : [],
          };
          results.switch?.push(await child<SwitchResult>('bench/scenarios/switch.ts', args, true));
        });
      }
      await attempt('formation', async () => {
        const f = SETTINGS.formation;
        const args: FormationArgs = { ...f, levels: [...f.levels] };
        results.formation = await child<FormationResult>('bench/scenarios/formation.ts', args);
      });
    } else if (scenario === 'checkin') {
      await attempt('checkin', async () => {
        const c = SETTINGS.checkin;
        const args: CheckinArgs = { ...c, boardSizes: [...c.boardSizes] };
        results.checkin = await child<CheckinResult>('bench/scenarios/checkin.ts', args, true);
      });
    } else if (scenario === 'provider') {
      const p = SETTINGS.provider;
      results.provider = [];
      // BENCH_PROVIDER_SIZES=1000,10000 runs fewer sizes on a busy machine.
      const sizes = (process.env.BENCH_PROVIDER_SIZES?.split(',').map(Number) ?? [...p.sizes]).filter(
        (x) => Number.isInteger(x) && x > 0,
      );
      for (const people of sizes) {
        await attempt(`provider ${people}`, async () => {
          const args: ProviderArgs = { people, rate: p.rate, burst: p.burst, batchSize: p.batchSize };
          results.provider?.push(await child<ProviderResult>('bench/scenarios/provider.ts', args, true));
        });
      }
    } else if (scenario === 'rankings') {
      await attempt('rankings', async () => {
        const args: RankingsArgs = { ...SETTINGS.rankings };
        results.rankings = await child<RankingsResult>('bench/scenarios/rankings.ts', args, true);
      });
    } else if (scenario === 'whistle') {
      await attempt('whistle', async () => {
        const args: WhistleArgs = { sizes: [...SETTINGS.whistle.sizes] };
        results.whistle = await child<WhistleResult>('bench/scenarios/whistle.ts', args, true);
      });
    } else {
      await attempt('bundles', async () => {
        results.bundles = await child<BundlesResult>('bench/scenarios/bundles.ts', {});
      });
    }
    console.log(`== ${scenario} done in ${((performance.now() - t) / 1000).toFixed(0)} s ==`);
  }
  results.durationMs = performance.now() - started;
  printSummary(results);
  writeReport('BENCHMARKS.md', results, scenarios);
  console.log(
    `\nBENCHMARKS.md rewritten (${scenarios.join(', ')}) after ${(results.durationMs / 1000).toFixed(0)} s.`,
  );
  if (results.errors.length) process.exitCode = 1;
}

await main();
