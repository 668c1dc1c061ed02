import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { DEV_AUDIENCE } from '../../local/dev-auth';
import { DEV_ISSUER } from '../../local/stack';
import { communityDetailView, communityView, memberView, unitView } from '../../shared/http/schemas';
import type { Api } from './support/http-client';
import { type KeyedStack, startKeyedStack } from './support/keyed-stack';
import type { Reply } from './support/local-api';
import {
  bodyOf,
  buildCommunity,
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

let keyed: KeyedStack;
let admin: Api;
let ownMember: MemberView;
let otherMember: MemberView;
const phones = new PhoneBook(3_003);

beforeAll(async () => {
  keyed = await startKeyedStack();
  admin = await keyed.as(['admin'], ['*']);
  await buildCommunity(admin, { streetId: 'st-acc', communityId: 'own', grids: ['og1', 'og2'] });
  await buildCommunity(admin, { streetId: 'st-acc', communityId: 'other', grids: ['xg1'] });
  await succeed(
    'own unit',
    admin.put('/units/own-unit', { name: '本单位', pairedGrids: [{ communityId: 'own', gridId: 'og1' }] }),
  );
  await succeed(
    'other unit',
    admin.put('/units/other-unit', {
      name: '外单位',
      pairedGrids: [{ communityId: 'other', gridId: 'xg1' }],
    }),
  );
  ownMember = await createMember(admin, 'own', memberBody(phones.next(), { name: '本社区人' }));
  otherMember = await createMember(admin, 'other', memberBody(phones.next(), { name: '外社区人' }));
});
afterAll(async () => {
  await keyed?.stop();
});

const now = () => Math.floor(Date.now() / 1000);

describe('401: no token or a bad one', () => {
  const routes: [string, string, unknown?][] = [
    ['PUT', '/streets/st-acc', { name: '街道' }],
    ['GET', '/streets'],
    ['PUT', '/communities/own', { name: '社区', streetId: 'st-acc' }],
    ['GET', '/communities'],
    ['GET', '/communities/own'],
    ['PUT', '/communities/own/grids/og1', { name: '网格', level: 'red', musterPoint: '广场' }],
    ['PUT', '/units/own-unit', { name: '单位', pairedGrids: [] }],
    ['GET', '/units'],
    ['POST', '/communities/own/members', { name: '王伟', phone: '13800138000', roles: ['volunteer'] }],
    ['GET', '/communities/own/members'],
    ['POST', '/communities/own/members/import', `${CSV_HEADER}\n`],
    ['GET', '/communities/own/members/m1'],
    ['PATCH', '/communities/own/members/m1', { name: '王伟' }],
    ['DELETE', '/communities/own/members/m1'],
  ];

  it.each(routes)('%s %s without a token is 401', async (method, path, body) => {
    const reply = await keyed.client().raw(path, {
      method,
      headers: { 'content-type': typeof body === 'string' ? 'text/csv' : 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

    expect(errorOf(reply)).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  async function forgedToken(): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const { kid } = keyed.stack.auth.jwks.keys[0] ?? {};
    // The same key id as the stack's, so only the signature can tell them apart.
    expect((await exportJWK(publicKey)).n).not.toBe(keyed.stack.auth.jwks.keys[0]?.n);
    return new SignJWT({ 'cognito:groups': ['admin'], 'custom:communities': '*', token_use: 'id' })
      .setProtectedHeader({ alg: 'RS256', kid: kid ?? 'pingji-dev-1', typ: 'JWT' })
      .setSubject('forger')
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
  }

  function withPayload(token: string, change: (payload: Record<string, unknown>) => void): string {
    const [header, payload, signature] = token.split('.');
    const claims = z
      .record(z.string(), z.unknown())
      .parse(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')));
    change(claims);
    return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
  }

  const unsigned = () => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    return `${part({ alg: 'none', typ: 'JWT' })}.${part({
      sub: 'nobody',
      'cognito:groups': ['admin'],
      'custom:communities': '*',
      iss: DEV_ISSUER,
      aud: DEV_AUDIENCE,
      exp: now() + 3600,
    })}.`;
  };

  const cases: [string, number, () => Promise<string | undefined>][] = [
    ['a valid token (the control)', 200, () => keyed.sign({})],
    [
      'a valid token minted by the stack (the control)',
      200,
      () => keyed.stack.auth.mint({ sub: 'a', groups: ['admin'], communities: ['*'] }),
    ],
    ['no Authorization header', 401, async () => undefined],
    ['an empty bearer', 401, async () => ''],
    ['a malformed token', 401, async () => 'not-a-jwt'],
    ['three segments of garbage', 401, async () => 'abc.def.ghi'],
    [
      'an expired token minted by the stack',
      401,
      () => keyed.stack.auth.mint({ sub: 'late', groups: ['admin'], communities: ['*'], ttlSeconds: -120 }),
    ],
    ['an expired token', 401, () => keyed.sign({ expiresAt: now() - 120 })],
    ['a token not valid yet', 401, () => keyed.sign({ notBefore: now() + 600 })],
    ['a token signed by another key (forged)', 401, forgedToken],
    [
      'a token whose payload was changed after signing',
      401,
      async () =>
        withPayload(await keyed.sign({ groups: ['commander'], communities: 'own' }), (p) => {
          p['cognito:groups'] = ['admin'];
          p['custom:communities'] = '*';
        }),
    ],
    ['an unsigned token (alg none)', 401, async () => unsigned()],
    ['a token for another audience', 401, () => keyed.sign({ audience: 'some-other-app' })],
    [
      'a token from another issuer',
      401,
      () => keyed.sign({ issuer: 'https://cognito-idp.cn-north-1.amazonaws.com.cn/other' }),
    ],
    ['a token without a subject', 401, () => keyed.sign({ sub: '' })],
  ];

  it.each(cases)('%s: reading and writing answer %i', async (_what, status, token) => {
    const value = await token();
    const client = value === undefined ? keyed.client() : keyed.client(value);
    const phone = phones.next();

    const read = await client.get('/communities/own');
    const write = await client.post('/communities/own/members', memberBody(phone));

    expect(read.status).toBe(status);
    expect(write.status).toBe(status === 200 ? 201 : status);
    if (status === 401) {
      expect(errorOf(read).code).toBe('UNAUTHORIZED');
      expect((await walkMembers(admin, 'own')).items.map((m) => m.phone)).not.toContain(phone);
    }
  });

  it('sends a token under a scheme other than Bearer to 401', async () => {
    const token = await keyed.sign({});

    const reply = await keyed
      .client()
      .raw('/communities/own', { headers: { authorization: `Basic ${token}` } });

    expect(errorOf(reply)).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });
});

describe('403: who may do what (the contract table)', () => {
  type Role = 'admin' | 'planner' | 'dutyOfficer' | 'commander';
  const roles: Role[] = ['admin', 'planner', 'dutyOfficer', 'commander'];
  const clients = new Map<Role, Api>();
  let counter = 0;
  const fresh = (prefix: string) => `${prefix}${++counter}`;

  beforeAll(async () => {
    for (const role of roles)
      clients.set(role, await keyed.as([role], role === 'admin' ? ['*'] : ['own'], `acc-${role}`));
  });
  const clientOf = (role: Role): Api => {
    const client = clients.get(role);
    if (!client) throw new Error(`no client for ${role}`);
    return client;
  };

  type Attempt = { reply: Reply; took: () => Promise<boolean> };
  type Action = {
    name: string;
    write: boolean;
    attempt: (client: Api, communityId: 'own' | 'other') => Promise<Attempt>;
  };

  const onRoster = async (communityId: string, phone: string) =>
    (await walkMembers(admin, communityId)).items.some((m) => m.phone === phone);
  const memberOf = (communityId: string) => (communityId === 'own' ? ownMember : otherMember);
  const gridOf = (communityId: string) => (communityId === 'own' ? 'og2' : 'xg1');

  const actions: Action[] = [
    {
      name: 'PUT the community',
      write: true,
      async attempt(client, communityId) {
        const name = fresh('社区');
        const reply = await client.put(`/communities/${communityId}`, { name, streetId: 'st-acc' });
        return {
          reply,
          took: async () =>
            bodyOf(communityView, await admin.get(`/communities/${communityId}`)).name === name,
        };
      },
    },
    {
      name: 'PUT a grid',
      write: true,
      async attempt(client, communityId) {
        const name = fresh('网格');
        const reply = await client.put(`/communities/${communityId}/grids/${gridOf(communityId)}`, {
          name,
          level: 'yellow',
          musterPoint: '广场',
        });
        return {
          reply,
          took: async () =>
            bodyOf(communityDetailView, await admin.get(`/communities/${communityId}`)).grids.some(
              (g) => g.name === name,
            ),
        };
      },
    },
    {
      name: 'PUT its partner unit',
      write: true,
      async attempt(client, communityId) {
        const name = fresh('单位');
        const unitId = `${communityId}-unit`;
        const gridId = communityId === 'own' ? 'og1' : 'xg1';
        const reply = await client.put(`/units/${unitId}`, { name, pairedGrids: [{ communityId, gridId }] });
        return {
          reply,
          took: async () => {
            const { items } = z.object({ items: z.array(unitView) }).parse((await admin.get('/units')).body);
            return items.some((u) => u.unitId === unitId && u.name === name);
          },
        };
      },
    },
    {
      name: 'POST a member',
      write: true,
      async attempt(client, communityId) {
        const phone = phones.next();
        const reply = await client.post(`/communities/${communityId}/members`, memberBody(phone));
        return { reply, took: () => onRoster(communityId, phone) };
      },
    },
    {
      name: 'PATCH a member',
      write: true,
      async attempt(client, communityId) {
        const member = memberOf(communityId);
        const name = fresh('改名');
        const reply = await client.patch(`/communities/${communityId}/members/${member.memberId}`, { name });
        return {
          reply,
          took: async () =>
            bodyOf(memberView, await admin.get(`/communities/${communityId}/members/${member.memberId}`))
              .name === name,
        };
      },
    },
    {
      name: 'DELETE a member',
      write: true,
      async attempt(client, communityId) {
        const member = await createMember(admin, communityId, memberBody(phones.next()));
        const path = `/communities/${communityId}/members/${member.memberId}`;
        const reply = await client.delete(path);
        return { reply, took: async () => (await admin.get(path)).status === 404 };
      },
    },
    {
      name: 'import a roster',
      write: true,
      async attempt(client, communityId) {
        const phone = phones.next();
        const reply = await importCsv(
          client,
          communityId,
          `${CSV_HEADER}\n王伟,${phone},volunteer,false,,,,true`,
        );
        return { reply, took: () => onRoster(communityId, phone) };
      },
    },
    {
      name: 'GET the community',
      write: false,
      async attempt(client, communityId) {
        const reply = await client.get(`/communities/${communityId}`);
        return {
          reply,
          took: async () => reply.status === 200 && communityDetailView.safeParse(reply.body).success,
        };
      },
    },
    {
      name: 'GET the member list',
      write: false,
      async attempt(client, communityId) {
        const reply = await client.get(`/communities/${communityId}/members`);
        return { reply, took: async () => reply.status === 200 };
      },
    },
    {
      name: 'GET a member',
      write: false,
      async attempt(client, communityId) {
        const reply = await client.get(
          `/communities/${communityId}/members/${memberOf(communityId).memberId}`,
        );
        return { reply, took: async () => reply.status === 200 && memberView.safeParse(reply.body).success };
      },
    },
  ];

  /** The contract's table: admin everywhere; planners write and read their own; the others read their own. */
  const allowed = (role: Role, write: boolean, communityId: string) =>
    role === 'admin' || (communityId === 'own' && (!write || role === 'planner'));

  const matrix = roles.flatMap((role) =>
    (['own', 'other'] as const).flatMap((communityId) =>
      actions.map((action) => ({
        role,
        communityId,
        action,
        expected: allowed(role, action.write, communityId),
      })),
    ),
  );

  it.each(matrix)(
    '$role: $action.name in the $communityId community is allowed: $expected',
    async ({ role, communityId, action, expected }) => {
      const { reply, took } = await action.attempt(clientOf(role), communityId);

      if (expected) {
        expect(reply.status).toBeGreaterThanOrEqual(200);
        expect(reply.status).toBeLessThan(300);
        expect(await took()).toBe(true);
      } else {
        expect(errorOf(reply)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
        if (action.write) expect(await took()).toBe(false);
      }
    },
  );

  it.each(['planner', 'dutyOfficer', 'commander'] as const)(
    'a %s reading a community that does not exist outside their list gets 403, not 404',
    async (role) => {
      const reply = await clientOf(role).get('/communities/ghost-town');

      expect(errorOf(reply)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    },
  );

  it.each(roles)('a %s lists only the communities they act for', async (role) => {
    const reply = await clientOf(role).get('/communities');

    const ids = z
      .object({ items: z.array(communityView) })
      .parse(reply.body)
      .items.map((c) => c.communityId);
    expect(ids.sort()).toEqual(role === 'admin' ? expect.arrayContaining(['other', 'own']) : ['own']);
  });

  it.each(roles)("a %s lists only the units paired with the caller's communities", async (role) => {
    const reply = await clientOf(role).get('/units');

    const ids = z
      .object({ items: z.array(unitView) })
      .parse(reply.body)
      .items.map((u) => u.unitId);
    expect(ids.sort()).toEqual(role === 'admin' ? ['other-unit', 'own-unit'] : ['own-unit']);
  });

  it('a planner may not create a community outside their list', async () => {
    const reply = await clientOf('planner').put('/communities/own-annex', {
      name: '新社区',
      streetId: 'st-acc',
    });
    const after = await admin.get('/communities/own-annex');

    expect(errorOf(reply)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(after.status).toBe(404);
  });

  it('a planner may not write a street, which belongs to no community of theirs; an admin may', async () => {
    const denied = await clientOf('planner').put('/streets/st-planner', { name: '规划街道' });
    const granted = await admin.put('/streets/st-admin', { name: '管理街道' });

    expect(errorOf(denied)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(granted.status).toBe(201);
  });

  it("a planner may not pair their unit with another community's grid", async () => {
    const reply = await clientOf('planner').put('/units/own-unit', {
      name: '本单位',
      pairedGrids: [
        { communityId: 'own', gridId: 'og1' },
        { communityId: 'other', gridId: 'xg1' },
      ],
    });
    const other = bodyOf(communityDetailView, await admin.get('/communities/other'));

    expect(errorOf(reply)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(other.grids.find((g) => g.gridId === 'xg1')?.units).toEqual(['other-unit']);
  });

  it("a planner may not take another community's unit over by pairing it with their own grid", async () => {
    const reply = await clientOf('planner').put('/units/other-unit', {
      name: '抢来的单位',
      pairedGrids: [{ communityId: 'own', gridId: 'og1' }],
    });
    const other = bodyOf(communityDetailView, await admin.get('/communities/other'));

    expect(errorOf(reply)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(other.grids.find((g) => g.gridId === 'xg1')?.units).toEqual(['other-unit']);
  });

  it('a caller in no known group may read nothing', async () => {
    const stranger = keyed.client(await keyed.sign({ groups: ['volunteer'], communities: 'own' }));

    const read = await stranger.get('/communities/own');
    const list = await stranger.get('/communities/own/members');

    expect(errorOf(read)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(errorOf(list)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });

  it('a planner acting for every community (*) may write any of them', async () => {
    const everywhere = await keyed.as(['planner'], ['*'], 'planner-star');
    const phone = phones.next();

    const reply = await everywhere.post('/communities/other/members', memberBody(phone));

    expect(reply.status).toBe(201);
    expect(await onRoster('other', phone)).toBe(true);
  });
});
