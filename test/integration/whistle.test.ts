import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { documentClient } from '../../shared/adapters/dynamo';
import { DynamoWhistleMessenger } from '../../shared/adapters/whistle-messages';
import { WhistleRepository } from '../../shared/adapters/whistle-repository';
import type { WhistleStore } from '../../shared/adapters/whistle-store';
import { auditPageView } from '../../shared/http/schemas';
import { whistleSummaryView, whistleView } from '../../shared/http/whistle-schemas';
import { makeWhistleUseCases } from '../../shared/use-cases/whistle';
import { tablePorts } from '../../shared/wiring';
import { containing, inbox, send, waitForInbox } from './support/check-in-world';
import type { Client, TestApi } from './support/local-api';
import { startTestApi } from './support/local-api';
import {
  bodyOf,
  buildCommunity,
  createMember,
  errorOf,
  type MemberView,
  memberBody,
  PhoneBook,
  succeed,
} from './support/roster';
import { boardOf, peopleOn, waitForAlerts } from './support/security-activations';
import { waitFor } from './support/wait-for';

/*
 * The whistle on DynamoDB Local through the local stack: raised by API and by SMS, answered by
 * SMS, filled, widened level by level on a moved clock, closed; and a switch taking precedence.
 */

type Whistle = z.output<typeof whistleView>;

let api: TestApi;
let admin: Client;
const phones = new PhoneBook(8_131);
const people = new Map<string, MemberView>();
const person = (name: string): MemberView => {
  const found = people.get(name);
  if (!found) throw new Error(`no ${name}`);
  return found;
};

beforeAll(async () => {
  api = await startTestApi({ seed: 'none', smsRate: 1_000 });
  admin = await api.as(['admin'], ['*'], 'whistle-admin');
  await buildCommunity(admin, {
    streetId: 'ws-street',
    communityId: 'ws-a',
    grids: ['g2', 'g3', { gridId: 'g1', neighbours: ['g2'] }],
  });
  await buildCommunity(admin, { streetId: 'ws-street', communityId: 'ws-b', grids: ['h1'] });
  const unit = (unitId: string, body: Record<string, unknown>) =>
    succeed(`unit ${unitId}`, admin.put(`/units/${unitId}`, { name: `${unitId}单位`, ...body }));
  await unit('ws-partner', { pairedGrids: [{ communityId: 'ws-a', gridId: 'g1' }] });
  await unit('ws-other', { pairedGrids: [{ communityId: 'ws-a', gridId: 'g2' }] });
  await unit('ws-power', {
    pairedGrids: [{ communityId: 'ws-b', gridId: 'h1' }],
    kind: 'department',
    serves: ['electric'],
  });
  const add = async (name: string, communityId: string, extra: Record<string, unknown>) =>
    people.set(name, await createMember(admin, communityId, memberBody(phones.next(), { name, ...extra })));
  const partyOf = (unitId: string) => ({ roles: ['servingPartyMember'], partyMember: true, unitId });
  await add('甲党员', 'ws-a', partyOf('ws-partner'));
  await add('乙党员', 'ws-a', partyOf('ws-partner'));
  await add('丙党员', 'ws-a', partyOf('ws-other'));
  await add('电力员', 'ws-b', { roles: ['volunteer'], unitId: 'ws-power' });
  await add('网格长', 'ws-a', { roles: ['gridLeader'], gridId: 'g1', partyMember: true });
  await add('二格长', 'ws-a', { roles: ['gridLeader'], gridId: 'g2' });
  await add('后备', 'ws-a', { roles: ['volunteer'], gridId: 'g2' });
  await add('志愿者', 'ws-a', { roles: ['volunteer'], gridId: 'g1' });
  await add('三格长', 'ws-a', { roles: ['gridLeader'], gridId: 'g3' });
});

afterAll(async () => {
  await api?.stop();
});

async function whistle(whistleId: string): Promise<Whistle> {
  return bodyOf(whistleView, await succeed('whistle', admin.get(`/whistles/${whistleId}`)));
}
const statusOf = (w: Whistle, name: string) => w.responders.find((r) => r.name === name)?.status;
const calledNames = (w: Whistle) => w.responders.map((r) => r.name).sort();

