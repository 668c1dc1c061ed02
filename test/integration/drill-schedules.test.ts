import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { lambdaContext } from '../../local/server';
import type { Clock } from '../../shared/adapters/clock';
import { drillScheduleView } from '../../shared/http/planning-schemas';
import { makeActivationUseCases } from '../../shared/use-cases/activation';
import { makeScheduleFiring } from '../../shared/use-cases/schedules';
import { tablePorts } from '../../shared/wiring';
import type { Api } from './support/http-client';
import { startTestApi, type TestApi } from './support/local-api';
import { activationsOf, modeOf, pressOk, standDownOpen } from './support/switch-api';

const DONGGUAN = 'dongguan';
const XIJIE = 'xijie';
type Schedule = z.output<typeof drillScheduleView>;

let api: TestApi;
let admin: Api;
let planner: Api;
let fireHandler: (event: unknown, context: Context) => Promise<unknown>;

beforeAll(async () => {
  api = await startTestApi({ seed: 'demo', smsRate: 1_000 });
  admin = await api.as(['admin'], ['*']);
  planner = await api.as(['planner'], [DONGGUAN, XIJIE]);
  fireHandler = await api.stack.loadHandler('timers/scheduled-drill');
});
afterEach(async () => {
  await standDownOpen(admin, [DONGGUAN, XIJIE]);
});
afterAll(async () => {
  await api?.stop();
});

const inAMinute = () => new Date(Date.now() + 60_000).toISOString();

async function schedule(communityId: string, at = inAMinute()): Promise<Schedule> {
  const reply = await planner.post(`/communities/${communityId}/drill-schedules`, {
    at,
    kind: 'flood',
    level: 'IV',
    note: '防汛演练',
  });
  if (reply.status !== 201) throw new Error(`schedule: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
  return drillScheduleView.strict().parse(reply.body);
}

/** What EventBridge Scheduler does when the schedule comes due: invoke the function with its input. */
async function fire(s: Schedule): Promise<{ outcome: string; schedule: Schedule }> {
  const result = z
    .array(z.object({ outcome: z.string(), schedule: drillScheduleView }))
    .parse(
      await fireHandler(
        { communityId: s.communityId, scheduleId: s.scheduleId },
        lambdaContext('timers-scheduled-drill', s.scheduleId),
      ),
    );
  const [only] = result;
  if (!only) throw new Error('the firing reported nothing');
  return only;
}

async function listed(communityId: string): Promise<Schedule[]> {
  const reply = await planner.get(`/communities/${communityId}/drill-schedules`);
  expect(reply.status).toBe(200);
  return z.object({ items: z.array(drillScheduleView) }).parse(reply.body).items;
}

describe('scheduled drills', () => {
  it('refuse a time in the past, naming at, and write nothing', async () => {
    const before = await listed(XIJIE);
    const reply = await planner.post(`/communities/${XIJIE}/drill-schedules`, {
      at: new Date(Date.now() - 60_000).toISOString(),
      kind: 'fire',
      level: 'III',
    });

    expect(reply.status).toBe(400);
    expect(JSON.stringify(reply.body)).toContain('"path":"at"');
    expect(await listed(XIJIE)).toHaveLength(before.length);
  });

  it('start the drill as if pressed, by the schedule, once however often the timer fires', async () => {
    const s = await schedule(DONGGUAN);
    expect(s.status).toBe('pending');
    expect((await listed(DONGGUAN)).map((x) => x.scheduleId)).toContain(s.scheduleId);
    const before = (await activationsOf(admin, DONGGUAN)).length;

    // Two deliveries at once, then a late third: EventBridge delivers at least once.
    const [first, second] = await Promise.all([fire(s), fire(s)]);
    const third = await fire(s);

    const started = [first, second].find((f) => f.outcome === 'started');
    const activationId = started?.schedule.activationId;
    expect(activationId).toBeDefined();
    expect([first, second, third].filter((f) => f.outcome === 'started')).toHaveLength(1);
    expect(third.schedule).toMatchObject({ status: 'started', activationId });
    expect(await modeOf(admin, DONGGUAN)).toEqual({ mode: 'drill', activationId });
    expect((await activationsOf(admin, DONGGUAN)).length).toBe(before + 1);
    const record = await tablePorts().activations.get(activationId ?? '');
    expect(record).toMatchObject({
      drill: true,
      kind: 'flood',
      level: 'IV',
      startedBy: `schedule:${s.scheduleId}`,
    });
    expect((await listed(DONGGUAN)).find((x) => x.scheduleId === s.scheduleId)?.status).toBe('started');
  });

  it('skip, never force, a community already switched', async () => {
    const open = await pressOk(admin, XIJIE, { kind: 'fire', level: 'II', drill: true });
    const s = await schedule(XIJIE);

    const fired = await fire(s);

    expect(fired.outcome).toBe('skipped');
    expect(fired.schedule).toMatchObject({ status: 'skipped', skipReason: 'ALREADY_SWITCHED' });
    expect(fired.schedule.activationId).toBeUndefined();
    expect(await modeOf(admin, XIJIE)).toEqual({ mode: 'drill', activationId: open.activationId });
  });

  it('can be cancelled before they start, and then start nothing; a started one is a 409', async () => {
    const s = await schedule(XIJIE);

    const cancelled = await planner.delete(`/communities/${XIJIE}/drill-schedules/${s.scheduleId}`);
    const fired = await fire(s);

    expect(cancelled.status).toBe(200);
    expect(drillScheduleView.parse(cancelled.body).status).toBe('cancelled');
    expect(fired).toMatchObject({ outcome: 'unchanged', schedule: { status: 'cancelled' } });
    expect((await modeOf(admin, XIJIE)).mode).toBe('normal');

    const later = await schedule(XIJIE);
    await fire(later);
    const tooLate = await planner.delete(`/communities/${XIJIE}/drill-schedules/${later.scheduleId}`);
    expect(tooLate.status).toBe(409);
    expect(JSON.stringify(tooLate.body)).toContain('SCHEDULE_ALREADY_FIRED');
    const unknown = await planner.delete(`/communities/${XIJIE}/drill-schedules/nosuchschedule`);
    expect(unknown.status).toBe(404);
  });

  it('are found by the local timer through the due index once their time has come, and only then', async () => {
    const s = await schedule(XIJIE, new Date(Date.now() + 3_600_000).toISOString());
    const ports = tablePorts();
    const at = (ms: number): Clock => ({ now: () => new Date(Date.parse(s.at) + ms) });
    const firingAt = (clock: Clock) =>
      makeScheduleFiring({ ...ports, clock, switchUseCases: makeActivationUseCases({ ...ports, clock }) });

    const early = await firingAt(at(-1_000)).fireDue();
    const due = await firingAt(at(1_000)).fireDue();

    expect(early.map((o) => o.schedule.scheduleId)).not.toContain(s.scheduleId);
    expect(due.find((o) => o.schedule.scheduleId === s.scheduleId)?.outcome).toBe('started');
    expect((await modeOf(admin, XIJIE)).mode).toBe('drill');
  });
});
