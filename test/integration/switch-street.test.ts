import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/local-api';

type StreetReply = {
  streetId: string;
  activations: { activationId: string; communityId: string; mode: string; drafted: number }[];
  skipped: { communityId: string; code: string; activationId?: string }[];
};

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ seed: 'demo', consumer: false });
});
afterAll(async () => {
  await api.stop();
});

async function standDownAll(replies: StreetReply[]): Promise<void> {
  const admin = await api.as(['admin'], ['*']);
  for (const reply of replies) {
    for (const a of reply.activations) await admin.post(`/activations/${a.activationId}/stand-down`);
  }
}

describe('one key for a whole street', () => {
  it('switches every community of the street for a caller acting for all of them', async () => {
    const admin = await api.as(['admin'], ['*']);

    const reply = await admin.post<StreetReply>('/streets/chengguan/activations', {
      kind: 'flood',
      level: 'III',
    });

    expect(reply.status).toBe(201);
    expect(reply.body.activations.map((a) => a.communityId).sort()).toEqual(['dongguan', 'xijie']);
    expect(reply.body.activations.every((a) => a.mode === 'emergency' && a.drafted > 0)).toBe(true);
    expect(reply.body.skipped).toEqual([]);
    for (const id of ['dongguan', 'xijie']) {
      expect((await admin.get<{ mode: string }>(`/communities/${id}/mode`)).body.mode).toBe('emergency');
    }
    await standDownAll([reply.body]);
  });

  it('skips the communities outside the caller’s reach and those already switched', async () => {
    const officer = await api.as(['dutyOfficer'], ['dongguan']);
    const admin = await api.as(['admin'], ['*']);

    const first = await officer.post<StreetReply>('/streets/chengguan/activations', {
      kind: 'fire',
      level: 'IV',
    });
    const second = await admin.post<StreetReply>('/streets/chengguan/activations', {
      kind: 'fire',
      level: 'IV',
    });

    expect(first.body.activations.map((a) => a.communityId)).toEqual(['dongguan']);
    expect(first.body.skipped).toEqual([{ communityId: 'xijie', code: 'FORBIDDEN' }]);
    expect(second.body.activations.map((a) => a.communityId)).toEqual(['xijie']);
    expect(second.body.skipped).toEqual([
      {
        communityId: 'dongguan',
        code: 'ALREADY_SWITCHED',
        activationId: first.body.activations[0]?.activationId,
      },
    ]);
    await standDownAll([first.body, second.body]);
  });

  it('refuses a caller who may switch none of them, and an unknown street', async () => {
    const planner = await api.as(['planner'], ['dongguan', 'xijie']);
    const admin = await api.as(['admin'], ['*']);

    expect(
      (await planner.post('/streets/chengguan/activations', { kind: 'flood', level: 'II' })).status,
    ).toBe(403);
    expect((await admin.post('/streets/nowhere/activations', { kind: 'flood', level: 'II' })).status).toBe(
      404,
    );
    expect((await admin.get<{ mode: string }>('/communities/dongguan/mode')).body.mode).toBe('normal');
  });
});
