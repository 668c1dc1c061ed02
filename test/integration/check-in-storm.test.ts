import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import pMap from 'p-map';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { Dice } from '../../local/demo-data';
import { lambdaContext } from '../../local/server';
import { inboundSmsEvent } from '../../local/sns-event';
import { batchGetAll, documentClient } from '../../shared/adapters/dynamo';
import { type CheckInStatus, canCheckIn, type DrafteeStatus } from '../../shared/domain/activation';
import { keys } from '../../shared/table';
import {
  type Board,
  containing,
  inbox,
  isAck,
  type Placed,
  placed,
  quiet,
  readBoard,
  recount,
  SMS,
  switchOn,
  texts,
  waitUntilAlerted,
} from './support/check-in-world';
import { type Client, startTestApi, type TestApi } from './support/local-api';
import { PhoneBook } from './support/roster';

const SEED = 20_251_123;

/** The reply forms of the contract, by what they mean. */
const FORMS: Record<CheckInStatus | 'noise', readonly string[]> = {
  confirmed: ['1', '１', '收到', '确认', '到', '1 30', '1 5', ' 1 '],
  declined: ['2', '２', '不能 在外地', '请假', '2 生病', '不能'],
  arrived: ['3', '３', '到达', '已到'],
  noise: ['🙂', '12', '', '好的', '?', '1到'],
};

type SmsStep = { kind: 'sms'; body: string; means: CheckInStatus | 'noise'; id: string; duplicated: boolean };
type Step =
  | SmsStep
  | { kind: 'manual'; means: CheckInStatus; by: 'commander' | 'officer' }
  /** An earlier message delivered again later (SNS retries a delivery it thinks failed). */
  | { kind: 'redelivery'; of: SmsStep };

/** A drafted person with the phone the board shows for them. */
type Drafted = Placed & { phone: string };

/** One drafted person's part in the storm: what they send, in order, and one reply delivered late. */
type Plan = {
  person: Drafted;
  steps: Step[];
  late?: { body: string; means: CheckInStatus; id: string } | undefined;
};

/** What the board and the phone must show for one person once the storm is over. */
type Outcome = { status: DrafteeStatus; acks: number; helps: number; manual: number[] };

/**
 * The reference: the person's replies applied in the order sent, by the transition rules of
 * `canCheckIn`. Each status change earns one acknowledgement; noise earns one help reply in all.
 * `start` is where the person stands when their own replies begin (a late reply may land first).
 */
function expected(plan: Plan, start: DrafteeStatus, startAcks: number): Outcome {
  let status = start;
  let acks = startAcks;
  let helps = 0;
  const manual: number[] = [];
  for (const step of plan.steps) {
    if (step.kind === 'redelivery') continue;
    const to = step.means;
    if (to === 'noise') {
      helps = 1;
      continue;
    }
    const allowed = canCheckIn(status, to);
    if (step.kind === 'manual') manual.push(allowed ? 200 : 409);
    if (!allowed) continue;
    status = to;
    acks++;
  }
  return { status, acks, helps, manual };
}

/** The outcomes the storm may end in: the late reply (if any) either landed first or was too late. */
function possible(plan: Plan): Outcome[] {
  const onTime = expected(plan, 'drafted', 0);
  if (!plan.late) return [onTime];
  return [onTime, expected(plan, plan.late.means, 1)];
}

function makePlans(dice: Dice, people: readonly Drafted[]): Plan[] {
  const pick = (means: CheckInStatus | 'noise') => dice.pick(FORMS[means]);
  return people.map((person) => {
    const steps: Step[] = [];
    const length = dice.pick([0, 1, 2, 2, 3, 3, 4, 5]);
    for (let i = 0; i < length; i++) {
      const sent = steps.filter((s): s is SmsStep => s.kind === 'sms');
      if (sent.length > 0 && dice.chance(0.25)) {
        steps.push({ kind: 'redelivery', of: dice.pick(sent) });
        continue;
      }
      if (dice.chance(0.12)) {
        steps.push({
          kind: 'manual',
          means: dice.pick(['confirmed', 'declined', 'arrived'] as const),
          by: dice.chance(0.5) ? 'commander' : 'officer',
        });
        continue;
      }
      const means = dice.pick(['confirmed', 'confirmed', 'declined', 'arrived', 'noise'] as const);
      steps.push({ kind: 'sms', body: pick(means), means, id: randomUUID(), duplicated: dice.chance(0.3) });
    }
    const lateMeans = dice.pick(['confirmed', 'declined', 'arrived'] as const);
    const late = dice.chance(0.2) ? { body: pick(lateMeans), means: lateMeans, id: randomUUID() } : undefined;
    return { person, steps, late };
  });
}

let api: TestApi;
let officer: Client;
let commander: Client;

beforeAll(async () => {
  api = await startTestApi({ seed: 'demo', consumer: true, smsRate: 2_000 });
  officer = await api.as(['dutyOfficer'], ['dongguan'], 'storm-officer');
  commander = await api.as(['commander'], ['dongguan'], 'storm-commander');
});
afterAll(async () => {
  await api?.stop();
});

