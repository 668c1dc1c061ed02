import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { COUNTERS, type Counts, countsOf } from '../../../shared/domain/activation';
import type { GridLevel } from '../../../shared/domain/roster';
import { activationView, type boardMemberView, boardView } from '../../../shared/http/schemas';
import type { Client, Reply, TestApi } from './local-api';
import { buildCommunity, createMember, type MemberView, type PhoneBook, succeed } from './roster';
import { waitFor } from './wait-for';

export type Board = z.output<typeof boardView>;
export type BoardTeam = Board['teams'][number];
export type BoardMember = z.output<typeof boardMemberView>;
export type ActivationView = z.output<typeof activationView>;
/** A member on the board, with the team it is on. */
export type Placed = BoardMember & { teamId: string; gridId: string };

/** One SMS as a simulated phone received it. */
export const receivedSms = z.object({
  to: z.string(),
  body: z.string(),
  sentAt: z.string(),
  messageId: z.string(),
});
export type ReceivedSms = z.output<typeof receivedSms>;

/** Fragments of the templates in docs/sms.md that tell one message from another. */
export const SMS = {
  alert: '响应：',
  backfill: '补入',
  reminder: '再次提醒',
  ackConfirmed: '到达后回3',
  ackConfirmedPlain: '已收到，您能来',
  ackEta: (minutes: number) => `您约${minutes}分钟后到`,
  ackArrived: '已记录您到达',
  ackDeclined: '您本次不能参加',
  help: '请回复数字',
  noActiveCallout: '目前没有需要您回复的召集',
  optedOut: '已退订',
  optedIn: '已恢复',
  standDown: '应急响应已结束',
  notNeeded: '无需到场',
  shortfall: '尚缺',
} as const;

/** The texts that acknowledge a reply: what a state change earns. */
export const isAck = (m: ReceivedSms) =>
  m.body.includes(SMS.ackConfirmed) || m.body.includes(SMS.ackArrived) || m.body.includes(SMS.ackDeclined);

export type PersonSpec = { name: string; partyMember?: boolean; roles?: string[]; skills?: string[] };
export type GridSpec = { gridId: string; level?: GridLevel; people: readonly PersonSpec[] };

/** A rostered person as created, with the grid they live in. */
export type Person = MemberView;

/**
 * Creates a street, a community with the given grids (each one's people created in order, the
 * first as its party-member grid leader), and returns everyone by name.
 */
export async function rosterCommunity(
  admin: Client,
  phones: PhoneBook,
  spec: { streetId: string; communityId: string; grids: readonly GridSpec[]; loose?: readonly PersonSpec[] },
): Promise<Map<string, Person>> {
  await buildCommunity(admin, {
    streetId: spec.streetId,
    communityId: spec.communityId,
    grids: spec.grids.map((g) => ({ gridId: g.gridId, level: g.level ?? 'green' })),
  });
  const people = new Map<string, Person>();
  const add = async (p: PersonSpec, gridId: string | undefined, leader: boolean) => {
    if (people.has(p.name)) throw new Error(`two people named ${p.name}`);
    const created = await createMember(admin, spec.communityId, {
      name: p.name,
      phone: phones.next(),
      roles: p.roles ?? (leader ? ['gridLeader'] : ['volunteer']),
      partyMember: p.partyMember ?? true,
      skills: p.skills ?? [],
      available: true,
      ...(gridId ? { gridId } : {}),
    });
    people.set(p.name, created);
  };
  for (const grid of spec.grids)
    for (const [i, p] of grid.people.entries()) await add(p, grid.gridId, i === 0 && p.roles === undefined);
  for (const p of spec.loose ?? []) await add(p, undefined, false);
  return people;
}

/** Names `prefix1`…`prefixN`. */
export const named = (prefix: string, n: number): PersonSpec[] =>
  Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i + 1}` }));

/** Presses the switch for a community; fails the arrange step unless it answers 201. */
export async function switchOn(
  officer: Client,
  communityId: string,
  body: { kind: string; level: string; drill?: boolean } = { kind: 'flood', level: 'I' },
): Promise<ActivationView> {
  const reply = await succeed(
    `switch ${communityId}`,
    officer.post(`/communities/${communityId}/activations`, body),
  );
  return activationView.parse(reply.body);
}

/** Stands an activation down; fails the arrange step unless it answers 200. */
export async function standDown(officer: Client, activationId: string): Promise<void> {
  await succeed(`stand down ${activationId}`, officer.post(`/activations/${activationId}/stand-down`));
}

/** The board, parsed with the contract's schema. */
export async function readBoard(
  client: Client,
  activationId: string,
  view: 'full' | 'counts' = 'full',
): Promise<Board> {
  const reply = await client.get(`/activations/${activationId}${view === 'counts' ? '?view=counts' : ''}`);
  if (reply.status !== 200) throw new Error(`board: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
  return boardView.parse(reply.body);
}

