import { loadavg } from 'node:os';
import pMap from 'p-map';
import { Dice } from '../../local/demo-data';
import { lambdaContext } from '../../local/server';
import { inboundSmsEvent } from '../../local/sns-event';
import { COUNTERS, type Counts, countsOf, zeroCounts } from '../../shared/domain/activation';
import { childSettings, progress, startHarness, writeResult } from '../support/harness';
import { PacedGateway } from '../support/paced-gateway';
import { asActor, type RequestTally } from '../support/requests';
import { benchStreet, type CommunitySpec, seedBenchStreet } from '../support/roster';

export type CheckinArgs = {
  /** The community the storm hits, and the smaller ones whose board is read for comparison. */
  stormPeople: number;
  boardSizes: number[];
  concurrency: number;
  /** Shares of the people: silent; writing twice at once; a late '1' after '3'; writing again later. */
  silentShare: number;
  doubleShare: number;
  lateShare: number;
  secondShare: number;
  rate: number;
  burst: number;
  /** Records per stream handler invocation, as the event source mapping is configured. */
  batchSize: number;
};

/** One reply of the storm, and what it cost. */
type Reply = { phone: string; body: string; kind: string; at: Date; id: string };

export type BoardRead = {
  people: number;
  view: 'counts' | 'full';
  /** Requests of each read (the same read repeated). */
  requests: number[];
  bytes: number;
  tallies: { op: string; requests: number }[];
};

export type CheckinResult = {
  people: number;
  replies: number;
  concurrency: number;
  mix: Record<string, number>;
  seedMs: number;
  alertsMs: number;
  stormMs: number;
  /** The machine's 1-minute load average when the storm began and ended. */
  load: [number, number];
  repliesPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  requestsPerReply: {
    mean: number;
    max: number;
    histogram: Record<string, number>;
    byKind: Record<string, { replies: number; mean: number; max: number }>;
    tallies: { op: string; requests: number }[];
  };
  /** The stream consumer's work during and after the storm (acknowledgements). */
  consumer: { requests: number; acks: number; tallies: RequestTally[] };
  boardBefore: BoardRead[];
  boardDuringStorm: { reads: number; requests: number[] };
  boardAfter: BoardRead[];
  check: {
    equal: boolean;
    counters: Counts;
    fromMembers: Partial<Counts>;
    teamsChecked: number;
    teamsEqual: number;
    statuses: Record<string, number>;
  };
};

type BoardBody = {
  counts: Counts;
  teams: {
    teamId: string;
    counts: Counts;
    members?: { memberId: string; status: string; alertedAt?: string; deliveredAt?: string }[];
  }[];
};

const CONFIRM = ['1', '1', '1', '１', '收到', '确认', ' 1 '];
const CONFIRM_ETA = ['1 20', '1 30', '1 15', '1，10', '1 45分钟'];
const DECLINE = ['2 家里老人需要照顾', '2 在外地出差', '2', '请假 生病了', '不能 今晚值班', '２ 腿脚不便'];
const ARRIVED = ['3', '3', '到达', '已到', '３'];
const NOISE = ['好的', '?', '在哪里集合', '👍', 'ok', '收到了吗', '谢谢'];

/** A realistic reply mix: most confirm or arrive, some give an ETA, some decline with a reason, some write noise. */
function firstReply(dice: Dice): { kind: string; body: string } {
  const roll = dice.int(0, 99);
  if (roll < 40) return { kind: "'1'", body: dice.pick(CONFIRM) };
  if (roll < 55) return { kind: "'1 20'", body: dice.pick(CONFIRM_ETA) };
  if (roll < 65) return { kind: "'2 reason'", body: dice.pick(DECLINE) };
  if (roll < 90) return { kind: "'3'", body: dice.pick(ARRIVED) };
  return { kind: 'noise', body: dice.pick(NOISE) };
}

/** What a person sends next: arrival after a yes, a yes after a no, a yes or more noise after noise, thanks after arriving. */
function secondReply(first: string, dice: Dice): { kind: string; body: string } {
  if (first === "'1'" || first === "'1 20'") return { kind: "later '3'", body: dice.pick(ARRIVED) };
  if (first === "'3'") return { kind: 'later noise', body: dice.pick(NOISE) };
  if (first === 'noise' && dice.chance(0.5)) return { kind: 'noise again', body: dice.pick(NOISE) };
  return { kind: "later '1'", body: dice.pick(CONFIRM) };
}

