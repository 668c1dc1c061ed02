import { describe, expect, it } from 'vitest';
import type { Community, CommunityStructure, Member, Unit } from '../../../../shared/domain/roster';
import { makeWhistleUseCases } from '../../../../shared/use-cases/whistle';
import { FakeSmsOutbox, FakeWhistleStore } from '../../support/fake-whistles';
import { aMember } from '../../support/members';

/*
 * The whistle's use cases over in-memory ports: a raise written in parts and finished by the
 * sweep, and an answer whose acknowledgement is part of the answer's own write.
 */

const T0 = Date.parse('2026-03-01T08:00:00.000Z');
const community: Community = {
  communityId: 'dongguan',
  name: '东关社区',
  streetId: 'xiguan',
  mode: 'normal',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const structure: CommunityStructure = {
  community,
  grids: [
    {
      communityId: 'dongguan',
      gridId: 'dg01',
      name: '一网格',
      level: 'green',
      musterPoint: '社区广场',
      neighbours: [],
      updatedAt: community.updatedAt,
    },
  ],
  pairings: [{ communityId: 'dongguan', gridId: 'dg01', unitId: 'u1' }],
};
const unit: Unit = {
  unitId: 'u1',
  name: '供电所',
  pairedGrids: [{ communityId: 'dongguan', gridId: 'dg01' }],
  serves: [],
  kind: 'unit',
  updatedAt: community.updatedAt,
};
const admin = { sub: 'admin-1', groups: ['admin' as const], communities: '*' as const };

function world(partyMembers: number) {
  const roster: Member[] = Array.from({ length: partyMembers }, (_, i) =>
    aMember({
      memberId: `m${String(i + 1).padStart(2, '0')}`,
      name: `党员${i + 1}`,
      phone: `+86138000000${String(i + 1).padStart(2, '0')}`,
      roles: ['servingPartyMember'],
      partyMember: true,
      unitId: 'u1',
    }),
  );
  const sms = new FakeSmsOutbox();
  const whistles = new FakeWhistleStore(sms, 3);
  let offsetMs = 0;
  let id = 0;
  const useCases = makeWhistleUseCases({
    whistles,
    messenger: sms,
    structure: {
      getCommunity: async () => community,
      getStructure: async () => structure,
      listCommunitiesOfStreet: async () => [community],
      listUnits: async () => [unit],
    },
    members: {
      get: async (_c, memberId) => roster.find((m) => m.memberId === memberId),
      listCommunity: async () => roster,
      listUnit: async (unitId) => roster.filter((m) => m.unitId === unitId),
    },
    activations: {
      get: async () => undefined,
      getUnitLocks: async () => new Map(),
      listDraftees: async () => [],
    },
    clock: { now: () => new Date(T0 + offsetMs) },
    ids: { next: () => `01whistle${String(++id).padStart(8, '0')}` },
  });
  return {
    roster,
    sms,
    whistles,
    useCases,
    later: (ms: number) => {
      offsetMs = ms;
    },
  };
}

const raiseInput = { gridId: 'dg01', reason: '转移老人', category: 'people' as const, people: 2 };

describe('raising a whistle in parts', () => {
  it('writes a level that fits one write at once, nothing left pending', async () => {
    const { useCases, whistles, sms, roster } = world(3);
    const view = await useCases.raise(admin, 'dongguan', raiseInput);
    expect(view.notified).toBe(3);
    expect((await whistles.get(view.whistleId))?.whistle.callingSince).toBeUndefined();
    for (const m of roster) expect(sms.to(m.phone, 'whistleCall')).toHaveLength(1);
    // Each call SMS is written with the person's call, not queued after it.
    expect([...sms.via.values()]).toEqual(['store', 'store', 'store']);
  });

  it('finishes, from the sweep, the calls a writer dying after its first write left', async () => {
    const { useCases, whistles, sms, roster, later } = world(8);
    whistles.dieOnAddCalls = 1;
    await expect(useCases.raise(admin, 'dongguan', raiseInput)).rejects.toThrow('the writer died');
    const [left] = await whistles.listCommunity('dongguan', 10);
    if (!left) throw new Error('no whistle written');
    expect(left.callingSince).toBeDefined();
    expect((await whistles.get(left.whistleId))?.responders).toHaveLength(3);

    later(30_000);
    expect(await useCases.sweep()).toEqual({ widened: 0, overdue: 0, resumed: 0, released: 0 });
    later(90_000);
    expect(await useCases.sweep()).toEqual({ widened: 0, overdue: 0, resumed: 1, released: 0 });

    const detail = await whistles.get(left.whistleId);
    expect(detail?.whistle.callingSince).toBeUndefined();
    expect(detail?.whistle.level).toBe('grid');
    expect(detail?.responders.map((r) => r.memberId).sort()).toEqual(roster.map((m) => m.memberId));
    for (const m of roster) {
      expect(sms.to(m.phone, 'whistleCall')).toHaveLength(1);
      expect(sms.offered.get(sms.to(m.phone, 'whistleCall')[0]?.id ?? '')).toBe(1);
    }
    expect(await useCases.sweep()).toEqual({ widened: 0, overdue: 0, resumed: 0, released: 0 });
  });

  it('calls nobody more once the whistle is closed while its calls are pending', async () => {
    const { useCases, whistles, sms, later } = world(8);
    whistles.dieOnAddCalls = 1;
    await expect(useCases.raise(admin, 'dongguan', raiseInput)).rejects.toThrow('the writer died');
    const [left] = await whistles.listCommunity('dongguan', 10);
    if (!left) throw new Error('no whistle written');
    await useCases.cancel(admin, left.whistleId);
    later(120_000);
    expect(await useCases.sweep()).toMatchObject({ resumed: 0 });
    expect([...sms.queued.values()].filter((m) => m.message.type === 'whistleCall')).toHaveLength(3);
  });
});

describe('answering a whistle', () => {
  it('queues the acknowledgement with the answer itself, once, and tells the rest when filled', async () => {
    const { useCases, sms, roster } = world(3);
    await useCases.raise(admin, 'dongguan', { ...raiseInput, people: 1 });
    const [first, second] = roster;
    if (!first || !second) throw new Error('roster too small');
    const entry = (m: Member) => ({
      phone: m.phone,
      memberId: m.memberId,
      communityId: m.communityId,
      smsOptOut: false,
    });
    const inbound = { id: 'sms-1', at: new Date(T0).toISOString() };

    expect(await useCases.answerBySms(entry(first), { kind: 'confirm', etaMinutes: 10 }, inbound)).toBe(
      'applied',
    );
    expect(sms.to(first.phone, 'whistleAck')).toEqual([
      expect.objectContaining({ message: expect.objectContaining({ answer: 'coming', etaMinutes: 10 }) }),
    ]);
    const [ack] = sms.to(first.phone, 'whistleAck');
    expect(sms.via.get(ack?.id ?? '')).toBe('store');
    expect(sms.to(second.phone, 'whistleNotNeeded')).toHaveLength(1);

    expect(await useCases.answerBySms(entry(first), { kind: 'confirm', etaMinutes: 10 }, inbound)).toBe(
      'replayed',
    );
    expect(sms.to(first.phone, 'whistleAck')).toHaveLength(1);
  });

  it('tells the rest from the sweep, once, when the answer that filled the whistle dies before freeing them', async () => {
    const { useCases, sms, roster, whistles, later } = world(3);
    const view = await useCases.raise(admin, 'dongguan', { ...raiseInput, people: 1 });
    const [first, second, third] = roster;
    if (!first || !second || !third) throw new Error('roster too small');
    const entry = {
      phone: first.phone,
      memberId: first.memberId,
      communityId: first.communityId,
      smsOptOut: false,
    };
    whistles.dieOnSettle = 1;
    await expect(
      useCases.answerBySms(entry, { kind: 'confirm' }, { id: 'sms-2', at: new Date(T0).toISOString() }),
    ).rejects.toThrow('the answer died');
    const left = await whistles.get(view.whistleId);
    expect(left?.whistle.status).toBe('filled');
    expect(left?.whistle.releasingSince).toBeDefined();
    expect(left?.responders.filter((r) => r.status === 'called')).toHaveLength(2);

    later(30_000);
    expect(await useCases.sweep()).toMatchObject({ released: 0 });
    later(90_000);
    expect(await useCases.sweep()).toMatchObject({ released: 1 });
    const done = await whistles.get(view.whistleId);
    expect(done?.whistle.releasingSince).toBeUndefined();
    expect(done?.responders.filter((r) => r.status === 'notNeeded')).toHaveLength(2);
    for (const m of [second, third]) expect(sms.to(m.phone, 'whistleNotNeeded')).toHaveLength(1);
    expect(sms.to(first.phone, 'whistleNotNeeded')).toHaveLength(0);
    later(200_000);
    expect(await useCases.sweep()).toMatchObject({ released: 0 });
  });
});