/** Every member on the board, with their team. */
export function placed(board: Board): Placed[] {
  return board.teams.flatMap((t) =>
    (t.members ?? []).map((m) => ({ ...m, teamId: t.teamId, gridId: t.gridId })),
  );
}

/** One member on the board, by member id; throws when absent. */
export function onBoard(board: Board, memberId: string): Placed {
  const found = placed(board).find((m) => m.memberId === memberId);
  if (!found) throw new Error(`member ${memberId} is not on the board`);
  return found;
}

/** One team of the board, by grid; throws when absent. */
export function teamOf(board: Board, gridId: string): BoardTeam {
  const team = board.teams.find((t) => t.gridId === gridId);
  if (!team) throw new Error(`no team for grid ${gridId}`);
  return team;
}

/**
 * The counters as they must be for these board members (`countsOf` over their statuses). The
 * simulated network never fails a send, so no alert counts as failed.
 */
export function recount(members: readonly BoardMember[]): Counts {
  return countsOf(
    members.map((m) => ({
      status: m.status,
      alertedAt: m.alertedAt,
      deliveredAt: m.deliveredAt,
      respondedAt: m.respondedAt,
      outbox: {},
    })),
  );
}

/** How each counter moved from `before` to `after`; counters that did not move are left out. */
export function moved(before: Counts, after: Counts): Partial<Counts> {
  const out: Partial<Counts> = {};
  for (const c of COUNTERS) if (after[c] !== before[c]) out[c] = after[c] - before[c];
  return out;
}

/** Polls the board until `predicate` holds. */
export function waitForBoard(
  client: Client,
  activationId: string,
  what: string,
  predicate: (board: Board) => boolean,
  timeoutMs = 30_000,
): Promise<Board> {
  return waitFor(
    what,
    async () => {
      const board = await readBoard(client, activationId);
      return predicate(board) ? board : undefined;
    },
    { timeoutMs, intervalMs: 150 },
  );
}

/** Waits until every drafted person's alert has gone out and the counters say so. */
export function waitUntilAlerted(client: Client, activationId: string, timeoutMs = 30_000): Promise<Board> {
  return waitForBoard(
    client,
    activationId,
    'every alert sent',
    (b) => {
      const people = placed(b).filter((m) => m.status !== 'released');
      return (
        people.length > 0 &&
        people.length === b.counts.drafted &&
        people.every((m) => m.alertedAt !== undefined) &&
        b.counts.alerted === b.counts.drafted
      );
    },
    timeoutMs,
  );
}

/** A volunteer's phone sends an SMS to the service, through the local stack's inbound route. */
export async function texts(
  api: TestApi,
  from: string,
  body: string,
  inboundMessageId: string = randomUUID(),
): Promise<Reply> {
  return api.anonymous.post('/dev/sms/inbound', { from, body, inboundMessageId });
}

/** Like `texts`, but fails unless the route accepted the SMS. */
export async function send(api: TestApi, from: string, body: string, inboundMessageId?: string) {
  const reply = await texts(api, from, body, inboundMessageId);
  if (reply.status !== 202)
    throw new Error(`inbound SMS: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply;
}

/** Every SMS the phone has received, oldest first. */
export async function inbox(api: TestApi, phone: string): Promise<ReceivedSms[]> {
  const reply = await api.anonymous.get(`/dev/sms/outbox?phone=${encodeURIComponent(phone)}`);
  if (reply.status !== 200) throw new Error(`outbox: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
  return z.array(receivedSms).parse(reply.body);
}

/** Polls a phone's inbox until `predicate` holds. */
export function waitForInbox(
  api: TestApi,
  phone: string,
  what: string,
  predicate: (messages: ReceivedSms[]) => boolean,
  timeoutMs = 20_000,
): Promise<ReceivedSms[]> {
  return waitFor(
    what,
    async () => {
      const messages = await inbox(api, phone);
      return predicate(messages) ? messages : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/** Messages whose body contains `fragment`. */
export const containing = (messages: readonly ReceivedSms[], fragment: string) =>
  messages.filter((m) => m.body.includes(fragment));

/** Waits until the stream consumer has handled everything written so far (twice: sends write too). */
export async function quiet(api: TestApi): Promise<void> {
  const consumer = api.stack.consumer;
  if (!consumer) throw new Error('this stack runs no stream consumer');
  await consumer.caughtUp();
  await consumer.caughtUp();
}
