import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { warningResult } from '../../shared/domain/proposal';
import { allRoutes, type RouteDef } from '../../shared/http/routes';
import { errorBody, importResultView } from '../../shared/http/schemas';
import { capWarning, referenceTo } from './support/cap';
import type { Api } from './support/http-client';
import { startTestApi, type TestApi } from './support/local-api';
import {
  buildCommunity,
  CSV_HEADER,
  createMember,
  errorOf,
  type MemberView,
  memberBody,
  PhoneBook,
  succeed,
} from './support/roster';
import { ensureOpen, peopleOn, waitForAlerts } from './support/security-activations';
import {
  arbitraryOf,
  bytesOf,
  contentType,
  type Hints,
  hugeString,
  inputSchemaOf,
  jsonWire,
  junk,
  mobile,
  mutated,
  pathId,
  type Wire,
} from './support/security-arbitraries';
import {
  diff,
  phoneIndexProblems,
  snapshotOf,
  TableReader,
  type TableSnapshot,
} from './support/security-table';

/*
 * Every write route, fuzzed from its own zod schema: bodies right and wrong, odd path ids, odd
 * content types, random CSV. Whatever comes in: never a 5xx; every 4xx in the contract's error
 * shape; a refused request leaves the table exactly as it was; and the phone index always pairs
 * up with the members.
 */

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ID = /^[a-z0-9]{1,64}$/;
const DAY = 86_400_000;
const SEED = 20_261_122;
/** Runs per route: enough to reach every kind of mutation, few enough for a 2-core CI box. */
const RUNS = 30;

let api: TestApi;
let admin: Api;
let reader: TableReader;
let current: TableSnapshot;
const tokens = new Map<string, string>();
const members: MemberView[] = [];
let activationId = '';
let drafted: string[] = [];
/** Drill schedules months ahead (at most a year is allowed), so the timer never fires them here. */
const schedules: string[] = [];
/** Open whistles of fz-b, one for resolve and one for cancel to reach. */
let whistleId = '';
let cancelWhistleId = '';
/** Proposals of an official warning to both fixture communities. */
const proposalIds: string[] = [];
/** Each of those proposals with its community, so that some requests reach one that exists. */
const proposals = {
  accept: [] as { communityId: string; proposalId: string }[],
  dismiss: [] as { communityId: string; proposalId: string }[],
  /** For the routes that name the proposal alone (`/proposals/{proposalId}/…`). */
  acceptById: [] as { communityId: string; proposalId: string }[],
  dismissById: [] as { communityId: string; proposalId: string }[],
};
/** The fixture communities' GB/T 2260 codes, under one street code. */
const AREA = {
  street: '620102099000',
  'fz-a': '620102099001',
  'fz-b': '620102099002',
  'fz-c': '620102098001',
} as const;
const phones = new PhoneBook(7_007);