describe(`a storm of replies (seed ${SEED})`, () => {
  it('counts every reply once: counters match the members, each person ends as their replies say', async () => {
    // Arrange: all hands in the demo community, every alert out.
    const { activationId } = await switchOn(officer, 'dongguan', { kind: 'earthquake', level: 'I' });
    const alerted = await waitUntilAlerted(officer, activationId, 90_000);
    const dice = new Dice(SEED);
    const drafted = placed(alerted).map((m) => ({ ...m, phone: m.phone ?? '' }));
    const plans = makePlans(dice, drafted);
    const book = new PhoneBook(SEED);
    const strangers = Array.from({ length: 5 }, () => book.next());
    const lateAt = new Date(Date.now() - 60_000);
    const inbound = await api.stack.loadHandler('messaging/inbound-sms');
    const refused: number[] = [];
    // SNS delivers at least once: a refused delivery comes again with the same message id.
    const deliver = async (from: string, body: string, id: string) => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const reply = await texts(api, from, body, id);
        if (reply.status === 202) return;
        refused.push(reply.status);
      }
      throw new Error(`inbound SMS ${id} refused five times`);
    };
    const manualStatus = new Map<string, number[]>();
    const tasks: (() => Promise<void>)[] = [];
    for (const plan of plans) {
      const { person } = plan;
      manualStatus.set(person.memberId, []);
      tasks.push(async () => {
        for (const step of plan.steps) {
          if (step.kind === 'manual') {
            const client = step.by === 'commander' ? commander : officer;
            const reply = await client.post(`/activations/${activationId}/check-ins`, {
              memberId: person.memberId,
              status: step.means,
            });
            manualStatus.get(person.memberId)?.push(reply.status);
            continue;
          }
          if (step.kind === 'redelivery') {
            await deliver(person.phone, step.of.body, step.of.id);
            continue;
          }
          // A duplicate is the same message delivered twice at once.
          const copies = step.duplicated ? 2 : 1;
          await Promise.all(Array.from({ length: copies }, () => deliver(person.phone, step.body, step.id)));
        }
      });
      const late = plan.late;
      if (late)
        tasks.push(async () => {
          await inbound(
            inboundSmsEvent({ from: person.phone, body: late.body, inboundMessageId: late.id, at: lateAt }),
            lambdaContext('messaging-inbound-sms', late.id),
          );
        });
    }
    for (const stranger of strangers)
      tasks.push(() => deliver(stranger, dice.pick(FORMS.confirmed), randomUUID()));
    const shuffled = tasks
      .map((task) => ({ task, order: dice.int(0, 1_000_000) }))
      .sort((a, b) => a.order - b.order)
      .map((t) => t.task);

    // Act: the storm, then quiet.
    await pMap(shuffled, (task) => task(), { concurrency: 32 });
    await quiet(api);
    const board: Board = await readBoard(officer, activationId);
    const countsView = await readBoard(officer, activationId, 'counts');
    const inboxes = new Map(
      await pMap(plans, async (p) => [p.person.memberId, await inbox(api, p.person.phone)] as const, {
        concurrency: 16,
      }),
    );
    const strangerInboxes = await Promise.all(strangers.map((s) => inbox(api, s)));
    const sentIds = plans.flatMap((p) => [
      ...p.steps.flatMap((s) => (s.kind === 'sms' ? [s.id] : [])),
      ...(p.late ? [p.late.id] : []),
    ]);
    const recorded = await batchGetAll(
      documentClient(),
      api.stack.tableName,
      sentIds.map(keys.inbound),
      true,
    );
    const sends = await scanSends(api.stack.phoneTable);

    // Assert: the counters are the members' statuses, team by team and in total.
    expect(plans.length).toBeGreaterThan(100);
    expect(drafted.filter((m) => m.phone === '')).toEqual([]);
    for (const team of board.teams)
      expect({ team: team.teamId, ...team.counts }).toEqual({
        team: team.teamId,
        ...recount(team.members ?? []),
      });
    expect(board.counts).toEqual(recount(placed(board)));
    expect(countsView.counts).toEqual(board.counts);
    // Each person ends where their replies, in order, lead; with one acknowledgement per change.
    const mismatches = plans.flatMap((plan) => {
      const received = inboxes.get(plan.person.memberId) ?? [];
      const member = placed(board).find((m) => m.memberId === plan.person.memberId);
      const actual: Outcome = {
        status: member?.status === 'alerted' ? 'drafted' : (member?.status ?? 'released'),
        acks: received.filter(isAck).length,
        helps: containing(received, SMS.help).length,
        manual: manualStatus.get(plan.person.memberId) ?? [],
      };
      const allowed = possible(plan);
      return allowed.some((o) => JSON.stringify(o) === JSON.stringify(actual))
        ? []
        : [{ memberId: plan.person.memberId, plan: plan.steps, late: plan.late, actual, allowed }];
    });
    expect(mismatches).toEqual([]);
    // Every reply was recorded once, and no message was handed to the network twice.
    expect(new Set(recorded.map((i) => String(i.pk))).size).toBe(new Set(sentIds).size);
    expect(sends.filter((s) => s.sends !== 1)).toEqual([]);
    expect(strangerInboxes.flat()).toEqual([]);
    // Only a failure SNS would retry (a 5xx) may ask for a redelivery, never a refusal of the input.
    expect(refused.filter((status) => status < 500)).toEqual([]);
  }, 240_000);
});

const sendRecord = z.object({ pk: z.string(), sends: z.number() });

/** How many times each message was handed to the simulated network (a test may scan its own table). */
async function scanSends(table: string): Promise<z.output<typeof sendRecord>[]> {
  const out: z.output<typeof sendRecord>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documentClient().send(
      new ScanCommand({
        TableName: table,
        FilterExpression: 'begins_with(pk, :k)',
        ExpressionAttributeValues: { ':k': 'KEY#' },
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    out.push(...(page.Items ?? []).map((i) => sendRecord.parse(i)));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}
