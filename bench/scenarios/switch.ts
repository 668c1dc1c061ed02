import { loadavg } from 'node:os';
import type { Level } from '../../shared/domain/incident';
import { formTeams, rankReserves } from '../../shared/domain/team-formation';
import { formationContext, toCandidate } from '../../shared/use-cases/activation';
import { type SendAnatomy, sendAnatomy } from '../support/anatomy';
import { childSettings, progress, sleep, startHarness, writeResult } from '../support/harness';
import { busyFraction, PacedGateway } from '../support/paced-gateway';
import { asActor, type RequestTally } from '../support/requests';
import { benchStreet, seedBenchStreet } from '../support/roster';

export type SwitchArgs = {
  people: number;
  rate: number;
  burst: number;
  latencyMs: number;
  levels: Level[];
  /** Records per stream handler invocation, as the event source mapping is configured. */
  batchSize: number;
  /** Level I pressed again (after a stand-down) with another batch size or gateway latency. */
  contrasts: { batchSize: number; latencyMs: number }[];
};

/** Where each request of the write path belongs. */
export type Phase = 'switch' | 'plan → draftees' | 'send (read, claim, settle)' | 'other';

export type PressResult = {
  level: Level;
  /** The simulated gateway's time per call during this press. */
  gatewayLatencyMs: number;
  /** Records per stream handler invocation during this press. */
  batchSize: number;
  drafted: number;
  reserves: number;
  teams: number;
  status: number;
  responseBytes: number;
  /** Press to the 201's body received, through the local API (HTTP → handler → use case). */
  timeTo201Ms: number;
  firstAlertMs: number;
  lastAlertMs: number;
  alerts: number;
  busyFraction: number | undefined;
  throttled: number;
  anatomy: SendAnatomy;
  /** The machine's 1-minute load average when the press was sent and when the last settle was done. */
  load: [number, number];
  /** The use case's parts, timed alone on the same data just before the press (no commit). */
  parts: { structureMs: number; rosterMs: number; formTeamsMs: number; rankReservesMs: number };
  requests: {
    total: number;
    perDrafted: number;
    byPhase: Record<Phase, number>;
    tallies: (RequestTally & { phase: Phase })[];
    attempts: number;
  };
};

export type SwitchResult = {
  people: number;
  rate: number;
  burst: number;
  latencyMs: number;
  batchSize: number;
  seed: { ms: number; members: number; rejected: number };
  presses: PressResult[];
};

