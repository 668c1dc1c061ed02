import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, release, totalmem, type } from 'node:os';
import type { BundlesResult } from '../scenarios/bundles';
import type { CheckinResult } from '../scenarios/checkin';
import type { FormationResult } from '../scenarios/formation';
import type { ProviderResult } from '../scenarios/provider';
import type { RankingsResult } from '../scenarios/rankings';
import type { PressResult, SwitchResult } from '../scenarios/switch';
import type { WhistleResult } from '../scenarios/whistle';
import type { SETTINGS } from '../settings';

export type Machine = {
  cpu: string;
  cpus: number;
  memoryGiB: number;
  node: string;
  os: string;
  java: string;
  dynamodbLocal: string;
  date: string;
};

export type RunResults = {
  machine: Machine;
  settings: typeof SETTINGS;
  switch?: SwitchResult[];
  formation?: FormationResult;
  checkin?: CheckinResult;
  bundles?: BundlesResult;
  rankings?: RankingsResult;
  provider?: ProviderResult[];
  whistle?: WhistleResult;
  errors: { scenario: string; message: string }[];
  durationMs?: number;
};

/** One target of an issue, as measured. `pass` is undefined when it could not be measured. */
export type Target = { scenario: string; what: string; target: string; measured: string; pass?: boolean };

export function machine(): Machine {
  const list = cpus();
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const simulator = 'node_modules/amplify-dynamodb-simulator/package.json';
  const simulatorVersion = existsSync(simulator)
    ? (JSON.parse(readFileSync(simulator, 'utf8')) as { version: string }).version
    : '?';
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cpus: list.length,
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    os: `${type()} ${release()} (${platform()} ${arch()})`,
    java: (java.stderr ?? '').split('\n')[0]?.trim() || 'not found',
    dynamodbLocal: `DynamoDB Local (jar of amplify-dynamodb-simulator ${simulatorVersion}), in memory, a fresh one for each scenario process`,
    date: new Date().toISOString(),
  };
}

const n = (value: number, digits = 0) =>
  value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const sec = (ms: number) => `${n(ms / 1000, 2)} s`;
const msf = (ms: number) => `${n(ms, ms < 10 ? 2 : ms < 100 ? 1 : 0)} ms`;
const pct = (x: number | undefined) => (x === undefined ? 'n/a' : `${n(x * 100, 1)}%`);
const load = (l: readonly number[] | undefined) => (l ? `${n(l[0] ?? 0, 1)} → ${n(l[1] ?? 0, 1)}` : '—');
const mark = (pass: boolean | undefined) => (pass === undefined ? '—' : pass ? '**pass**' : '**FAIL**');

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

const machineLine = (m: Machine) =>
  `${m.cpu} × ${m.cpus}, ${n(m.memoryGiB, 1)} GiB, Node ${m.node}, ${m.os}, ${m.java}`;

/** The level I press with the run's own settings: the production batch size, no gateway latency. */
const isBase = (r: SwitchResult, p: PressResult) =>
  p.gatewayLatencyMs === r.latencyMs && p.batchSize === r.batchSize;
const levelI = (r: SwitchResult) => r.presses.find((p) => p.level === 'I' && isBase(r, p));
const contrastsOf = (r: SwitchResult) => r.presses.filter((p) => p.level === 'I' && !isBase(r, p));
const levelIII = (r: SwitchResult) => r.presses.find((p) => p.level === 'III');

// ---------------------------------------------------------------------------------------------
// targets

