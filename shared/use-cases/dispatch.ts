import { planEntriesOf, toActivation } from '../adapters/activation-records';
import type { ActivationRepository } from '../adapters/activation-repository';
import type { Clock } from '../adapters/clock';
import type { DrafteeRepository } from '../adapters/draftee-repository';
import type { Item } from '../adapters/dynamo';
import type { MemberRepository } from '../adapters/member-repository';
import type { SmsGateway } from '../adapters/sms-gateway';
import type { Counts, Draftee } from '../domain/activation';
import { alertFor, standDownFor } from '../domain/messages';
import { logger } from '../observability';
import { type Outbox, queue } from '../outbox/port';
import { CALL_OUT_KINDS, type Candidate, makeSender } from '../outbox/sender';
import { eventsOf, type StreamChange } from './stream-events';

export type { StreamChange } from './stream-events';

export type DispatchPorts = {
  activations: ActivationRepository;
  draftees: DrafteeRepository;
  members: MemberRepository;
  outbox: Outbox;
  sms: SmsGateway;
  clock: Clock;
  /** Messages per second this consumer hands to the gateway. */
  rate: number;
  /** How long a claim on a message holds before another consumer may settle it. */
  leaseSeconds?: number;
  /** Tries per message while the gateway says it is busy. */
  maxAttempts?: number;
  /** Messages claimed, sent and settled together. */
  groupSize?: number;
  /** A switch takes precedence over a whistle: whoever it drafts is released from theirs. */
  whistle?: { releaseDrafted(people: readonly { communityId: string; memberId: string }[]): Promise<number> };
  /** Counts a closed whistle in the rankings, once. */
  whistleRankings?: { record(whistleId: string): Promise<unknown> };
};

export type DispatchStats = {
  materialized: number;
  closed: number;
  sent: number;
  failed: number;
  requeued: number;
  cancelled: number;
  whistlesRanked: number;
};

/**
 * The consumer of the table's stream: turns plans into draftees, closes draftees at stand-down,
 * and sends every queued SMS exactly once, at the configured rate. Records are handled in order;
 * the index of the first record whose work is not done is returned, so that it and everything
 * after it is delivered again. Every step is conditional on the state it expects, so a record
 * delivered twice does nothing twice.
 */
export function makeDispatcher(ports: DispatchPorts) {
  const { activations, draftees, members, clock } = ports;
  const sender = makeSender(ports);

  /** A plan was written: its people become draftees, each with an alert queued. */
  async function materialize(plan: Item): Promise<number> {
    const activation = await activations.get(String(plan.activationId));
    // A plan of a closed activation is not turned into people: nobody is alerted after stand-down.
    if (!activation || activation.status !== 'active') return 0;
    const entries = planEntriesOf(plan);
    const found = new Map(
      (await members.getMany(entries.map((e) => ({ communityId: e.communityId, memberId: e.memberId })))).map(
        (m) => [m.memberId, m],
      ),
    );
    const now = clock.now().toISOString();
    const groups = new Map<string, { teamId: string; draftees: Draftee[]; delta: Partial<Counts> }>();
    for (const entry of entries) {
      const member = found.get(entry.memberId);
      const usable = member?.available === true && !member.smsOptOut;
      const group = groups.get(entry.teamId) ?? { teamId: entry.teamId, draftees: [], delta: {} };
      groups.set(entry.teamId, group);
      if (!usable) {
        // Changed since the press: off the roster, unavailable or opted out. Released, not alerted.
        group.delta.drafted = (group.delta.drafted ?? 0) - 1;
        group.delta.released = (group.delta.released ?? 0) + 1;
      }
      group.draftees.push({
        activationId: activation.activationId,
        memberId: entry.memberId,
        communityId: entry.communityId,
        teamId: entry.teamId,
        name: member?.name ?? '',
        phone: member?.phone ?? '',
        leader: entry.leader,
        source: entry.source,
        status: usable ? 'drafted' : 'released',
        open: usable,
        drill: activation.drill,
        locale: activation.locale,
        musterPoint: activation.teams.find((t) => t.teamId === entry.teamId)?.musterPoint ?? '',
        draftedAt: now,
        reason: usable
          ? undefined
          : !member
            ? 'no longer on the roster'
            : member.smsOptOut
              ? 'opted out of SMS'
              : 'marked unavailable',
        outbox: usable
          ? { alert: queue(alertFor(activation, entry.teamId, entry.leader), activation.locale, now) }
          : {},
      });
    }
    const inserted = await draftees.insertDraftees(activation, [...groups.values()]);
    await ports.whistle?.releaseDrafted(
      [...groups.values()].flatMap((g) => g.draftees.filter((d) => d.open)),
    );
    return inserted;
  }

  /** An activation was stood down: its open draftees are closed and told. */
  async function closeAfterStandDown(image: Item): Promise<number> {
    const activation = toActivation(image);
    const people = await activations.listDraftees(activation.activationId);
    const now = clock.now().toISOString();
    const closings = people
      .filter((d) => d.open)
      .map((d) => {
        const told = standDownFor(activation, d);
        return {
          memberId: d.memberId,
          cancel: Object.entries(d.outbox)
            // A message already claimed may be leaving this very moment: it is let finish.
            .filter(([, m]) => m.state === 'queued' && CALL_OUT_KINDS.has(m.kind))
            .map(([k]) => k),
          message: told ? { key: 'standDown', value: queue(told, activation.locale, now) } : undefined,
        };
      });
    await draftees.closeDraftees(activation.activationId, closings);
    return closings.length;
  }

  return {
    /** Handles one batch of stream records; returns the index of the first record to deliver again. */
    async handle(
      changes: readonly StreamChange[],
      remainingMs: () => number = () => Number.POSITIVE_INFINITY,
    ): Promise<{ failedAt?: number; stats: DispatchStats }> {
      const stats: DispatchStats = {
        materialized: 0,
        closed: 0,
        sent: 0,
        failed: 0,
        requeued: 0,
        cancelled: 0,
        whistlesRanked: 0,
      };
      const events = eventsOf(changes, clock.now().getTime());
      let failedAt: number | undefined;
      for (const event of events) {
        try {
          if (event.type === 'planWritten') stats.materialized += await materialize(event.plan);
          else if (event.type === 'stoodDown') stats.closed += await closeAfterStandDown(event.activation);
          else if (event.type === 'whistleClosed' && ports.whistleRankings) {
            await ports.whistleRankings.record(event.whistleId);
            stats.whistlesRanked += 1;
          }
        } catch (error) {
          const type =
            event.type === 'planWritten' ? 'plan' : event.type === 'whistleClosed' ? 'whistle' : 'activation';
          logger.error('stream record failed', { error, index: event.index, type });
          failedAt = event.index;
          break;
        }
      }
      // Messages of the records before a failure go out; the rest wait for the retry.
      const candidates = new Map<string, Candidate>();
      for (const event of events) {
        if (event.type !== 'messagePending' || (failedAt !== undefined && event.index >= failedAt)) continue;
        const id = `${event.key.pk}|${event.key.sk}`;
        if (!candidates.has(id)) candidates.set(id, { key: event.key, index: event.index });
      }
      const sendFailedAt = await sender.send([...candidates.values()], remainingMs, stats);
      if (sendFailedAt !== undefined)
        failedAt = failedAt === undefined ? sendFailedAt : Math.min(failedAt, sendFailedAt);
      return { ...(failedAt === undefined ? {} : { failedAt }), stats };
    },
  };
}

export type Dispatcher = ReturnType<typeof makeDispatcher>;
