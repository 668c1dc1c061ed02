import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoStreet } from '../../local/demo-data';
import { ActivationRepository } from '../../shared/adapters/activation-repository';
import { documentClient } from '../../shared/adapters/dynamo';
import { DynamoStructureRepository } from '../../shared/adapters/structure-repository';
import type { Principal } from '../../shared/domain/access';
import { activationInput } from '../../shared/domain/activation';
import { chinaDay } from '../../shared/domain/roster';
import { render } from '../../shared/domain/sms';
import { activationView } from '../../shared/http/schemas';
import { makeActivationUseCases, unitLocksFor } from '../../shared/use-cases/activation';
import { alertMessage } from '../../shared/use-cases/dispatch';
import { tablePorts } from '../../shared/wiring';
import type { Api } from './support/http-client';
import { startTestApi, type TestApi } from './support/local-api';
import { errorOf, walkMembers } from './support/roster';
import {
  type ActivationView,
  activationsOf,
  type BoardView,
  boardMembers,
  boardOf,
  conflictDetail,
  inbox,
  materialized,
  modeOf,
  press,
  pressOk,
  standDown,
  standDownOpen,
  waitForBoard,
} from './support/switch-api';
import { waitFor } from './support/wait-for';

const demo = demoStreet();
const DONGGUAN = 'dongguan';
const XIJIE = 'xijie';
const gridsOf = (communityId: string) =>
  demo.communities.find((c) => c.communityId === communityId)?.grids.map((g) => g.gridId) ?? [];

let api: TestApi;
let admin: Api;
let dutyOfficer: Api;

beforeAll(async () => {
  api = await startTestApi({ seed: 'demo', smsRate: 1_000 });
  admin = await api.as(['admin'], ['*']);
  dutyOfficer = await api.as(['dutyOfficer'], [DONGGUAN]);
});
afterEach(async () => {
  await standDownOpen(admin, [DONGGUAN, XIJIE]);
});
afterAll(async () => {
  await api?.stop();
});

const memberIdsOf = (a: ActivationView) => a.teams.flatMap((t) => t.memberIds);

const DUTY_OFFICER: Principal = { sub: 'duty-officer', groups: ['dutyOfficer'], communities: [DONGGUAN] };

/** The structure port, holding every read of a community until the gate opens. */
class GatedStructure extends DynamoStructureRepository {
  constructor(
    table: string,
    private readonly gate: Promise<void>,
  ) {
    super(documentClient(), table);
  }
  override async getStructure(communityId: string) {
    await this.gate;
    return super.getStructure(communityId);
  }
}

/** The activation repository, saying when an Idempotency-Key has been looked up. */
class SignallingActivations extends ActivationRepository {
  constructor(
    table: string,
    private readonly lookedUp: () => void,
  ) {
    super(documentClient(), table);
  }
  override async findIdempotent(communityId: string, key: string) {
    const seen = await super.findIdempotent(communityId, key);
    this.lookedUp();
    return seen;
  }
}

/** The board once every planned place is a draftee and every alert has been handed to the network. */
const alertsOut = (client: Api, activationId: string) =>
  waitForBoard(
    client,
    activationId,
    'every alert sent',
    (b) => materialized(b) && b.counts.alerted + b.counts.failed === b.counts.drafted,
  );

/** The SMS a phone got since a moment, e.g. since an activation started. */
async function inboxSince(phone: string, since: string) {
  return (await inbox(admin, phone)).filter((m) => m.sentAt >= since);
}

