import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { DEV_AUDIENCE } from '../../local/dev-auth';
import { DEV_ISSUER } from '../../local/stack';
import { CSV_BODY_LIMIT, JSON_BODY_LIMIT } from '../../shared/http/api';
import { auditPageView, boardView, importResultView, streetView } from '../../shared/http/schemas';
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
  memberBody,
  PhoneBook,
  walkMembers,
} from './support/roster';
import { boardOf, ensureOpen, modeOf, peopleOn, waitForAlerts } from './support/security-activations';

/*
 * Request limits and token checks at the edge: body sizes (JSON 256 KiB, CSV 5 MiB, the gateway's
 * 10 MiB), malformed JSON, media types; and JWTs with the wrong issuer or audience, expired, or
 * signed by another key, on one route of each area the roster tests do not cover.
 */

const GATEWAY_LIMIT = 10 * 1024 * 1024;
const phones = new PhoneBook(9_119);

let keyed: KeyedStack;
let admin: Api;
let activationId: string;
let alerted: string[];

beforeAll(async () => {
  keyed = await startKeyedStack();
  admin = await keyed.as(['admin'], ['*'], 'limits-admin');
  await buildCommunity(admin, {
    streetId: 'lm-street',
    communityId: 'lm',
    grids: [{ gridId: 'g1', level: 'red' }],
  });
  await buildCommunity(admin, { streetId: 'lm-street', communityId: 'lm-quiet', grids: ['q1'] });
  for (const [i, name] of ['网格长', '甲', '乙', '丙', '丁'].entries())
    await createMember(
      admin,
      'lm',
      memberBody(phones.next(), { name, gridId: 'g1', roles: [i === 0 ? 'gridLeader' : 'volunteer'] }),
    );
  await createMember(admin, 'lm-quiet', memberBody(phones.next(), { gridId: 'q1', roles: ['gridLeader'] }));
  activationId = (await ensureOpen(admin, 'lm', true)).activationId;
  alerted = peopleOn(await waitForAlerts(admin, activationId))
    .filter((p) => p.status === 'alerted')
    .map((p) => p.memberId);
});

afterAll(async () => {
  await keyed?.stop();
});

/** `{"name": ...}` padded with JSON whitespace to exactly `bytes` bytes. */
function paddedStreet(name: string, bytes: number): Buffer {
  const json = JSON.stringify({ name });
  return Buffer.from(json.slice(0, -1) + ' '.repeat(bytes - Buffer.byteLength(json)) + json.slice(-1));
}

const streets = async () =>
  bodyOf(z.object({ items: z.array(streetView) }), await admin.get('/streets')).items;
const putRaw = (path: string, body: Buffer, type = 'application/json') =>
  admin.raw(path, { method: 'PUT', headers: { 'content-type': type }, body: new Uint8Array(body) });

