import type { PersonRef, WhistleRecord } from '../adapters/whistle-repository';
import { authorize, type Principal } from '../domain/access';
import { ConflictError, NotFoundError } from '../domain/errors';
import { HELD, isClosed, messageTo, type WhistleContext } from './whistle-context';
import { toView, viewOf } from './whistle-view';

/** Closing a whistle (resolve, cancel) and a switch releasing the people it drafts from one. */
export function makeWhistleClose(ctx: WhistleContext) {
  const { whistles, messenger, clock } = ctx;

  async function close(principal: Principal, whistleId: string, to: 'resolved' | 'cancelled', note?: string) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const detail = await whistles.get(whistleId);
      if (!detail) throw new NotFoundError('whistle', whistleId);
      const { whistle } = detail;
      authorize(principal, 'whistle:raise', [whistle.communityId]);
      if (isClosed(whistle.status)) {
        if (whistle.status === to) return toView(detail, clock.now().toISOString());
        throw new ConflictError('WHISTLE_CLOSED', `the whistle is already ${whistle.status}`, [
          { path: 'status', message: `already ${whistle.status}` },
        ]);
      }
      const now = clock.now().toISOString();
      // Closing tells everyone still called itself: a filled whistle's pending notice is dropped.
      const { releasingSince: _, ...rest } = whistle;
      const next: WhistleRecord = {
        ...rest,
        status: to,
        closedAt: now,
        ...(note ? { note } : {}),
      };
      const result = await whistles.advance({
        whistle,
        next,
        events: [ctx.event(now, to, { by: principal.sub, ...(note ? { note } : {}) })],
      });
      if (result !== 'applied') continue;
      // Calls still being written when it was read may have added people since: read them again.
      const responders = whistle.callingSince
        ? ((await whistles.get(whistleId))?.responders ?? detail.responders)
        : detail.responders;
      const held = responders.filter((r) => HELD.has(r.status));
      await whistles.settleResponders(
        whistleId,
        held.map((r) => ({ from: r, to: r.status === 'called' ? { ...r, status: 'notNeeded' } : r })),
      );
      await messenger.queue(
        held
          .filter((r) => r.status === 'called' || r.status === 'coming')
          .map((r) =>
            messageTo(
              next,
              r,
              {
                type: 'whistleClosed',
                code: next.code,
                gridName: next.gridName,
                cancelled: to === 'cancelled',
              },
              to,
            ),
          ),
        now,
      );
      return viewOf(ctx, whistleId);
    }
    throw new ConflictError('CONCURRENT_UPDATE', 'the whistle kept changing; try again');
  }

  return {
    resolve: (principal: Principal, whistleId: string, note: string) =>
      close(principal, whistleId, 'resolved', note),
    cancel: (principal: Principal, whistleId: string, note?: string) =>
      close(principal, whistleId, 'cancelled', note),

    /**
     * A switch takes precedence: people just drafted are released from any whistle they are on,
     * and told so.
     */
    async releaseDrafted(people: readonly PersonRef[]): Promise<number> {
      const markers = await whistles.getMarkers(people);
      if (markers.length === 0) return 0;
      const now = clock.now().toISOString();
      let released = 0;
      const byWhistle = new Map<string, Set<string>>();
      for (const m of markers)
        byWhistle.set(m.whistleId, (byWhistle.get(m.whistleId) ?? new Set()).add(m.memberId));
      for (const [whistleId, memberIds] of byWhistle) {
        const detail = await whistles.get(whistleId);
        if (!detail) continue;
        const held = detail.responders.filter((r) => memberIds.has(r.memberId) && HELD.has(r.status));
        const settled = await whistles.settleResponders(
          whistleId,
          held.map((r) => ({ from: r, to: { ...r, status: 'released' } })),
        );
        released += settled.length;
        if (settled.length === 0) continue;
        // The whistle's version moves with the event, so a concurrent answer reads the release.
        for (let attempt = 0; attempt < 5; attempt++) {
          const fresh = attempt === 0 ? detail : await whistles.get(whistleId);
          if (!fresh) break;
          const result = await whistles.advance({
            whistle: fresh.whistle,
            next: fresh.whistle,
            events: [
              ctx.event(now, 'released', { memberIds: settled.map((r) => r.memberId), why: 'switch' }),
            ],
          });
          if (result === 'applied') break;
        }
        await messenger.queue(
          settled.map((r) =>
            messageTo(detail.whistle, r, { type: 'whistleReleased', code: detail.whistle.code }, 'released'),
          ),
          now,
        );
      }
      return released;
    },
  };
}
