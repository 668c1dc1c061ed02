import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cstDay } from '../../shared/domain/ranking';
import { rankingsView } from '../../shared/http/planning-schemas';
import { reportView } from '../../shared/http/schemas';
import { whistleView } from '../../shared/http/whistle-schemas';
import { makeDispatcher } from '../../shared/use-cases/dispatch';
import { makeWhistleRankingRecorder } from '../../shared/use-cases/whistle-rankings';
import { tablePorts } from '../../shared/wiring';
import { containing, send, standDown, switchOn, waitForInbox } from './support/check-in-world';
import type { Client, TestApi } from './support/local-api';
import { startTestApi } from './support/local-api';
import {
  bodyOf,
  buildCommunity,
  createMember,
  type MemberView,
  memberBody,
  PhoneBook,
  succeed,
} from './support/roster';
import { waitFor } from './support/wait-for';

/*
 * Whistles in the records on DynamoDB Local: a whistle raised, answered and resolved during an
 * activation is in its after-action report, and counted once in the street's rankings even when
 * its closing is delivered again.
 */

let api: TestApi;
let admin: Client;
const phones = new PhoneBook(8_171);
let electrician: MemberView;

beforeAll(async () => {
  api = await startTestApi({ seed: 'none', smsRate: 1_000 });
  admin = await api.as(['admin'], ['*'], 'records-admin');
  await buildCommunity(admin, { streetId: 'wr-street', communityId: 'wr-a', grids: ['g1'] });
  await buildCommunity(admin, { streetId: 'wr-street', communityId: 'wr-b', grids: ['h1'] });
  await succeed(
    'unit',
    admin.put('/units/wr-power', {
      name: '供电所',
      pairedGrids: [{ communityId: 'wr-b', gridId: 'h1' }],
      serves: ['electric'],
    }),
  );
  await createMember(
    admin,
    'wr-a',
    memberBody(phones.next(), { name: '网格长', roles: ['gridLeader'], gridId: 'g1' }),
  );
  electrician = await createMember(
    admin,
    'wr-b',
    memberBody(phones.next(), {
      name: '电工',
      roles: ['servingPartyMember'],
      partyMember: true,
      unitId: 'wr-power',
    }),
  );
});

afterAll(async () => {
  await api?.stop();
});

async function rankings(at: string) {
  return bodyOf(
    rankingsView.strict(),
    await succeed('rankings', admin.get(`/streets/wr-street/rankings?period=week&at=${at}`)),
  );
}

describe('whistles in the report and the rankings', () => {
  it('counts a whistle of the activation in its report, and in the rankings once', async () => {
    const activation = await switchOn(admin, 'wr-a', { kind: 'flood', level: 'III', drill: true });
    const raised = await succeed(
      'raise',
      admin.post('/communities/wr-a/whistles', {
        gridId: 'g1',
        reason: '泵站断电',
        category: 'electric',
        people: 1,
        respondWithinMinutes: 30,
        activationId: activation.activationId,
      }),
    );
    const whistle = whistleView.parse(raised.body);
    expect(whistle.responders.map((r) => r.name)).toEqual(['电工']);
    await waitForInbox(api, electrician.phone, 'the call', (m) => containing(m, whistle.code).length > 0);
    await send(api, electrician.phone, '1');
    await waitFor('filled', async () => {
      const w = whistleView.parse((await admin.get(`/whistles/${whistle.whistleId}`)).body);
      return w.status === 'filled' ? w : undefined;
    });
    await succeed('resolve', admin.post(`/whistles/${whistle.whistleId}/resolve`, { note: '已恢复供电' }));
    await standDown(admin, activation.activationId);

    const report = bodyOf(
      reportView.strict(),
      await succeed('report', admin.get(`/activations/${activation.activationId}/report`)),
    );
    expect(report.whistles).toMatchObject({ raised: 1, filled: 1, filledInTime: 1, resolved: 1, open: 0 });
    expect(report.whistles.grids).toEqual([
      { gridId: 'g1', gridName: expect.any(String), raised: 1, filled: 1, filledInTime: 1 },
    ]);
    expect(report.whistles.units).toEqual([
      expect.objectContaining({
        unitId: 'wr-power',
        name: '供电所',
        kind: 'unit',
        called: 1,
        answered: 1,
        filledInTime: 1,
      }),
    ]);
    expect(report.whistles.whistles[0]).toMatchObject({ code: whistle.code, forActivation: true, came: 1 });
    expect(report.whistles.timeToResolved.count).toBe(1);

    // The stream consumer folds the closed whistle into the week's buckets.
    const day = cstDay(whistle.openedAt);
    const ranked = await waitFor('ranked', async () => {
      const r = await rankings(day);
      return r.units.length > 0 ? r : undefined;
    });
    expect(ranked.grids.find((g) => g.gridId === 'g1')?.whistlesRaised).toBe(1);
    expect(ranked.units).toEqual([
      expect.objectContaining({
        unitId: 'wr-power',
        name: '供电所',
        rank: 1,
        whistlesCalled: 1,
        whistlesAnswered: 1,
        answeredRate: 1,
        filledInTimeRate: 1,
      }),
    ]);
    expect(ranked.units[0]?.medianMinutesToFirstAnswer).toBeLessThanOrEqual(1);

    // The closing delivered again, through the consumer and straight to the recorder: nothing added.
    const ports = tablePorts();
    const recorder = makeWhistleRankingRecorder(ports);
    const dispatcher = makeDispatcher({
      ...ports,
      sms: { send: async () => ({ messageId: 'x', delivered: true }), wasSent: async () => 'no' as const },
      rate: 10,
      whistleRankings: recorder,
    });
    const image = {
      pk: `WHISTLE#${whistle.whistleId}`,
      sk: 'WHISTLE',
      type: 'whistle',
      whistleId: whistle.whistleId,
    };
    const replay = await dispatcher.handle([
      {
        index: 0,
        eventName: 'MODIFY',
        newImage: { ...image, status: 'resolved' },
        oldImage: { ...image, status: 'filled' },
      },
    ]);
    expect(replay).toMatchObject({ stats: { whistlesRanked: 1 } });
    expect(replay.failedAt).toBeUndefined();
    expect(await recorder.record(whistle.whistleId)).toMatchObject({ written: 0 });
    const again = await rankings(day);
    expect(again.grids.find((g) => g.gridId === 'g1')?.whistlesRaised).toBe(1);
    expect(again.units[0]).toMatchObject({ whistlesCalled: 1, whistlesAnswered: 1 });
  });
});
