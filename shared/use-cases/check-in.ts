import { createHash } from 'node:crypto';
import type { CheckInRepository, Inbound } from '../adapters/check-in-repository';
import type { Clock } from '../adapters/clock';
import { authorize, type Principal } from '../domain/access';
import { type Activation, type CheckInStatus, canCheckIn, type Draftee } from '../domain/activation';
import { ConflictError, NotFoundError } from '../domain/errors';
import { ackFor, helpFor, noCallOutNotice, optOutNoticeFor } from '../domain/messages';
import { normalisePhone } from '../domain/phone';
import { type ParsedReply, parseReply } from '../domain/reply';
import { parseSmsWhistle } from '../domain/whistle';
import { queue } from '../outbox/port';
import { type BoardMember, displayStatus } from './board';
import type { WhistleUseCases } from './whistle';

/** The one thing the reply path asks of the activations: the activation itself. */
export type ActivationLookup = { get(activationId: string): Promise<Activation | undefined> };

export type CheckInPorts = {
  checkIns: CheckInRepository;
  activations: ActivationLookup;
  clock: Clock;
  /** Told of every applied reply, for metrics: what it was, and how long after the alert it came. */
  observe?: (event: ReplyEvent) => void;
  /** The whistle (吹哨): raised by a grid leader's `吹哨`, answered by whoever it called. */
  whistle?: Pick<WhistleUseCases, 'raiseBySms' | 'answerBySms'> | undefined;
};

/** An applied reply, as metrics see it. */
export type ReplyEvent = { kind: CheckInStatus; secondsAfterAlert?: number | undefined; drill: boolean };

/** An SMS reply as the inbound topic delivers it. */
export type IncomingReply = {
  from: string;
  body: string;
  inboundMessageId: string;
  receivedAt?: string | undefined;
};

/** What became of a reply; for logs and tests, never shown to the sender. */
export type ReplyOutcome =
  | 'applied'
  | 'replayed'
  | 'ignored'
  | 'stale'
  | 'help'
  | 'helpAlreadySent'
  | 'noActiveCallout'
  | 'unknownPhone'
  | 'optedOut'
  | 'optedIn'
  | 'whistleRaised'
  | 'whistleRefused'
  | 'whistleAnswered';

const TARGET: Record<'confirm' | 'decline' | 'arrived', CheckInStatus> = {
  confirm: 'confirmed',
  decline: 'declined',
  arrived: 'arrived',
};

