import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../local/server';
import { inboundSmsEvent } from '../../local/sns-event';
import type { Counts } from '../../shared/domain/activation';
import { boardMemberView, errorBody, memberView } from '../../shared/http/schemas';
import {
  type Board,
  containing,
  inbox,
  isAck,
  moved,
  named,
  onBoard,
  type Person,
  placed,
  quiet,
  readBoard,
  recount,
  rosterCommunity,
  SMS,
  send,
  standDown,
  switchOn,
  teamOf,
  waitForInbox,
  waitUntilAlerted,
} from './support/check-in-world';
import { type Client, type Reply, startTestApi, type TestApi } from './support/local-api';
import { errorOf, PhoneBook } from './support/roster';

const STREET = 'check-in-st';
const COMMUNITIES = ['forms', 'order', 'noise', 'quiet', 'board'];

let api: TestApi;
let admin: Client;
let officer: Client;
let commander: Client;
let planner: Client;
const phones = new PhoneBook(20_251_122);

beforeAll(async () => {
  api = await startTestApi({ consumer: true, smsRate: 500 });
  admin = await api.as(['admin'], ['*']);
  officer = await api.as(['dutyOfficer'], COMMUNITIES, 'officer-1');
  commander = await api.as(['commander'], COMMUNITIES, 'commander-1');
  planner = await api.as(['planner'], COMMUNITIES, 'planner-1');
});
afterAll(async () => {
  await api?.stop();
});

/** Looks a person up by name, failing the arrange step if they were never created. */
function who(people: Map<string, Person>, name: string): Person {
  const person = people.get(name);
  if (!person) throw new Error(`nobody named ${name}`);
  return person;
}

/** The member as the roster API returns it now. */
async function rosterEntry(person: Person) {
  const reply = await admin.get(`/communities/${person.communityId}/members/${person.memberId}`);
  return memberView.parse(reply.body);
}

/** A refusal as status, error code and field paths; the whole body when it is no error body. */
function refusal(reply: Reply) {
  if (!errorBody.safeParse(reply.body).success) return { status: reply.status, body: reply.body };
  const { status, code, paths } = errorOf(reply);
  return { status, code, paths };
}

/** The board's members as `memberId → status`. */
const statuses = (board: Board) => Object.fromEntries(placed(board).map((m) => [m.memberId, m.status]));