beforeAll(async () => {
  api = await startTestApi({ seed: 'none', smsRate: 1_000 });
  admin = await api.as(['admin'], ['*'], 'fuzz-admin');
  await buildCommunity(admin, {
    streetId: 'fz-street',
    communityId: 'fz-a',
    grids: [{ gridId: 'g1', level: 'red' }, 'g2'],
  });
  await buildCommunity(admin, { streetId: 'fz-street', communityId: 'fz-b', grids: ['h1'] });
  await succeed(
    'unit',
    admin.put('/units/fz-unit', { name: '共建单位', pairedGrids: [{ communityId: 'fz-a', gridId: 'g1' }] }),
  );
  const people: [string, Record<string, unknown>][] = [
    ['fz-a', { name: '网格长', gridId: 'g1', roles: ['gridLeader'], partyMember: true }],
    ['fz-a', { name: '专职', gridId: 'g1', roles: ['fullTimeGridWorker'] }],
    ['fz-a', { name: '志愿者甲', gridId: 'g1' }],
    ['fz-a', { name: '志愿者乙', gridId: 'g2' }],
    ['fz-a', { name: '志愿者丙', gridId: 'g2', skills: ['driving'] }],
    ['fz-a', { name: '在职党员', roles: ['servingPartyMember'], partyMember: true, unitId: 'fz-unit' }],
    ['fz-b', { name: '西网格长', gridId: 'h1', roles: ['gridLeader'] }],
    ['fz-b', { name: '西志愿者', gridId: 'h1' }],
  ];
  for (const [communityId, extra] of people)
    members.push(await createMember(admin, communityId, memberBody(phones.next(), extra)));
  // A community of another street, in normal mode throughout, for the by-id acceptance alone.
  await buildCommunity(admin, { streetId: 'fz-other', communityId: 'fz-c', grids: ['k1'] });
  await createMember(
    admin,
    'fz-c',
    memberBody(phones.next(), { name: '丙网格长', gridId: 'k1', roles: ['gridLeader'] }),
  );
  activationId = (await ensureOpen(admin, 'fz-a', true)).activationId;
  drafted = peopleOn(await waitForAlerts(admin, activationId)).map((p) => p.memberId);
  for (const days of [200, 300]) {
    const at = new Date(Date.now() + days * DAY).toISOString();
    const reply = await succeed(
      'schedule',
      admin.post('/communities/fz-b/drill-schedules', { at, kind: 'flood', level: 'IV' }),
    );
    schedules.push(z.object({ scheduleId: z.string() }).parse(reply.body).scheduleId);
  }
  const blow = async () =>
    z.object({ whistleId: z.string() }).parse(
      (
        await succeed(
          'whistle',
          admin.post('/communities/fz-b/whistles', {
            gridId: 'h1',
            reason: '路灯坏了',
            category: 'electric',
          }),
        )
      ).body,
    ).whistleId;
  whistleId = await blow();
  cancelWhistleId = await blow();
  for (const communityId of ['fz-a', 'fz-b', 'fz-c'] as const)
    await succeed(
      'area code',
      admin.put(`/communities/${communityId}`, {
        name: `${communityId}社区`,
        streetId: communityId === 'fz-c' ? 'fz-other' : 'fz-street',
        areaCode: AREA[communityId],
      }),
    );
  // Five warnings: one the CAP fuzzing updates and cancels, and for each of the dismiss and
  // accept routes (by community, and by the proposal's id alone) one whose proposals it has to
  // itself (a dismissed proposal can no longer be accepted). The by-id acceptance's warning covers
  // fz-c alone, a community nothing else switches.
  const warnings = [
    ['fz-warning', AREA.street, undefined],
    ['fz-dismiss', AREA.street, proposals.dismiss],
    ['fz-accept', AREA.street, proposals.accept],
    ['fz-dismiss-id', AREA.street, proposals.dismissById],
    ['fz-accept-id', AREA['fz-c'], proposals.acceptById],
  ] as const;
  for (const [identifier, area, list] of warnings) {
    const warned = await succeed(
      'warning',
      admin.post('/cap/warnings', capWarning({ identifier, geocodes: [area] }), {
        'content-type': 'application/cap+xml',
      }),
    );
    if (!list) continue;
    const made = warningResult.parse(warned.body).proposals;
    proposalIds.push(...new Set(made.map((p) => p.proposalId)));
    list.push(...made.map(({ communityId, proposalId }) => ({ communityId, proposalId })));
  }
  // From here on only requests write: the consumer would change the table behind the test's back.
  await api.stack.consumer?.stop();
  for (const [role, communities] of [
    ['admin', ['*']],
    ['planner', ['fz-a']],
    ['dutyOfficer', ['fz-a']],
  ] as const)
    tokens.set(role, await api.stack.auth.mint({ sub: `fuzz-${role}`, groups: [role], communities }));
  reader = new TableReader(api.stack.endpoint, api.stack.tableName);
  current = await reader.snapshot();
});

afterAll(async () => {
  reader?.close();
  await api?.stop();
});

type Sent = { status: number; body: unknown; text: string };