describe('request size limits', () => {
  it('takes a JSON body of exactly 256 KiB', async () => {
    const body = paddedStreet('刚好街道', JSON_BODY_LIMIT);

    const reply = await putRaw('/streets/at-limit', body);

    expect(body.length).toBe(256 * 1024);
    expect(reply.status).toBe(201);
    expect((await streets()).find((s) => s.streetId === 'at-limit')?.name).toBe('刚好街道');
  });

  it('refuses a JSON body one byte over 256 KiB with 413, and writes nothing', async () => {
    const body = paddedStreet('超限街道', JSON_BODY_LIMIT + 1);

    const reply = await putRaw('/streets/over-limit', body);

    expect(errorOf(reply)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE', paths: ['body'] });
    expect((await streets()).map((s) => s.streetId)).not.toContain('over-limit');
  });

  it('counts bytes, not characters: 90,000 three-byte characters are over the limit', async () => {
    const body = Buffer.from(JSON.stringify({ name: '多字节街道', note: '网'.repeat(90_000) }));

    const reply = await putRaw('/streets/multibyte', body);

    expect('网'.repeat(90_000).length).toBeLessThan(JSON_BODY_LIMIT);
    expect(errorOf(reply)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect((await streets()).map((s) => s.streetId)).not.toContain('multibyte');
  });

  it('takes a CSV of exactly 5 MiB', async () => {
    const phone = phones.next();
    const rows = `${CSV_HEADER}\n王伟,${phone},volunteer,false,g1,,,true\n`;
    const csv = rows + '\n'.repeat(CSV_BODY_LIMIT - Buffer.byteLength(rows));

    const reply = await importCsv(admin, 'lm', csv);

    expect(Buffer.byteLength(csv)).toBe(5 * 1024 * 1024);
    expect(importResultView.parse(reply.body)).toMatchObject({ created: 1, rejected: [] });
    expect((await walkMembers(admin, 'lm')).items.map((m) => m.phone)).toContain(phone);
  });

  it('refuses a CSV one byte over 5 MiB with 413, and imports nothing of it', async () => {
    const phone = phones.next();
    const rows = `${CSV_HEADER}\n李娜,${phone},volunteer,false,g1,,,true\n`;
    const csv = rows + '\n'.repeat(CSV_BODY_LIMIT + 1 - Buffer.byteLength(rows));

    const reply = await importCsv(admin, 'lm', csv);

    expect(errorOf(reply)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE', paths: ['body'] });
    expect((await walkMembers(admin, 'lm')).items.map((m) => m.phone)).not.toContain(phone);
  });

  it('holds a JSON route to the JSON limit even when the body would fit the CSV one', async () => {
    const reply = await putRaw('/streets/csv-sized', paddedStreet('大街道', 2 * 1024 * 1024));

    expect(errorOf(reply)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('refuses a body over the gateway’s 10 MiB at the gateway, before any handler', async () => {
    const phone = phones.next();
    const rows = `${CSV_HEADER}\n张强,${phone},volunteer,false,g1,,,true\n`;
    const csv = rows + '\n'.repeat(GATEWAY_LIMIT + 1 - Buffer.byteLength(rows));

    const reply = await importCsv(admin, 'lm', csv);

    // The gateway's answer names the request, not a field: no handler parsed anything.
    expect(errorOf(reply)).toMatchObject({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      paths: [],
      details: [{ requestId: expect.any(String) }],
    });
    expect((await walkMembers(admin, 'lm')).items.map((m) => m.phone)).not.toContain(phone);
  });
});

describe('malformed bodies and media types', () => {
  it.each([
    ['a truncated object', '{"name": "街道"'],
    ['a trailing comma', '{"name": "街道",}'],
    ['single quotes', "{'name': '街道'}"],
    ['bytes that are not UTF-8 text', '\u00ff\u00fe{'],
  ])('answers %s with 400 MALFORMED_JSON at path body, and writes nothing', async (_what, text) => {
    const reply = await putRaw('/streets/malformed', Buffer.from(text, 'latin1'));

    expect(errorOf(reply)).toMatchObject({ status: 400, code: 'MALFORMED_JSON', paths: ['body'] });
    expect((await streets()).map((s) => s.streetId)).not.toContain('malformed');
  });

  it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['application/xml'], ['text/csv']])(
    'refuses a JSON route’s body sent as %s with 415',
    async (type) => {
      const reply = await putRaw('/streets/wrong-type', Buffer.from(JSON.stringify({ name: '街道' })), type);

      expect(errorOf(reply)).toMatchObject({
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        paths: ['content-type'],
      });
      expect((await streets()).map((s) => s.streetId)).not.toContain('wrong-type');
    },
  );

  it('takes JSON with a charset parameter and in a +json type', async () => {
    const plain = await putRaw(
      '/streets/charset',
      paddedStreet('字符集街道', 40),
      'application/json; charset=utf-8',
    );
    const vendor = await putRaw(
      '/streets/vendor',
      paddedStreet('供应商街道', 40),
      'application/vnd.pingji+json',
    );

    expect([plain.status, vendor.status]).toEqual([201, 201]);
  });

  it('refuses a roster CSV sent as JSON with 415, and imports nothing', async () => {
    const phone = phones.next();

    const reply = await admin.post(
      '/communities/lm/members/import',
      `${CSV_HEADER}\n赵六,${phone},volunteer,false,g1,,,true`,
      { 'content-type': 'application/json' },
    );

    expect(errorOf(reply)).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect((await walkMembers(admin, 'lm')).items.map((m) => m.phone)).not.toContain(phone);
  });
});

describe('tokens the authorizer must refuse, one route of each area', () => {
  const now = () => Math.floor(Date.now() / 1000);

  let otherKey: Promise<CryptoKeyPair> | undefined;
  async function signedByAnotherKey(): Promise<string> {
    otherKey ??= generateKeyPair('RS256', { extractable: true });
    const { privateKey, publicKey } = await otherKey;
    const trusted = keyed.stack.auth.jwks.keys[0];
    expect((await exportJWK(publicKey)).n).not.toBe(trusted?.n);
    return new SignJWT({ 'cognito:groups': ['admin'], 'custom:communities': '*', token_use: 'id' })
      .setProtectedHeader({ alg: 'RS256', kid: trusted?.kid ?? 'pingji-dev-1', typ: 'JWT' })
      .setSubject('forger')
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
  }

  const tokens: [string, () => Promise<string>][] = [
    [
      'another issuer',
      () => keyed.sign({ issuer: 'https://cognito-idp.cn-north-1.amazonaws.com.cn/other-pool' }),
    ],
    ['another audience', () => keyed.sign({ audience: 'another-client-id' })],
    ['an expired token', () => keyed.sign({ expiresAt: now() - 120 })],
    ['another key', signedByAnotherKey],
  ];

  type Area = {
    area: string;
    call: (client: Api) => Promise<Reply>;
    /** Asserts that the refused call changed nothing. */
    unchanged: () => Promise<void>;
  };
  const areas: Area[] = [
    {
      area: 'switch: POST /communities/{id}/activations',
      call: (client) =>
        client.post('/communities/lm-quiet/activations', { kind: 'fire', level: 'IV', drill: true }),
      unchanged: async () => expect(await modeOf(admin, 'lm-quiet')).toEqual({ mode: 'normal' }),
    },
    {
      area: 'board: GET /activations/{id}',
      call: (client) => client.get(`/activations/${activationId}`),
      unchanged: async () => undefined,
    },
    {
      area: 'check-in: POST /activations/{id}/check-ins',
      call: (client) =>
        client.post(`/activations/${activationId}/check-ins`, {
          memberId: alerted[0] ?? '',
          status: 'arrived',
        }),
      unchanged: async () => {
        const person = peopleOn(await boardOf(admin, activationId)).find((p) => p.memberId === alerted[0]);
        expect(person?.status).toBe('alerted');
      },
    },
    {
      area: 'audit: GET /communities/{id}/audit',
      call: (client) => client.get('/communities/lm/audit'),
      unchanged: async () => undefined,
    },
  ];

  const cases = areas.flatMap((a) => tokens.map(([what, token]) => ({ ...a, what, token })));

  for (const { area, what, call, token, unchanged } of cases)
    it(`${area} with ${what}: 401, nothing changed`, async () => {
      const client = keyed.client(await token());

      const reply = await call(client);

      expect(errorOf(reply)).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
      await unchanged();
    });

  it('lets the same calls through with a good token signed by the same key (the control)', async () => {
    const client = keyed.client(await keyed.sign({ sub: 'limits-control' }));
    const [, board, checkIn, audit] = areas;
    if (!board || !checkIn || !audit) throw new Error('areas missing');

    const boardReply = await board.call(client);
    const auditReply = await audit.call(client);
    const checkInReply = await checkIn.call(client);
    const switchReply = await areas[0]?.call(client);

    expect(boardView.parse(boardReply.body).activationId).toBe(activationId);
    expect(auditPageView.parse(auditReply.body).items.length).toBeGreaterThan(0);
    expect(checkInReply.status).toBe(200);
    expect(switchReply?.status).toBe(201);
    expect((await modeOf(admin, 'lm-quiet')).mode).toBe('drill');
  });
});