describe('pressing the key', () => {
  it('answers 201 with one team per grid, switches the community to emergency and shows the teams on the board', async () => {
    const reply = await press(dutyOfficer, DONGGUAN, { kind: 'flood', level: 'IV' });

    expect(reply.status).toBe(201);
    const activation = activationView.strict().parse(reply.body);
    expect(activation).toMatchObject({
      communityId: DONGGUAN,
      mode: 'emergency',
      kind: 'flood',
      level: 'IV',
    });
    expect(activation.teams.map((t) => t.gridId)).toEqual(gridsOf(DONGGUAN));
    for (const team of activation.teams) {
      expect(team.memberIds.length).toBeGreaterThan(0);
      expect(team.leaderId).toBe(team.memberIds[0]);
    }
    const everyone = memberIdsOf(activation);
    expect(new Set(everyone).size).toBe(everyone.length);
    expect(activation.drafted).toBe(everyone.length);
    expect(activation.reserves).toBeGreaterThan(0);

    expect(await modeOf(dutyOfficer, DONGGUAN)).toEqual({
      mode: 'emergency',
      activationId: activation.activationId,
    });
    const board = await waitForBoard(dutyOfficer, activation.activationId, 'the draftees', materialized);
    expect(board).toMatchObject({ status: 'active', mode: 'emergency', drill: false, communityId: DONGGUAN });
    expect(board.counts.drafted).toBe(activation.drafted);
    expect(
      board.teams.map((t) => ({
        teamId: t.teamId,
        leaderId: t.leaderId,
        drafted: t.counts.drafted,
        members: (t.members ?? []).map((m) => m.memberId).sort(),
      })),
    ).toEqual(
      activation.teams.map((t) => ({
        teamId: t.teamId,
        leaderId: t.leaderId,
        drafted: t.memberIds.length,
        members: [...t.memberIds].sort(),
      })),
    );
  });

  it('takes twenty simultaneous presses as one: one 201, nineteen 409 naming the open activation', async () => {
    const westOfficer = await api.as(['dutyOfficer'], [XIJIE]);
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => press(westOfficer, XIJIE, { kind: 'fire', level: 'IV' })),
    );

    const created = replies.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    const { activationId } = activationView.parse(created[0]?.body);
    const refused = replies.filter((r) => r.status !== 201).map(errorOf);
    expect(refused).toHaveLength(19);
    for (const error of refused) {
      expect(error).toMatchObject({ status: 409, code: 'ALREADY_SWITCHED' });
      expect(error.details.map((d) => conflictDetail.parse(d).activationId)).toEqual([activationId]);
    }
    expect((await modeOf(westOfficer, XIJIE)).activationId).toBe(activationId);
  });

  it('takes twenty simultaneous presses with one Idempotency-Key as one activation, replayed to all', async () => {
    const westOfficer = await api.as(['dutyOfficer'], [XIJIE]);
    const before = (await activationsOf(admin, XIJIE)).length;
    const key = `press-${Date.now()}`;

    const replies = await Promise.all(
      Array.from({ length: 20 }, () => press(westOfficer, XIJIE, { kind: 'earthquake', level: 'IV' }, key)),
    );

    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(201));
    const ids = new Set(replies.map((r) => activationView.parse(r.body).activationId));
    expect(ids.size).toBe(1);
    const replayed = replies.map((r) => r.headers.get('idempotent-replayed'));
    expect(replayed.filter((h) => h === 'true')).toHaveLength(19);
    expect(replayed.filter((h) => h === null)).toHaveLength(1);
    const bodies = replies.map((r) => activationView.parse(r.body));
    for (const body of bodies) expect(body).toEqual(bodies[0]);
    const after = await activationsOf(admin, XIJIE);
    expect(after).toHaveLength(before + 1);
    expect(after.filter((a) => a.status === 'active').map((a) => a.activationId)).toEqual([...ids]);
  });

  it('replays, not refuses, a retry whose key was committed between its replay check and its own attempt', async () => {
    // The retry looks its key up, finds nothing, and only then reads the community: by which
    // time the first press has switched it.
    const key = `late-retry-${Date.now()}`;
    const input = activationInput.parse({ kind: 'flood', level: 'IV' });
    let replayChecked = () => {};
    const checked = new Promise<void>((resolve) => {
      replayChecked = resolve;
    });
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const retry = makeActivationUseCases({
      ...tablePorts(),
      structure: new GatedStructure(api.stack.tableName, gate),
      activations: new SignallingActivations(api.stack.tableName, () => replayChecked()),
    });
    const retrying = retry.activate(DUTY_OFFICER, DONGGUAN, input, key);
    await checked;
    const first = await press(dutyOfficer, DONGGUAN, { kind: 'flood', level: 'IV' }, key);

    openGate();
    const result = await retrying;

    expect(first.status).toBe(201);
    expect(result.replayed).toBe(true);
    expect(result.response.activationId).toBe(activationView.parse(first.body).activationId);
  });

  it('refuses the same Idempotency-Key with a different body', async () => {
    const key = `reuse-${Date.now()}`;
    const first = await press(dutyOfficer, DONGGUAN, { kind: 'flood', level: 'IV' }, key);

    const second = await press(dutyOfficer, DONGGUAN, { kind: 'flood', level: 'II' }, key);

    expect(first.status).toBe(201);
    expect(errorOf(second)).toMatchObject({ status: 409, code: 'IDEMPOTENCY_KEY_REUSED' });
  });
});