/** One request on the wire, exactly as generated: raw bytes, chosen headers. */
async function send(
  method: string,
  path: string,
  wire: Wire,
  headers: Record<string, string>,
): Promise<Sent> {
  const response = await fetch(`${api.stack.url}${path}`, {
    method,
    headers: { ...headers, ...(wire.contentType === undefined ? {} : { 'content-type': wire.contentType }) },
    ...(wire.body === undefined ? {} : { body: wire.body }),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: response.status, body, text };
}

const knownIds = (): Record<string, readonly string[]> => ({
  streetId: ['fz-street'],
  communityId: ['fz-a', 'fz-b'],
  gridId: ['g1', 'g2', 'h1'],
  unitId: ['fz-unit'],
  memberId: members.map((m) => m.memberId),
  activationId: [activationId],
  scheduleId: schedules,
  whistleId: [whistleId],
  proposalId: proposalIds,
});

function hints(): Hints {
  const slugOr = (...known: string[]) =>
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...known) },
      { weight: 1, arbitrary: fc.stringMatching(SLUG) },
    );
  return {
    phone: fc.oneof(
      { weight: 4, arbitrary: mobile },
      { weight: 1, arbitrary: fc.constantFrom(...members.map((m) => m.phone)) },
      { weight: 1, arbitrary: fc.constantFrom('110', '+1 202 555 0143', '010-12345678', '138001380001') },
    ),
    streetId: slugOr('fz-street'),
    communityId: slugOr('fz-a', 'fz-b'),
    gridId: slugOr('g1', 'g2', 'h1'),
    // A whistle's numbers: mostly in range, some just outside it.
    people: fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 500 }) },
      { weight: 1, arbitrary: fc.constantFrom(0, -1, 501, 2.5) },
    ),
    respondWithinMinutes: fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 1440 }) },
      { weight: 1, arbitrary: fc.constantFrom(0, 1441) },
    ),
    activationId: fc.oneof(
      { weight: 3, arbitrary: fc.constant(activationId) },
      { weight: 1, arbitrary: fc.stringMatching(ID) },
    ),
    reason: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('电线冒烟', '需要人手搬运') },
      { weight: 1, arbitrary: fc.string({ maxLength: 210 }) },
    ),
    'neighbours[]': slugOr('g1', 'g2', 'h1'),
    unitId: slugOr('fz-unit'),
    memberId: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...drafted, ...members.map((m) => m.memberId)) },
      { weight: 1, arbitrary: fc.stringMatching(ID) },
    ),
    // A drill schedule's time: mostly months ahead (the timer must not fire during the run), some
    // past, some beyond the year a schedule may reach.
    at: fc.oneof(
      {
        weight: 4,
        arbitrary: fc
          .date({
            min: new Date(Date.now() + 30 * DAY),
            max: new Date(Date.now() + 360 * DAY),
            noInvalidDate: true,
          })
          .map((d) => d.toISOString()),
      },
      {
        weight: 1,
        arbitrary: fc
          .date({
            min: new Date('2000-01-01'),
            max: new Date(Date.now() + 5 * 365 * DAY),
            noInvalidDate: true,
          })
          .map((d) => d.toISOString()),
      },
    ),
  };
}