describe('every reply form in the contract moves the board', () => {
  const grid = 'fm1';
  let people: Map<string, Person>;
  let activationId = '';

  beforeAll(async () => {
    people = await rosterCommunity(admin, phones, {
      streetId: STREET,
      communityId: 'forms',
      grids: [{ gridId: grid, people: [{ name: 'F0' }, ...named('f', 16)] }],
    });
    activationId = (await switchOn(officer, 'forms')).activationId;
    await waitUntilAlerted(officer, activationId);
  });

  const statusForms: {
    reply: string;
    status: 'confirmed' | 'declined' | 'arrived';
    counter: keyof Counts;
    ack: string;
    etaMinutes?: number;
    reason?: string;
  }[] = [
    { reply: '1', status: 'confirmed', counter: 'confirmed', ack: SMS.ackConfirmedPlain },
    { reply: '１', status: 'confirmed', counter: 'confirmed', ack: SMS.ackConfirmedPlain },
    { reply: '收到', status: 'confirmed', counter: 'confirmed', ack: SMS.ackConfirmedPlain },
    { reply: '确认', status: 'confirmed', counter: 'confirmed', ack: SMS.ackConfirmedPlain },
    { reply: '到', status: 'confirmed', counter: 'confirmed', ack: SMS.ackConfirmedPlain },
    { reply: '1 30', status: 'confirmed', counter: 'confirmed', ack: SMS.ackEta(30), etaMinutes: 30 },
    { reply: '2', status: 'declined', counter: 'declined', ack: SMS.ackDeclined },
    { reply: '不能 在外地', status: 'declined', counter: 'declined', ack: SMS.ackDeclined, reason: '在外地' },
    { reply: '3', status: 'arrived', counter: 'arrived', ack: SMS.ackArrived },
    { reply: '到达', status: 'arrived', counter: 'arrived', ack: SMS.ackArrived },
    { reply: '已到', status: 'arrived', counter: 'arrived', ack: SMS.ackArrived },
  ];

  it.each(statusForms.map((form, i) => ({ ...form, name: `f${i + 1}` })))(
    '"$reply" makes $name $status, moves one counter and earns one acknowledgement',
    async ({ name, reply, status, counter, ack, etaMinutes, reason }) => {
      const person = who(people, name);
      const before = await readBoard(officer, activationId);

      await send(api, person.phone, reply);
      const after = await readBoard(officer, activationId);
      await waitForInbox(api, person.phone, 'the acknowledgement', (m) => m.some(isAck));
      await quiet(api);
      const received = await inbox(api, person.phone);

      const member = onBoard(after, person.memberId);
      expect({ status: member.status, etaMinutes: member.etaMinutes, reason: member.reason }).toEqual({
        status,
        etaMinutes,
        reason,
      });
      expect(member.respondedAt).toEqual(expect.any(String));
      expect(moved(teamOf(before, grid).counts, teamOf(after, grid).counts)).toEqual({ [counter]: 1 });
      expect(moved(before.counts, after.counts)).toEqual({ [counter]: 1 });
      const acks = received.filter(isAck);
      expect(acks).toHaveLength(1);
      expect(acks[0]?.body).toContain(ack);
      expect(acks[0]?.body.startsWith('【平急】')).toBe(true);
    },
  );

  it.each([
    { reply: 'TD', name: 'f12' },
    { reply: 'STOP', name: 'f13' },
    { reply: '退订', name: 'f14' },
  ])(
    '"$reply" opts $name out: a confirmation, smsOptOut on the roster, released from the team',
    async ({ reply, name }) => {
      const person = who(people, name);
      const before = await readBoard(officer, activationId);

      await send(api, person.phone, reply);
      const after = await readBoard(officer, activationId);
      const entry = await rosterEntry(person);
      const received = await waitForInbox(api, person.phone, 'the opt-out confirmation', (m) =>
        m.some((s) => s.body.includes(SMS.optedOut)),
      );

      expect(entry.smsOptOut).toBe(true);
      expect(onBoard(after, person.memberId).status).toBe('released');
      expect(moved(teamOf(before, grid).counts, teamOf(after, grid).counts)).toMatchObject({
        drafted: -1,
        released: 1,
      });
      expect(teamOf(after, grid).counts).toEqual(recount(teamOf(after, grid).members ?? []));
      expect(containing(received, SMS.optedOut)).toHaveLength(1);
    },
  );

  it.each([
    { reply: 'START', name: 'f12' },
    { reply: '恢复', name: 'f13' },
  ])('"$reply" opts $name back in, with a confirmation', async ({ reply, name }) => {
    const person = who(people, name);

    await send(api, person.phone, reply);
    const entry = await rosterEntry(person);
    const received = await waitForInbox(api, person.phone, 'the opt-in confirmation', (m) =>
      m.some((s) => s.body.includes(SMS.optedIn)),
    );

    expect(entry.smsOptOut).toBe(false);
    expect(containing(received, SMS.optedIn)).toHaveLength(1);
  });

  it('at stand-down, someone who opted out hears nothing more: the confirmation was their last SMS', async () => {
    const stayed = who(people, 'f1');
    const optedOut = who(people, 'f14');

    await standDown(officer, activationId);
    await waitForInbox(api, stayed.phone, 'the stand-down', (m) => containing(m, SMS.standDown).length > 0);
    await quiet(api);
    const received = await inbox(api, optedOut.phone);

    expect(received.at(-1)?.body).toContain(SMS.optedOut);
    expect(containing(received, SMS.standDown)).toEqual([]);
    expect(containing(await inbox(api, stayed.phone), SMS.standDown)).toHaveLength(1);
  });
});