describe('a whistle raised, answered, filled and resolved', () => {
  it('calls the grid’s paired units, fills on the first yes, tells the rest and closes with a note', async () => {
    const raised = await admin.post('/communities/ws-a/whistles', {
      gridId: 'g1',
      reason: '楼道电线冒烟',
      category: 'electric',
      people: 1,
      respondWithinMinutes: 30,
    });
    expect(raised.status, JSON.stringify(raised.body)).toBe(201);
    const created = whistleView.parse(raised.body);
    expect(created).toMatchObject({ level: 'grid', status: 'open', notified: 2, filled: false });
    expect(calledNames(created)).toEqual(['乙党员', '甲党员']);

    const first = person('甲党员');
    const second = person('乙党员');
    await waitForInbox(api, first.phone, 'the call', (m) => containing(m, created.code).length > 0);
    await send(api, first.phone, '1 15');
    const after = await waitFor('filled', async () => {
      const w = await whistle(created.whistleId);
      return w.status === 'filled' ? w : undefined;
    });
    expect(statusOf(after, '甲党员')).toBe('coming');
    expect(statusOf(after, '乙党员')).toBe('notNeeded');
    expect(after.responders.find((r) => r.name === '甲党员')?.etaMinutes).toBe(15);
    expect(after.firstAnswerAt).toBeDefined();
    expect(after.times.toFilledSeconds).toBeGreaterThanOrEqual(0);
    await waitForInbox(api, first.phone, 'the ack', (m) => containing(m, '约15分钟后到').length > 0);
    await waitForInbox(api, second.phone, 'not needed', (m) => containing(m, '人员已足').length > 0);
    // Everyone told: the filled whistle's mark is cleared and the sweep no longer looks at it.
    const stored = new WhistleRepository(documentClient(), api.stack.tableName);
    expect((await stored.get(created.whistleId))?.whistle.releasingSince).toBeUndefined();
    expect(await stored.listDue('2999-01-01T00:00:00.000Z')).not.toContain(created.whistleId);

    const resolved = await admin.post(`/whistles/${created.whistleId}/resolve`, { note: '已断电处理' });
    expect(resolved.status).toBe(200);
    const closed = whistleView.parse(resolved.body);
    expect(closed).toMatchObject({ status: 'resolved', note: '已断电处理' });
    expect(closed.times.toClosedSeconds).toBeGreaterThanOrEqual(0);
    expect(closed.events.map((e) => e.type)).toEqual(['raised', 'answered', 'filled', 'resolved']);
    await waitForInbox(api, first.phone, 'resolved', (m) => containing(m, '已解决').length > 0);

    const audit = bodyOf(auditPageView, await succeed('audit', admin.get('/communities/ws-a/audit')));
    expect(audit.items.map((e) => e.action)).toEqual(
      expect.arrayContaining(['whistle.raise', 'whistle.resolve']),
    );
    // Closed: the community's list shows it after the open ones, and the street's no longer.
    const street = z
      .object({ items: z.array(whistleSummaryView) })
      .parse((await succeed('street', admin.get('/streets/ws-street/whistles'))).body);
    expect(street.items.map((w) => w.whistleId)).not.toContain(created.whistleId);
  });

  it('refuses an unknown grid and out-of-range people, writing nothing; warns when nobody serves', async () => {
    const before = (await succeed('list', admin.get('/communities/ws-a/whistles'))).body;
    const unknown = await admin.post('/communities/ws-a/whistles', {
      gridId: 'zz',
      reason: 'x',
      category: 'gas',
    });
    const tooMany = await admin.post('/communities/ws-a/whistles', {
      gridId: 'g1',
      reason: 'x',
      category: 'gas',
      people: 501,
    });
    expect(errorOf(unknown)).toMatchObject({ status: 400, paths: ['gridId'] });
    expect(errorOf(tooMany)).toMatchObject({ status: 400, paths: ['people'] });
    expect((await succeed('list', admin.get('/communities/ws-a/whistles'))).body).toEqual(before);

    const gas = whistleView.parse(
      (
        await succeed(
          'gas',
          admin.post('/communities/ws-a/whistles', { gridId: 'g3', reason: '燃气味', category: 'gas' }),
        )
      ).body,
    );
    expect(gas.warnings.join(' ')).toContain('only the community');
    await succeed('cancel', admin.post(`/whistles/${gas.whistleId}/cancel`, {}));
  });
});

