import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { warningResult } from '../../shared/domain/proposal';
import { drillScheduleView, participationView, rankingsView } from '../../shared/http/planning-schemas';
import { allRoutes, type RouteDef } from '../../shared/http/routes';
import { proposalView } from '../../shared/http/routes-cap';
import {
  activationListView,
  auditPageView,
  boardMemberView,
  communityDetailView,
  communityView,
  historyPageView,
  importResultView,
  memberPageView,
  memberView,
  modeView,
  reportView,
  standDownView,
  streetActivationView,
  streetView,
  unitView,
} from '../../shared/http/schemas';
import { whistleSummaryView, whistleView } from '../../shared/http/whistle-schemas';
import { capWarning } from './support/cap';
import type { Api } from './support/http-client';
import { type Reply, startTestApi, type TestApi } from './support/local-api';
import {
  bodyOf,
  CSV_HEADER,
  createMember,
  errorOf,
  importCsv,
  type MemberView,
  memberBody,
  PhoneBook,
  succeed,
  walkMembers,
} from './support/roster';
import {
  boardOf,
  ensureNormal,
  ensureOpen,
  modeOf,
  peopleOn,
  waitForAlerts,
} from './support/security-activations';

/*
 * Every route × every role × inside and outside the caller's communities, against the local
 * stack with the demo street. The expected outcomes are the contract's, written out below as
 * data; they are deliberately not computed from shared/domain/access.ts.
 */

const ROLES = ['admin', 'planner', 'dutyOfficer', 'commander', 'warningFeed'] as const;
type Role = (typeof ROLES)[number];
type Caller = Role | 'anonymous';
/** `own`: in the caller's own communities only. */
type Grant = 'yes' | 'own' | 'no';
type Row = Readonly<Record<Role, Grant>>;

/** The table in API.md, "Who may do what", line by line. */
const CONTRACT = {
  structureWrite: { admin: 'yes', planner: 'own', dutyOfficer: 'no', commander: 'no', warningFeed: 'no' },
  membersWrite: { admin: 'yes', planner: 'own', dutyOfficer: 'no', commander: 'no', warningFeed: 'no' },
  rosterRead: { admin: 'yes', planner: 'own', dutyOfficer: 'own', commander: 'own', warningFeed: 'no' },
  emergency: { admin: 'yes', planner: 'no', dutyOfficer: 'own', commander: 'own', warningFeed: 'no' },
  drill: { admin: 'yes', planner: 'own', dutyOfficer: 'own', commander: 'own', warningFeed: 'no' },
  boardRead: { admin: 'yes', planner: 'own', dutyOfficer: 'own', commander: 'own', warningFeed: 'no' },
  manualCheckIn: { admin: 'yes', planner: 'no', dutyOfficer: 'own', commander: 'own', warningFeed: 'no' },
  /** The Whistle section: admin; the community's duty officers and commanders. */
  whistle: { admin: 'yes', planner: 'no', dutyOfficer: 'own', commander: 'own', warningFeed: 'no' },
} as const satisfies Record<string, Row>;

/** What the contract says around the table. */
const AROUND = {
  /** `GET /health` is the one route without a token. */
  open: { admin: 'yes', planner: 'yes', dutyOfficer: 'yes', commander: 'yes', warningFeed: 'yes' },
  /** Any verified caller: the API's own description. */
  signedIn: { admin: 'yes', planner: 'yes', dutyOfficer: 'yes', commander: 'yes', warningFeed: 'yes' },
  /**
   * A street is not one of a planner's communities, so "own communities" never covers it: only
   * admins write streets (a street holds communities the planner does not act for).
   */
  streetWrite: { admin: 'yes', planner: 'no', dutyOfficer: 'no', commander: 'no', warningFeed: 'no' },
  /** Issue 5 §6: the audit trail is for admins and the community's own officers. */
  auditRead: { admin: 'yes', planner: 'own', dutyOfficer: 'own', commander: 'own', warningFeed: 'no' },
  /** A street's trail is for admins only. */
  /**
   * Official warnings come from admins and from machine clients of the `warningFeed` group, and
   * propose only to the communities the client acts for.
   */
  warningReceive: { admin: 'yes', planner: 'no', dutyOfficer: 'no', commander: 'no', warningFeed: 'own' },
  streetAuditRead: { admin: 'yes', planner: 'no', dutyOfficer: 'no', commander: 'no', warningFeed: 'no' },
  /** A street's open whistles: anyone who reads some community's boards, seeing their own. */
  streetWhistles: { admin: 'yes', planner: 'yes', dutyOfficer: 'yes', commander: 'yes', warningFeed: 'no' },
} as const satisfies Record<string, Row>;

