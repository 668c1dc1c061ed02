import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  activationView,
  auditPageView,
  memberPageView,
  memberView,
  streetActivationView,
} from '../../shared/http/schemas';
import type { Api } from './support/http-client';
import { type Reply, startTestApi, type TestApi } from './support/local-api';
import { bodyOf, CSV_HEADER, errorOf, memberBody, national, PhoneBook } from './support/roster';
import { peopleOn, waitForAlerts } from './support/security-activations';

/*
 * The audit trail (issue 5 §6): every switch, stand-down, drill, roster write and manual
 * check-in, recorded with who, when, what and from which request; read newest first, a page at
 * a time, by admins and the community's own officers.
 */

type Entry = z.output<typeof auditPageView>['items'][number];

/** One request this test made, and what its audit entry must say. */
type Made = {
  scope: string;
  action: string;
  target: { type: string; id: string };
  actor: string;
  groups: string[];
  requestId: string;
  userAgent: string;
  status: number;
  sentAt: string;
  doneAt: string;
};

const phones = new PhoneBook(4_242);
/** Every phone this test put on a roster: none may appear in the trail. */
const usedPhones: string[] = [];
/** Every audited request, in the order it was made. */
const made: Made[] = [];
let api: TestApi;
const callers = new Map<string, { client: Api; sub: string; groups: string[] }>();
let sequence = 0;

const LOOPBACK = /^(::ffff:)?127\.0\.0\.1$|^::1$/;

async function caller(name: string, groups: string[], communities: string[]) {
  const sub = `audit-${name}`;
  callers.set(name, { client: await api.as(groups, communities, sub), sub, groups });
}
const who = (name: string) => {
  const found = callers.get(name);
  if (!found) throw new Error(`no caller ${name}`);
  return found;
};