describe('every reply counts once, in the order it was sent', () => {
  const grid = 'od1';
  let people: Map<string, Person>;
  let activationId = '';

  beforeAll(async () => {
    people = await rosterCommunity(admin, phones, {
      streetId: STREET,
      communityId: 'order',
      grids: [{ gridId: grid, people: [{ name: 'O0' }, ...named('o', 6)] }],
    });
    activationId = (await switchOn(officer, 'order')).activationId;
    await waitUntilAlerted(officer, activationId);
  });

  it('a replayed inbound message id changes nothing and earns no second acknowledgement', async () => {
    const person = who(people, 'o1');
    const id = randomUUID();
    await send(api, person.phone, '1', id);
    await waitForInbox(api, person.phone, 'the acknowledgement', (m) => m.some(isAck));
    const before = await readBoard(officer, activationId);

    await send(api, person.phone, '1', id);
    await send(api, person.phone, '2', id);
    await quiet(api);
    const after = await readBoard(officer, activationId);
    const received = await inbox(api, person.phone);

    expect(onBoard(after, person.memberId).status).toBe('confirmed');
    expect(onBoard(after, person.memberId).respondedAt).toBe(onBoard(before, person.memberId).respondedAt);
    expect(teamOf(after, grid).counts).toEqual(teamOf(before, grid).counts);
    expect(received.filter(isAck)).toHaveLength(1);
  });

  it('a late "1" after "3" leaves the person arrived, unacknowledged', async () => {
    const person = who(people, 'o2');
    await send(api, person.phone, '3');
    await waitForInbox(api, person.phone, 'the arrival acknowledgement', (m) => m.some(isAck));
    const before = await readBoard(officer, activationId);

    await send(api, person.phone, '1');
    await quiet(api);
    const after = await readBoard(officer, activationId);
    const received = await inbox(api, person.phone);

    expect(onBoard(after, person.memberId).status).toBe('arrived');
    expect(teamOf(after, grid).counts).toEqual(teamOf(before, grid).counts);
    expect(received.filter(isAck).map((m) => m.body.includes(SMS.ackArrived))).toEqual([true]);
  });

  it('a reply delivered after a newer one (older SNS timestamp) changes nothing', async () => {
    const person = who(people, 'o3');
    const inbound = await api.stack.loadHandler('messaging/inbound-sms');
    await send(api, person.phone, '2 在开会');
    await waitForInbox(api, person.phone, 'the decline acknowledgement', (m) => m.some(isAck));
    const before = await readBoard(officer, activationId);

    const sentEarlier = new Date(Date.now() - 60_000);
    const id = randomUUID();
    await inbound(
      inboundSmsEvent({ from: person.phone, body: '1', inboundMessageId: id, at: sentEarlier }),
      lambdaContext('messaging-inbound-sms', id),
    );
    await quiet(api);
    const after = await readBoard(officer, activationId);
    const received = await inbox(api, person.phone);

    expect(onBoard(after, person.memberId)).toMatchObject({ status: 'declined', reason: '在开会' });
    expect(teamOf(after, grid).counts).toEqual(teamOf(before, grid).counts);
    expect(containing(received, SMS.ackConfirmed)).toEqual([]);
    expect(received.filter(isAck)).toHaveLength(1);
  });

  it('a phone on no roster gets no SMS and changes nothing', async () => {
    const stranger = phones.next();
    const before = await readBoard(officer, activationId);

    await send(api, stranger, '1');
    await send(api, stranger, '乱码');
    await quiet(api);
    const after = await readBoard(officer, activationId);

    expect(await inbox(api, stranger)).toEqual([]);
    expect(after.counts).toEqual(before.counts);
    expect(statuses(after)).toEqual(statuses(before));
  });

  it('noise (emoji, "12", an empty body) earns exactly one help reply and changes nothing', async () => {
    const person = who(people, 'o4');
    const before = await readBoard(officer, activationId);

    for (const noise of ['🙂', '12', '']) await send(api, person.phone, noise);
    await waitForInbox(api, person.phone, 'the help reply', (m) => m.some((s) => s.body.includes(SMS.help)));
    await quiet(api);
    const after = await readBoard(officer, activationId);
    const received = await inbox(api, person.phone);

    expect(containing(received, SMS.help)).toHaveLength(1);
    expect(received.filter(isAck)).toEqual([]);
    expect(onBoard(after, person.memberId).status).toBe('alerted');
    expect(teamOf(after, grid).counts).toEqual(teamOf(before, grid).counts);
  });

  it('a reply after the help reply is still read', async () => {
    const person = who(people, 'o4');

    await send(api, person.phone, '1 10');
    const after = await readBoard(officer, activationId);
    const received = await waitForInbox(api, person.phone, 'the acknowledgement', (m) => m.some(isAck));

    expect(onBoard(after, person.memberId)).toMatchObject({ status: 'confirmed', etaMinutes: 10 });
    expect(containing(received, SMS.ackEta(10))).toHaveLength(1);
  });
});