type Scope = 'inside' | 'outside' | 'unscoped';
/** What a request did, and how to check the world for it afterwards. */
type Attempt = { reply: Reply; verify: (granted: boolean) => Promise<void> };
type RouteCase = {
  variant?: string;
  row: Row;
  /** False when the route names no community: inside and outside are the same request. */
  scoped: boolean;
  /** The status an allowed caller gets, when it is not a 2xx. */
  answers?: number;
  attempt: (client: Api, scope: Scope, caller: Caller) => Promise<Attempt>;
};

const INSIDE = 'dongguan';
const OUTSIDE = 'xijie';
const communityOf = (scope: Scope) => (scope === 'outside' ? OUTSIDE : INSIDE);
/** A street holding the caller's community, and one holding only another community. */
const streetOf = (scope: Scope) => (scope === 'outside' ? 'beiguan' : 'chengguan');
const gridOf = (scope: Scope) => (scope === 'outside' ? 'xj01' : 'dg01');
/** Units paired with grids of one community only. */
const unitOf = (scope: Scope) => (scope === 'outside' ? 'rural-bank' : 'emergency-bureau');

let api: TestApi;
let admin: Api;
const clients = new Map<Caller, Api>();
const targets = new Map<string, MemberView>();
const phones = new PhoneBook(5_151);
const checkedIn = new Set<string>();
let counter = 0;
const fresh = (prefix: string) => `${prefix}${++counter}`;

beforeAll(async () => {
  api = await startTestApi({ seed: 'demo', smsRate: 1_000 });
  admin = await api.as(['admin'], ['*'], 'matrix-admin');
  clients.set('admin', admin);
  for (const role of ROLES.filter((r) => r !== 'admin'))
    clients.set(role, await api.as([role], [INSIDE], `matrix-${role}`));
  clients.set('anonymous', api.anonymous);
  await succeed('street beiguan', admin.put('/streets/beiguan', { name: '北关街道' }));
  await succeed(
    'community beimen',
    admin.put('/communities/beimen', { name: '北门社区', streetId: 'beiguan' }),
  );
  for (const communityId of [INSIDE, OUTSIDE])
    targets.set(
      communityId,
      await createMember(admin, communityId, memberBody(phones.next(), { name: '矩阵' })),
    );
});

afterAll(async () => {
  if (!api) return;
  try {
    for (const communityId of [INSIDE, OUTSIDE, 'beimen']) await ensureNormal(admin, communityId);
  } finally {
    await api.stop();
  }
});

const clientOf = (caller: Caller): Api => {
  const client = clients.get(caller);
  if (!client) throw new Error(`no client for ${caller}`);
  return client;
};
const targetOf = (communityId: string): MemberView => {
  const member = targets.get(communityId);
  if (!member) throw new Error(`no target member in ${communityId}`);
  return member;
};

const onRoster = async (communityId: string, phone: string) =>
  (await walkMembers(admin, communityId)).items.some((m) => m.phone === phone);

/** A read: when granted, the body is what the contract says. */
const read =
  <S extends z.ZodType>(path: (scope: Scope) => string, schema: S, also?: (body: z.output<S>) => void) =>
  async (client: Api, scope: Scope): Promise<Attempt> => {
    const reply = await client.get(path(scope));
    return {
      reply,
      verify: async (granted) => {
        if (!granted) return;
        const body = schema.parse(reply.body);
        also?.(body);
      },
    };
  };

const items = <S extends z.ZodType>(item: S) => z.object({ items: z.array(item) });

async function streetName(streetId: string): Promise<string | undefined> {
  const reply = await succeed('streets', admin.get('/streets'));
  return bodyOf(items(streetView), reply).items.find((s) => s.streetId === streetId)?.name;
}
async function community(communityId: string) {
  return bodyOf(communityDetailView, await succeed('community', admin.get(`/communities/${communityId}`)));
}
async function unit(unitId: string) {
  const found = bodyOf(items(unitView), await succeed('units', admin.get('/units'))).items.find(
    (u) => u.unitId === unitId,
  );
  if (!found) throw new Error(`no unit ${unitId}`);
  return found;
}
async function activationCount(communityId: string): Promise<number> {
  const reply = await succeed('activations', admin.get(`/communities/${communityId}/activations?limit=100`));
  return bodyOf(activationListView, reply).items.length;
}

/** The community's mode and how many activations it has had: what a refused switch must leave alone. */
async function switchState(communityId: string) {
  return { mode: await modeOf(admin, communityId), activations: await activationCount(communityId) };
}

/**
 * Pressing the key of a community that is already switched: an allowed caller gets past the
 * permission check to the 409 that names the open activation; a refused one gets 403. Either
 * way the community stays as it was. (Permission is checked first: a caller the contract refuses
 * who got a 409 here would fail the test.)
 */
