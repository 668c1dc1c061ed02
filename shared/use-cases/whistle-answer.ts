import type { Inbound, PhoneEntry } from '../adapters/check-in-repository';
import type { WhistleMessage } from '../adapters/whistle-messages';
import type { ResponderRecord, WhistleRecord } from '../adapters/whistle-repository';
import type { ParsedReply } from '../domain/reply';
import { type Answer, applyAnswer } from '../domain/whistle';
import { COUNTS, HELD, isClosed, messageTo, shortId, type WhistleContext } from './whistle-context';

/**
 * Tells everyone still called on a filled whistle that they are not needed, frees them, and
 * clears the whistle's mark. Each step can be repeated: the messages have stable ids (queued
 * first, so nobody is freed untold), the responders move only from `called`, and the mark goes
 * only from the version read. Run right after the filling answer, and by the sweep should that
 * answer die part-way. Returns how many were told.
 */
export async function releaseUnneeded(ctx: WhistleContext, whistleId: string): Promise<number> {
  const { whistles, messenger, clock } = ctx;
  for (let attempt = 0; attempt < 8; attempt++) {
    const detail = await whistles.get(whistleId);
    const whistle = detail?.whistle;
    if (!detail || !whistle?.releasingSince) return 0;
    const now = clock.now().toISOString();
    // Those already moved to notNeeded by an earlier run were queued their message before it.
    const rest = detail.responders.filter((r) => r.status === 'called' || r.status === 'notNeeded');
    await messenger.queue(
      rest.map((r) =>
        messageTo(
          whistle,
          r,
          { type: 'whistleNotNeeded', code: whistle.code, gridName: whistle.gridName },
          'notNeeded',
        ),
      ),
      now,
    );
    await whistles.settleResponders(
      whistleId,
      rest.filter((r) => r.status === 'called').map((r) => ({ from: r, to: { ...r, status: 'notNeeded' } })),
    );
    const { releasingSince: _, ...next } = whistle;
    const result = await whistles.advance({ whistle, next });
    if (result !== 'stale') return rest.length;
  }
  throw new Error('telling the people of a filled whistle kept racing');
}

/** Answers by SMS (1 coming, 2 can't, 3 arrived): acknowledged, and once filled the rest told. */
export function makeWhistleAnswer(ctx: WhistleContext) {
  const { whistles, clock } = ctx;
  return {
    /**
     * An SMS answer (1 / 2 / 3) from someone on a whistle; undefined when they are on none.
     * The answer, its acknowledgement and the inbound id are one transaction.
     */
    async answerBySms(
      entry: PhoneEntry,
      parsed: ParsedReply,
      inbound: Inbound,
    ): Promise<'applied' | 'replayed' | 'ignored' | undefined> {
      if (parsed.kind !== 'confirm' && parsed.kind !== 'decline' && parsed.kind !== 'arrived')
        return undefined;
      const [marker] = await whistles.getMarkers([
        { communityId: entry.communityId, memberId: entry.memberId },
      ]);
      if (!marker) return undefined;
      const answer: Answer =
        parsed.kind === 'confirm'
          ? { kind: 'confirm', etaMinutes: parsed.etaMinutes }
          : parsed.kind === 'decline'
            ? { kind: 'decline' }
            : { kind: 'arrived' };
      for (let attempt = 0; attempt < 8; attempt++) {
        const detail = await whistles.get(marker.whistleId);
        const responder = detail?.responders.find((r) => r.memberId === entry.memberId);
        if (!detail || !responder || !HELD.has(responder.status) || isClosed(detail.whistle.status))
          return undefined;
        const { whistle } = detail;
        const now = clock.now().toISOString();
        const outcome = applyAnswer(
          {
            status: whistle.status,
            people: whistle.people ?? 1,
            responders: detail.responders.map((r) => ({
              memberId: r.memberId,
              status: r.status,
              etaMinutes: r.etaMinutes,
              respondedAt: r.respondedAt,
            })),
            firstAnswerAt: whistle.firstAnswerAt,
            filledAt: whistle.filledAt,
          },
          entry.memberId,
          answer,
          now,
        );
        const updated = outcome.state.responders.find((r) => r.memberId === entry.memberId);
        if (!updated) return undefined;
        const nextResponder: ResponderRecord = {
          ...responder,
          status: updated.status === 'notNeeded' ? responder.status : updated.status,
          respondedAt: now,
          ...(updated.etaMinutes !== undefined ? { etaMinutes: updated.etaMinutes } : {}),
        };
        const filledNow =
          outcome.notNeeded.length > 0 || (outcome.state.status === 'filled' && whistle.status === 'open');
        const next: WhistleRecord = {
          ...whistle,
          status: outcome.state.status,
          ...(outcome.state.firstAnswerAt ? { firstAnswerAt: outcome.state.firstAnswerAt } : {}),
          ...(outcome.state.filledAt ? { filledAt: outcome.state.filledAt } : {}),
          // Filled: marked until everyone still called has been told, in case this dies first.
          ...(filledNow && outcome.notNeeded.length > 0 ? { releasingSince: now } : {}),
        };
        const events = [
          ctx.event(now, 'answered', { memberId: entry.memberId, answer: nextResponder.status }),
        ];
        if (filledNow)
          events.push(
            ctx.event(now, 'filled', {
              coming: outcome.state.responders.filter((r) => COUNTS.has(r.status)).length,
            }),
          );
        const ack: WhistleMessage = {
          id: `whistle-ack-${shortId(inbound.id)}`,
          phone: entry.phone,
          message: {
            type: 'whistleAck',
            code: whistle.code,
            answer:
              nextResponder.status === 'declined'
                ? 'declined'
                : nextResponder.status === 'arrived'
                  ? 'arrived'
                  : 'coming',
            ...(nextResponder.status === 'coming' && nextResponder.etaMinutes !== undefined
              ? { etaMinutes: nextResponder.etaMinutes }
              : {}),
          },
        };
        // The acknowledgement is queued in the answer's own transaction: both stand or neither.
        const result = await whistles.answer({
          whistle,
          next,
          events,
          inbound,
          responder: { from: responder, to: nextResponder },
          ack,
          now,
        });
        if (result === 'replayed') return 'replayed';
        if (result === 'stale') continue;
        if (next.releasingSince) await releaseUnneeded(ctx, whistle.whistleId);
        return 'applied';
      }
      throw new Error('the whistle answer kept racing');
    },
  };
}
