import type { Inbound, PhoneEntry } from '../adapters/check-in-repository';
import type { WhistleRecord } from '../adapters/whistle-repository';
import type { NewCall } from '../adapters/whistle-store';
import { authorize, type Principal } from '../domain/access';
import { NotFoundError, ValidationError } from '../domain/errors';
import {
  nextLevel,
  parseSmsWhistle,
  respondWithin,
  type WhistleInput,
  type WhistleLevel,
} from '../domain/whistle';
import { minutesLater, shortId, type WhistleContext, whistleCode } from './whistle-context';
import { callsAt, readCalling, widenFrom, writeRest } from './whistle-escalate';
import { viewOf } from './whistle-view';

type RaiseArgs = {
  communityId: string;
  input: WhistleInput;
  raisedBy: string;
  via: 'api' | 'sms';
  inbound?: Inbound;
  activationId?: string;
};

/** Raising a whistle: from the API (console) and by SMS from a grid leader. */
export function makeWhistleRaise(ctx: WhistleContext) {
  const { structure, members, activations, messenger, clock, ids, whistles } = ctx;

  /**
   * Checks the request, finds the first level that calls anyone, and writes the whistle with
   * its events and calls: in one transaction when they fit, else the first transaction's worth
   * with the rest pending until written (the sweep finishes them if this dies part-way).
   */
  async function raiseCore(args: RaiseArgs) {
    const { input } = args;
    const community = await structure.getCommunity(args.communityId);
    if (!community) throw new NotFoundError('community', args.communityId);
    const now = clock.now().toISOString();
    const whistleId = ids.next();
    if (input.activationId) {
      const activation = await activations.get(input.activationId);
      if (activation?.communityId !== args.communityId)
        throw new ValidationError(`unknown activation '${input.activationId}'`, [
          { path: 'activationId', message: `not an activation of community '${args.communityId}'` },
        ]);
    }
    const where = {
      communityId: args.communityId,
      streetId: community.streetId,
      gridId: input.gridId,
      category: input.category,
    };
    const { found, calling } = await readCalling(ctx, where);
    const grid = found?.grids.find((g) => g.gridId === input.gridId);
    if (!grid)
      throw new ValidationError(`unknown grid '${input.gridId}'`, [
        { path: 'gridId', message: `not a grid of community '${args.communityId}'` },
      ]);
    const warnings: string[] = [];
    if (!calling.units.some((u) => u.serves.includes(input.category)))
      warnings.push(`nobody in the street serves ${input.category}: only the community will be told`);
    const minutes = respondWithin(input);
    const whistle: WhistleRecord = {
      whistleId,
      code: whistleCode(whistleId),
      communityId: args.communityId,
      communityName: community.name,
      streetId: community.streetId,
      gridId: input.gridId,
      gridName: grid.name,
      reason: input.reason,
      category: input.category,
      ...(input.people !== undefined ? { people: input.people } : {}),
      skills: input.skills ?? [],
      respondWithinMinutes: minutes,
      level: 'grid',
      status: 'open',
      openedAt: now,
      deadlineAt: minutesLater(now, minutes),
      raisedBy: args.raisedBy,
      via: args.via,
      ...(args.activationId ? { activationId: args.activationId } : {}),
      warnings,
      version: 0,
    };
    const events = [ctx.event(now, 'raised', { by: args.raisedBy, via: args.via, category: input.category })];
    // A level with nobody to call widens at once, an event each, before anything is written.
    let level: WhistleLevel = 'grid';
    let calls: NewCall[] = callsAt(whistle, calling, level, new Set(), now);
    for (let up = nextLevel(level); calls.length === 0 && up; up = nextLevel(level)) {
      level = up;
      events.push(ctx.event(now, 'widened', { level }));
      calls = callsAt(whistle, calling, level, new Set(), now);
    }
    const created = await whistles.create({
      whistle: { ...whistle, level },
      events,
      inbound: args.inbound,
      calls,
      now,
    });
    if (created.outcome === 'replayed') return { replayed: true as const, whistleId: created.whistleId };
    const called = [...created.added, ...(await writeRest(ctx, created.whistle, created.rest))];
    const above = nextLevel(level);
    if (called.length === 0 && calls.length > 0 && above) {
      // Everyone wanted was taken by another whistle meanwhile: widen as the sweep would.
      const fresh = await whistles.get(whistleId);
      if (fresh) called.push(...(await widenFrom(ctx, fresh.whistle, calling, above, new Set(), now)));
    }
    return { replayed: false as const, whistleId, called, now };
  }

  return {
    /** `POST /communities/{id}/whistles`: admins, and the community's duty officers and commanders. */
    async raise(principal: Principal, communityId: string, input: WhistleInput) {
      authorize(principal, 'whistle:raise', [communityId]);
      const { activationId } = input;
      const result = await raiseCore({
        communityId,
        input,
        raisedBy: principal.sub,
        via: 'api',
        ...(activationId ? { activationId } : {}),
      });
      if (result.replayed) throw new Error('an API raise cannot be a replay');
      return viewOf(ctx, result.whistleId);
    },

    /**
     * `吹哨` / `哨` from a phone: raised when it is a grid leader's, for their grid, acknowledged
     * with the short code. Undefined when the text is not a whistle.
     */
    async raiseBySms(
      entry: PhoneEntry,
      body: string,
      inbound: Inbound,
    ): Promise<'raised' | 'refused' | 'replayed' | undefined> {
      const parsed = parseSmsWhistle(body);
      if (parsed === undefined) return undefined;
      const now = clock.now().toISOString();
      const refuse = async (why: 'notLeader' | 'people') => {
        await messenger.queue(
          [
            {
              id: `whistle-refused-${shortId(inbound.id)}`,
              phone: entry.phone,
              message: { type: 'whistleRefused', why },
            },
          ],
          now,
        );
        return 'refused' as const;
      };
      if ('error' in parsed) return refuse('people');
      const member = await members.get(entry.communityId, entry.memberId);
      if (!member?.roles.includes('gridLeader') || !member.gridId) return refuse('notLeader');
      const result = await raiseCore({
        communityId: entry.communityId,
        input: {
          gridId: member.gridId,
          reason: parsed.reason,
          category: parsed.category,
          ...(parsed.people !== undefined ? { people: parsed.people } : {}),
        },
        raisedBy: `sms:${member.memberId}`,
        via: 'sms',
        inbound,
      });
      const raised = (whistleId: string, notified: number) =>
        messenger.queue(
          [
            {
              id: `whistle-raised-${whistleId}`,
              phone: entry.phone,
              message: { type: 'whistleRaised', code: whistleCode(whistleId), notified },
            },
          ],
          now,
        );
      if (result.replayed) {
        // Seen before: the whistle stands; its answer may not have been queued (the first try
        // died after the whistle was written). Queued under the same id, it goes out once.
        const before = result.whistleId ? await whistles.get(result.whistleId) : undefined;
        if (before) await raised(before.whistle.whistleId, before.responders.length);
        return 'replayed';
      }
      await raised(result.whistleId, result.called.length);
      await ctx.recordAudit(entry.communityId, 'whistle.raise', result.whistleId, `sms:${member.memberId}`, {
        via: 'sms',
        category: parsed.category,
        notified: result.called.length,
      });
      return 'raised';
    },
  };
}
