import * as z from 'zod';
import { Dice, mobileNumber } from '../../../local/demo-data';
import type { GridLevel } from '../../../shared/domain/roster';
import {
  errorBody,
  fieldIssue,
  importResultView,
  memberPageView,
  memberView,
} from '../../../shared/http/schemas';
import type { Api } from './http-client';
import type { Reply } from './local-api';

export type MemberView = z.output<typeof memberView>;

/** A reply's body parsed with the contract's schema, so a wrong shape fails the test. */
export function bodyOf<S extends z.ZodType>(schema: S, reply: Reply): z.output<S> {
  return schema.parse(reply.body);
}

/** The list replies `{items: [...]}` of the structure routes. */
export const itemsOf = <S extends z.ZodType>(item: S) => z.object({ items: z.array(item) }).strict();

export type ApiError = { status: number; code: string; message: string; details: unknown[]; paths: string[] };

/** The contract's error body of a reply, with the field paths its details name. */
export function errorOf(reply: Reply): ApiError {
  const { error } = errorBody.parse(reply.body);
  const paths = error.details.flatMap((d) => {
    const issue = fieldIssue.safeParse(d);
    return issue.success ? [issue.data.path] : [];
  });
  return { status: reply.status, code: error.code, message: error.message, details: error.details, paths };
}

/** Fails the arrange step loudly when a setup call did not succeed. */
export async function succeed(what: string, call: Promise<Reply>): Promise<Reply> {
  const reply = await call;
  if (reply.status < 200 || reply.status > 299)
    throw new Error(`${what}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply;
}

/** Unique, valid mainland mobile numbers in E.164, the same ones for the same seed. */
export class PhoneBook {
  private readonly dice: Dice;
  private readonly taken = new Set<string>();
  constructor(seed: number) {
    this.dice = new Dice(seed);
  }
  next(): string {
    return mobileNumber(this.dice, this.taken);
  }
}

/** The national notation of a mainland number: `+8613800138000` → `13800138000`. */
export const national = (e164: string): string => e164.replace(/^\+86/, '');

export type GridSpec = { gridId: string; level?: GridLevel; neighbours?: string[] };

/** Creates (or updates) a street, one community in it and its grids, as `client`. */
export async function buildCommunity(
  client: Api,
  spec: { streetId: string; communityId: string; grids?: readonly (string | GridSpec)[] },
): Promise<void> {
  await succeed('put street', client.put(`/streets/${spec.streetId}`, { name: `${spec.streetId}街道` }));
  await succeed(
    'put community',
    client.put(`/communities/${spec.communityId}`, {
      name: `${spec.communityId}社区`,
      streetId: spec.streetId,
    }),
  );
  for (const grid of spec.grids ?? []) {
    const { gridId, level = 'green', neighbours = [] } = typeof grid === 'string' ? { gridId: grid } : grid;
    await succeed(
      `put grid ${gridId}`,
      client.put(`/communities/${spec.communityId}/grids/${gridId}`, {
        name: `${gridId}网格`,
        level,
        musterPoint: `${gridId}广场`,
        neighbours,
      }),
    );
  }
}

/** A member body for `POST /communities/{id}/members`, with only the required fields unless told. */
export function memberBody(phone: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: '王伟', phone, roles: ['volunteer'], ...extra };
}

/** Adds a member and returns it as the API answered. */
export async function createMember(
  client: Api,
  communityId: string,
  body: Record<string, unknown>,
): Promise<MemberView> {
  const reply = await succeed('create member', client.post(`/communities/${communityId}/members`, body));
  return memberView.parse(reply.body);
}

/** Posts a roster CSV to the import route. */
export function importCsv(client: Api, communityId: string, csv: string): Promise<Reply> {
  return client.post(`/communities/${communityId}/members/import`, csv, { 'content-type': 'text/csv' });
}

export const importResult = importResultView.strict();

export const CSV_HEADER = 'name,phone,roles,partyMember,gridId,unitId,skills,available';

/**
 * A community of one grid, `g1` (so one team), whose available volunteers have these phones, the
 * first a party member; built and imported through the API.
 */
export async function oneGridCommunity(
  client: Api,
  place: { streetId: string; communityId: string },
  phones: readonly string[],
): Promise<void> {
  await buildCommunity(client, { ...place, grids: ['g1'] });
  const rows = phones.map((phone, i) => `队员${i},${phone},volunteer,${i === 0},g1,,,true`);
  const reply = await importCsv(client, place.communityId, [CSV_HEADER, ...rows].join('\n'));
  const { created } = importResult.parse(reply.body);
  if (created !== phones.length) throw new Error(`import created ${created} of ${phones.length}`);
}

export type Walk = { items: MemberView[]; pages: number; cursors: string[] };

/**
 * Reads a community's member list page by page, following `nextCursor` until there is none.
 * Throws if a page is refused, is larger than `limit`, or a cursor comes round twice.
 */
export async function walkMembers(
  client: Api,
  communityId: string,
  query: Record<string, string> = {},
  limit = 100,
): Promise<Walk> {
  const items: MemberView[] = [];
  const cursors: string[] = [];
  let pages = 0;
  let cursor: string | undefined;
  do {
    const params = new URLSearchParams({ ...query, limit: String(limit), ...(cursor ? { cursor } : {}) });
    const reply = await client.get(`/communities/${communityId}/members?${params}`);
    if (reply.status !== 200)
      throw new Error(`listing ${communityId}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
    const page = memberPageView.strict().parse(reply.body);
    if (page.items.length > limit) throw new Error(`a page of ${page.items.length} items; limit ${limit}`);
    items.push(...page.items);
    pages++;
    cursor = page.nextCursor;
    if (cursor !== undefined) {
      if (cursors.includes(cursor)) throw new Error(`cursor came round twice after page ${pages}`);
      cursors.push(cursor);
    }
    if (pages > 10_000) throw new Error('more than 10,000 pages: the cursor does not advance');
  } while (cursor !== undefined);
  return { items, pages, cursors };
}