describe('who may press', () => {
  it('lets a planner start a drill in their own community but not switch an emergency', async () => {
    const planner = await api.as(['planner'], [DONGGUAN]);

    const emergency = await press(planner, DONGGUAN, { kind: 'flood', level: 'IV' });
    const drill = await press(planner, DONGGUAN, { kind: 'flood', level: 'IV', drill: true });

    expect(errorOf(emergency).status).toBe(403);
    expect(drill.status).toBe(201);
    const { activationId, mode } = activationView.parse(drill.body);
    expect(mode).toBe('drill');
    expect(await modeOf(planner, DONGGUAN)).toEqual({ mode: 'drill', activationId });
    expect((await planner.post(`/activations/${activationId}/stand-down`)).status).toBe(200);
  });

  it('refuses a planner the stand-down of an emergency', async () => {
    const planner = await api.as(['planner'], [DONGGUAN]);
    const { activationId } = await pressOk(dutyOfficer, DONGGUAN, { kind: 'flood', level: 'IV' });

    const reply = await planner.post(`/activations/${activationId}/stand-down`);

    expect(errorOf(reply).status).toBe(403);
    expect((await modeOf(admin, DONGGUAN)).mode).toBe('emergency');
  });

  it("refuses a duty officer another community's switch", async () => {
    const reply = await press(dutyOfficer, XIJIE, { kind: 'flood', level: 'IV' });

    expect(errorOf(reply).status).toBe(403);
    expect((await modeOf(admin, XIJIE)).mode).toBe('normal');
  });
});

describe('two communities sharing a unit', () => {
  it('never draft one person twice when they switch at the same moment, round after round', async () => {
    for (let round = 0; round < 3; round++) {
      // Switching alone at level IV, each community would draft six of the same unit people.
      const [east, west] = await Promise.all([
        pressOk(admin, DONGGUAN, { kind: 'flood', level: 'IV' }),
        pressOk(admin, XIJIE, { kind: 'flood', level: 'IV' }),
      ]);

      const eastIds = new Set(memberIdsOf(east));
      expect(
        memberIdsOf(west).filter((id) => eastIds.has(id)),
        `round ${round}`,
      ).toEqual([]);
      const [eastBoard, westBoard] = await Promise.all(
        [east, west].map((a) => waitForBoard(admin, a.activationId, 'the draftees', materialized)),
      );
      const onEastBoard = new Set(boardMembers(eastBoard as BoardView).map((m) => m.memberId));
      const onWestBoard = boardMembers(westBoard as BoardView).map((m) => m.memberId);
      expect(
        onWestBoard.filter((id) => onEastBoard.has(id)),
        `round ${round}`,
      ).toEqual([]);
      expect(onEastBoard.size + onWestBoard.length).toBe(east.drafted + west.drafted);
      await standDown(admin, east.activationId);
      await standDown(admin, west.activationId);
    }
  });

  it("lets the other community draft the shared unit's people once the first stands down", async () => {
    const east = await pressOk(admin, DONGGUAN, { kind: 'flood', level: 'IV' });
    const westWhileEastIsOpen = await pressOk(admin, XIJIE, { kind: 'flood', level: 'IV' });
    await standDown(admin, westWhileEastIsOpen.activationId);
    await standDown(admin, east.activationId);

    const west = await pressOk(admin, XIJIE, { kind: 'flood', level: 'IV' });

    const fromEast = new Set(memberIdsOf(east));
    const freed = memberIdsOf(west).filter((id) => fromEast.has(id));
    expect(freed.length).toBeGreaterThan(0);
    const keptOut = new Set(memberIdsOf(westWhileEastIsOpen));
    expect(freed.filter((id) => keptOut.has(id))).toEqual([]);
  });
});

