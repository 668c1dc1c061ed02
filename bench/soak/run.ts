import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pMap from 'p-map';
import * as z from 'zod';
import { Dice } from '../../local/demo-data';
import { freePort, startDynamoDbLocal } from '../../local/dynamodb-local';
import { type CheckInStatus, canCheckIn, type DrafteeStatus } from '../../shared/domain/activation';
import { INCIDENT_KINDS, LEVELS } from '../../shared/domain/incident';
import { parseReply } from '../../shared/domain/reply';
import { alertFigures, dedupeKeyOf } from './checks';
import { SoakClient } from './client';
import { SoakService } from './service';
import {
  countersOff,
  doubleCallOuts,
  drafteesOf,
  readWorld,
  type SoakDraftee,
  sentByKey,
  unsettled,
} from './world';

/**
 * `npm run soak`: a compressed day on the local stack. Several communities sharing partner units
 * are switched at levels I to IV, as emergencies and as drills, one at a time, two at once and a
 * whole street at once; volunteers answer in storms, with replays and late replies; some
 * activations are stood down while their alerts are still going out; and the service process is
 * SIGKILLed and started again at random moments while DynamoDB Local lives on. At the end the
 * table is checked against what must hold, and the figures are printed. Seeded; bounded in
 * episodes, kills and time. `SOAK_DUMP=<file>` also writes what the table held at the end, with
 * each alert's sends as the network counted them, for looking into a figure that is not 0.
 * The moments of the kills follow the wall clock, so two runs of one seed differ in detail.
 */
const settings = z
  .object({
    SOAK_SEED: z.coerce.number().int().default(20_261_207),
    SOAK_EPISODES: z.coerce.number().int().min(1).max(40).default(9),
    SOAK_KILLS: z.coerce.number().int().min(0).max(20).default(5),
    SOAK_MINUTES: z.coerce.number().positive().max(15).default(8),
    SOAK_DUMP: z.string().optional(),
  })
  .parse(process.env);

const TABLE = 'pingji-soak';
const STREET = 'chengguan';
const COMMUNITIES = ['dongguan', 'xijie'] as const;
const REPLY_BODIES = ['1', '1 15', '收到', '2', '2 在外地', '3', '到达', '1 30'] as const;
const TARGET: Record<string, CheckInStatus> = {
  confirm: 'confirmed',
  decline: 'declined',
  arrived: 'arrived',
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const started = Date.now();
const hardDeadline = started + settings.SOAK_MINUTES * 60_000;
const log = (message: string) =>
  console.log(`  [soak ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}`);

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T | undefined> {
  const deadline = Math.min(Date.now() + timeoutMs, hardDeadline);
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      log(`gave up waiting for ${what}`);
      return undefined;
    }
    await sleep(250);
  }
}

/** What the replies a person sent must have made of them, in the order they were sent. */
type Expectation = { activationId: string; memberId: string; status: DrafteeStatus; replies: number };