describe('help and "no active call-out" are rationed', () => {
  it('noise earns one help reply per activation, and again in the next activation', async () => {
    const people = await rosterCommunity(admin, phones, {
      streetId: STREET,
      communityId: 'noise',
      grids: [{ gridId: 'nz1', people: [{ name: 'N0' }, { name: 'n1' }] }],
    });
    const person = who(people, 'n1');
    const first = (await switchOn(officer, 'noise')).activationId;
    await waitUntilAlerted(officer, first);
    await send(api, person.phone, '?');
    await send(api, person.phone, '好的');
    await waitForInbox(api, person.phone, 'the first help', (m) => containing(m, SMS.help).length === 1);
    await standDown(officer, first);
    await waitForInbox(api, person.phone, 'the stand-down', (m) => containing(m, SMS.standDown).length === 1);
    const second = (await switchOn(officer, 'noise')).activationId;
    await waitUntilAlerted(officer, second);

    await send(api, person.phone, '?');
    await send(api, person.phone, '好的');
    await waitForInbox(api, person.phone, 'the second help', (m) => containing(m, SMS.help).length >= 2);
    await quiet(api);
    const received = await inbox(api, person.phone);

    expect(containing(received, SMS.help)).toHaveLength(2);
    expect(containing(received, SMS.alert)).toHaveLength(2);
  });

  it('a rostered phone with no open activation gets one short "no active call-out" reply a day', async () => {
    const people = await rosterCommunity(admin, phones, {
      streetId: STREET,
      communityId: 'quiet',
      grids: [{ gridId: 'qt1', people: [{ name: 'Q0' }, { name: 'q1' }] }],
    });
    const person = who(people, 'q1');

    await send(api, person.phone, '1');
    await waitForInbox(api, person.phone, 'the answer', (m) => m.length > 0);
    await send(api, person.phone, '3');
    await send(api, person.phone, '在吗');
    await quiet(api);
    const received = await inbox(api, person.phone);

    expect(received).toHaveLength(1);
    expect(received[0]?.body).toContain(SMS.noActiveCallout);
    expect(received[0]?.body.length).toBeLessThanOrEqual(70);
  });
});