const activateCase = (row: Row, drill: boolean): RouteCase => ({
  variant: drill ? 'drill' : 'emergency',
  row,
  scoped: true,
  answers: 409,
  async attempt(client, scope) {
    const communityId = communityOf(scope);
    const open = await ensureOpen(admin, communityId);
    const before = await switchState(communityId);
    const reply = await client.post(`/communities/${communityId}/activations`, {
      kind: 'flood',
      level: 'IV',
      drill,
    });
    return {
      reply,
      async verify(granted) {
        if (granted) {
          const error = errorOf(reply);
          expect(error.code).toBe('ALREADY_SWITCHED');
          expect(error.details).toContainEqual(expect.objectContaining({ activationId: open.activationId }));
        }
        expect(await switchState(communityId)).toEqual(before);
      },
    };
  },
});

/** True when the row lets the caller act in the community. */
const mayAct = (row: Row, caller: Caller, communityId: string) =>
  caller !== 'anonymous' && (row[caller] === 'yes' || (row[caller] === 'own' && communityId === INSIDE));

/**
 * One key for a whole street whose communities are all switched already: an allowed caller gets
 * 201 with each community reported, as already switched where they may switch it and as
 * forbidden where they may not; a caller who may switch none of them gets 403.
 */
const streetSwitchCase = (row: Row, drill: boolean): RouteCase => ({
  variant: drill ? 'drill' : 'emergency',
  row,
  scoped: true,
  async attempt(client, scope, caller) {
    const streetId = streetOf(scope);
    const communityIds = scope === 'outside' ? ['beimen'] : [INSIDE, OUTSIDE];
    const open = new Map<string, string>();
    const before = new Map<string, Awaited<ReturnType<typeof switchState>>>();
    for (const communityId of communityIds) {
      open.set(communityId, (await ensureOpen(admin, communityId)).activationId);
      before.set(communityId, await switchState(communityId));
    }
    const reply = await client.post(`/streets/${streetId}/activations`, {
      kind: 'flood',
      level: 'IV',
      drill,
    });
    return {
      reply,
      async verify(granted) {
        if (granted) {
          const answer = streetActivationView.parse(reply.body);
          expect(answer.activations).toEqual([]);
          expect([...answer.skipped].sort((a, b) => a.communityId.localeCompare(b.communityId))).toEqual(
            communityIds.map((communityId) =>
              mayAct(row, caller, communityId)
                ? { communityId, code: 'ALREADY_SWITCHED', activationId: open.get(communityId) }
                : { communityId, code: 'FORBIDDEN' },
            ),
          );
        }
        for (const communityId of communityIds)
          expect(await switchState(communityId), communityId).toEqual(before.get(communityId));
      },
    };
  },
});

/**
 * Standing down an open activation of the kind: an allowed caller closes it and the community is
 * back to normal; a refused one leaves it open. The next case opens a fresh one if it needs to.
 */
const standDownCase = (row: Row, drill: boolean): RouteCase => ({
  variant: drill ? 'drill' : 'emergency',
  row,
  scoped: true,
  async attempt(client, scope) {
    const communityId = communityOf(scope);
    const open = await ensureOpen(admin, communityId, drill);
    const reply = await client.post(`/activations/${open.activationId}/stand-down`);
    return {
      reply,
      async verify(granted) {
        const board = await boardOf(admin, open.activationId);
        if (granted) {
          expect(standDownView.parse(reply.body).activationId).toBe(open.activationId);
          expect(board.status).toBe('stoodDown');
          expect(await modeOf(admin, communityId)).toEqual({ mode: 'normal' });
        } else {
          expect(board.status).toBe('active');
          expect(await modeOf(admin, communityId)).toEqual({
            mode: drill ? 'drill' : 'emergency',
            activationId: open.activationId,
          });
        }
      },
    };
  },
});

/** A drill schedule months ahead (schedules reach at most a year), never fired during the run. */
const FUTURE = new Date(Date.now() + 300 * 86_400_000).toISOString();
const scheduleList = z.object({ items: z.array(drillScheduleView) });
async function schedulesOf(communityId: string) {
  const reply = await succeed('schedules', admin.get(`/communities/${communityId}/drill-schedules`));
  return bodyOf(scheduleList, reply).items;
}

/** A fresh whistle, blown by the admin for one person, in the scope's community. */
async function blowWhistle(scope: Scope) {
  const reply = await succeed(
    'whistle',
    admin.post(`/communities/${communityOf(scope)}/whistles`, {
      gridId: gridOf(scope),
      reason: fresh('矩阵吹哨'),
      category: 'other',
      people: 1,
    }),
  );
  return bodyOf(whistleView, reply);
}
async function whistleNow(whistleId: string) {
  return bodyOf(whistleView, await succeed('whistle', admin.get(`/whistles/${whistleId}`)));
}
const whistleList = z.object({ items: z.array(whistleSummaryView) });