/** Sends one request with its own user agent; fails the step unless it succeeds. */
async function send(
  name: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ reply: Reply; requestId: string; userAgent: string; sentAt: string; doneAt: string }> {
  const userAgent = `pingji-audit-test/${++sequence} (${name})`;
  const sentAt = new Date().toISOString();
  const reply = await who(name).client.raw(path, {
    method,
    headers: { 'user-agent': userAgent, ...(body === undefined ? {} : { 'content-type': contentType }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const doneAt = new Date().toISOString();
  if (reply.status >= 300)
    throw new Error(`${method} ${path}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
  return { reply, requestId: reply.headers.get('x-request-id') ?? '', userAgent, sentAt, doneAt };
}

/** Sends an audited write and notes the entry it must leave in each scope. */
async function audited(
  name: string,
  request: { method: string; path: string; body?: unknown; contentType?: string },
  expected: { scopes: string[]; action: string; target: { type: string; id?: string } },
  targetIdFrom?: (reply: Reply) => string,
): Promise<Reply> {
  const { reply, requestId, userAgent, sentAt, doneAt } = await send(
    name,
    request.method,
    request.path,
    request.body,
    request.contentType,
  );
  const id = expected.target.id ?? targetIdFrom?.(reply) ?? '';
  for (const scope of expected.scopes)
    made.push({
      scope,
      action: expected.action,
      target: { type: expected.target.type, id },
      actor: who(name).sub,
      groups: who(name).groups,
      requestId,
      userAgent,
      status: reply.status,
      sentAt,
      doneAt,
    });
  return reply;
}

/** Every entry of a trail, following the cursor a page of `limit` at a time. */
async function walk(client: Api, path: string, limit: number) {
  const entries: Entry[] = [];
  const cursors: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) });
    const reply = await client.get(`${path}?${query}`);
    if (reply.status !== 200) throw new Error(`${path}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
    const page = auditPageView.strict().parse(reply.body);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    entries.push(...page.items);
    cursor = page.nextCursor;
    if (cursor !== undefined) {
      expect(cursors).not.toContain(cursor);
      cursors.push(cursor);
    }
    if (++pages > 1_000) throw new Error('the cursor does not advance');
  } while (cursor !== undefined);
  return { entries, pages };
}

const memberIdOf = (reply: Reply) => memberView.parse(reply.body).memberId;
const activationIdOf = (reply: Reply) => activationView.parse(reply.body).activationId;

let memberId = '';
let emergencyId = '';
let drillId = '';

beforeAll(async () => {
  api = await startTestApi({ seed: 'none', smsRate: 1_000 });
  await caller('admin', ['admin'], ['*']);
  for (const group of ['planner', 'dutyOfficer', 'commander']) {
    await caller(group, [group], ['au-a']);
    await caller(`${group}-b`, [group], ['au-b']);
  }

  // Structure, as an admin and as the community's planner.
  await audited(
    'admin',
    { method: 'PUT', path: '/streets/au-street', body: { name: '审计街道' } },
    { scopes: ['street:au-street'], action: 'street.put', target: { type: 'street', id: 'au-street' } },
  );
  for (const communityId of ['au-a', 'au-b'])
    await audited(
      'admin',
      {
        method: 'PUT',
        path: `/communities/${communityId}`,
        body: { name: '审计社区', streetId: 'au-street' },
      },
      { scopes: [communityId], action: 'community.put', target: { type: 'community', id: communityId } },
    );
  await audited(
    'planner',
    {
      method: 'PUT',
      path: '/communities/au-a/grids/g1',
      body: { name: '一网格', level: 'red', musterPoint: '广场' },
    },
    { scopes: ['au-a'], action: 'grid.put', target: { type: 'grid', id: 'g1' } },
  );
  await audited(
    'admin',
    {
      method: 'PUT',
      path: '/communities/au-b/grids/h1',
      body: { name: '西网格', level: 'green', musterPoint: '西广场' },
    },
    { scopes: ['au-b'], action: 'grid.put', target: { type: 'grid', id: 'h1' } },
  );
  await audited(
    'planner',
    {
      method: 'PUT',
      path: '/units/au-unit',
      body: { name: '共建单位', pairedGrids: [{ communityId: 'au-a', gridId: 'g1' }] },
    },
    { scopes: ['au-a'], action: 'unit.put', target: { type: 'unit', id: 'au-unit' } },
  );
  // Moving the unit to the other community is recorded in both: the one it left and the one it joined.
  await audited(
    'admin',
    {
      method: 'PUT',
      path: '/units/au-unit',
      body: { name: '共建单位', pairedGrids: [{ communityId: 'au-b', gridId: 'h1' }] },
    },
    { scopes: ['au-a', 'au-b'], action: 'unit.put', target: { type: 'unit', id: 'au-unit' } },
  );

  // The roster: create, update (moving the phone), delete, import.
  for (const [communityId, gridId, names] of [
    ['au-a', 'g1', ['网格长', '甲', '乙', '丙']],
    ['au-b', 'h1', ['西网格长']],
  ] as const) {
    for (const [i, name] of names.entries()) {
      const phone = phones.next();
      usedPhones.push(phone);
      const reply = await audited(
        communityId === 'au-a' ? 'planner' : 'admin',
        {
          method: 'POST',
          path: `/communities/${communityId}/members`,
          body: memberBody(phone, { name, gridId, roles: [i === 0 ? 'gridLeader' : 'volunteer'] }),
        },
        { scopes: [communityId], action: 'member.create', target: { type: 'member' } },
        memberIdOf,
      );
      if (communityId === 'au-a' && i === 1) memberId = memberIdOf(reply);
    }
  }
  const moved = phones.next();
  usedPhones.push(moved);
  await audited(
    'planner',
    { method: 'PATCH', path: `/communities/au-a/members/${memberId}`, body: { phone: moved, name: '甲改' } },
    { scopes: ['au-a'], action: 'member.update', target: { type: 'member', id: memberId } },
  );
  const doomedPhone = phones.next();
  usedPhones.push(doomedPhone);
  const doomed = await audited(
    'planner',
    { method: 'POST', path: '/communities/au-a/members', body: memberBody(doomedPhone, { name: '将删' }) },
    { scopes: ['au-a'], action: 'member.create', target: { type: 'member' } },
    memberIdOf,
  );
  await audited(
    'planner',
    { method: 'DELETE', path: `/communities/au-a/members/${memberIdOf(doomed)}` },
    { scopes: ['au-a'], action: 'member.delete', target: { type: 'member', id: memberIdOf(doomed) } },
  );
  const imported = [phones.next(), phones.next()];
  usedPhones.push(...imported);
  await audited(
    'planner',
    {
      method: 'POST',
      path: '/communities/au-a/members/import',
      body: [
        CSV_HEADER,
        ...imported.map((p, i) => `导入${i},${p},volunteer,false,g1,,,true`),
        '坏行,12,volunteer',
      ].join('\n'),
      contentType: 'text/csv',
    },
    { scopes: ['au-a'], action: 'member.import', target: { type: 'community', id: 'au-a' } },
  );

  // The switch: an emergency by the duty officer, a check-in by the commander, stand-down; then a
  // drill by the planner, and one key for the whole street by an admin.
  const emergency = await audited(
    'dutyOfficer',
    { method: 'POST', path: '/communities/au-a/activations', body: { kind: 'flood', level: 'IV' } },
    { scopes: ['au-a'], action: 'activation.start', target: { type: 'activation' } },
    activationIdOf,
  );
  emergencyId = activationIdOf(emergency);
  const board = await waitForAlerts(who('admin').client, emergencyId);
  const person = peopleOn(board).find((p) => p.status === 'alerted');
  if (!person) throw new Error('nobody alerted');
  await audited(
    'commander',
    {
      method: 'POST',
      path: `/activations/${emergencyId}/check-ins`,
      body: { memberId: person.memberId, status: 'arrived' },
    },
    { scopes: ['au-a'], action: 'checkin.manual', target: { type: 'activation', id: emergencyId } },
  );
  await audited(
    'dutyOfficer',
    { method: 'POST', path: `/activations/${emergencyId}/stand-down` },
    { scopes: ['au-a'], action: 'activation.standDown', target: { type: 'activation', id: emergencyId } },
  );
  const drill = await audited(
    'planner',
    {
      method: 'POST',
      path: '/communities/au-a/activations',
      body: { kind: 'fire', level: 'IV', drill: true },
    },
    { scopes: ['au-a'], action: 'activation.start', target: { type: 'activation' } },
    activationIdOf,
  );
  drillId = activationIdOf(drill);
  await audited(
    'planner',
    { method: 'POST', path: `/activations/${drillId}/stand-down` },
    { scopes: ['au-a'], action: 'activation.standDown', target: { type: 'activation', id: drillId } },
  );
  const street = await audited(
    'admin',
    {
      method: 'POST',
      path: '/streets/au-street/activations',
      body: { kind: 'snowstorm', level: 'IV', drill: true },
    },
    {
      scopes: ['au-a', 'au-b'],
      action: 'activation.startStreet',
      target: { type: 'street', id: 'au-street' },
    },
  );
  for (const started of streetActivationView.parse(street.body).activations)
    await audited(
      'admin',
      { method: 'POST', path: `/activations/${started.activationId}/stand-down` },
      {
        scopes: [started.communityId],
        action: 'activation.standDown',
        target: { type: 'activation', id: started.activationId },
      },
    );
});

afterAll(async () => {
  await api?.stop();
});

const expectedIn = (scope: string) => made.filter((m) => m.scope === scope);

describe('what the trail records', () => {
  it('holds every audited write of the community, newest first, and nothing else', async () => {
    const { entries } = await walk(who('admin').client, '/communities/au-a/audit', 200);

    expect(entries.map((e) => `${e.action} ${e.requestId}`)).toEqual(
      expectedIn('au-a')
        .map((m) => `${m.action} ${m.requestId}`)
        .reverse(),
    );
    expect([...entries.map((e) => e.at)].sort().reverse()).toEqual(entries.map((e) => e.at));
  });

  it('says who, when, what and from which request, for each entry', async () => {
    const { entries } = await walk(who('admin').client, '/communities/au-a/audit', 200);
    const byRequest = new Map(entries.map((e) => [e.requestId, e]));

    for (const m of expectedIn('au-a')) {
      const entry = byRequest.get(m.requestId);
      if (!entry) throw new Error(`no entry for ${m.action} ${m.requestId}`);
      expect(entry).toMatchObject({
        scope: 'au-a',
        action: m.action,
        target: m.target,
        actor: m.actor,
        groups: m.groups,
        requestId: m.requestId,
        userAgent: m.userAgent,
        status: m.status,
      });
      expect(entry.sourceIp).toMatch(LOOPBACK);
      expect([m.sentAt, entry.at, m.doneAt].sort()).toEqual([m.sentAt, entry.at, m.doneAt]);
      expect(m.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('records what each write was about, and no phone number in any form', async () => {
    const { entries } = await walk(who('admin').client, '/communities/au-a/audit', 200);
    const details = (action: string) => entries.filter((e) => e.action === action).map((e) => e.details);
    const text = JSON.stringify(entries);

    expect(details('member.update')).toEqual([{ fields: expect.arrayContaining(['phone', 'name']) }]);
    expect(details('member.update')[0]?.fields).toHaveLength(2);
    expect(details('member.import')).toEqual([{ created: 2, updated: 0, unchanged: 0, rejected: 1 }]);
    expect(details('activation.start')).toEqual([
      { kind: 'fire', level: 'IV', drill: true, drafted: expect.any(Number) },
      { kind: 'flood', level: 'IV', drill: false, drafted: expect.any(Number) },
    ]);
    expect(details('checkin.manual')).toEqual([{ memberId: expect.any(String), status: 'arrived' }]);
    expect(usedPhones.length).toBeGreaterThan(5);
    for (const phone of usedPhones) {
      expect(text).not.toContain(phone);
      expect(text).not.toContain(national(phone));
    }
  });

  it("records a street's own writes on the street's trail, readable by admins", async () => {
    const { entries } = await walk(who('admin').client, '/streets/au-street/audit', 200);

    expect(entries).toEqual([
      expect.objectContaining({
        scope: 'street:au-street',
        action: 'street.put',
        target: { type: 'street', id: 'au-street' },
        actor: 'audit-admin',
        requestId: expectedIn('street:au-street')[0]?.requestId,
      }),
    ]);
  });

  it("records a one-key street switch on each switched community's trail", async () => {
    const { entries } = await walk(who('admin').client, '/communities/au-b/audit', 200);

    expect(entries.map((e) => `${e.action} ${e.requestId}`)).toEqual(
      expectedIn('au-b')
        .map((m) => `${m.action} ${m.requestId}`)
        .reverse(),
    );
  });

  it('records nothing for a refused write or a read', async () => {
    const before = (await walk(who('admin').client, '/communities/au-a/audit', 200)).entries.length;

    const forbidden = await who('dutyOfficer').client.put('/communities/au-a/grids/g1', {
      name: '越权',
      level: 'red',
      musterPoint: '广场',
    });
    const invalid = await who('planner').client.post('/communities/au-a/members', { name: '' });
    const read = await who('planner').client.get('/communities/au-a/members');
    const after = (await walk(who('admin').client, '/communities/au-a/audit', 200)).entries.length;

    expect(errorOf(forbidden).status).toBe(403);
    expect(errorOf(invalid).status).toBe(400);
    expect(bodyOf(memberPageView, read).items.length).toBeGreaterThan(0);
    expect(after).toBe(before);
  });
});

describe('reading the trail', () => {
  it('walks every entry exactly once, page by page, with the cursor', async () => {
    const all = (await walk(who('admin').client, '/communities/au-a/audit', 200)).entries;

    const { entries, pages } = await walk(who('admin').client, '/communities/au-a/audit', 3);

    expect(pages).toBeGreaterThanOrEqual(Math.ceil(all.length / 3));
    expect(entries.map((e) => e.auditId)).toEqual(all.map((e) => e.auditId));
    expect(new Set(entries.map((e) => e.auditId)).size).toBe(entries.length);
  });

  it.each(['admin', 'planner', 'dutyOfficer', 'commander'])(
    "lets the community's own %s (or an admin) read it",
    async (name) => {
      const reply = await who(name).client.get('/communities/au-a/audit?limit=5');

      expect(auditPageView.parse(reply.body).items).toHaveLength(5);
    },
  );

  it.each(['planner-b', 'dutyOfficer-b', 'commander-b'])(
    "refuses another community's %s with 403",
    async (name) => {
      const reply = await who(name).client.get('/communities/au-a/audit');

      expect(errorOf(reply)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    },
  );

  it.each(['planner', 'dutyOfficer', 'commander'])(
    "refuses a community's %s the street's trail",
    async (name) => {
      const reply = await who(name).client.get('/streets/au-street/audit');

      expect(errorOf(reply)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    },
  );

  it.each([
    ['not base64 JSON at all', async () => 'not-a-cursor'],
    ['a cursor of another community’s trail', async () => cursorOf('/communities/au-b/audit')],
    ['a cursor of the member list', async () => cursorOf('/communities/au-a/members')],
    [
      'a cursor pointing into another partition',
      async () => Buffer.from(JSON.stringify({ pk: 'AUDIT#au-b', sk: '9999' })).toString('base64url'),
    ],
    [
      'a cursor with extra keys',
      async () => Buffer.from(JSON.stringify({ pk: 'AUDIT#au-a', sk: 'z', x: 'y' })).toString('base64url'),
    ],
  ])('answers %s with 400 at path cursor', async (_what, cursor) => {
    const reply = await who('admin').client.get(
      `/communities/au-a/audit?${new URLSearchParams({ limit: '2', cursor: await cursor() })}`,
    );

    expect(errorOf(reply)).toMatchObject({ status: 400, paths: ['cursor'] });
  });
});

/** The `nextCursor` of a list's first page of one item. */
async function cursorOf(path: string): Promise<string> {
  const reply = await who('admin').client.get(`${path}?limit=1`);
  const body = reply.body;
  const cursor =
    typeof body === 'object' && body !== null && 'nextCursor' in body && typeof body.nextCursor === 'string'
      ? body.nextCursor
      : undefined;
  if (!cursor) throw new Error(`${path} gave no cursor: ${JSON.stringify(body)}`);
  return cursor;
}