/** CSV text: the right header or not, rows of good and bad fields, any line ending. */
function csvText(): fc.Arbitrary<string> {
  const field = fc.oneof(
    fc.constantFrom(
      '',
      'volunteer',
      'gridLeader;volunteer',
      'true',
      'false',
      '是',
      'g1',
      'h1',
      'fz-unit',
      'firstAid;driving',
      '"quoted, with comma"',
      '"unterminated',
      '=HYPERLINK("x")',
      '\t',
      '王伟',
    ),
    mobile,
    fc.constantFrom(...members.map((m) => m.phone)),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
  );
  const goodRow = fc
    .record({
      name: fc.constantFrom('王伟', '李娜', '张强'),
      phone: mobile,
      roles: fc.constantFrom('volunteer', 'gridLeader;volunteer', 'servingPartyMember'),
      partyMember: fc.constantFrom('true', 'false', ''),
      gridId: fc.constantFrom('', 'g1', 'g2', 'h1'),
      unitId: fc.constantFrom('', 'fz-unit', 'nope'),
      skills: fc.constantFrom('', 'firstAid', 'driving;rescue', 'juggling'),
      available: fc.constantFrom('true', 'false', ''),
    })
    .map((r) => Object.values(r).join(','));
  const row = fc.oneof(
    goodRow,
    fc.array(field, { maxLength: 10 }).map((f) => f.join(',')),
  );
  const header = fc.oneof(
    { weight: 5, arbitrary: fc.constant(CSV_HEADER) },
    { weight: 1, arbitrary: fc.constant(`\ufeff${CSV_HEADER},extra`) },
    {
      weight: 1,
      arbitrary: fc.shuffledSubarray(CSV_HEADER.split(','), { minLength: 1 }).map((h) => h.join(',')),
    },
  );
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(header, fc.array(row, { maxLength: 8 }), fc.constantFrom('\n', '\r\n', '\r'))
        .map(([h, rows, eol]) => [h, ...rows].join(eol)),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 400 }) },
    { weight: 1, arbitrary: hugeString.map((s) => `${CSV_HEADER}\n${s}`) },
  );
}

function csvWire(): fc.Arbitrary<Wire> {
  return fc.oneof(
    { weight: 8, arbitrary: csvText().map((t) => ({ body: bytesOf(t), contentType: 'text/csv' })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(csvText(), contentType)
        .map(([t, type]) => ({ body: bytesOf(t), contentType: type })),
    },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ minLength: 1, maxLength: 300 })
        .map((bytes) => ({ body: bytesOf(bytes), contentType: 'text/csv' })),
    },
    { weight: 1, arbitrary: fc.constant({}) },
  );
}

/**
 * CAP documents: warnings right and wrong for the fixture's area (every message type and status,
 * codes covering one community, both or none), hostile ones (entities, DTDs), cut short, or noise.
 */
function capText(): fc.Arbitrary<string> {
  const good = fc
    .record({
      identifier: fc.oneof(fc.constant('fz-warning'), fc.stringMatching(/^[A-Za-z0-9_.-]{1,40}$/)),
      status: fc.constantFrom('Actual', 'Exercise', 'Test'),
      msgType: fc.constantFrom('Alert', 'Update', 'Cancel'),
      severity: fc.constantFrom('Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'),
      event: fc.constantFrom('暴雨', '地震', '森林火险', '寒潮', '大风'),
      geocodes: fc.subarray([AREA.street, AREA['fz-a'], AREA['fz-b'], '110101001001', '62']),
      expires: fc.option(fc.constantFrom('2020-01-01T00:00:00+08:00', '2099-01-01T00:00:00+08:00'), {
        nil: undefined,
      }),
    })
    .map((spec) =>
      capWarning({
        ...spec,
        ...(spec.msgType === 'Alert' ? {} : { references: referenceTo('fz-warning') }),
      }),
    );
  const hostile = fc.constantFrom(
    '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><alert>&x;</alert>',
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>',
    '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"><identifier>x</identifier></alert>',
    '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier></alert>',
  );
  return fc.oneof(
    { weight: 6, arbitrary: good },
    { weight: 2, arbitrary: hostile },
    { weight: 1, arbitrary: fc.tuple(good, fc.nat()).map(([t, n]) => t.slice(0, n % t.length)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 400 }) },
    { weight: 1, arbitrary: hugeString.map((s) => `<alert>${s}</alert>`) },
  );
}

function xmlWire(): fc.Arbitrary<Wire> {
  return fc.oneof(
    {
      weight: 8,
      arbitrary: capText().map((t) => ({ body: bytesOf(t), contentType: 'application/cap+xml' })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(capText(), contentType)
        .map(([t, type]) => ({ body: bytesOf(t), contentType: type })),
    },
    { weight: 1, arbitrary: fc.constant({}) },
  );
}

/** The body a route is sent: from its own schema, CSV or CAP text, or (for routes without one) mostly nothing. */
function wireFor(route: RouteDef): fc.Arbitrary<Wire> {
  if (route.bodyType === 'csv') return csvWire();
  if (route.bodyType === 'xml') return xmlWire();
  if (!route.body)
    return fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: jsonWire(junk) });
  const schema = inputSchemaOf(route.body);
  return jsonWire(mutated(arbitraryOf(schema, hints()), Object.keys(schema.properties ?? {})));
}