/** Closing a fresh whistle: an allowed caller closes it, a refused one leaves it open. */
const closeWhistleCase = (action: 'resolve' | 'cancel'): RouteCase => ({
  row: CONTRACT.whistle,
  scoped: true,
  async attempt(client, scope) {
    const { whistleId } = await blowWhistle(scope);
    const reply = await client.post(`/whistles/${whistleId}/${action}`, { note: fresh('处理') });
    return {
      reply,
      async verify(granted) {
        const now = await whistleNow(whistleId);
        expect(now.status).toBe(granted ? (action === 'resolve' ? 'resolved' : 'cancelled') : 'open');
        if (!granted) await succeed('cancel', admin.post(`/whistles/${whistleId}/cancel`, {}));
      },
    };
  },
});

/** The GB/T 2260 code of each demo community (the demo street's code is 620102001). */
const areaCodeOf = (scope: Scope) => (scope === 'outside' ? '620102001002' : '620102001001');
const proposalList = z.array(proposalView);
async function openProposalsOf(communityId: string) {
  return bodyOf(proposalList, await succeed('proposals', admin.get(`/communities/${communityId}/proposals`)));
}
/** An official warning, posted by an admin, proposing to the scope's community; its proposal id. */
async function proposalFor(scope: Scope, drill: boolean): Promise<string> {
  const xml = capWarning({
    identifier: fresh('matrix-warning-'),
    status: drill ? 'Exercise' : 'Actual',
    geocodes: [areaCodeOf(scope)],
  });
  const reply = await succeed(
    'warning',
    admin.post('/cap/warnings', xml, { 'content-type': 'application/cap+xml' }),
  );
  const proposalId = bodyOf(warningResult, reply).proposals[0]?.proposalId;
  if (!proposalId) throw new Error('the warning proposed nothing');
  return proposalId;
}

/**
 * Accepting a proposal is a press of the switch, under the switch's rules: on a community already
 * switched, an allowed caller gets past the permission check to the 409; the proposal stays open.
 */
const acceptCase = (row: Row, drill: boolean, byId = false): RouteCase => ({
  variant: drill ? 'drill' : 'emergency',
  row,
  scoped: true,
  answers: 409,
  async attempt(client, scope) {
    const communityId = communityOf(scope);
    const proposalId = await proposalFor(scope, drill);
    await ensureOpen(admin, communityId);
    const before = await switchState(communityId);
    const reply = await client.post(
      byId ? `/proposals/${proposalId}/accept` : `/communities/${communityId}/proposals/${proposalId}/accept`,
      {},
    );
    return {
      reply,
      async verify(granted) {
        if (granted) expect(errorOf(reply).code).toBe('ALREADY_SWITCHED');
        expect(await switchState(communityId)).toEqual(before);
        expect((await openProposalsOf(communityId)).map((p) => p.proposalId)).toContain(proposalId);
      },
    };
  },
});

/** Dismissing a proposal: whoever could have accepted it, through either path. */
const dismissCase = (byId: boolean): RouteCase => ({
  variant: 'emergency',
  row: CONTRACT.emergency,
  scoped: true,
  async attempt(client, scope) {
    const communityId = communityOf(scope);
    const proposalId = await proposalFor(scope, false);
    const reply = await client.post(
      byId
        ? `/proposals/${proposalId}/dismiss`
        : `/communities/${communityId}/proposals/${proposalId}/dismiss`,
      {},
    );
    return {
      reply,
      async verify(granted) {
        const open = (await openProposalsOf(communityId)).map((p) => p.proposalId);
        if (granted) expect(proposalView.parse(reply.body).status).toBe('dismissed');
        expect(open.includes(proposalId)).toBe(!granted);
      },
    };
  },
});