describe('calling reserves into an open activation', () => {
  it("keeps the unit's earlier draftees locked when a reserve from the same unit is called in", async () => {
    const { activations, members } = tablePorts();
    const pressed = await pressOk(admin, DONGGUAN, { kind: 'flood', level: 'IV' });
    const activation = await activations.get(pressed.activationId);
    if (!activation) throw new Error('no activation');
    const drafted = new Set(memberIdsOf(pressed));
    const locks = await activations.getUnitLocks(activation.unitIds);
    const [unitId, earlier] =
      [...locks.values()]
        .map((l) => [l.unitId, l.engaged.get(activation.activationId) ?? []] as const)
        .find(([, ids]) => ids.length > 0) ?? [];
    const roster = await members.listUnit(unitId ?? '');
    const reserve = roster.find((m) => !drafted.has(m.memberId));
    if (!unitId || !earlier || !reserve)
      throw new Error('the demo street has no unit to call a reserve from');
    const team = activation.teams[0];
    if (!team) throw new Error('no team');

    // What the sweep's backfill writes for one reserve from that unit.
    const result = await activations.backfill({
      activation,
      draftees: [
        {
          activationId: activation.activationId,
          memberId: reserve.memberId,
          communityId: reserve.communityId,
          teamId: team.teamId,
          name: reserve.name,
          phone: reserve.phone,
          leader: false,
          source: 'reserve',
          status: 'drafted',
          open: true,
          drill: false,
          locale: 'zh',
          musterPoint: team.musterPoint,
          draftedAt: new Date().toISOString(),
          outbox: { alert: alertMessage(activation, team.teamId, false, new Date().toISOString(), true) },
        },
      ],
      unitLocks: unitLocksFor([reserve], new Map([[reserve.memberId, reserve]]), locks),
    });

    expect(result).toBe('applied');
    const after = await activations.getUnitLocks([unitId]);
    expect(new Set(after.get(unitId)?.engaged.get(activation.activationId))).toEqual(
      new Set([...earlier, reserve.memberId]),
    );
  });
});

describe('standing down', () => {
  it('closes the activation once, tells everyone alerted once, and frees everyone for the next press', async () => {
    // Earlier tests' messages are all out before this one starts, so what comes after is this one's.
    await api.stack.consumer?.caughtUp();
    const activation = await pressOk(dutyOfficer, DONGGUAN, { kind: 'snowstorm', level: 'IV' });
    const board = await alertsOut(dutyOfficer, activation.activationId);
    const phones = boardMembers(board).flatMap((m) => (m.phone ? [m.phone] : []));
    expect(phones).toHaveLength(activation.drafted);

    const first = await standDown(dutyOfficer, activation.activationId);
    const second = await standDown(dutyOfficer, activation.activationId);

    expect(first).toEqual({ activationId: activation.activationId, endedAt: expect.any(String) });
    expect(second).toEqual(first);
    expect(await modeOf(dutyOfficer, DONGGUAN)).toEqual({ mode: 'normal' });
    expect((await boardOf(dutyOfficer, activation.activationId)).status).toBe('stoodDown');
    const notice = render({ type: 'standDown', drill: false, communityName: '东关社区', kind: 'snowstorm' });
    await waitFor('every stand-down notice', async () => {
      const got = await Promise.all(phones.map((p) => inboxSince(p, activation.startedAt)));
      return got.every((messages) => messages.some((m) => m.body === notice)) ? true : undefined;
    });
    await api.stack.consumer?.caughtUp();
    for (const phone of phones) {
      const messages = await inboxSince(phone, activation.startedAt);
      expect(
        messages.filter((m) => m.body === notice),
        phone,
      ).toHaveLength(1);
    }
    const drafted = new Set(phones);
    const others = (await walkMembers(admin, DONGGUAN)).items.filter((m) => !drafted.has(m.phone));
    expect(others.length).toBeGreaterThan(0);
    for (const member of others)
      expect(await inboxSince(member.phone, activation.startedAt), member.phone).toEqual([]);

    const again = await pressOk(dutyOfficer, DONGGUAN, { kind: 'snowstorm', level: 'IV' });
    expect(again.teams).toEqual(activation.teams);
  });

  it('answers 404 for an activation that does not exist', async () => {
    const reply = await dutyOfficer.post('/activations/01jzzzzzzzzzzzzzzzzzzzzzzz/stand-down');

    expect(errorOf(reply).status).toBe(404);
  });
});