function pathFor(route: RouteDef): fc.Arbitrary<string> {
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');
  // Resolve and cancel each get a whistle of their own: one closed by the other answers 409.
  const known: Record<string, readonly string[]> = {
    ...knownIds(),
    ...(route.path.endsWith('/cancel') ? { whistleId: [cancelWhistleId] } : {}),
  };
  const fill = (ids: Record<string, string>) =>
    route.path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? '');
  const independent = fc
    .tuple(
      ...names.map((name) =>
        pathId(
          known[name] ?? [],
          name === 'proposalId'
            ? /^[a-f0-9]{32}$/
            : name === 'memberId' || name === 'activationId' || name === 'scheduleId' || name === 'whistleId'
              ? ID
              : SLUG,
        ),
      ),
    )
    .map((ids) => fill(Object.fromEntries(names.map((name, i) => [name, ids[i] ?? '']))));
  if (names.includes('proposalId')) {
    // A proposal's own community and id, so that some requests reach a proposal that exists.
    const byId = route.path.startsWith('/proposals/');
    const own = route.path.endsWith('/accept')
      ? byId
        ? proposals.acceptById
        : proposals.accept
      : byId
        ? proposals.dismissById
        : proposals.dismiss;
    const coherentProposal = fc.constantFrom(...own).map((p) => fill(p));
    return fc.oneof({ weight: 3, arbitrary: coherentProposal }, { weight: 2, arbitrary: independent });
  }
  if (!names.includes('memberId')) return independent;
  // A member's own community and id, so that some requests reach a member that exists.
  const coherent = fc
    .constantFrom(...members)
    .map((m) => fill({ communityId: m.communityId, memberId: m.memberId }));
  return fc.oneof({ weight: 3, arbitrary: coherent }, { weight: 2, arbitrary: independent });
}

const request = (route: RouteDef) =>
  fc.record({
    path: pathFor(route),
    wire: wireFor(route),
    caller: fc.constantFrom('admin', 'admin', 'admin', 'planner', 'dutyOfficer'),
    idempotencyKey: fc.option(fc.string({ unit: fc.constantFrom(...'abcXYZ019-_:.~! '), maxLength: 200 }), {
      nil: undefined,
    }),
  });

/** Import answers 200 with a line-by-line account: the table must hold exactly what it says. */
function expectImportAccounted(body: unknown, before: TableSnapshot, after: TableSnapshot): void {
  const result = importResultView.parse(body);
  const changes = diff(before, after);
  const kind = (key: string) =>
    key.startsWith('AUDIT#')
      ? 'audit'
      : key.startsWith('PHONE#')
        ? 'phone'
        : key.includes('|MEMBER#')
          ? 'member'
          : key;
  const count = (keys: string[], k: string) => keys.filter((key) => kind(key) === k).length;

  expect(changes.removed).toEqual([]);
  expect(changes.added.filter((key) => !['audit', 'phone', 'member'].includes(kind(key)))).toEqual([]);
  expect(count(changes.added, 'member')).toBe(result.created);
  expect(count(changes.added, 'phone')).toBe(result.created);
  expect(changes.changed.map(kind).every((k) => k === 'member')).toBe(true);
  expect(changes.changed.length).toBe(result.updated);
}

const writeRoutes = allRoutes
  .filter((route) => route.method !== 'GET')
  // Provider callbacks answer in the provider's own format; their suites fuzz-check them.
  .filter((route) => !route.path.startsWith('/sms/'))
  // Standing down closes the fixture's activation: fuzz the check-ins before it. Accepting a
  // proposal presses a key, which would leave the grid and whistle routes nothing to write: it
  // comes last, once the stand-down has put fz-a back in normal mode.
  .sort((a, b) => rank(a) - rank(b));