/** For each route, by `METHOD /path`, what to try and what the contract says of it. */
const MATRIX: Record<string, readonly RouteCase[]> = {
  'GET /health': [
    {
      row: AROUND.open,
      scoped: false,
      attempt: read(() => '/health', z.object({ status: z.literal('ok') })),
    },
  ],
  'GET /openapi.json': [
    {
      row: AROUND.signedIn,
      scoped: false,
      attempt: read(
        () => '/openapi.json',
        z.object({ openapi: z.string().startsWith('3.1'), paths: z.record(z.string(), z.unknown()) }),
      ),
    },
  ],
  'PUT /streets/{streetId}': [
    {
      row: AROUND.streetWrite,
      scoped: true,
      async attempt(client, scope) {
        const streetId = streetOf(scope);
        const before = await streetName(streetId);
        const name = fresh('街道');
        const reply = await client.put(`/streets/${streetId}`, { name });
        return {
          reply,
          verify: async (granted) => expect(await streetName(streetId)).toBe(granted ? name : before),
        };
      },
    },
  ],
  'GET /streets': [
    { row: CONTRACT.rosterRead, scoped: false, attempt: read(() => '/streets', items(streetView)) },
  ],
  'PUT /communities/{communityId}': [
    {
      row: CONTRACT.structureWrite,
      scoped: true,
      async attempt(client, scope) {
        const communityId = communityOf(scope);
        const before = (await community(communityId)).name;
        const name = fresh('社区');
        // A PUT replaces the community: its area code is sent again, or the warnings below miss it.
        const reply = await client.put(`/communities/${communityId}`, {
          name,
          streetId: 'chengguan',
          areaCode: areaCodeOf(scope),
        });
        return {
          reply,
          verify: async (granted) =>
            expect((await community(communityId)).name).toBe(granted ? name : before),
        };
      },
    },
  ],
  'GET /communities': [
    { row: CONTRACT.rosterRead, scoped: false, attempt: read(() => '/communities', items(communityView)) },
  ],
  'GET /communities/{communityId}': [
    {
      row: CONTRACT.rosterRead,
      scoped: true,
      attempt: read(
        (scope) => `/communities/${communityOf(scope)}`,
        communityDetailView,
        (body) => expect(body.grids.length).toBeGreaterThan(0),
      ),
    },
  ],
  'PUT /communities/{communityId}/grids/{gridId}': [
    {
      row: CONTRACT.structureWrite,
      scoped: true,
      async attempt(client, scope) {
        const communityId = communityOf(scope);
        const gridId = gridOf(scope);
        const nameOf = async () => (await community(communityId)).grids.find((g) => g.gridId === gridId);
        const grid = await nameOf();
        if (!grid) throw new Error(`no grid ${gridId}`);
        const name = fresh('网格');
        const reply = await client.put(`/communities/${communityId}/grids/${gridId}`, {
          name,
          level: grid.level,
          musterPoint: grid.musterPoint,
          neighbours: grid.neighbours,
        });
        return {
          reply,
          verify: async (granted) => expect((await nameOf())?.name).toBe(granted ? name : grid.name),
        };
      },
    },
  ],
  'PUT /units/{unitId}': [
    {
      row: CONTRACT.structureWrite,
      scoped: true,
      async attempt(client, scope) {
        const before = await unit(unitOf(scope));
        const name = fresh('单位');
        const reply = await client.put(`/units/${before.unitId}`, { name, pairedGrids: before.pairedGrids });
        return {
          reply,
          async verify(granted) {
            const after = await unit(before.unitId);
            expect(after.name).toBe(granted ? name : before.name);
            expect(after.pairedGrids).toEqual(before.pairedGrids);
          },
        };
      },
    },
  ],
  'GET /units': [{ row: CONTRACT.rosterRead, scoped: false, attempt: read(() => '/units', items(unitView)) }],
  'POST /communities/{communityId}/members': [
    {
      row: CONTRACT.membersWrite,
      scoped: true,
      async attempt(client, scope) {
        const communityId = communityOf(scope);
        const phone = phones.next();
        const reply = await client.post(`/communities/${communityId}/members`, memberBody(phone));
        return {
          reply,
          verify: async (granted) => expect(await onRoster(communityId, phone)).toBe(granted),
        };
      },
    },
  ],
  'GET /communities/{communityId}/members': [
    {
      row: CONTRACT.rosterRead,
      scoped: true,
      attempt: read(
        (scope) => `/communities/${communityOf(scope)}/members?limit=5`,
        memberPageView,
        (body) => expect(body.items.length).toBe(5),
      ),
    },
  ],
  'POST /communities/{communityId}/members/import': [
    {
      row: CONTRACT.membersWrite,
      scoped: true,
      async attempt(client, scope) {
        const communityId = communityOf(scope);
        const phone = phones.next();
        const reply = await importCsv(
          client,
          communityId,
          `${CSV_HEADER}\n王伟,${phone},volunteer,false,,,,true`,
        );
        return {
          reply,
          async verify(granted) {
            if (granted)
              expect(importResultView.parse(reply.body)).toMatchObject({ created: 1, rejected: [] });
            expect(await onRoster(communityId, phone)).toBe(granted);
          },
        };
      },
    },
  ],
  'GET /communities/{communityId}/members/{memberId}': [
    {
      row: CONTRACT.rosterRead,
      scoped: true,
      attempt: (client, scope) => {
        const member = targetOf(communityOf(scope));
        return read(
          () => `/communities/${member.communityId}/members/${member.memberId}`,
          memberView,
          (body) => expect(body.memberId).toBe(member.memberId),
        )(client, scope);
      },
    },
  ],
  'PATCH /communities/{communityId}/members/{memberId}': [
    {
      row: CONTRACT.membersWrite,
      scoped: true,
      async attempt(client, scope) {
        const target = targetOf(communityOf(scope));
        const path = `/communities/${target.communityId}/members/${target.memberId}`;
        const before = bodyOf(memberView, await succeed('member', admin.get(path)));
        const name = fresh('改名');
        const reply = await client.patch(path, { name });
        return {
          reply,
          async verify(granted) {
            const after = bodyOf(memberView, await succeed('member', admin.get(path)));
            expect(after).toEqual(granted ? { ...before, name, updatedAt: after.updatedAt } : before);
          },
        };
      },
    },
  ],
  'DELETE /communities/{communityId}/members/{memberId}': [
    {
      row: CONTRACT.membersWrite,
      scoped: true,
      async attempt(client, scope) {
        const doomed = await createMember(admin, communityOf(scope), memberBody(phones.next()));
        const path = `/communities/${doomed.communityId}/members/${doomed.memberId}`;
        const reply = await client.delete(path);
        return {
          reply,
          async verify(granted) {
            expect((await admin.get(path)).status).toBe(granted ? 404 : 200);
            expect(await onRoster(doomed.communityId, doomed.phone)).toBe(!granted);
          },
        };
      },
    },
  ],
  'POST /communities/{communityId}/activations': [
    activateCase(CONTRACT.drill, true),
    activateCase(CONTRACT.emergency, false),
  ],
  'POST /streets/{streetId}/activations': [
    streetSwitchCase(CONTRACT.drill, true),
    streetSwitchCase(CONTRACT.emergency, false),
  ],
  'GET /communities/{communityId}/activations': [
    {
      row: CONTRACT.boardRead,
      scoped: true,
      attempt: read((scope) => `/communities/${communityOf(scope)}/activations`, activationListView),
    },
  ],
  'GET /streets/{streetId}/activations': [
    {
      // The street's history holds the communities the caller may read: none outside their own.
      row: CONTRACT.boardRead,
      scoped: true,
      attempt: read((scope) => `/streets/${streetOf(scope)}/activations`, historyPageView),
    },
  ],
  'GET /communities/{communityId}/mode': [
    {
      row: CONTRACT.rosterRead,
      scoped: true,
      attempt: read((scope) => `/communities/${communityOf(scope)}/mode`, modeView),
    },
  ],
  'POST /activations/{activationId}/stand-down': [
    standDownCase(CONTRACT.drill, true),
    standDownCase(CONTRACT.emergency, false),
  ],
  'GET /activations/{activationId}': [
    {
      row: CONTRACT.boardRead,
      scoped: true,
      async attempt(client, scope) {
        const open = await ensureOpen(admin, communityOf(scope));
        return read(
          () => `/activations/${open.activationId}`,
          z.object({ activationId: z.string(), status: z.literal('active') }),
          (body) => expect(body.activationId).toBe(open.activationId),
        )(client, scope);
      },
    },
  ],
  'GET /activations/{activationId}/report': [
    {
      row: CONTRACT.boardRead,
      scoped: true,
      async attempt(client, scope) {
        const open = await ensureOpen(admin, communityOf(scope));
        return read(
          () => `/activations/${open.activationId}/report`,
          reportView,
          (body) => expect(body.activationId).toBe(open.activationId),
        )(client, scope);
      },
    },
  ],
  'GET /activations/{activationId}/cap': [
    {
      row: CONTRACT.boardRead,
      scoped: true,
      async attempt(client, scope) {
        const open = await ensureOpen(admin, communityOf(scope));
        return read(
          () => `/activations/${open.activationId}/cap`,
          z.string(),
          (body) => expect(body).toContain(`<identifier>pingji-${open.activationId}</identifier>`),
        )(client, scope);
      },
    },
  ],
  'POST /cap/warnings': [
    {
      row: AROUND.warningReceive,
      scoped: true,
      async attempt(client, scope) {
        const communityId = communityOf(scope);
        const identifier = fresh('matrix-feed-');
        const reply = await client.post(
          '/cap/warnings',
          capWarning({ identifier, geocodes: [areaCodeOf(scope)] }),
          { 'content-type': 'application/cap+xml' },
        );
        return {
          reply,
          async verify(granted) {
            const found = (await openProposalsOf(communityId)).filter((p) => p.identifier === identifier);
            expect(found.length).toBe(granted ? 1 : 0);
          },
        };
      },
    },
  ],
  'GET /communities/{communityId}/proposals': [
    {
      row: CONTRACT.boardRead,
      scoped: true,
      attempt: read((scope) => `/communities/${communityOf(scope)}/proposals`, proposalList),
    },
  ],
  'POST /communities/{communityId}/proposals/{proposalId}/accept': [
    acceptCase(CONTRACT.emergency, false),
    acceptCase(CONTRACT.drill, true),
  ],
  'POST /communities/{communityId}/proposals/{proposalId}/dismiss': [dismissCase(false)],
  'POST /proposals/{proposalId}/accept': [
    acceptCase(CONTRACT.emergency, false, true),
    acceptCase(CONTRACT.drill, true, true),
  ],
  'POST /proposals/{proposalId}/dismiss': [dismissCase(true)],
  'GET /streets/{streetId}/cap': [
    {
      row: CONTRACT.boardRead,
      scoped: true,
      attempt: read(
        (scope) => `/streets/${streetOf(scope)}/cap`,
        z.string(),
        (body) => expect(body).toContain('<feed xmlns="http://www.w3.org/2005/Atom">'),
      ),
    },
  ],
  'POST /activations/{activationId}/check-ins': [
    {
      row: CONTRACT.manualCheckIn,
      scoped: true,
      async attempt(client, scope) {
        const open = await ensureOpen(admin, communityOf(scope));
        const board = await waitForAlerts(admin, open.activationId);
        const person = peopleOn(board).find((p) => p.status === 'alerted' && !checkedIn.has(p.memberId));
        if (!person) throw new Error(`nobody left to check in on ${open.activationId}`);
        checkedIn.add(person.memberId);
        const reply = await client.post(`/activations/${open.activationId}/check-ins`, {
          memberId: person.memberId,
          status: 'arrived',
        });
        return {
          reply,
          async verify(granted) {
            const now = peopleOn(await boardOf(admin, open.activationId)).find(
              (p) => p.memberId === person.memberId,
            );
            if (granted) expect(boardMemberView.parse(reply.body).status).toBe('arrived');
            expect(now?.status).toBe(granted ? 'arrived' : 'alerted');
          },
        };
      },
    },
  ],
  'GET /communities/{communityId}/audit': [
    {
      row: AROUND.auditRead,
      scoped: true,
      attempt: read((scope) => `/communities/${communityOf(scope)}/audit`, auditPageView),
    },
  ],
  'GET /streets/{streetId}/audit': [
    {
      row: AROUND.streetAuditRead,
      scoped: true,
      attempt: read((scope) => `/streets/${streetOf(scope)}/audit`, auditPageView),
    },
  ],
  'POST /communities/{communityId}/drill-schedules': [
    {
      row: CONTRACT.drill,
      scoped: true,
      async attempt(client, scope) {
        const communityId = communityOf(scope);
        const note = fresh('定时演练');
        const reply = await client.post(`/communities/${communityId}/drill-schedules`, {
          at: FUTURE,
          kind: 'flood',
          level: 'IV',
          note,
        });
        return {
          reply,
          async verify(granted) {
            const found = (await schedulesOf(communityId)).filter((s) => s.note === note);
            expect(found.map((s) => s.status)).toEqual(granted ? ['pending'] : []);
          },
        };
      },
    },
  ],
  'GET /communities/{communityId}/drill-schedules': [
    {
      row: CONTRACT.boardRead,
      scoped: true,
      attempt: read((scope) => `/communities/${communityOf(scope)}/drill-schedules`, scheduleList),
    },
  ],
  'DELETE /communities/{communityId}/drill-schedules/{scheduleId}': [
    {
      row: CONTRACT.drill,
      scoped: true,
      async attempt(client, scope) {
        const communityId = communityOf(scope);
        const made = await succeed(
          'schedule',
          admin.post(`/communities/${communityId}/drill-schedules`, {
            at: FUTURE,
            kind: 'fire',
            level: 'IV',
          }),
        );
        const { scheduleId } = bodyOf(drillScheduleView, made);
        const reply = await client.delete(`/communities/${communityId}/drill-schedules/${scheduleId}`);
        return {
          reply,
          async verify(granted) {
            const now = (await schedulesOf(communityId)).find((s) => s.scheduleId === scheduleId);
            expect(now?.status).toBe(granted ? 'cancelled' : 'pending');
          },
        };
      },
    },
  ],
  'GET /streets/{streetId}/rankings': [
    {
      row: CONTRACT.boardRead,
      scoped: true,
      attempt: read(
        (scope) => `/streets/${streetOf(scope)}/rankings?period=year`,
        rankingsView,
        (body) => expect(body.period).toBe('year'),
      ),
    },
  ],
  'POST /communities/{communityId}/whistles': [
    {
      row: CONTRACT.whistle,
      scoped: true,
      async attempt(client, scope) {
        const communityId = communityOf(scope);
        const reason = fresh('矩阵吹哨');
        const reply = await client.post(`/communities/${communityId}/whistles`, {
          gridId: gridOf(scope),
          reason,
          category: 'other',
          people: 1,
        });
        return {
          reply,
          async verify(granted) {
            const list = bodyOf(
              whistleList,
              await succeed('whistles', admin.get(`/communities/${communityId}/whistles`)),
            ).items.filter((w) => w.reason === reason);
            expect(list.length).toBe(granted ? 1 : 0);
            for (const w of list) await succeed('cancel', admin.post(`/whistles/${w.whistleId}/cancel`, {}));
          },
        };
      },
    },
  ],
  'GET /communities/{communityId}/whistles': [
    {
      row: CONTRACT.boardRead,
      scoped: true,
      attempt: read((scope) => `/communities/${communityOf(scope)}/whistles`, whistleList),
    },
  ],
  'GET /streets/{streetId}/whistles': [
    {
      // Anyone who reads boards may ask; each sees the whistles of their own communities.
      row: AROUND.streetWhistles,
      scoped: true,
      attempt: read((scope) => `/streets/${streetOf(scope)}/whistles`, whistleList),
    },
  ],
  'GET /whistles/{whistleId}': [
    {
      row: CONTRACT.boardRead,
      scoped: true,
      async attempt(client, scope) {
        const { whistleId } = await blowWhistle(scope);
        const reply = await client.get(`/whistles/${whistleId}`);
        return {
          reply,
          async verify(granted) {
            if (granted) expect(whistleView.parse(reply.body).whistleId).toBe(whistleId);
            await succeed('cancel', admin.post(`/whistles/${whistleId}/cancel`, {}));
          },
        };
      },
    },
  ],
  'POST /whistles/{whistleId}/resolve': [closeWhistleCase('resolve')],
  'POST /whistles/{whistleId}/cancel': [closeWhistleCase('cancel')],
  'GET /communities/{communityId}/members/{memberId}/participation': [
    {
      row: CONTRACT.rosterRead,
      scoped: true,
      async attempt(client, scope) {
        const target = targetOf(communityOf(scope));
        return read(
          () => `/communities/${target.communityId}/members/${target.memberId}/participation`,
          participationView,
          (body) => expect(body.memberId).toBe(target.memberId),
        )(client, scope);
      },
    },
  ],
};

