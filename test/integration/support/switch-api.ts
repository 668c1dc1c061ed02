import * as z from 'zod';
import {
  activationListView,
  activationView,
  boardView,
  modeView,
  standDownView,
} from '../../../shared/http/schemas';
import type { Api } from './http-client';
import type { Reply } from './local-api';
import { waitFor } from './wait-for';

export type ActivationView = z.output<typeof activationView>;
export type BoardView = z.output<typeof boardView>;
export type PressBody = {
  kind: 'flood' | 'earthquake' | 'fire' | 'publicHealth' | 'snowstorm' | 'other';
  level: 'I' | 'II' | 'III' | 'IV';
  drill?: boolean;
  note?: string;
};

/** Presses the key for a community. */
export function press(
  client: Api,
  communityId: string,
  body: PressBody,
  idempotencyKey?: string,
): Promise<Reply> {
  return client.post(
    `/communities/${communityId}/activations`,
    body,
    idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey },
  );
}

/** Presses the key and fails the arrange step unless it answers 201. */
export async function pressOk(client: Api, communityId: string, body: PressBody): Promise<ActivationView> {
  const reply = await press(client, communityId, body);
  if (reply.status !== 201)
    throw new Error(`press ${communityId}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
  return activationView.strict().parse(reply.body);
}

export async function modeOf(client: Api, communityId: string): Promise<z.output<typeof modeView>> {
  const reply = await client.get(`/communities/${communityId}/mode`);
  if (reply.status !== 200) throw new Error(`mode of ${communityId}: HTTP ${reply.status}`);
  return modeView.strict().parse(reply.body);
}

export async function boardOf(client: Api, activationId: string): Promise<BoardView> {
  const reply = await client.get(`/activations/${activationId}`);
  if (reply.status !== 200)
    throw new Error(`board ${activationId}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
  return boardView.parse(reply.body);
}

/** The board once `ready` holds for it, within the deadline. */
export function waitForBoard(
  client: Api,
  activationId: string,
  what: string,
  ready: (board: BoardView) => boolean,
  timeoutMs = 30_000,
): Promise<BoardView> {
  return waitFor(
    what,
    async () => {
      const board = await boardOf(client, activationId);
      return ready(board) ? board : undefined;
    },
    { timeoutMs },
  );
}

/** Every member the board lists, team by team. */
export const boardMembers = (board: BoardView) => board.teams.flatMap((t) => t.members ?? []);

/** True once every planned place has become a draftee on the board. */
export const materialized = (board: BoardView) =>
  boardMembers(board).length === board.drafted && boardMembers(board).every((m) => m.phone !== undefined);

export async function standDown(client: Api, activationId: string): Promise<z.output<typeof standDownView>> {
  const reply = await client.post(`/activations/${activationId}/stand-down`);
  if (reply.status !== 200)
    throw new Error(`stand down ${activationId}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
  return standDownView.strict().parse(reply.body);
}

/** Stands down whatever is open in these communities, so the next test starts from normal. */
export async function standDownOpen(client: Api, communityIds: readonly string[]): Promise<void> {
  for (const communityId of communityIds) {
    const mode = await modeOf(client, communityId);
    if (mode.activationId) await standDown(client, mode.activationId);
  }
}

export async function activationsOf(client: Api, communityId: string) {
  const reply = await client.get(`/communities/${communityId}/activations?limit=100`);
  if (reply.status !== 200) throw new Error(`activations of ${communityId}: HTTP ${reply.status}`);
  return activationListView.strict().parse(reply.body).items;
}

const outboxView = z.array(
  z.object({ to: z.string(), body: z.string(), sentAt: z.string(), messageId: z.string() }).strict(),
);
export type Sms = z.output<typeof outboxView>[number];

/** Every SMS a phone has received, oldest first (the simulated network's inbox). */
export async function inbox(client: Api, phone: string): Promise<Sms[]> {
  const reply = await client.get(`/dev/sms/outbox?phone=${encodeURIComponent(phone)}`);
  if (reply.status !== 200) throw new Error(`outbox of ${phone}: HTTP ${reply.status}`);
  return outboxView.parse(reply.body);
}

/** The error details of a 409 that name an activation. */
export const conflictDetail = z.object({ path: z.string(), message: z.string(), activationId: z.string() });