describe('widening on the deadline', () => {
  it('goes grid → community → street, calls nobody twice, then flags it overdue', async () => {
    const created = whistleView.parse(
      (
        await succeed(
          'raise',
          admin.post('/communities/ws-a/whistles', {
            gridId: 'g1',
            reason: '配电箱跳闸',
            category: 'electric',
            people: 3,
            respondWithinMinutes: 1,
          }),
        )
      ).body,
    );
    let offsetMs = 0;
    const later = makeWhistleUseCases({
      ...tablePorts(),
      messenger: new DynamoWhistleMessenger(documentClient(), api.stack.tableName),
      clock: { now: () => new Date(Date.now() + offsetMs) },
    });

    offsetMs = 2 * 60_000;
    expect(await later.sweep()).toMatchObject({ widened: 1 });
    const community = await whistle(created.whistleId);
    expect(community.level).toBe('community');
    expect(calledNames(community)).toEqual(['三格长', '丙党员', '乙党员', '二格长', '后备', '甲党员'].sort());

    offsetMs = 4 * 60_000;
    expect(await later.sweep()).toMatchObject({ widened: 1 });
    const street = await whistle(created.whistleId);
    expect(street.level).toBe('street');
    expect(street.responders.find((r) => r.name === '电力员')).toMatchObject({
      level: 'street',
      reason: 'department',
    });
    expect(new Set(street.responders.map((r) => r.memberId)).size).toBe(street.responders.length);

    offsetMs = 6 * 60_000;
    expect(await later.sweep()).toMatchObject({ overdue: 1 });
    const last = await whistle(created.whistleId);
    expect(last.events.map((e) => e.type)).toEqual(['raised', 'widened', 'widened', 'overdue']);
    expect(await later.sweep()).toMatchObject({ widened: 0, overdue: 0 });

    await succeed('cancel', admin.post(`/whistles/${created.whistleId}/cancel`, { note: '误报' }));
    await waitForInbox(api, person('电力员').phone, 'cancelled', (m) => containing(m, '已取消').length > 0);
  });
});

describe('by SMS', () => {
  it('a grid leader’s 吹哨 raises one, acknowledged with its code; anyone else is told who may', async () => {
    const leader = person('三格长');
    await send(api, leader.phone, '吹哨 2 电路起火');
    const found = await waitFor('the SMS whistle', async () => {
      const list = z
        .object({ items: z.array(whistleSummaryView) })
        .parse((await succeed('list', admin.get('/communities/ws-a/whistles?status=open'))).body);
      return list.items.find((w) => w.gridId === 'g3' && w.reason === '电路起火');
    });
    expect(found).toMatchObject({ category: 'electric', people: 2 });
    expect((await whistle(found.whistleId)).via).toBe('sms');
    await waitForInbox(api, leader.phone, 'the code', (m) => containing(m, `编号${found.code}`).length > 0);

    const volunteer = person('志愿者');
    const before = (await succeed('list', admin.get('/communities/ws-a/whistles'))).body;
    await send(api, volunteer.phone, '哨');
    await waitForInbox(api, volunteer.phone, 'the refusal', (m) => containing(m, '只有网格长').length > 0);
    expect((await succeed('list', admin.get('/communities/ws-a/whistles'))).body).toEqual(before);
    await succeed('cancel', admin.post(`/whistles/${found.whistleId}/cancel`, {}));
  });
});

describe('by SMS, when the raise dies before its answer is queued', () => {
  it('the provider’s redelivery of the 吹哨 raises nothing new and sends the leader its code, once', async () => {
    const leader = person('三格长');
    const entry = await tablePorts().checkIns.getPhone(leader.phone);
    if (!entry) throw new Error('the leader’s phone is not on the index');
    const real = new DynamoWhistleMessenger(documentClient(), api.stack.tableName);
    let died = 0;
    const dying = makeWhistleUseCases({
      ...tablePorts(),
      messenger: {
        queue: async (messages, now) => {
          if (messages.some((m) => m.id.startsWith('whistle-raised-')) && died++ === 0)
            throw new Error('the raise died after its whistle was written');
          return real.queue(messages, now);
        },
      },
    });
    const inbound = { id: `redelivered-${Date.now()}`, at: new Date().toISOString() };

    await expect(dying.raiseBySms(entry, '吹哨 1 排水泵', inbound)).rejects.toThrow(/died/);
    expect(await dying.raiseBySms(entry, '吹哨 1 排水泵', inbound)).toBe('replayed');
    expect(await dying.raiseBySms(entry, '吹哨 1 排水泵', inbound)).toBe('replayed');

    const open = z
      .object({ items: z.array(whistleSummaryView) })
      .parse((await succeed('list', admin.get('/communities/ws-a/whistles?status=open'))).body)
      .items.filter((w) => w.reason === '排水泵');
    expect(open).toHaveLength(1);
    const code = open[0]?.code ?? '';
    await waitForInbox(api, leader.phone, 'the code', (m) => containing(m, `编号${code}`).length > 0);
    expect(containing(await inbox(api, leader.phone), `编号${code}`)).toHaveLength(1);
    await succeed('cancel', admin.post(`/whistles/${open[0]?.whistleId}/cancel`, {}));
  });
});