async function main(): Promise<void> {
  const dice = new Dice(settings.SOAK_SEED);
  const chaosDice = new Dice(settings.SOAK_SEED + 1);
  const dataDir = mkdtempSync(join(tmpdir(), 'pingji-soak-'));
  const dynamo = await startDynamoDbLocal({ inMemory: true });
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'cn-north-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  const service = new SoakService({
    PORT: String(await freePort()),
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    TABLE_NAME: TABLE,
    PINGJI_SEED: 'demo',
    PINGJI_DATA_DIR: dataDir,
    PINGJI_SMS_RATE: '100',
    PINGJI_SWEEP_SECONDS: '3',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  const api = new SoakClient(service);
  const expectations = new Map<string, Expectation>();
  const late: { activationId: string; memberId: string; status: DrafteeStatus }[] = [];
  const fullySent = new Set<string>();
  const openAfterStandDown = new Set<string>();
  let replies = 0;
  let replays = 0;
  let skippedPresses = 0;
  let done = false;

  try {
    log(`seed ${settings.SOAK_SEED}, ${settings.SOAK_EPISODES} episodes, up to ${settings.SOAK_KILLS} kills`);
    await service.up();
    log('service up, demo street seeded');

    const chaos = (async () => {
      while (!done && service.kills < settings.SOAK_KILLS) {
        await sleep(chaosDice.int(6_000, 22_000));
        if (done) break;
        log(`SIGKILL ${service.kills + 1}`);
        await service.killAndRestart();
        log('service back');
      }
    })();

    const activationIdOf = z.object({ activationId: z.string() });
    const streetReply = z.object({
      activations: z.array(activationIdOf),
      skipped: z.array(z.object({ code: z.string(), activationId: z.string().optional() })),
    });
    const mode = z.object({ mode: z.string(), activationId: z.string().optional() });

    const press = async (target: string, body: object): Promise<string[]> => {
      if (target === STREET) {
        const reply = await api.request('POST', `/streets/${STREET}/activations`, body);
        if (reply.status !== 201)
          throw new Error(`street press: ${reply.status} ${JSON.stringify(reply.body)}`);
        const parsed = streetReply.parse(reply.body);
        skippedPresses += parsed.skipped.filter((s) => !s.activationId).length;
        return [
          ...parsed.activations.map((a) => a.activationId),
          ...parsed.skipped.flatMap((s) => (s.activationId ? [s.activationId] : [])),
        ];
      }
      const reply = await api.request('POST', `/communities/${target}/activations`, body);
      if (reply.status === 201) return [activationIdOf.parse(reply.body).activationId];
      if (reply.status === 409) {
        // An earlier attempt went through before the service died: the community is switched.
        const now = mode.parse((await api.request('GET', `/communities/${target}/mode`)).body);
        if (now.activationId) return [now.activationId];
        skippedPresses++;
        return [];
      }
      throw new Error(`press ${target}: ${reply.status} ${JSON.stringify(reply.body)}`);
    };

    const standDown = async (activationId: string) => {
      const reply = await api.request('POST', `/activations/${activationId}/stand-down`);
      if (reply.status !== 200) throw new Error(`stand-down ${activationId}: ${reply.status}`);
    };

    const sendReply = async (from: string, body: string, id: string) => {
      const reply = await api.request('POST', '/dev/sms/inbound', { from, body, inboundMessageId: id });
      if (reply.status !== 202) throw new Error(`reply: ${reply.status} ${JSON.stringify(reply.body)}`);
      replies++;
    };

    const plannedOf = async (activationId: string) =>
      (await readWorld(doc, TABLE)).plannedBy.get(activationId) ?? 0;

    const alertsSettled = async (activationId: string): Promise<SoakDraftee[] | undefined> => {
      const draftees = await drafteesOf(doc, TABLE, activationId);
      if (draftees.length < (await plannedOf(activationId))) return undefined;
      const pending = draftees.some(
        (d) => d.outbox.alert && ['queued', 'sending'].includes(d.outbox.alert.state),
      );
      return pending ? undefined : draftees;
    };

    const closed = async (activationId: string): Promise<SoakDraftee[] | undefined> => {
      const draftees = await drafteesOf(doc, TABLE, activationId);
      return draftees.every((d) => !d.open) ? draftees : undefined;
    };

    /** Late replies after the call-out closed: each must change nothing. */
    const lateReplies = async (ids: readonly string[]) => {
      for (const activationId of ids) {
        const draftees = await until(`${activationId} to close`, () => closed(activationId), 120_000);
        if (!draftees) {
          openAfterStandDown.add(activationId);
          continue;
        }
        const alerted = draftees.filter((d) => d.alertedAt && dice.chance(0.15));
        for (const d of alerted) {
          late.push({ activationId, memberId: d.memberId, status: d.status });
          await sendReply(d.phone, dice.pick(['1', '3']), `late-${activationId}-${d.memberId}`);
        }
      }
    };

    for (let episode = 1; episode <= settings.SOAK_EPISODES && Date.now() < hardDeadline; episode++) {
      const shape = dice.pick(['one', 'one', 'pair', 'street'] as const);
      const body = { kind: dice.pick(INCIDENT_KINDS), level: dice.pick(LEVELS), drill: dice.chance(0.4) };
      const midSend = dice.chance(0.3);
      const targets =
        shape === 'street' ? [STREET] : shape === 'pair' ? [...COMMUNITIES] : [dice.pick(COMMUNITIES)];
      log(
        `episode ${episode}: ${shape} ${targets.join('+')} level ${body.level}${body.drill ? ' drill' : ''}${midSend ? ', stood down mid-send' : ''}`,
      );
      const ids = (await Promise.all(targets.map((t) => press(t, body)))).flat();

      if (midSend) {
        await sleep(dice.int(100, 1_500));
        await Promise.all(ids.map(standDown));
        await lateReplies(ids);
        continue;
      }

      for (const activationId of ids) {
        const draftees = await until(`alerts of ${activationId}`, () => alertsSettled(activationId), 150_000);
        if (!draftees) continue;
        fullySent.add(activationId);
        // The storm: most of the alerted answer at once, some more than once, some replayed.
        const answering = draftees.filter((d) => d.status !== 'released' && d.alertedAt && dice.chance(0.75));
        const plans = answering.map((d) => ({
          d,
          bodies: Array.from({ length: dice.int(1, 3) }, () => dice.pick(REPLY_BODIES)),
          replay: dice.chance(0.2),
        }));
        await pMap(
          plans,
          async ({ d, bodies, replay }) => {
            const expectation: Expectation = {
              activationId,
              memberId: d.memberId,
              status: 'drafted',
              replies: bodies.length,
            };
            for (const [i, text] of bodies.entries()) {
              const id = `storm-${activationId}-${d.memberId}-${i}`;
              await sendReply(d.phone, text, id);
              if (replay) {
                replays++;
                await sendReply(d.phone, text, id);
              }
              const parsed = parseReply(text);
              const to = TARGET[parsed.kind];
              if (to && canCheckIn(expectation.status, to)) expectation.status = to;
            }
            expectations.set(`${activationId}/${d.memberId}`, expectation);
          },
          { concurrency: 16 },
        );
      }
      await Promise.all(ids.map(standDown));
      await lateReplies(ids);
    }

    done = true;
    await chaos;
    log('day over; waiting for every message to settle');
    const settled = await until(
      'every message to settle',
      async () => {
        const world = await readWorld(doc, TABLE);
        const left = unsettled(world.draftees);
        return left.queued + left.sending === 0 ? world : undefined;
      },
      180_000,
    );
    const world = settled ?? (await readWorld(doc, TABLE));
    const sent = await sentByKey(doc, `${TABLE}-phones`);
    const figures = service.streamFigures();

    const alerts = alertFigures(world, sent, fullySent);
    const doubled = [...sent.entries()].filter(([, n]) => n > 1);
    const alertsDoubled = doubled.filter(([k]) => k.endsWith('/alert')).length;
    const byKey = new Map(world.draftees.map((d) => [`${d.activationId}/${d.memberId}`, d]));
    let checkInsDropped = 0;
    for (const [key, e] of expectations) if (byKey.get(key)?.status !== e.status) checkInsDropped++;
    let lateApplied = 0;
    for (const l of late)
      if (byKey.get(`${l.activationId}/${l.memberId}`)?.status !== l.status) lateApplied++;
    const off = countersOff(world);
    const stillOpen = world.draftees.filter((d) => d.open).length;
    const left = unsettled(world.draftees);
    const smsCount = [...sent.values()].reduce((a, b) => a + b, 0);

    const rows: [string, number | string, boolean][] = [
      ['alerts lost', alerts.lost, alerts.lost === 0],
      ['alerts delivered but recorded unsent', alerts.deliveredUnrecorded, alerts.deliveredUnrecorded === 0],
      ['alerts doubled', alertsDoubled, alertsDoubled === 0],
      ['other messages doubled', doubled.length - alertsDoubled, doubled.length === alertsDoubled],
      ['check-ins dropped', checkInsDropped, checkInsDropped === 0],
      ['late replies applied', lateApplied, lateApplied === 0],
      ['counters ≠ statuses (teams)', off.length, off.length === 0],
      ['people in two open call-outs', doubleCallOuts(world), doubleCallOuts(world) === 0],
      [
        'draftees open after stand-down',
        stillOpen + openAfterStandDown.size,
        stillOpen + openAfterStandDown.size === 0,
      ],
      ['messages stuck in sending', left.sending, left.sending === 0],
      ['messages left queued', left.queued, left.queued === 0],
    ];
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    console.log(
      `\nSoak: seed ${settings.SOAK_SEED}, ${seconds} s, ${service.kills} SIGKILLs, ${api.retries} requests resent`,
    );
    console.log(
      `  ${world.activations.length} activations (${fullySent.size} fully sent, ${skippedPresses} presses refused), ${world.draftees.length} draftees, ${smsCount} SMS, ${replies} replies (${replays} replays, ${late.length} late)`,
    );
    console.log('\n| invariant | figure | holds |\n| --- | --- | --- |');
    for (const [name, value, ok] of rows) console.log(`| ${name} | ${value} | ${ok ? 'yes' : '**NO**'} |`);
    console.log(
      `| stream consumer invocations per SMS | ${(figures.invocations / Math.max(1, smsCount)).toFixed(3)} (${figures.invocations} / ${smsCount}) | — |`,
    );
    console.log(
      `| stream records per SMS | ${(figures.records / Math.max(1, smsCount)).toFixed(2)} (${figures.records} / ${smsCount}) | — |`,
    );
    console.log(
      `\nNot counted as lost (cancelled unsent by their call-out's stand-down): ${alerts.cancelledByStandDown} alerts of call-outs stood down mid-send, ` +
        `${alerts.cancelledReserves} of reserves called in during the reply storm; and ${alerts.neverDrafted} plan entries of activations stood down ` +
        "before their plan became draftees (never drafted, never alerted; their teams' `drafted` still counts them).",
    );
    if (off.length) console.log(`\ncounters off: ${off.slice(0, 10).join('; ')}`);
    if (settings.SOAK_DUMP) {
      writeFileSync(
        settings.SOAK_DUMP,
        JSON.stringify(
          {
            fullySent: [...fullySent],
            activations: world.activations,
            planEntries: Object.fromEntries(world.planEntries),
            draftees: world.draftees.map((d) => ({
              ...d,
              sentAlert: sent.get(dedupeKeyOf(d, 'alert')) ?? 0,
            })),
            teams: world.teams,
            off,
          },
          null,
          1,
        ),
      );
    }
    const errors = service.errorLines();
    if (errors.length)
      console.log(`\n${errors.length} error lines in the service's logs; first: ${errors[0]?.slice(0, 400)}`);
    process.exitCode = rows.every(([, , ok]) => ok) ? 0 : 1;
  } finally {
    done = true;
    await service.stop();
    doc.destroy();
    await dynamo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