type Slot = Omit<Reply, 'at' | 'id'> & { offsetMs: number };

/**
 * The storm, deterministic: one reply from most people, the rest silent, and some people
 * writing again. Of those: a second message minutes later (`later …`, `noise again`); the same
 * reply sent twice at once (`double`, both in flight together: a person who did not see the
 * acknowledgement yet); and a '1' that SNS delivers after the person's '3' although it was
 * received before it (`late '1'`: must not undo the arrival). SNS timestamps follow the order
 * of the list except for the late ones.
 */
function buildStorm(phones: readonly string[], args: CheckinArgs, start: number): Reply[] {
  const dice = new Dice(4_242);
  const order = [...phones];
  for (let i = order.length - 1; i > 0; i--) {
    const j = dice.int(0, i);
    [order[i], order[j]] = [order[j] as string, order[i] as string];
  }
  const share = (x: number) => Math.round(order.length * x);
  const responders = order.slice(share(args.silentShare));
  const firsts: Slot[] = responders.map((phone) => ({ phone, offsetMs: 0, ...firstReply(dice) }));
  const slots: Slot[] = [...firsts];
  const after = (first: Slot, slot: Slot, gap: number) =>
    slots.splice(Math.min(slots.length, slots.indexOf(first) + gap), 0, slot);
  let next = 0;
  for (let k = 0; k < share(args.doubleShare) && next < firsts.length; k++, next++) {
    const first = firsts[next] as Slot;
    after(first, { ...first, kind: 'double', offsetMs: 0 }, 1);
  }
  for (let k = 0; k < share(args.lateShare) && next < firsts.length; next++) {
    const first = firsts[next] as Slot;
    if (first.kind !== "'3'") continue;
    // Received a minute before the '3', delivered well after it.
    after(
      first,
      { phone: first.phone, kind: "late '1'", body: '1', offsetMs: -60_000 },
      dice.int(200, 2_000),
    );
    k++;
  }
  for (let k = 0; k < share(args.secondShare) && next < firsts.length; k++, next++) {
    const first = firsts[next] as Slot;
    after(first, { phone: first.phone, offsetMs: 0, ...secondReply(first.kind, dice) }, dice.int(200, 2_000));
  }
  return slots.map((s, i) => ({
    phone: s.phone,
    body: s.body,
    kind: s.kind,
    at: new Date(start + i * 10 + s.offsetMs),
    id: `bench-inbound-${String(i).padStart(6, '0')}`,
  }));
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function main(): Promise<void> {
  const { endpoint, resultFile, args } = childSettings<CheckinArgs>();
  const label = 'checkin';
  const gateway = new PacedGateway(args.rate, args.burst, 0);
  const h = await startHarness({
    endpoint: endpoint(),
    tableName: `bench-checkin-${Date.now()}`,
    gateway,
    rate: args.rate,
    batchSize: args.batchSize,
  });
  try {
    const sizes = [...new Set([...args.boardSizes, args.stormPeople])].sort((a, b) => a - b);
    const specs: CommunitySpec[] = sizes.map((people) => ({ communityId: `ck${people}`, people }));
    const data = benchStreet(specs, { allAvailable: true, seed: 11 });
    progress(
      label,
      `seeding ${data.members.length.toLocaleString('en')} people in ${specs.length} communities…`,
    );
    const seedStart = performance.now();
    await seedBenchStreet(data, h.seedUseCases(), (done, total) =>
      progress(label, `  seeded ${done.toLocaleString('en')} / ${total.toLocaleString('en')}`),
    );
    const seedMs = performance.now() - seedStart;

    // Level I on each community: everyone is drafted and alerted before anyone replies.
    const alertsStart = performance.now();
    const activationOf = new Map<number, string>();
    for (const spec of specs) {
      const result = await h.call<{ activationId: string; drafted: number }>(
        'POST',
        `/communities/${spec.communityId}/activations`,
        { kind: 'flood', level: 'I' },
      );
      if (result.status !== 201) throw new Error(`switch answered ${result.status}`);
      if (result.body.drafted !== spec.people)
        throw new Error(`expected ${spec.people} drafted, got ${result.body.drafted}`);
      activationOf.set(spec.people, result.body.activationId);
    }
    progress(label, `switched ${specs.length} communities; sending ${data.members.length} alerts…`);
    await gateway.until(data.members.length);
    await h.settle();
    const alertsMs = performance.now() - alertsStart;
    progress(label, `all alerts sent in ${(alertsMs / 1000).toFixed(1)} s`);

    const readBoard = async (people: number, view: 'counts' | 'full', times: number): Promise<BoardRead> => {
      const id = activationOf.get(people) as string;
      const requests: number[] = [];
      let bytes = 0;
      let tallies: { op: string; requests: number }[] = [];
      for (let i = 0; i < times; i++) {
        h.counter.reset();
        const response = await fetch(`${h.stack.url}/activations/${id}?view=${view}`, {
          headers: { authorization: `Bearer ${h.token}` },
        });
        const text = await response.text();
        if (response.status !== 200) throw new Error(`board answered ${response.status}`);
        bytes = Buffer.byteLength(text);
        requests.push(h.counter.total('api'));
        tallies = h.counter
          .read()
          .tallies.filter((t) => t.actor === 'api')
          .map((t) => ({ op: t.op, requests: t.requests }));
      }
      return { people, view, requests, bytes, tallies };
    };
    const readBoards = async () => {
      const reads: BoardRead[] = [];
      for (const people of sizes) {
        reads.push(await readBoard(people, 'counts', 3));
        reads.push(await readBoard(people, 'full', 1));
      }
      return reads;
    };
    const boardBefore = await readBoards();
    for (const r of boardBefore)
      progress(label, `board ${r.view} of ${r.people}: ${r.requests.join(', ')} requests, ${r.bytes} bytes`);

    const stormCommunity = data.members.filter((m) => m.communityId === `ck${args.stormPeople}`);
    const replies = buildStorm(
      stormCommunity.map((m) => m.phone),
      args,
      Date.now(),
    );
    const mix: Record<string, number> = {};
    for (const r of replies) mix[r.kind] = (mix[r.kind] ?? 0) + 1;
    progress(
      label,
      `storm: ${replies.length} replies, ${args.concurrency} at a time, through the inbound handler`,
    );

    const inbound = await h.stack.loadHandler('messaging/inbound-sms');
    h.counter.reset();
    const acksBefore = gateway.count('ack');
    const costs: { kind: string; requests: number; ms: number; tally: Map<string, number> }[] = [];
    let stormDone = false;
    const duringStorm: number[] = [];
    const watcher = (async () => {
      // The command's board, polled for counts while the replies pour in.
      const id = activationOf.get(args.stormPeople) as string;
      while (!stormDone) {
        const before = h.counter.total('api');
        const response = await fetch(`${h.stack.url}/activations/${id}?view=counts`, {
          headers: { authorization: `Bearer ${h.token}` },
        });
        await response.text();
        duringStorm.push(h.counter.total('api') - before);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    })();
    const stormStart = performance.now();
    const loadBefore = loadavg()[0] ?? 0;
    let done = 0;
    await pMap(
      replies,
      async (reply) => {
        const tally = new Map<string, number>();
        const start = performance.now();
        await asActor({ actor: 'reply', tally }, () =>
          inbound(
            inboundSmsEvent({
              from: reply.phone,
              body: reply.body,
              inboundMessageId: reply.id,
              at: reply.at,
            }),
            lambdaContext('messaging-inbound-sms', reply.id),
          ),
        );
        let requests = 0;
        for (const n of tally.values()) requests += n;
        costs.push({ kind: reply.kind, requests, ms: performance.now() - start, tally });
        done++;
        if (done % 2_000 === 0) progress(label, `  ${done} / ${replies.length} replies handled`);
      },
      { concurrency: args.concurrency },
    );
    const stormMs = performance.now() - stormStart;
    const load: [number, number] = [loadBefore, loadavg()[0] ?? 0];
    stormDone = true;
    await watcher;
    progress(label, `storm handled in ${(stormMs / 1000).toFixed(1)} s; waiting for the acknowledgements…`);
    await h.settle();
    const consumerTallies = h.counter.read().tallies.filter((t) => t.actor === 'stream');
    const consumer = {
      requests: consumerTallies.reduce((n, t) => n + t.requests, 0),
      acks: gateway.count('ack') - acksBefore,
      tallies: consumerTallies,
    };

    const histogram: Record<string, number> = {};
    const byKind: Record<string, { replies: number; mean: number; max: number }> = {};
    const ops = new Map<string, number>();
    for (const c of costs) {
      histogram[String(c.requests)] = (histogram[String(c.requests)] ?? 0) + 1;
      const k = byKind[c.kind] ?? { replies: 0, mean: 0, max: 0 };
      k.mean = (k.mean * k.replies + c.requests) / (k.replies + 1);
      k.replies++;
      k.max = Math.max(k.max, c.requests);
      byKind[c.kind] = k;
      for (const [op, n] of c.tally) ops.set(op, (ops.get(op) ?? 0) + n);
    }
    const latencies = costs.map((c) => c.ms).sort((a, b) => a - b);
    const totalRequests = costs.reduce((n, c) => n + c.requests, 0);

    const boardAfter = await readBoards();
    const check = await verify(activationOf.get(args.stormPeople) as string);
    progress(
      label,
      `${(replies.length / (stormMs / 1000)).toFixed(0)} replies/s, ${(totalRequests / costs.length).toFixed(
        2,
      )} requests per reply; counters ${check.equal ? 'equal' : 'DIFFER FROM'} the members' statuses`,
    );

    writeResult(resultFile, {
      people: args.stormPeople,
      replies: replies.length,
      concurrency: args.concurrency,
      mix,
      seedMs,
      alertsMs,
      stormMs,
      load,
      repliesPerSecond: replies.length / (stormMs / 1000),
      latencyMs: {
        p50: percentile(latencies, 50),
        p90: percentile(latencies, 90),
        p99: percentile(latencies, 99),
        max: latencies.at(-1) ?? 0,
      },
      requestsPerReply: {
        mean: totalRequests / costs.length,
        max: costs.reduce((n, c) => Math.max(n, c.requests), 0),
        histogram,
        byKind,
        tallies: [...ops.entries()]
          .map(([op, requests]) => ({ op, requests }))
          .sort((a, b) => b.requests - a.requests),
      },
      consumer,
      boardBefore,
      boardDuringStorm: { reads: duringStorm.length, requests: duringStorm },
      boardAfter,
      check,
    } satisfies CheckinResult);
  } finally {
    await h.stop();
  }

  /**
   * The board's counters against the people: the counts the full board shows (from the team
   * counters) against a tally of its members' statuses, and each team's counter item against
   * `countsOf` its draftees as stored.
   */
  async function verify(activationId: string): Promise<CheckinResult['check']> {
    const board = await h.call<BoardBody>('GET', `/activations/${activationId}?view=full`);
    const members = board.body.teams.flatMap((t) => t.members ?? []);
    const statuses: Record<string, number> = {};
    for (const m of members) statuses[m.status] = (statuses[m.status] ?? 0) + 1;
    const active = members.filter((m) => m.status !== 'released');
    const fromMembers: Partial<Counts> = {
      drafted: active.length,
      alerted: active.filter((m) => m.alertedAt).length,
      delivered: active.filter((m) => m.deliveredAt).length,
      confirmed: statuses.confirmed ?? 0,
      declined: statuses.declined ?? 0,
      arrived: statuses.arrived ?? 0,
      noResponse: statuses.noResponse ?? 0,
      released: statuses.released ?? 0,
    };
    const counters = board.body.counts;
    let equal = Object.entries(fromMembers).every(([k, v]) => counters[k as keyof Counts] === v);
    const draftees = await asActor({ actor: 'diagnostic' }, () =>
      h.ports.activations.listDraftees(activationId),
    );
    let teamsEqual = 0;
    for (const team of board.body.teams) {
      const expected = countsOf(draftees.filter((d) => d.teamId === team.teamId));
      const same = COUNTERS.every((c) => (team.counts[c] ?? 0) === expected[c]);
      if (same) teamsEqual++;
    }
    equal = equal && teamsEqual === board.body.teams.length;
    return {
      equal,
      counters: { ...zeroCounts(), ...counters },
      fromMembers,
      teamsChecked: board.body.teams.length,
      teamsEqual,
      statuses,
    };
  }
}

await main();
