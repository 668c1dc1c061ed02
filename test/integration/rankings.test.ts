import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { cstDay } from '../../shared/domain/ranking';
import { participationView, rankingsView } from '../../shared/http/planning-schemas';
import type { Api } from './support/http-client';
import { startTestApi, type TestApi } from './support/local-api';
import { materialized, pressOk, standDown, waitForBoard } from './support/switch-api';

const DONGGUAN = 'dongguan';
type Rankings = z.output<typeof rankingsView>;

let api: TestApi;
let admin: Api;
let planner: Api;

beforeAll(async () => {
  api = await startTestApi({ seed: 'demo', smsRate: 1_000 });
  admin = await api.as(['admin'], ['*']);
  planner = await api.as(['planner'], [DONGGUAN, 'xijie']);
});
afterAll(async () => {
  await api?.stop();
});

async function rankings(query: string): Promise<Rankings> {
  const reply = await planner.get(`/streets/chengguan/rankings?${query}`);
  if (reply.status !== 200) throw new Error(`rankings: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
  return rankingsView.strict().parse(reply.body);
}

describe('rankings', () => {
  it('rank the grids of a drill that started in the period, from its stood-down record, and count it once', async () => {
    const drill = await pressOk(admin, DONGGUAN, { kind: 'flood', level: 'III', drill: true });
    const board = await waitForBoard(
      admin,
      drill.activationId,
      'every alert sent',
      (b) => materialized(b) && b.counts.alerted + b.counts.failed === b.counts.drafted,
    );
    // Everyone of the first team comes; the rest stay silent.
    const first = board.teams[0];
    const coming = (first?.members ?? []).flatMap((m) =>
      m.phone ? [{ phone: m.phone, memberId: m.memberId }] : [],
    );
    for (const { phone } of coming) {
      const reply = await api.anonymous.post('/dev/sms/inbound', { from: phone, body: '3' });
      expect(reply.status).toBeLessThan(300);
    }
    await waitForBoard(admin, drill.activationId, 'the first team arrived', (b) =>
      (b.teams[0]?.members ?? []).every((m) => m.status === 'arrived'),
    );
    await standDown(admin, drill.activationId);
    await standDown(admin, drill.activationId); // a repeat adds nothing

    const week = await rankings(`period=week&at=${cstDay(drill.startedAt)}`);
    const year = await rankings(`period=year&at=${cstDay(drill.startedAt)}`);

    const top = week.grids.find((g) => g.gridId === first?.gridId);
    expect(top).toMatchObject({
      communityId: DONGGUAN,
      rank: 1,
      activations: 1,
      confirmedRate: 1,
      arrivedRate: 1,
      teamsMet: 1,
    });
    expect(top?.medianMinutesToConfirm).toBeLessThanOrEqual(1);
    expect(top?.alerted).toBe(coming.length);
    const silent = week.grids.filter((g) => g.gridId !== first?.gridId);
    expect(silent.length).toBe(board.teams.length - 1);
    expect(silent.every((g) => g.confirmedRate === 0 && g.score < (top?.score ?? 0))).toBe(true);
    expect(week.communities).toEqual([
      expect.objectContaining({ communityId: DONGGUAN, rank: 1, activations: 1 }),
    ]);
    expect(week.formula).toContain('40 × confirmedRate');
    expect(year.grids.map((g) => g.gridId).sort()).toEqual(week.grids.map((g) => g.gridId).sort());

    const someone = coming[0];
    const record = await planner.get(`/communities/${DONGGUAN}/members/${someone?.memberId}/participation`);
    expect(record.status).toBe(200);
    expect(participationView.parse(record.body)).toMatchObject({
      called: 1,
      answered: 1,
      came: 1,
      cameRate: 1,
    });
  });

  it('answer an empty ranking for a period with nothing in it', async () => {
    const empty = await rankings('period=month&at=2020-02-10');

    expect(empty).toMatchObject({
      period: 'month',
      from: '2020-02-01',
      to: '2020-02-29',
      communities: [],
      grids: [],
    });
  });

  it('name the field of a bad period or date', async () => {
    const badPeriod = await planner.get('/streets/chengguan/rankings?period=decade');
    const badDate = await planner.get('/streets/chengguan/rankings?period=week&at=2026-02-30');
    const unknown = await planner.get('/streets/nowhere/rankings?period=week');

    expect(badPeriod.status).toBe(400);
    expect(JSON.stringify(badPeriod.body)).toContain('"path":"period"');
    expect(badDate.status).toBe(400);
    expect(JSON.stringify(badDate.body)).toContain('"path":"at"');
    expect(unknown.status).toBe(404);
  });
});