describe('at the same moment', () => {
  it('two grid leaders whistling at once make two whistles, and answers racing each other are never lost', async () => {
    const leaders = [person('网格长'), person('二格长')];
    await Promise.all(leaders.map((l) => send(api, l.phone, '哨 需要人手帮忙')));
    const list = await waitFor('both whistles', async () => {
      const items = z
        .object({ items: z.array(whistleSummaryView) })
        .parse((await succeed('list', admin.get('/communities/ws-a/whistles?status=open'))).body)
        .items.filter((w) => w.reason === '需要人手帮忙');
      return items.length === 2 ? items : undefined;
    });
    expect(list.map((w) => w.gridId).sort()).toEqual(['g1', 'g2']);
    for (const w of list) await succeed('cancel', admin.post(`/whistles/${w.whistleId}/cancel`, {}));

    const created = whistleView.parse(
      (
        await succeed(
          'raise',
          admin.post('/communities/ws-a/whistles', {
            gridId: 'g3',
            reason: '清理积水',
            category: 'people',
            people: 3,
          }),
        )
      ).body,
    );
    const called = created.responders.map((r) => r.memberId);
    expect(called.length).toBeGreaterThanOrEqual(4);
    const phonesCalled = [...people.values()].filter((m) => called.includes(m.memberId)).map((m) => m.phone);
    await Promise.all(phonesCalled.map((phone) => send(api, phone, '1')));
    // Once filled, whoever is still only called is not needed; their late "1" changes nothing.
    const settled = await waitFor('every answer settled', async () => {
      const w = await whistle(created.whistleId);
      return w.responders.every((r) => r.status !== 'called') ? w : undefined;
    });
    const coming = settled.responders.filter((r) => r.status === 'coming');
    expect(settled.status).toBe('filled');
    expect(coming.length).toBeGreaterThanOrEqual(3);
    // No answer lost to another: the count, the events and the responders agree.
    expect(settled.coming).toBe(coming.length);
    expect(settled.events.filter((e) => e.type === 'answered')).toHaveLength(coming.length);
    expect(settled.events.filter((e) => e.type === 'filled')).toHaveLength(1);
    expect(settled.responders.every((r) => r.status === 'coming' || r.status === 'notNeeded')).toBe(true);
    await succeed('cancel', admin.post(`/whistles/${created.whistleId}/cancel`, {}));
  });
});

describe('a switch takes precedence', () => {
  it('releases whoever it drafts from their whistle and tells them', async () => {
    const created = whistleView.parse(
      (
        await succeed(
          'raise',
          admin.post('/communities/ws-a/whistles', {
            gridId: 'g1',
            reason: '搬运物资',
            category: 'people',
            people: 5,
          }),
        )
      ).body,
    );
    const onWhistle = new Set(created.responders.map((r) => r.memberId));
    const press = await succeed(
      'switch',
      admin.post('/communities/ws-a/activations', { kind: 'flood', level: 'IV', drill: true }),
    );
    const { activationId } = z.object({ activationId: z.string() }).parse(press.body);
    const board = await waitForAlerts(admin, activationId);
    const both = peopleOn(board).filter((p) => onWhistle.has(p.memberId) && p.status !== 'released');
    expect(both.length).toBeGreaterThan(0);

    const after = await waitFor('released', async () => {
      const w = await whistle(created.whistleId);
      return both.every((p) => statusOf(w, p.name) === 'released') ? w : undefined;
    });
    expect(after.events.map((e) => e.type)).toContain('released');
    const first = both[0];
    if (!first) throw new Error('nobody on both');
    const phone = person(first.name).phone;
    await waitForInbox(api, phone, 'the release', (m) => containing(m, '不再需要您').length > 0);
    // Their answer now goes to the activation, not the whistle.
    const acks = (await inbox(api, phone)).length;
    await send(api, phone, '1');
    await waitForInbox(api, phone, 'the activation ack', (m) => m.length > acks);
    expect(statusOf(await whistle(created.whistleId), first.name)).toBe('released');
    expect(
      peopleOn(await boardOf(admin, activationId)).find((p) => p.memberId === first.memberId)?.status,
    ).toBe('confirmed');
    await succeed('stand down', admin.post(`/activations/${activationId}/stand-down`));
    await succeed('cancel', admin.post(`/whistles/${created.whistleId}/cancel`, {}));
  });
});