function rank(route: RouteDef): number {
  if (route.path.endsWith('/accept')) return 2;
  return route.path.endsWith('/stand-down') ? 1 : 0;
}

describe('fuzzing every write route', () => {
  it('finds the write routes to fuzz in allRoutes', () => {
    expect(writeRoutes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        'PUT /streets/{streetId}',
        'POST /communities/{communityId}/members',
        'POST /communities/{communityId}/members/import',
        'POST /communities/{communityId}/activations',
        'POST /activations/{activationId}/stand-down',
        'POST /activations/{activationId}/check-ins',
      ]),
    );
  });

  for (const [index, route] of writeRoutes.entries())
    it(`${route.method} ${route.path}: never a 5xx, errors in the contract shape, nothing half-written`, async () => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(request(route), async ({ path, wire, caller, idempotencyKey }) => {
          const before = current;
          const headers: Record<string, string> = { authorization: `Bearer ${tokens.get(caller) ?? ''}` };
          if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;

          const reply = await send(route.method, path, wire, headers);
          const items = await reader.items();
          const after = snapshotOf(items);
          current = after;

          statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
          expect(reply.status, reply.text.slice(0, 500)).toBeLessThan(500);
          if (reply.status >= 400) {
            const { error } = errorBody.parse(reply.body);
            expect(error.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
            expect(diff(before, after)).toEqual({ added: [], removed: [], changed: [] });
          } else {
            if (route.success.schema && reply.status !== 204) route.success.schema.parse(reply.body);
            if (route.bodyType === 'csv') expectImportAccounted(reply.body, before, after);
          }
          expect(phoneIndexProblems(items)).toEqual([]);
        }),
        { seed: SEED + index, numRuns: RUNS, endOnFailure: true },
      );
      // The generators reach past the validators: some requests are refused, and some get through.
      const codes = [...statuses.keys()];
      expect(codes.some((s) => s >= 400)).toBe(true);
      expect(codes.some((s) => s < 300)).toBe(true);
    });
});

describe('a refused member write leaves no phone behind', () => {
  it('a create refused for an unknown grid leaves its phone free for the next create', async () => {
    const phone = phones.next();

    const refused = await admin.post(
      '/communities/fz-a/members',
      memberBody(phone, { gridId: 'no-such-grid' }),
    );
    const retried = await admin.post('/communities/fz-a/members', memberBody(phone));

    expect(errorOf(refused)).toMatchObject({ status: 400, paths: ['gridId'] });
    expect(retried.status).toBe(201);
  });

  it('a patch refused after naming a new phone leaves that phone free and the old one kept', async () => {
    const member = await createMember(
      admin,
      'fz-a',
      memberBody(phones.next(), { roles: ['servingPartyMember'], partyMember: true }),
    );
    const moved = phones.next();

    const refused = await admin.patch(`/communities/fz-a/members/${member.memberId}`, {
      phone: moved,
      partyMember: false,
    });
    const takeOld = await admin.post('/communities/fz-b/members', memberBody(member.phone));
    const takeNew = await admin.post('/communities/fz-b/members', memberBody(moved));

    expect(errorOf(refused)).toMatchObject({ status: 400, paths: ['partyMember'] });
    expect(errorOf(takeOld)).toMatchObject({ status: 409, code: 'PHONE_TAKEN' });
    expect(takeNew.status).toBe(201);
    expect(phoneIndexProblems(await reader.items())).toEqual([]);
  });

  it('a create refused because the phone is taken changes neither member', async () => {
    const owner = await createMember(admin, 'fz-a', memberBody(phones.next()));
    const before = await reader.snapshot();

    const refused = await admin.post('/communities/fz-b/members', memberBody(owner.phone, { name: '冒名' }));

    expect(errorOf(refused)).toMatchObject({ status: 409, code: 'PHONE_TAKEN' });
    expect(diff(before, await reader.snapshot())).toEqual({ added: [], removed: [], changed: [] });
  });
});