export function targets(results: RunResults): Target[] {
  const out: Target[] = [];
  for (const r of results.provider ?? []) {
    const tencent = r.presses.find((p) => p.via === 'tencent');
    const sns = r.presses.find((p) => p.via === 'sns');
    if (!tencent) continue;
    out.push({
      scenario: 'provider',
      what: `Tencent API calls per alert, ${n(r.people)} people, level I`,
      target: '≤ 0.02',
      measured: n(tencent.apiCallsPerAlert, 4),
      pass: tencent.apiCallsPerAlert <= 0.02,
    });
    if (sns)
      out.push({
        scenario: 'provider',
        what: `DynamoDB requests per drafted person, Tencent against SNS, ${n(r.people)} people`,
        target: 'no worse than SNS',
        measured: `${n(tencent.requestsPerDrafted, 4)} against ${n(sns.requestsPerDrafted, 4)}`,
        // Within 1%: the same writes, give or take a retried condition.
        pass: tencent.requestsPerDrafted <= sns.requestsPerDrafted * 1.01,
      });
  }
  const year = results.rankings?.reads.find((x) => x.period === 'year');
  if (results.rankings && year) {
    out.push({
      scenario: 'rankings',
      what: `DynamoDB requests per rankings read, ${n(results.rankings.grids)} grids and ${n(results.rankings.units)} units, a year of weekly drills and whistles (年考评)`,
      target: '≤ 10, independent of drills and whistles',
      measured: `${n(year.requests)} (${n(results.rankings.drills)} drills, ${n(results.rankings.whistles)} whistles in the year)`,
      pass: year.requests <= 10,
    });
  }
  const f = results.formation?.results.find((r) => r.level === 'I');
  if (f && results.formation) {
    out.push({
      scenario: 'switch',
      what: `team formation, ${n(results.formation.people)} people (formTeams, level I, median of ${results.formation.runs})`,
      target: '< 300 ms',
      measured: msf(f.medianMs),
      pass: f.medianMs < 300,
    });
  }
  for (const r of results.switch ?? []) {
    const p = levelI(r);
    if (!p) continue;
    out.push({
      scenario: 'switch',
      what: `DynamoDB requests per drafted person, ${n(r.people)} people (level I, write path)`,
      target: '≤ 0.1',
      measured: `${n(p.requests.perDrafted, 4)} (${n(p.requests.total)} / ${n(p.drafted)})`,
      pass: p.requests.perDrafted <= 0.1,
    });
    out.push({
      scenario: 'switch',
      what: `gateway busy at ${r.rate} msg/s, ${n(r.people)} people (level I)`,
      target: '≥ 90%',
      measured: pct(p.busyFraction),
      pass: p.busyFraction === undefined ? undefined : p.busyFraction >= 0.9,
    });
  }
  const c = results.checkin;
  if (c) {
    out.push({
      scenario: 'checkin',
      what: `DynamoDB requests per reply (${n(c.replies)} replies, mean; max ${c.requestsPerReply.max})`,
      target: '≤ 3',
      measured: n(c.requestsPerReply.mean, 3),
      pass: c.requestsPerReply.mean <= 3,
    });
    const reads = [...c.boardBefore, ...c.boardAfter].filter((b) => b.view === 'counts');
    const all = [...reads.flatMap((b) => b.requests), ...c.boardDuringStorm.requests];
    const distinct = [...new Set(all)].sort();
    out.push({
      scenario: 'checkin',
      what: `requests per board read for counts, at ${[...new Set(reads.map((b) => n(b.people)))].join(' / ')} people`,
      target: 'the same at every size, ≤ 2',
      measured: `${distinct.join(', ')} (${all.length} reads)`,
      pass: distinct.length === 1 && (distinct[0] ?? 99) <= 2,
    });
    out.push({
      scenario: 'checkin',
      what: "board counts equal the sum of the members' statuses after the storm",
      target: 'equal',
      measured: `${c.check.equal ? 'equal' : 'different'} (${c.check.teamsEqual}/${c.check.teamsChecked} teams)`,
      pass: c.check.equal,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// sections

function switchSection(results: RunResults): string {
  const s = results.settings.switch;
  const runs = results.switch ?? [];
  const parts: string[] = [];
  parts.push(`### Method

- **Street**: for each size N, \`syntheticStreet(N)\` (local/demo-data.ts) is built once and all its
  people are moved into **one community of 12 grids** (the synthetic grades, muster points and
  neighbours), with two partner units paired "N+1" (unit A with grids 01–02, unit B with 06–07);
  one person in twenty is a serving party member of one of them; about 12% are unavailable, as
  \`syntheticStreet\` makes them. It is loaded through the use cases (\`seedStreet\` for the
  structure and the first 10,000 people, then CSV imports of 10,000, the import's cap being
  20,000 rows). Seed time is reported, not a target.
- **Press**: \`POST /communities/{id}/activations\` **through the real HTTP route** of the local
  API (dev JWT → the \`switch/activate\` Lambda handler → the use case), \`{kind: "flood", level}\`.
  Level III first (for contrast), then stand-down through the API (its notices sent and settled),
  then **level I** ("all hands": everyone eligible is drafted) on the same roster. "Time to 201" is
  from sending the request to having read the whole response body.
- **Sending**: the stack's \`StreamPoller\` reads DynamoDB Local's stream, in order, at most
  **${n(s.batchSize)} records per invocation: the event source mapping's \`BatchSize\` at this rate**
  (\`streamBatchSize\` in shared/config.ts: about ten seconds of sending, 100 to
  5,000 records; production's 10 messages/s per consumer gives 100; gathered from several
  \`GetRecords\` pages and, as Lambda does at its 6 MB payload, cut short once the records'
  \`SizeBytes\` pass 2.5 MB), and invokes \`makeDispatcher\` wrapped exactly as
  functions/messaging/stream.ts wraps it, with \`rate = ${s.rate}\` messages/s. The gateway is an
  in-memory \`SmsGateway\` that accepts at most **R = ${s.rate} messages/s** (a token bucket of
  ${s.burst} tokens refilled at R/s; over it, \`SmsThrottledError\` as SNS throttling), with
  ${s.latencyMs} ms latency, and records each accept time. "Last alert" is from sending the press
  to the gateway accepting the last alert. **Busy** = (alerts / R) / (last accept − first accept).
- **Requests**: a middleware on the one \`DynamoDBDocumentClient\` counts every request by command
  and by what it touches, attributed by who made it (\`AsyncLocalStorage\`): the API handler
  (**switch**), and the stream consumer, split by operation into **plan → draftees** (read the
  activation, \`BatchGet\` members, \`TransactWrite\` draftee puts) and **send** (\`BatchGet\`
  waiting items, claim and settle transactions). Counters are reset before the press and read
  once the stream consumer is idle and nothing has been requested for 0.75 s, so the count covers
  the whole write path from the press to the last settle. The poller's own DynamoDB Streams
  calls (\`GetRecords\`) are not table requests and are not counted. SDK attempts are counted too:
  the run sets \`AWS_MAX_ATTEMPTS=10\` because DynamoDB Local answers "timed out waiting for a lock"
  (a 500 real DynamoDB does not give) when the machine is busy; attempts above requests show retries.
- **Formation**: \`formTeams\` alone on a generated community of ${n(results.settings.formation.people)}
  people (\`benchStreet\`, 12 grids, 2 units), the same input every run, ${results.settings.formation.warmups}
  warm-up runs then the median of ${results.settings.formation.runs}, in a process of its own.
  The reserve ranking that the switch does after it (\`rankReserves\` for every team) is timed
  separately.`);

  parts.push('### The switch, level I (all hands)');
  parts.push(
    table(
      [
        'people',
        'seed',
        'drafted',
        'time to 201',
        '201 body',
        'first alert',
        'last alert',
        'busy',
        'throttled',
        'requests',
        'per drafted',
        'load (1 min)',
      ],
      runs.map((r) => {
        const p = levelI(r);
        if (!p) return [n(r.people), sec(r.seed.ms), '—', '—', '—', '—', '—', '—', '—', '—', '—', '—'];
        return [
          n(r.people),
          sec(r.seed.ms),
          n(p.drafted),
          msf(p.timeTo201Ms),
          `${n(p.responseBytes / 1024, 0)} KiB`,
          sec(p.firstAlertMs),
          sec(p.lastAlertMs),
          pct(p.busyFraction),
          n(p.throttled),
          n(p.requests.total),
          n(p.requests.perDrafted, 4),
          load(p.load),
        ];
      }),
    ),
  );
  parts.push('### Level III, for contrast (quota per grid grade; the rest are ranked reserves)');
  parts.push(
    table(
      [
        'people',
        'drafted',
        'reserves',
        'time to 201',
        'of which rankReserves × teams',
        'first alert',
        'last alert',
        'busy',
        'requests',
        'per drafted',
      ],
      runs.flatMap((r) => {
        const p = levelIII(r);
        return p
          ? [
              [
                n(r.people),
                n(p.drafted),
                n(p.reserves),
                msf(p.timeTo201Ms),
                msf(p.parts.rankReservesMs),
                sec(p.firstAlertMs),
                sec(p.lastAlertMs),
                pct(p.busyFraction),
                n(p.requests.total),
                n(p.requests.perDrafted, 4),
              ],
            ]
          : [];
      }),
    ),
  );
  parts.push(`At level III the fixed cost of a press (about ten requests) and of each plan chunk is spread
over a few dozen people, so requests per drafted person are far above 0.1; the target is about
large activations and is judged on level I. "rankReserves × teams" is timed alone, as in "Where
the time to 201 goes": the switch ranks every reserve for every team only to count them.`);

  const contrasts = runs.flatMap((r) => {
    const base = levelI(r);
    const others = contrastsOf(r);
    return base && others.length ? [{ r, presses: [base, ...others] }] : [];
  });
  if (contrasts.length) {
    parts.push('### Level I again: another batch size, a gateway with SNS-like latency');
    parts.push(`The same press repeated after a stand-down, changing one thing: the records per stream
invocation (the event source mapping's \`BatchSize\`: ${n(s.batchSize)} at this rate, 100 at production's
10 messages/s per consumer), or a gateway that takes as long per call as an SNS \`Publish\` round
trip (half before the accept, half after). Every invocation pays a fixed cost before its first
send and after its last (see "Where the sending time goes"); the dispatcher also waits for every
send of a group of 50 to return before sending the next group (its pacing hands out
${Math.ceil(s.rate / 20)} messages per 50 ms slot).`);
    parts.push(
      table(
        [
          'people',
          'batch size',
          'gateway latency',
          'drafted',
          'last alert',
          'busy',
          'invocations with alerts',
          'alerts / invocation',
          'fixed cost / invocation',
          'per drafted',
        ],
        contrasts.flatMap(({ r, presses }) =>
          presses.map((p) => [
            n(r.people),
            n(p.batchSize),
            `${p.gatewayLatencyMs} ms`,
            n(p.drafted),
            sec(p.lastAlertMs),
            pct(p.busyFraction),
            n(p.anatomy.invocationsWithAlerts),
            n(p.anatomy.alertsPerInvocation),
            msf(p.anatomy.beforeFirstAcceptMs + p.anatomy.afterLastAcceptMs + p.anatomy.gapBeforeMs),
            n(p.requests.perDrafted, 4),
          ]),
        ),
      ),
    );
  }

  parts.push('### Requests on the write path, by phase (level I)');
  parts.push(
    table(
      [
        'people',
        'drafted',
        'switch',
        'plan → draftees',
        'send (read, claim, settle)',
        'total',
        'per drafted',
        'SDK attempts',
      ],
      runs.flatMap((r) => {
        const p = levelI(r);
        if (!p) return [];
        const b = p.requests.byPhase;
        const per = (x: number) => `${n(x)} (${n(x / Math.max(1, p.drafted), 4)})`;
        return [
          [
            n(r.people),
            n(p.drafted),
            per(b.switch),
            per(b['plan → draftees']),
            per(b['send (read, claim, settle)']),
            n(p.requests.total),
            n(p.requests.perDrafted, 4),
            n(p.requests.attempts),
          ],
        ];
      }),
    ),
  );
  const biggest = runs.at(-1);
  const bp = biggest ? levelI(biggest) : undefined;
  if (biggest && bp) {
    parts.push(`### Requests by command, ${n(biggest.people)} people, level I (${n(bp.drafted)} drafted)`);
    parts.push(
      table(
        ['phase', 'command', 'what it touches', 'requests', 'per drafted', 'mean latency (diagnostic)'],
        bp.requests.tallies.map((t) => [
          t.phase,
          t.command.replace(/Command$/, ''),
          `\`${t.op}\``,
          n(t.requests),
          n(t.requests / Math.max(1, bp.drafted), 4),
          msf(t.ms / Math.max(1, t.requests)),
        ]),
      ),
    );
  }

  parts.push('### Where the time to 201 goes (level I)');
  parts.push(`The use case's steps before its commit, timed one by one on the same roster just before the
press (reads only; not part of the counted requests), so under load they need not add up. The
rest of the 201 is the commit transaction, the audit write, building the response and HTTP.`);
  parts.push(
    table(
      [
        'people',
        'time to 201',
        'read structure',
        'read roster + units + locks',
        'formTeams',
        'rankReserves × teams',
        'rest',
      ],
      runs.flatMap((r) => {
        const p = levelI(r);
        if (!p) return [];
        const t = p.parts;
        const rest = p.timeTo201Ms - t.structureMs - t.rosterMs - t.formTeamsMs - t.rankReservesMs;
        return [
          [
            n(r.people),
            msf(p.timeTo201Ms),
            msf(t.structureMs),
            msf(t.rosterMs),
            msf(t.formTeamsMs),
            msf(t.rankReservesMs),
            rest > 0 ? msf(rest) : '—',
          ],
        ];
      }),
    ),
  );

  parts.push('### Where the sending time goes (level I)');
  parts.push(`From the stream handler's invocations and the gateway's accept times: per invocation that
sent alerts (means), the time from its start to its first accept (unmarshalling the batch,
\`BatchGet\` of the waiting items 100 at a time, the first claim), the span of its accepts, the
time after its last accept (the last settle), and the gap before it (the poller: checkpoint,
\`GetRecords\`). "Idle" is the time between the first and the last alert in which no invocation
was sending. At R = ${n(s.rate)}/s, ${n(s.batchSize)} alerts need ${n((s.batchSize / s.rate) * 1000)} ms.`);
  parts.push(
    table(
      [
        'people',
        'invocations (with alerts)',
        'records / inv.',
        'alerts / inv.',
        'before 1st accept',
        'accept span',
        'after last accept',
        'gap before',
        'idle between',
        'time to 1st alert',
      ],
      runs.flatMap((r) => {
        const p = levelI(r);
        if (!p) return [];
        const a = p.anatomy;
        return [
          [
            n(r.people),
            `${a.invocations} (${a.invocationsWithAlerts})`,
            n(a.recordsPerInvocation),
            n(a.alertsPerInvocation),
            msf(a.beforeFirstAcceptMs),
            msf(a.acceptSpanMs),
            msf(a.afterLastAcceptMs),
            msf(a.gapBeforeMs),
            sec(a.idleBetweenInvocationsMs),
            sec(p.firstAlertMs),
          ],
        ];
      }),
    ),
  );

  const fr = results.formation;
  if (fr) {
    parts.push(`### Team formation, ${n(fr.people)} people (pure \`formTeams\`)`);
    parts.push(
      table(
        ['level', 'drafted', 'reserves', 'median', 'min', 'max', 'rankReserves × 12 teams (median)'],
        fr.results.map((r) => [
          r.level,
          n(r.drafted),
          n(r.reserves),
          msf(r.medianMs),
          msf(r.formTeamsMs[0] ?? 0),
          msf(r.formTeamsMs.at(-1) ?? 0),
          msf(r.rankReservesMedianMs),
        ]),
      ),
    );
    parts.push(`At level I each team is capped at 5,000 (\`MAX_TEAM_SIZE\`), so with ${n(fr.people)} people in 12
grids some are left as reserves.`);
  }
  return parts.join('\n\n');
}

function checkinSection(results: RunResults): string {
  const c = results.checkin;
  const s = results.settings.checkin;
  if (!c) return '_No result: the scenario failed (see Errors)._';
  const parts: string[] = [];
  parts.push(`### Method

- **Activation**: communities of ${[...s.boardSizes, s.stormPeople].map((x) => n(x)).join(', ')} people
  (\`benchStreet\` as in \`switch\`, everyone available), loaded through the use cases; each
  switched at level I through the HTTP route, so the activations hold exactly that many draftees;
  every alert sent (gateway ${n(s.rate)}/s; ${n(s.batchSize)} stream records per invocation, the
  event source mapping's \`BatchSize\` at that rate) and settled before the first reply.
- **Storm**: ${n(c.replies)} replies to the ${n(c.people)}-person activation, **through the inbound
  Lambda handler** (functions/messaging/inbound-sms.ts, loaded as the local stack loads it) invoked
  with SNS events built by \`inboundSmsEvent\` (local/sns-event.ts), each with its own
  \`inboundMessageId\`, ${c.concurrency} invocations at a time. The mix (table below): one reply
  from ${n((1 - s.silentShare) * 100)}% of the people ('1' and its forms 40%, '1 20' 15%, '2 reason' 10%, '3' 25%,
  noise 10%), the rest silent; then ${n(s.secondShare * 100)}% of the people write again minutes later
  ('3' after a yes, '1' after a no, '1' or more noise after noise, noise after '3'),
  ${n(s.doubleShare * 100)}% send their reply twice at once (\`double\`: both in flight together), and
  ${n(s.lateShare * 100)}% have a '1' delivered after their '3' with an earlier SNS timestamp (\`late '1'\`:
  must not undo the arrival). The stream consumer runs throughout and sends the acknowledgements; its requests are counted apart.
- **Requests per reply**: every request made while handling one reply is counted for that reply
  (\`AsyncLocalStorage\` around the invocation), whatever else runs at the same time.
- **Board reads**: \`GET /activations/{id}?view=counts\` (3 times each) and \`?view=full\` (once) through
  the HTTP route, for each size, before and after the storm; during the storm the counts are read
  once a second. Requests of a read are those the API made between sending it and reading its body
  (reads are never concurrent with each other).
- **Check**: after the storm and its acknowledgements, the full board's \`counts\` (the sum of the
  team counters) against a tally of its members' statuses, and each team's counter item against
  \`countsOf\` its draftees as stored.`);

  parts.push('### Replies');
  parts.push(
    table(
      [
        'replies',
        'concurrency',
        'time',
        'replies / s',
        'latency p50 / p90 / p99 / max',
        'requests per reply (mean)',
        'max',
        'load (1 min)',
      ],
      [
        [
          n(c.replies),
          c.concurrency,
          sec(c.stormMs),
          n(c.repliesPerSecond, 0),
          `${msf(c.latencyMs.p50)} / ${msf(c.latencyMs.p90)} / ${msf(c.latencyMs.p99)} / ${msf(c.latencyMs.max)}`,
          n(c.requestsPerReply.mean, 3),
          c.requestsPerReply.max,
          load(c.load),
        ],
      ],
    ),
  );
  parts.push('Distribution of requests per reply:');
  parts.push(
    table(
      ['requests', 'replies', 'share'],
      Object.entries(c.requestsPerReply.histogram)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([k, v]) => [k, n(v), pct(v / c.replies)]),
    ),
  );
  parts.push('By kind of reply:');
  parts.push(
    table(
      ['reply', 'replies', 'mean requests', 'max'],
      Object.entries(c.requestsPerReply.byKind)
        .sort(([, a], [, b]) => b.replies - a.replies)
        .map(([k, v]) => [k, n(v.replies), n(v.mean, 2), v.max]),
    ),
  );
  parts.push('Requests of all replies, by what they touch:');
  parts.push(
    table(
      ['request', 'count', 'per reply'],
      c.requestsPerReply.tallies.map((t) => [`\`${t.op}\``, n(t.requests), n(t.requests / c.replies, 3)]),
    ),
  );
  parts.push(
    `The stream consumer meanwhile made ${n(c.consumer.requests)} requests and sent ${n(c.consumer.acks)} acknowledgements (${n(
      c.consumer.requests / Math.max(1, c.consumer.acks),
      3,
    )} requests per acknowledgement); these are the outbox's cost, not the reply's.`,
  );

  parts.push('### Board reads');
  const row = (reads: CheckinResult['boardBefore'], people: number, view: 'counts' | 'full') =>
    reads.find((r) => r.people === people && r.view === view);
  parts.push(
    table(
      [
        'activation',
        'counts: requests per read (before storm)',
        'counts (after)',
        'counts body',
        'full: requests',
        'full (after)',
        'full body',
      ],
      [...new Set(c.boardBefore.map((b) => b.people))].map((people) => {
        const cb = row(c.boardBefore, people, 'counts');
        const ca = row(c.boardAfter, people, 'counts');
        const fb = row(c.boardBefore, people, 'full');
        const fa = row(c.boardAfter, people, 'full');
        return [
          `${n(people)} people`,
          cb?.requests.join(', ') ?? '—',
          ca?.requests.join(', ') ?? '—',
          cb ? `${n(cb.bytes / 1024, 1)} KiB` : '—',
          fb?.requests.join(', ') ?? '—',
          fa?.requests.join(', ') ?? '—',
          fb ? `${n(fb.bytes / 1024, 0)} KiB` : '—',
        ];
      }),
    ),
  );
  const fullBig = row(c.boardAfter, c.people, 'full');
  if (fullBig)
    parts.push(
      `A full read of the ${n(c.people)}-person board: ${fullBig.tallies
        .map((t) => `${t.requests} × \`${t.op}\``)
        .join(', ')}.`,
    );
  const during = [...new Set(c.boardDuringStorm.requests)];
  parts.push(
    `During the storm the counts were read ${c.boardDuringStorm.reads} times: ${during.join(', ')} requests per read.`,
  );

  parts.push('### Counts after the storm');
  parts.push(
    table(
      ['counter', 'board counts (team counters)', "tally of the members' statuses"],
      Object.entries(c.check.fromMembers).map(([k, v]) => [
        k,
        n(c.check.counters[k as keyof typeof c.check.counters] ?? 0),
        n(v ?? 0),
      ]),
    ),
  );
  parts.push(
    `Statuses on the board: ${Object.entries(c.check.statuses)
      .map(([k, v]) => `${k} ${n(v)}`)
      .join(
        ', ',
      )}. Teams whose counter item equals \`countsOf\` their draftees: ${c.check.teamsEqual} of ${c.check.teamsChecked}. **${
      c.check.equal
        ? 'The counts equal the members’ statuses.'
        : 'The counts DIFFER from the members’ statuses.'
    }**`,
  );
  return parts.join('\n\n');
}

function bundlesSection(results: RunResults): string {
  const b = results.bundles;
  if (!b) return '_No result: the scenario failed (see Errors)._';
  const parts: string[] = [];
  parts.push(`### Method

Each entry under functions/ bundled with esbuild ${b.esbuild} with the options
infra/constructs/app-function.ts gives CDK's \`NodejsFunction\`: ESM, \`target: node22\`,
\`platform: node\`, minified, every module bundled (\`externalModules: []\`, the AWS SDK included),
\`mainFields: module,main\`, external source map without sources, the \`createRequire\` banner,
the project tsconfig. Output goes to a temporary directory and is deleted. Bytes are those of
\`index.mjs\`; gzip is \`gzip -9\` of it (about what the deployment zip holds); the map is
deployed beside it.`);
  const total = b.functions.reduce((x, f) => x + f.bytes, 0);
  parts.push(
    table(
      ['function', 'bytes', 'gzip', 'source map', 'modules'],
      [
        ...[...b.functions]
          .sort((x, y) => y.bytes - x.bytes)
          .map((f) => [`\`${f.entry}\``, n(f.bytes), n(f.gzipBytes), n(f.mapBytes), n(f.inputs)]),
        ['**all**', `**${n(total)}**`, `**${n(b.functions.reduce((x, f) => x + f.gzipBytes, 0))}**`, '', ''],
      ],
    ),
  );
  parts.push(`### Largest bundle: \`${b.largest.entry}\`, by package (bytes in the output)`);
  parts.push(
    table(
      ['package', 'bytes', 'share'],
      b.largest.byPackage.map((c) => [`\`${c.name}\``, n(c.bytes), pct(c.share)]),
    ),
  );
  parts.push('Largest files in it:');
  parts.push(
    table(
      ['file', 'bytes', 'share'],
      b.largest.byFile.map((c) => [`\`${c.name}\``, n(c.bytes), pct(c.share)]),
    ),
  );
  parts.push(
    `### The floor: \`${b.smallest.entry}\` (${n(b.functions.find((f) => f.entry === b.smallest.entry)?.bytes ?? 0)} bytes), by package`,
  );
  parts.push(
    table(
      ['package', 'bytes', 'share'],
      b.smallest.byPackage.map((c) => [`\`${c.name}\``, n(c.bytes), pct(c.share)]),
    ),
  );
  parts.push('### What single imports cost (a one-line entry bundled with the same options)');
  parts.push(
    table(
      ['import', 'bytes', 'source'],
      b.probes.map((p) => [p.name, n(p.bytes), `\`${p.source}\``]),
    ),
  );
  return parts.join('\n\n');
}

function providerSection(results: RunResults): string {
  const runs = results.provider ?? [];
  if (!runs.length) return '_No result: the scenario failed (see Errors)._';
  const s = results.settings.provider;
  const parts: string[] = [];
  parts.push(`### Method

One community of 12 grids per size, seeded on a fresh table; level I (all hands) pressed three
times through the local API, with a stand-down between: first with SNS-like sending (the paced
in-memory gateway of \`switch\`, one message a call), then twice through the Tencent Cloud adapter,
once with the deployment's default templates (no leader templates: a leader gets the team's own
alert) and once with the optional leader templates registered: the official
\`tencentcloud-sdk-nodejs-sms\` client signing every \`SendSms\` with TC3-HMAC-SHA256 and pointed at
the fake Tencent provider (local/fake-tencent.ts), which verifies each signature and renders each
template, behind \`ProviderSmsGateway.sendMany\`, which puts the messages of a claimed group that share
template and parameters (a team's alerts) into one call of up to 200 numbers. The consumer hands ${n(s.rate)} messages a second
to the gateway (\`PINGJI_SMS_RATE\`), ${n(s.batchSize)} records per stream invocation. "Last alert" is
from the press to the moment the provider (or the paced gateway) accepted the last alert. Receipts
are not posted back here, so both presses count only the service's own DynamoDB requests: the
switch, plan → draftees and sending (read, claim, settle), per drafted person.`);
  parts.push(
    table(
      [
        'people',
        'drafted',
        'sent through',
        'API calls',
        'API calls per alert',
        '201',
        'last alert accepted',
        'DynamoDB requests per drafted',
        'bad signatures',
        'load (1 min)',
      ],
      runs.flatMap((r) =>
        r.presses.map((p) => [
          n(r.people),
          n(p.drafted),
          p.via === 'sns'
            ? 'SNS-like (1 a call)'
            : p.via === 'tencent'
              ? 'Tencent (fake, SDK)'
              : 'Tencent, leader templates registered',
          p.via === 'sns' ? n(p.alerts) : n(p.apiCalls),
          n(p.apiCallsPerAlert, 4),
          msf(p.timeTo201Ms),
          sec(p.lastAlertMs),
          n(p.requestsPerDrafted, 4),
          p.via === 'sns' ? '—' : n(p.badSignatures),
          load(p.load),
        ]),
      ),
    ),
  );
  const plain = runs.flatMap((r) => r.presses.filter((p) => p.via === 'tencent').map((p) => ({ r, p })));
  const callsAgainst = plain
    .map(
      ({ r, p }) => `${n(r.people)} people: ${n(p.apiCalls)} against ${n(Math.ceil(p.drafted / 200))} + 12`,
    )
    .join('; ');
  const floors = plain
    .map(({ r, p }) => `${n(r.people)}: ${sec((p.drafted / s.rate) * 1000)} against ${sec(p.lastAlertMs)}`)
    .join('; ');
  parts.push(`### Reading it

The sender claims up to 200 queued messages at a time (the gateway's \`batchLimit\`) and hands the
group to \`ProviderSmsGateway.sendMany\`, which makes one \`SendSms\` per template and parameter set.
Without leader templates a team's alerts, the leader's included, share every parameter, so calls
per press come to about the number of claimed groups (drafted ÷ 200) plus the number of teams (12):
a group that spans two teams makes two calls, and a team that spans two groups is sent in two
(${callsAgainst}). Registering the leader templates adds one call per team, the leader's own
"you lead team X" alert. The pace (${n(s.rate)} messages a second) counts a call by its numbers, so
the last alert comes no sooner than drafted ÷ rate (${floors}); what the last alert takes beyond
that floor is this machine's, where DynamoDB Local, the fake provider and the service share its
cores, and SNS-like and Tencent sending come out alike at each size. DynamoDB requests per drafted
person fall because groups of 200 are read, claimed and settled in fewer, larger requests than
groups of 50.`);
  return parts.join('\n\n');
}

function rankingsSection(results: RunResults): string {
  const r = results.rankings;
  if (!r) return '_No result: the scenario failed (see Errors)._';
  const parts: string[] = [];
  parts.push(`### Method

One street of ${n(r.communities)} communities in ${n(r.grids)} grids (Lianhu district's size), every
community drilled once a week for a year: ${n(r.drills)} drills, ${n(r.gridDrills)} grid-drills. Each
drill is folded into the street's week, month and year buckets through the ranking adapter
(\`DynamoRankingRepository.record\`, what every stand-down calls), one transaction per drill with its
marker, without running the drills. Each community also raises a whistle a week that calls two of the
street's ${n(r.units)} units and departments: ${n(r.whistles)} whistles, each folded in when it closes
(\`recordWhistle\`, what the stream consumer calls), one transaction with its marker. That makes
${n(r.bucketItems)} bucket items, one per grid or unit and period, each holding the sums and a
per-minute histogram (of minutes to confirm for a grid, to first answer for a unit, capped at 60). Seeding took
${sec(r.seed.ms)} and ${n(r.seed.requests)} requests. Each read is \`makeRankingUseCases().get\` (what
\`GET /streets/{streetId}/rankings\` calls), every DynamoDB request it makes counted.`);
  parts.push(
    table(
      [
        'period',
        'at',
        'grids ranked',
        'communities',
        'units ranked',
        'DynamoDB requests',
        'requests by kind',
        'time (DynamoDB Local)',
      ],
      r.reads.map((x) => [
        x.period,
        x.at,
        n(x.grids),
        n(x.communities),
        n(x.units),
        n(x.requests),
        Object.entries(x.byOp)
          .map(([op, c]) => `${op} × ${c}`)
          .join('; '),
        msf(x.ms),
      ]),
    ),
  );
  parts.push(`A read costs the street (one get), its communities (one query of an index) and the period's
buckets (one query of one partition, grids and units together, one page per megabyte); it does not
grow with the number of drills, whistles, draftees or weeks in the period. A period with nothing in it answers an empty ranking.`);
  return parts.join('\n\n');
}

// ---------------------------------------------------------------------------------------------
// the file

const TITLES: Record<string, string> = {
  switch: '1. `switch`: the one-key switch (issue 3 §10)',
  checkin: '2. `checkin`: SMS replies and the board (issue 4 §7)',
  bundles: '3. `bundles`: bytes per Lambda bundle',
  rankings: '4. `rankings`: 周排名 / 月排行 / 年考评 from precomputed aggregates',
  provider: '5. `provider`: the switch through Tencent Cloud SMS (the fake, with the official SDK)',
  whistle: '6. `whistle`: DynamoDB requests per raise and per answer (吹哨报到)',
};

function whistleSection(results: RunResults): string {
  const r = results.whistle;
  if (!r) return '_No result: the scenario failed (see Errors)._';
  const ops = (byOp: Record<string, number>) =>
    Object.entries(byOp)
      .sort((a, b) => b[1] - a[1])
      .map(([op, count]) => `${op} ×${count}`)
      .join('; ');
  return [
    `### Method

A grid paired with one unit whose party members are all called at the grid level; the whistle
asks for two people. The raise is \`makeWhistleUseCases().raise\` (what \`POST
/communities/{id}/whistles\` calls); the answers are SMS replies through the reply use case. Every
DynamoDB request of each step is counted, the SMS it queues included (sending them is the stream
consumer's, as for the switch). The second answer fills the whistle and tells everyone else they
are not needed. The filled whistle stays marked until they are told and freed (the mark is
cleared by one more write, after one more read), so that an answer dying part-way is finished by
the sweep.`,
    table(
      ['people called', 'step', 'DynamoDB requests', 'requests by kind', 'time (DynamoDB Local)'],
      r.runs.flatMap((x) => [
        [n(x.called), 'raise', n(x.raise.requests), ops(x.raise.byOp), sec(x.raise.ms)],
        [n(x.called), 'answer', n(x.answer.requests), ops(x.answer.byOp), sec(x.answer.ms)],
        [
          n(x.called),
          `filling answer (${n(x.filling.toldNotNeeded)} told not needed)`,
          n(x.filling.requests),
          ops(x.filling.byOp),
          sec(x.filling.ms),
        ],
      ]),
    ),
  ].join('\n\n');
}

function sectionOf(scenario: string, results: RunResults): string {
  const body =
    scenario === 'switch'
      ? switchSection(results)
      : scenario === 'checkin'
        ? checkinSection(results)
        : scenario === 'rankings'
          ? rankingsSection(results)
          : scenario === 'provider'
            ? providerSection(results)
            : scenario === 'whistle'
              ? whistleSection(results)
              : bundlesSection(results);
  const own = targets(results).filter((t) => t.scenario === scenario);
  const errors = results.errors.filter(
    (e) => e.scenario.startsWith(scenario) || (scenario === 'switch' && e.scenario === 'formation'),
  );
  return [
    `<!-- section:${scenario} -->`,
    `## ${TITLES[scenario]}`,
    `_Run ${results.machine.date} on ${machineLine(results.machine)}._`,
    own.length
      ? table(
          ['target', 'goal', 'measured', 'result'],
          own.map((t) => [t.what, t.target, t.measured, mark(t.pass)]),
        )
      : '',
    errors.length
      ? `**Errors in this run:** ${errors.map((e) => `${e.scenario}: ${e.message}`).join('; ')}`
      : '',
    body,
    `<!-- targets:${scenario} ${JSON.stringify(own)} -->`,
    `<!-- /section:${scenario} -->`,
  ]
    .filter(Boolean)
    .join('\n\n');
}

/**
 * Rewrites BENCHMARKS.md: the sections of the scenarios just run are replaced, the others are
 * kept as they were (each says when and where it was run), and the summary of targets is rebuilt
 * from every section.
 */
export function writeReport(path: string, results: RunResults, ran: readonly string[]): void {
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const sections = new Map<string, string>();
  for (const scenario of Object.keys(TITLES)) {
    if (ran.includes(scenario)) sections.set(scenario, sectionOf(scenario, results));
    else {
      const match = new RegExp(`<!-- section:${scenario} -->[\\s\\S]*?<!-- /section:${scenario} -->`).exec(
        old,
      );
      sections.set(
        scenario,
        match?.[0] ??
          `<!-- section:${scenario} -->\n\n## ${TITLES[scenario]}\n\n_Not run yet: \`npm run bench -- ${scenario}\`._\n\n<!-- /section:${scenario} -->`,
      );
    }
  }
  const allTargets: Target[] = [];
  for (const text of sections.values()) {
    const match = /<!-- targets:\w+ (.*) -->/.exec(text);
    if (match?.[1]) allTargets.push(...(JSON.parse(match[1]) as Target[]));
  }
  const m = results.machine;
  const doc = [
    '# Benchmarks',
    `Written by \`npm run bench\` (bench/run.ts). Each run rewrites the sections of the scenarios it ran
(\`npm run bench -- switch|checkin|bundles|rankings|provider\` runs one) and keeps the others; each section says when
and on what it ran. Speed figures (milliseconds, messages per second) depend on this machine and
on DynamoDB Local, which is far slower than DynamoDB; counts (requests per person, per reply,
per read; bytes per bundle) and ratios measured within one run do not. "Load (1 min)" is the
machine's load average at the start and end of a measurement: above the CPU count, other work
(other engineers' tests and stacks share this machine) was competing for it.

Each street size and each scenario runs in a Node process of its own, on a fresh table, against a
DynamoDB Local started for it and stopped after it (one at a time). One DynamoDB Local for the
whole run would skew every scenario after the first: DynamoDB Local slows down for every table
it has held. Measured while building this benchmark: seeding the same 10,000-person community took
12.3 s in a fresh DynamoDB Local and 440.9 s in the same one right after (its first table
deleted); 3,000 people took 4.7, 20.2 and 65.7 s in three tables kept side by side. Within one
table it stays linear (40,000 people in 12.9 s per 10,000).`,
    `**Last run**: ${m.date}, scenarios ${ran.join(', ')}${
      results.durationMs ? `, ${n(results.durationMs / 1000)} s in all` : ''
    }.  \n**Machine**: ${m.cpu}, ${m.cpus} CPUs, ${n(m.memoryGiB, 1)} GiB memory; Node ${m.node}; ${m.os};
${m.java}; ${m.dynamodbLocal}.`,
    '## Targets',
    allTargets.length
      ? table(
          ['scenario', 'target', 'goal', 'measured', 'result'],
          allTargets.map((t) => [t.scenario, t.what, t.target, t.measured, mark(t.pass)]),
        )
      : '_No targets measured yet._',
    ...sections.values(),
  ];
  writeFileSync(path, `${doc.join('\n\n')}\n`);
}

/** The run's key figures and targets on the console. */
export function printSummary(results: RunResults): void {
  console.log('\n== summary ==');
  for (const r of results.switch ?? []) {
    for (const p of r.presses) {
      console.log(
        `switch ${n(r.people).padStart(6)} level ${p.level.padEnd(3)} batch ${String(p.batchSize).padStart(4)} gateway ${String(p.gatewayLatencyMs).padStart(2)} ms  drafted ${n(p.drafted).padStart(6)}  201 ${msf(
          p.timeTo201Ms,
        ).padStart(
          8,
        )}  last alert ${sec(p.lastAlertMs).padStart(8)}  busy ${pct(p.busyFraction).padStart(6)}  req/drafted ${n(
          p.requests.perDrafted,
          4,
        )}  (switch ${p.requests.byPhase.switch}, plan ${p.requests.byPhase['plan → draftees']}, send ${
          p.requests.byPhase['send (read, claim, settle)']
        })  seed ${sec(r.seed.ms)}`,
      );
    }
  }
  for (const f of results.formation?.results ?? [])
    console.log(`formation ${n(results.formation?.people ?? 0)} level ${f.level}: median ${msf(f.medianMs)}`);
  const c = results.checkin;
  if (c) {
    console.log(
      `checkin ${n(c.replies)} replies: ${n(c.repliesPerSecond)} /s, ${n(c.requestsPerReply.mean, 3)} requests per reply (max ${
        c.requestsPerReply.max
      }), histogram ${JSON.stringify(c.requestsPerReply.histogram)}`,
    );
    for (const b of [...c.boardBefore, ...c.boardAfter])
      console.log(
        `  board ${b.view.padEnd(6)} ${n(b.people).padStart(6)} people: ${b.requests.join(', ')} requests, ${n(b.bytes)} bytes`,
      );
    console.log(`  counts equal members' statuses: ${c.check.equal}`);
  }
  for (const f of [...(results.bundles?.functions ?? [])].sort((a, b) => b.bytes - a.bytes))
    console.log(
      `bundle ${f.entry.padEnd(28)} ${n(f.bytes).padStart(10)} B  gzip ${n(f.gzipBytes).padStart(9)} B`,
    );
  console.log('\ntargets:');
  for (const t of targets(results))
    console.log(
      `  ${mark(t.pass).replaceAll('*', '').padEnd(5)} ${t.what}: ${t.measured} (goal ${t.target})`,
    );
  for (const e of results.errors) console.log(`  ERROR ${e.scenario}: ${e.message}`);
}