describe('a raise that dies part-way', () => {
  it('is finished by the sweep: everyone the level calls is called once, nobody twice', async () => {
    await buildCommunity(admin, { streetId: 'ws-street', communityId: 'ws-c', grids: ['k1'] });
    await succeed(
      'unit',
      admin.put('/units/ws-c-partner', {
        name: '长街单位',
        pairedGrids: [{ communityId: 'ws-c', gridId: 'k1' }],
      }),
    );
    const party = await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        createMember(
          admin,
          'ws-c',
          memberBody(phones.next(), {
            name: `长街党员${i + 1}`,
            roles: ['servingPartyMember'],
            partyMember: true,
            unitId: 'ws-c-partner',
          }),
        ),
      ),
    );
    const doc = documentClient();
    const table = api.stack.tableName;
    // Three people a transaction, and a writer that dies after its first one.
    const real = new WhistleRepository(doc, table, { callsPerTransaction: 3 });
    let died = 0;
    const dying: WhistleStore = {
      create: (args) => real.create(args),
      call: (args) => real.call(args),
      addCalls: async () => {
        died++;
        throw new Error('the writer died');
      },
      get: (id) => real.get(id),
      listCommunity: (id, limit) => real.listCommunity(id, limit),
      listOpenOfStreet: (id) => real.listOpenOfStreet(id),
      listDue: (now) => real.listDue(now),
      getMarkers: (people) => real.getMarkers(people),
      advance: (args) => real.advance(args),
      answer: (args) => real.answer(args),
      settleResponders: (id, changes) => real.settleResponders(id, changes),
    };
    const messenger = new DynamoWhistleMessenger(doc, table);
    const principal = { sub: 'whistle-admin', groups: ['admin' as const], communities: '*' as const };
    const raising = makeWhistleUseCases({ ...tablePorts(), whistles: dying, messenger });
    await expect(
      raising.raise(principal, 'ws-c', {
        gridId: 'k1',
        reason: '转移老人',
        category: 'people',
        people: 7,
        respondWithinMinutes: 30,
      }),
    ).rejects.toThrow('the writer died');
    expect(died).toBe(1);

    const [left] = z
      .object({ items: z.array(whistleSummaryView) })
      .parse((await succeed('list', admin.get('/communities/ws-c/whistles'))).body).items;
    if (!left) throw new Error('the whistle was not written');
    expect((await whistle(left.whistleId)).notified).toBe(3);

    let offsetMs = 0;
    const later = makeWhistleUseCases({
      ...tablePorts(),
      whistles: real,
      messenger,
      clock: { now: () => new Date(Date.now() + offsetMs) },
    });
    // Within the writer's grace the sweep leaves the calls to it.
    expect(await later.sweep()).toMatchObject({ resumed: 0, widened: 0 });
    offsetMs = 2 * 60_000;
    expect(await later.sweep()).toMatchObject({ resumed: 1, widened: 0 });
    const done = await whistle(left.whistleId);
    expect(calledNames(done)).toEqual(party.map((m) => m.name).sort());
    expect(new Set(done.responders.map((r) => r.memberId)).size).toBe(7);
    expect(done).toMatchObject({ level: 'grid', status: 'open' });
    expect((await real.get(left.whistleId))?.whistle.callingSince).toBeUndefined();
    expect(await later.sweep()).toMatchObject({ resumed: 0, widened: 0 });

    const calls = await Promise.all(
      party.map((m) =>
        waitForInbox(api, m.phone, `${m.name}'s call`, (box) => containing(box, left.code).length > 0),
      ),
    );
    for (const box of calls) expect(containing(box, left.code)).toHaveLength(1);
    await succeed('cancel', admin.post(`/whistles/${left.whistleId}/cancel`, {}));
  });
});