const MATERIALIZE = [
  /^Get ACT#\/ACTIVATION$/,
  /^BatchGet COMMUNITY#\/MEMBER#$/,
  /^Transact \[Put ACT#\/MEMBER#/,
];

export function phaseOf(t: RequestTally): Phase {
  if (t.actor === 'api') return 'switch';
  if (t.actor !== 'stream') return 'other';
  return MATERIALIZE.some((re) => re.test(t.op)) ? 'plan → draftees' : 'send (read, claim, settle)';
}

const COMMUNITY = 'sw';

async function main(): Promise<void> {
  const { endpoint, resultFile, args } = childSettings<SwitchArgs>();
  const label = `switch ${args.people.toLocaleString('en')}`;
  const gateway = new PacedGateway(args.rate, args.burst, args.latencyMs);
  const h = await startHarness({
    endpoint: endpoint(),
    tableName: `bench-switch-${args.people}-${Date.now()}`,
    gateway,
    rate: args.rate,
    batchSize: args.batchSize,
  });
  try {
    const data = benchStreet([{ communityId: COMMUNITY, people: args.people }]);
    progress(label, `seeding ${args.people.toLocaleString('en')} people in one community of 12 grids…`);
    const seedStart = performance.now();
    const seeded = await seedBenchStreet(data, h.seedUseCases(), (done, total) =>
      progress(label, `  seeded ${done.toLocaleString('en')} / ${total.toLocaleString('en')}`),
    );
    const seed = { ms: performance.now() - seedStart, ...seeded };
    progress(label, `seeded in ${(seed.ms / 1000).toFixed(1)} s`);

    // Level III first, then level I; then level I again for each contrast (another batch size,
    // or a gateway that takes as long per call as SNS does).
    const plan: { level: Level; latencyMs: number; batchSize: number }[] = [
      ...args.levels.map((level) => ({ level, latencyMs: args.latencyMs, batchSize: args.batchSize })),
      ...args.contrasts.map((c) => ({ level: 'I' as const, ...c })),
    ];
    const presses: PressResult[] = [];
    for (const [i, step] of plan.entries()) {
      gateway.latencyMs = step.latencyMs;
      await h.setBatchSize(step.batchSize);
      presses.push(await press(step.level));
      const last = presses.at(-1) as PressResult;
      progress(
        label,
        `level ${step.level} (batch ${step.batchSize}, gateway latency ${step.latencyMs} ms): ${last.drafted} drafted, 201 in ${last.timeTo201Ms.toFixed(
          0,
        )} ms, last alert at ${(last.lastAlertMs / 1000).toFixed(1)} s, busy ${(
          (last.busyFraction ?? 0) * 100
        ).toFixed(1)}%, ${last.requests.perDrafted.toFixed(4)} requests per drafted person`,
      );
      if (i < plan.length - 1) await standDown();
    }
    writeResult(resultFile, {
      people: args.people,
      rate: args.rate,
      burst: args.burst,
      latencyMs: args.latencyMs,
      batchSize: args.batchSize,
      seed,
      presses,
    } satisfies SwitchResult);
  } finally {
    await h.stop();
  }

  /** The use case's steps before its commit, timed one by one on the data as it is now. */
  async function timeParts(level: Level): Promise<PressResult['parts']> {
    return asActor({ actor: 'diagnostic' }, async () => {
      let t = performance.now();
      const found = await h.ports.structure.getStructure(COMMUNITY);
      if (!found) throw new Error('community missing');
      const structureMs = performance.now() - t;
      t = performance.now();
      const context = await formationContext(h.ports, found);
      const rosterMs = performance.now() - t;
      t = performance.now();
      const formation = formTeams({
        communityId: COMMUNITY,
        kind: 'flood',
        level,
        grids: found.grids,
        pairings: found.pairings,
        candidates: context.roster.map(toCandidate),
        engaged: context.engaged,
      });
      const formTeamsMs = performance.now() - t;
      t = performance.now();
      for (const team of formation.teams) rankReserves(team.gridId, found, formation.reserves);
      const rankReservesMs = performance.now() - t;
      return { structureMs, rosterMs, formTeamsMs, rankReservesMs };
    });
  }

  async function press(level: Level): Promise<PressResult> {
    await h.settle();
    const parts = await timeParts(level);
    await h.settle();
    h.counter.reset();
    const mark = gateway.accepts.length;
    const throttledBefore = gateway.throttled;
    const loadBefore = loadavg()[0] ?? 0;
    const start = performance.now();
    const response = await fetch(`${h.stack.url}/communities/${COMMUNITY}/activations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'flood', level, note: `bench level ${level}` }),
    });
    const text = await response.text();
    const timeTo201Ms = performance.now() - start;
    if (response.status !== 201) throw new Error(`switch answered ${response.status}: ${text.slice(0, 500)}`);
    const body = JSON.parse(text) as { drafted: number; reserves: number; teams: unknown[] };
    progress(label, `level ${level}: 201 in ${timeTo201Ms.toFixed(0)} ms; ${body.drafted} drafted; sending…`);

    const expected = mark + body.drafted;
    const deadline = performance.now() + (body.drafted / args.rate) * 5_000 + 180_000;
    let lastReport = performance.now();
    while (gateway.accepts.length < expected) {
      if (performance.now() > deadline)
        throw new Error(`only ${gateway.accepts.length - mark} of ${body.drafted} alerts sent in time`);
      await Promise.race([gateway.until(expected), sleep(1_000)]);
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        progress(label, `  ${gateway.accepts.length - mark} / ${body.drafted} alerts handed to the gateway`);
      }
    }
    await h.settle();
    const accepts = gateway.accepts.slice(mark).filter((a) => a.kind === 'alert');
    const counted = h.counter.read();
    const tallies = counted.tallies.map((t) => ({ ...t, phase: phaseOf(t) }));
    const byPhase: Record<Phase, number> = {
      switch: 0,
      'plan → draftees': 0,
      'send (read, claim, settle)': 0,
      other: 0,
    };
    for (const t of tallies) byPhase[t.phase] += t.requests;
    const total = byPhase.switch + byPhase['plan → draftees'] + byPhase['send (read, claim, settle)'];
    const times = accepts.map((a) => a.at - start);
    const anatomy = sendAnatomy(
      h.invocations,
      accepts.map((a) => a.at),
      start,
    );
    return {
      level,
      gatewayLatencyMs: gateway.latencyMs,
      batchSize: h.batchSize(),
      drafted: body.drafted,
      reserves: body.reserves,
      teams: body.teams.length,
      status: response.status,
      responseBytes: Buffer.byteLength(text),
      timeTo201Ms,
      firstAlertMs: times.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY),
      lastAlertMs: times.reduce((a, b) => Math.max(a, b), 0),
      alerts: accepts.length,
      busyFraction: busyFraction(accepts, args.rate),
      throttled: gateway.throttled - throttledBefore,
      anatomy,
      load: [loadBefore, loadavg()[0] ?? 0],
      parts,
      requests: {
        total,
        perDrafted: total / Math.max(1, body.drafted),
        byPhase,
        tallies,
        attempts: counted.attempts,
      },
    };
  }

  async function standDown(): Promise<void> {
    const mode = await h.call<{ activationId?: string }>('GET', `/communities/${COMMUNITY}/mode`);
    const id = mode.body.activationId;
    if (!id) throw new Error('no open activation to stand down');
    const result = await h.call('POST', `/activations/${id}/stand-down`);
    if (result.status !== 200) throw new Error(`stand-down answered ${result.status}`);
    progress(label, 'stood down; waiting for the stand-down notices');
    await h.settle();
  }
}

await main();