const shortId = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** Replies by SMS and check-ins by hand: every reply counts once, in order. */
export function makeCheckInUseCases({ checkIns, activations, clock, observe, whistle }: CheckInPorts) {
  /**
   * Moves a draftee, re-reading and retrying when another reply moved them first. A change that
   * the status rules refuse (a late "1" after "3") is remembered and ignored.
   */
  async function move(
    first: Draftee,
    to: CheckInStatus,
    details: { etaMinutes?: number | undefined; reason?: string | undefined },
    inbound: Inbound | undefined,
    replyAt: string,
    ackKey: string,
  ): Promise<{ outcome: 'applied' | 'replayed' | 'ignored' | 'stale'; draftee: Draftee }> {
    let draftee = first;
    for (let attempt = 0; attempt < 4; attempt++) {
      const late = draftee.lastReplyAt !== undefined && draftee.lastReplyAt > replyAt;
      if (!draftee.open || !canCheckIn(draftee.status, to) || late) {
        if (inbound && !(await checkIns.recordInbound(inbound))) return { outcome: 'replayed', draftee };
        return { outcome: late ? 'stale' : 'ignored', draftee };
      }
      const now = clock.now().toISOString();
      const result = await checkIns.applyStatus({
        draftee,
        to,
        at: now,
        replyAt,
        inbound,
        etaMinutes: to === 'confirmed' ? details.etaMinutes : undefined,
        reason: to === 'declined' ? details.reason : undefined,
        ack: { key: ackKey, message: queue(ackFor(draftee, to, details.etaMinutes), draftee.locale, now) },
      });
      if (result !== 'stale') return { outcome: result, draftee };
      const fresh = await checkIns.getDraftee(draftee.activationId, draftee.memberId);
      if (!fresh) return { outcome: 'ignored', draftee };
      draftee = fresh;
    }
    return { outcome: 'stale', draftee };
  }

  return {
    /** Applies one SMS reply. A phone on no roster gets nothing and changes nothing. */
    async reply(incoming: IncomingReply): Promise<ReplyOutcome> {
      const phone = normalisePhone(incoming.from);
      if (!phone.ok) return 'unknownPhone';
      const now = clock.now().toISOString();
      const inbound: Inbound = { id: incoming.inboundMessageId, at: now };
      const replyAt = incoming.receivedAt ?? now;
      const parsed: ParsedReply = parseReply(incoming.body);

      if (parsed.kind === 'optOut' || parsed.kind === 'optIn') {
        const entry = await checkIns.getPhone(phone.e164);
        if (!entry) return 'unknownPhone';
        const optOut = parsed.kind === 'optOut';
        const open = optOut ? await checkIns.findOpenByPhone(phone.e164) : [];
        const locale = open[0]?.locale ?? 'zh';
        let release = open[0];
        for (let attempt = 0; ; attempt++) {
          const result = await checkIns.setOptOut({
            entry,
            optOut,
            inbound,
            confirmation: {
              id: `${optOut ? 'optout' : 'optin'}-${shortId(inbound.id)}`,
              message: queue(optOutNoticeFor(optOut), locale, now),
            },
            release,
          });
          if (result === 'replayed') return 'replayed';
          if (result === 'applied') return optOut ? 'optedOut' : 'optedIn';
          if (!release || attempt >= 3) throw new Error('opt-out kept racing with the draftee');
          const fresh = await checkIns.getDraftee(release.activationId, release.memberId);
          release = fresh?.open ? fresh : undefined;
        }
      }

      if (whistle && parsed.kind === 'unknown' && parseSmsWhistle(incoming.body) !== undefined) {
        const entry = await checkIns.getPhone(phone.e164);
        if (!entry) return 'unknownPhone';
        if (!entry.smsOptOut) {
          const raised = await whistle.raiseBySms(entry, incoming.body, inbound);
          if (raised === 'replayed') return 'replayed';
          if (raised) return raised === 'raised' ? 'whistleRaised' : 'whistleRefused';
        }
      }

      const [draftee] = await checkIns.findOpenByPhone(phone.e164);
      if (!draftee) {
        const entry = await checkIns.getPhone(phone.e164);
        if (!entry) return 'unknownPhone';
        if (entry.smsOptOut) return (await checkIns.recordInbound(inbound)) ? 'ignored' : 'replayed';
        // Someone on a whistle and on no call-out answers the whistle.
        const answered = await whistle?.answerBySms(entry, parsed, inbound);
        if (answered === 'applied') return 'whistleAnswered';
        if (answered) return answered;
        // At most one "no call-out" answer a day per phone, however often it writes.
        // The day as people there count it: China Standard Time, UTC+8.
        const day = new Date(Date.parse(now) + 8 * 3600_000).toISOString().slice(0, 10);
        const result = await checkIns.queueLoose(
          `noactive-${shortId(`${phone.e164}/${day}`)}`,
          phone.e164,
          queue(noCallOutNotice(), 'zh', now),
          inbound,
        );
        return result === 'replayed' ? 'replayed' : 'noActiveCallout';
      }

      if (parsed.kind === 'unknown') {
        const help = queue(helpFor(draftee), draftee.locale, now);
        const result = await checkIns.sendHelp(draftee, inbound, help);
        if (result === 'applied') return 'help';
        if (result === 'replayed') return 'replayed';
        return (await checkIns.recordInbound(inbound)) ? 'helpAlreadySent' : 'replayed';
      }

      const to = TARGET[parsed.kind];
      const details = {
        etaMinutes: parsed.kind === 'confirm' ? parsed.etaMinutes : undefined,
        reason: parsed.kind === 'decline' ? parsed.reason : undefined,
      };
      const { outcome } = await move(draftee, to, details, inbound, replyAt, `ack-${shortId(inbound.id)}`);
      if (outcome === 'applied') {
        const after = draftee.alertedAt
          ? (Date.parse(now) - Date.parse(draftee.alertedAt)) / 1000
          : undefined;
        observe?.({ kind: to, secondsAfterAlert: after, drill: draftee.drill });
      }
      return outcome;
    },

    /** A team leader or commander marks someone by hand. */
    async manual(
      principal: Principal,
      activationId: string,
      input: { memberId: string; status: CheckInStatus },
    ): Promise<BoardMember> {
      const activation = await activations.get(activationId);
      if (!activation) throw new NotFoundError('activation', activationId);
      authorize(principal, 'checkin:write', [activation.communityId]);
      if (activation.status !== 'active') {
        throw new ConflictError('ACTIVATION_CLOSED', 'the activation has been stood down');
      }
      const draftee = await checkIns.getDraftee(activationId, input.memberId);
      if (!draftee) throw new NotFoundError('draftee', input.memberId);
      if (!canCheckIn(draftee.status, input.status)) {
        throw new ConflictError(
          'INVALID_TRANSITION',
          `cannot go from ${displayStatus(draftee)} to ${input.status}`,
          [
            {
              path: 'status',
              message: `not allowed from ${displayStatus(draftee)}`,
              from: displayStatus(draftee),
            },
          ],
        );
      }
      const now = clock.now().toISOString();
      const { outcome } = await move(
        draftee,
        input.status,
        {},
        undefined,
        now,
        `manual-${shortId(`${principal.sub}/${now}`)}`,
      );
      const after = (await checkIns.getDraftee(activationId, input.memberId)) ?? draftee;
      if (outcome !== 'applied') {
        throw new ConflictError('CONCURRENT_UPDATE', 'the person’s status changed meanwhile; look again', [
          { path: 'status', message: `now ${displayStatus(after)}` },
        ]);
      }
      return {
        memberId: after.memberId,
        name: after.name,
        phone: after.phone,
        status: displayStatus(after),
        leader: after.leader,
        source: after.source,
        alertedAt: after.alertedAt,
        deliveredAt: after.deliveredAt,
        respondedAt: after.respondedAt,
        etaMinutes: after.etaMinutes,
        reason: after.reason,
      };
    },
  };
}

export type CheckInUseCases = ReturnType<typeof makeCheckInUseCases>;