const keyOf = (route: Pick<RouteDef, 'method' | 'path'>) => `${route.method} ${route.path}`;
const CALLERS: readonly Caller[] = [...ROLES, 'anonymous'];

type Outcome = 'allowed' | 'forbidden' | 'unauthenticated';

function expected(route: RouteDef, row: Row, caller: Caller, scope: Scope): Outcome {
  if (caller === 'anonymous') return route.auth ? 'unauthenticated' : 'allowed';
  const grant = row[caller];
  return grant === 'yes' || (grant === 'own' && scope !== 'outside') ? 'allowed' : 'forbidden';
}

const cases = allRoutes.flatMap((route) =>
  (MATRIX[keyOf(route)] ?? []).flatMap((routeCase) =>
    CALLERS.flatMap((caller) =>
      (routeCase.scoped ? (['inside', 'outside'] as const) : (['unscoped'] as const)).map((scope) => ({
        name: `${keyOf(route)}${routeCase.variant ? ` (${routeCase.variant})` : ''} as ${caller}, ${scope}`,
        route,
        routeCase,
        caller,
        scope,
        outcome: expected(route, routeCase.row, caller, scope),
      })),
    ),
  ),
);

describe('the matrix covers the API', () => {
  it('has an entry for every route in allRoutes and none for a route that is not there', () => {
    // Provider callbacks carry no JWT: they check a per-deployment token (their own suites).
    const routeKeys = allRoutes
      .filter((route) => !route.path.startsWith('/sms/'))
      .map(keyOf)
      .sort();

    const missing = routeKeys.filter((key) => !(key in MATRIX));
    const stale = Object.keys(MATRIX).filter((key) => !routeKeys.includes(key));

    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
    expect(cases.length).toBeGreaterThanOrEqual(routeKeys.length * CALLERS.length);
  });

  it('leaves only GET /health without a token, as the contract says', () => {
    const open = allRoutes.filter((route) => !route.auth).map(keyOf);

    expect(open.filter((key) => !key.startsWith('POST /sms/'))).toEqual(['GET /health']);
    expect(open.filter((key) => key.startsWith('POST /sms/'))).toEqual(['POST /sms/{provider}/{kind}']);
  });
});

describe('who may do what, route by route', () => {
  for (const { name, routeCase, caller, scope, outcome } of cases)
    it(`${name}: ${outcome}`, async () => {
      const { reply, verify } = await routeCase.attempt(clientOf(caller), scope, caller);

      if (outcome === 'allowed' && routeCase.answers !== undefined) {
        expect(reply.status, JSON.stringify(reply.body)).toBe(routeCase.answers);
      } else if (outcome === 'allowed') {
        expect(reply.status, JSON.stringify(reply.body)).toBeGreaterThanOrEqual(200);
        expect(reply.status, JSON.stringify(reply.body)).toBeLessThan(300);
      } else {
        expect(errorOf(reply)).toMatchObject(
          outcome === 'forbidden'
            ? { status: 403, code: 'FORBIDDEN' }
            : { status: 401, code: 'UNAUTHORIZED' },
        );
      }
      await verify(outcome === 'allowed');
    });
});