describe('the board and check-ins by hand', () => {
  let people: Map<string, Person>;
  let activationId = '';
  const checkIn = (client: Client, name: string, status: string, id = activationId) =>
    client.post(`/activations/${id}/check-ins`, { memberId: who(people, name).memberId, status });

  beforeAll(async () => {
    people = await rosterCommunity(admin, phones, {
      streetId: STREET,
      communityId: 'board',
      grids: [
        { gridId: 'bd1', people: [{ name: 'B0' }, ...named('b', 4)] },
        { gridId: 'bd2', people: [{ name: 'C0' }, ...named('c', 3)] },
      ],
      // In no grid: a reserve, never drafted by formation.
      loose: [{ name: 'L1' }],
    });
    activationId = (await switchOn(officer, 'board')).activationId;
    await waitUntilAlerted(officer, activationId);
  });

  it('counts replies and manual check-ins per team and in total', async () => {
    for (const [name, reply] of [
      ['b1', '1'],
      ['b2', '2'],
      ['b3', '3'],
      ['c1', '1 15'],
      ['c2', '3'],
    ] as const)
      await send(api, who(people, name).phone, reply);

    const byCommander = await checkIn(commander, 'b4', 'confirmed');
    const byOfficer = await checkIn(officer, 'c3', 'arrived');
    const board = await readBoard(officer, activationId);

    expect(byCommander.status).toBe(200);
    expect(boardMemberView.strict().parse(byCommander.body)).toMatchObject({
      memberId: who(people, 'b4').memberId,
      name: 'b4',
      status: 'confirmed',
    });
    expect(byOfficer.status).toBe(200);
    expect(boardMemberView.strict().parse(byOfficer.body)).toMatchObject({
      memberId: who(people, 'c3').memberId,
      status: 'arrived',
    });
    const pick = (c: Counts) => ({
      drafted: c.drafted,
      confirmed: c.confirmed,
      declined: c.declined,
      arrived: c.arrived,
      noResponse: c.noResponse,
      released: c.released,
    });
    expect(pick(teamOf(board, 'bd1').counts)).toEqual({
      drafted: 5,
      confirmed: 2,
      declined: 1,
      arrived: 1,
      noResponse: 0,
      released: 0,
    });
    expect(pick(teamOf(board, 'bd2').counts)).toEqual({
      drafted: 4,
      confirmed: 1,
      declined: 0,
      arrived: 2,
      noResponse: 0,
      released: 0,
    });
    expect(pick(board.counts)).toEqual({
      drafted: 9,
      confirmed: 3,
      declined: 1,
      arrived: 3,
      noResponse: 0,
      released: 0,
    });
    for (const team of board.teams) expect(team.counts).toEqual(recount(team.members ?? []));
    expect(board.counts).toEqual(recount(placed(board)));
    expect(onBoard(board, who(people, 'c1').memberId).etaMinutes).toBe(15);
  });

  it('?view=counts gives the same counts, and no members', async () => {
    const full = await readBoard(officer, activationId);

    const counts = await readBoard(officer, activationId, 'counts');

    expect(counts.counts).toEqual(full.counts);
    expect(counts.teams.map((t) => [t.teamId, t.counts, t.shortfall])).toEqual(
      full.teams.map((t) => [t.teamId, t.counts, t.shortfall]),
    );
    expect(counts.teams.every((t) => t.members === undefined)).toBe(true);
    expect(full.teams.every((t) => (t.members ?? []).length > 0)).toBe(true);
  });

  it('refuses a planner (403), a member not on the activation (404) and arrived → confirmed (409)', async () => {
    const before = await readBoard(officer, activationId);

    const byPlanner = await checkIn(planner, 'b1', 'arrived');
    const notDrafted = await checkIn(commander, 'L1', 'confirmed');
    const unknownActivation = await checkIn(commander, 'b1', 'arrived', 'nosuchactivation');
    const backwards = await checkIn(commander, 'c3', 'confirmed');
    const after = await readBoard(officer, activationId);

    expect(refusal(byPlanner)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(refusal(notDrafted)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(refusal(unknownActivation)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(refusal(backwards)).toMatchObject({ status: 409, code: 'INVALID_TRANSITION', paths: ['status'] });
    expect(statuses(after)).toEqual(statuses(before));
    expect(after.counts).toEqual(before.counts);
  });

  it('refuses any check-in after stand-down (409)', async () => {
    await standDown(officer, activationId);

    const late = await checkIn(commander, 'b2', 'confirmed');
    const board = await readBoard(officer, activationId);

    expect(refusal(late)).toMatchObject({ status: 409, code: 'ACTIVATION_CLOSED' });
    expect(board.status).toBe('stoodDown');
    expect(onBoard(board, who(people, 'b2').memberId).status).toBe('declined');
  });
});