describe('people away until a date', () => {
  it('leaves out who is away until a later day and drafts who came back after their date', async () => {
    const dayOffset = (days: number) => chinaDay(new Date(Date.now() + days * 86_400_000));
    const [away, back] = (await walkMembers(admin, DONGGUAN, { gridId: 'dg01' })).items.filter(
      (m) => m.available && !m.smsOptOut,
    );
    if (!away || !back) throw new Error('the demo grid dg01 has fewer than two available people');
    const memberUrl = (m: { memberId: string }) => `/communities/${DONGGUAN}/members/${m.memberId}`;
    await admin.patch(memberUrl(away), { unavailableUntil: dayOffset(2) });
    await admin.patch(memberUrl(back), { unavailableUntil: dayOffset(-2) });
    try {
      const drill = await pressOk(dutyOfficer, DONGGUAN, { kind: 'flood', level: 'I', drill: true });

      expect(memberIdsOf(drill)).not.toContain(away.memberId);
      expect(memberIdsOf(drill)).toContain(back.memberId);
    } finally {
      await admin.patch(memberUrl(away), { unavailableUntil: null });
      await admin.patch(memberUrl(back), { unavailableUntil: null });
    }
  });
});

describe('drills', () => {
  it('marks every message of a drill 【演练】 and the community as in drill mode', async () => {
    await api.stack.consumer?.caughtUp();
    const drill = await pressOk(dutyOfficer, DONGGUAN, { kind: 'fire', level: 'IV', drill: true });
    expect(drill.mode).toBe('drill');
    expect((await modeOf(dutyOfficer, DONGGUAN)).mode).toBe('drill');
    const board = await alertsOut(dutyOfficer, drill.activationId);
    const phones = boardMembers(board).flatMap((m) => (m.phone ? [m.phone] : []));

    await standDown(dutyOfficer, drill.activationId);

    const notice = render({ type: 'standDown', drill: true, communityName: '东关社区', kind: 'fire' });
    const received = await waitFor('the drill stand-down notices', async () => {
      const got = await Promise.all(phones.map((p) => inboxSince(p, drill.startedAt)));
      return got.every((messages) => messages.some((m) => m.body === notice)) ? got.flat() : undefined;
    });
    expect(received.length).toBe(phones.length * 2);
    for (const sms of received) expect(sms.body.startsWith('【平急】【演练】'), sms.body).toBe(true);
  });

  it('keeps a drill apart from a real activation in another community', async () => {
    const drill = await pressOk(admin, XIJIE, { kind: 'flood', level: 'IV', drill: true });
    const real = await pressOk(dutyOfficer, DONGGUAN, { kind: 'flood', level: 'IV' });

    const [drillBoard, realBoard] = await Promise.all(
      [drill, real].map((a) => waitForBoard(admin, a.activationId, 'the draftees', materialized)),
    );

    expect(drillBoard).toMatchObject({ drill: true, mode: 'drill', communityId: XIJIE });
    expect(realBoard).toMatchObject({ drill: false, mode: 'emergency', communityId: DONGGUAN });
    expect((realBoard as BoardView).counts.drafted).toBe(real.drafted);
    expect((drillBoard as BoardView).counts.drafted).toBe(drill.drafted);
    expect((realBoard as BoardView).teams.map((t) => t.gridId)).toEqual(gridsOf(DONGGUAN));
    const inDrill = new Set(boardMembers(drillBoard as BoardView).map((m) => m.memberId));
    expect(boardMembers(realBoard as BoardView).filter((m) => inDrill.has(m.memberId))).toEqual([]);
    const [west] = await activationsOf(admin, XIJIE);
    const [east] = await activationsOf(admin, DONGGUAN);
    expect(west).toMatchObject({ activationId: drill.activationId, drill: true });
    expect(east).toMatchObject({ activationId: real.activationId, drill: false });
  });
});
