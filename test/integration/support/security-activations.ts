import type { z } from 'zod';
import { activationView, boardView, modeView } from '../../../shared/http/schemas';
import type { Api } from './http-client';
import { succeed } from './roster';
import { waitFor } from './wait-for';

export type Board = z.output<typeof boardView>;
export type BoardPerson = NonNullable<Board['teams'][number]['members']>[number];
export type Mode = z.output<typeof modeView>;

/** A community's mode, read as `client`; fails the step unless it answers 200. */
export async function modeOf(client: Api, communityId: string): Promise<Mode> {
  const reply = await succeed(`mode of ${communityId}`, client.get(`/communities/${communityId}/mode`));
  return modeView.parse(reply.body);
}

/** The full board, parsed with the contract's schema; fails the step unless it answers 200. */
export async function boardOf(client: Api, activationId: string): Promise<Board> {
  const reply = await succeed(`board ${activationId}`, client.get(`/activations/${activationId}`));
  return boardView.parse(reply.body);
}

/** Everyone on a board, team by team. */
export const peopleOn = (board: Board): BoardPerson[] => board.teams.flatMap((t) => t.members ?? []);

/** Presses the switch (level IV, so teams stay small); fails the step unless it answers 201. */
export async function pressSwitch(
  client: Api,
  communityId: string,
  options: { drill: boolean; kind?: string; level?: string },
): Promise<z.output<typeof activationView>> {
  const reply = await succeed(
    `switch ${communityId}`,
    client.post(`/communities/${communityId}/activations`, {
      kind: options.kind ?? 'flood',
      level: options.level ?? 'IV',
      drill: options.drill,
    }),
  );
  return activationView.parse(reply.body);
}

/** Stands the community down if it is switched, so it is back in normal mode. */
export async function ensureNormal(admin: Api, communityId: string): Promise<void> {
  const mode = await modeOf(admin, communityId);
  if (mode.mode === 'normal' || mode.activationId === undefined) return;
  await succeed(
    `stand down ${mode.activationId}`,
    admin.post(`/activations/${mode.activationId}/stand-down`),
  );
}

/**
 * An open activation of the community, of the kind asked for (`drill` true or false, or either
 * when undefined): the one already open if it fits, else a fresh one after standing down the other.
 */
export async function ensureOpen(
  admin: Api,
  communityId: string,
  drill?: boolean,
): Promise<{ activationId: string; drill: boolean }> {
  const mode = await modeOf(admin, communityId);
  if (mode.mode !== 'normal' && mode.activationId !== undefined) {
    const isDrill = mode.mode === 'drill';
    if (drill === undefined || drill === isDrill) return { activationId: mode.activationId, drill: isDrill };
  }
  await ensureNormal(admin, communityId);
  const pressed = await pressSwitch(admin, communityId, { drill: drill ?? true });
  return { activationId: pressed.activationId, drill: drill ?? true };
}

/**
 * Waits until the plan has become people and every alert has gone out: from then on each person
 * on the board is a stored draftee that a check-in or a reply can move.
 */
export function waitForAlerts(client: Api, activationId: string, timeoutMs = 30_000): Promise<Board> {
  return waitFor(
    `every alert of ${activationId} sent`,
    async () => {
      const board = await boardOf(client, activationId);
      const people = peopleOn(board).filter((p) => p.status !== 'released');
      const done =
        people.length > 0 &&
        people.length === board.counts.drafted &&
        people.every((p) => p.alertedAt !== undefined) &&
        board.counts.alerted === board.counts.drafted;
      return done ? board : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  );
}
