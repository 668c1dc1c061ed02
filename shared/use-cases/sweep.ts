import type { ActivationRepository } from '../adapters/activation-repository';
import type { Clock } from '../adapters/clock';
import type { DrafteeRepository } from '../adapters/draftee-repository';
import type { MemberRepository } from '../adapters/member-repository';
import type { StructureRepository } from '../adapters/structure-repository';
import { type Activation, type Draftee, shortfallOf, unreached } from '../domain/activation';
import { alertFor, reminderFor, shortfallFor } from '../domain/messages';
import { chinaDay } from '../domain/roster';
import { rankReserves, reservePool } from '../domain/team-formation';
import { logger } from '../observability';
import { type Outbox, queue } from '../outbox/port';
import { keys } from '../table';
import { formationContext, toCandidate, unitLocksFor } from './activation';
import type { VoiceStep } from './voice-step';
import type { WhistleUseCases } from './whistle';

export type SweepPorts = {
  activations: ActivationRepository;
  draftees: DrafteeRepository;
  outbox: Outbox;
  structure: StructureRepository;
  members: MemberRepository;
  clock: Clock;
  /** Silent this long after the alert: one reminder. */
  realertAfterSeconds: number;
  /** Silent this long after the alert: noResponse, and the team is backfilled. */
  noResponseAfterSeconds: number;
  /** Whistles past their deadline widen a level on each sweep. */
  whistle?: Pick<WhistleUseCases, 'sweep' | 'releaseDrafted'> | undefined;
  /** The voice call for the silent, between the reminder and noResponse; absent when it is off. */
  voice?: VoiceStep | undefined;
};

export type SweepStats = {
  activations: number;
  reminded: number;
  silenced: number;
  backfilled: number;
  notices: number;
  /** Abandoned claims handed back to the stream. */
  nudged: number;
  /** Voice calls the provider took, and calls it did not. */
  rung: number;
  ringFailed: number;
};

/** Reserves called in one transaction, leaving room for counters and unit locks. */
const BACKFILL_BATCH = 60;

/**
 * Alerted, open and not yet answered: the people a reminder and then `noResponse` are for. One
 * whose alert failed is not among them: the failure already counts them in the team's
 * shortfall, and the backfill replaces them; marking them silent as well would replace them twice.
 */
function awaitingReply(d: Draftee): boolean {
  return d.open && d.status === 'drafted' && Boolean(d.alertedAt) && !unreached(d);
}

/**
 * Chases silence. For every open activation: silent people get one reminder, then become
 * `noResponse`; a team below its quota calls its ranked reserves in until the quota is met or
 * the reserves run out, and its leader is told what is missing. Safe to run twice at once and
 * from any process: every step is a conditional write.
 */
export function makeSweeper(ports: SweepPorts) {
  const { activations, outbox, structure, members, clock } = ports;
  const writes = ports.draftees;

  async function backfill(
    activation: Activation,
    draftees: Draftee[],
    now: string,
    stats: SweepStats,
  ): Promise<void> {
    const short = activation.teams
      .map((t) => ({
        team: t,
        missing: shortfallOf(
          t.quota,
          draftees.filter((d) => d.teamId === t.teamId),
        ),
      }))
      .filter((s) => s.missing > 0);
    if (!short.length) return;

    const found = await structure.getStructure(activation.communityId);
    if (!found) return;
    const context = await formationContext({ members, activations }, found);
    const inThisActivation = new Set(draftees.map((d) => d.memberId));
    const pool = reservePool({
      communityId: activation.communityId,
      kind: activation.kind,
      level: activation.level,
      grids: found.grids,
      pairings: found.pairings,
      candidates: context.roster.map(toCandidate),
      engaged: new Set([...context.engaged, ...inThisActivation]),
      // An until-date is judged against today, as at the switch.
      today: chinaDay(now),
    });
    const byId = new Map(context.roster.map((m) => [m.memberId, m]));
    const taken = new Set(inThisActivation);
    const chosen: Draftee[] = [];
    const outcome = new Map<string, { missing: number; called: number; left: number }>();
    for (const { team, missing } of short) {
      const ranked = rankReserves(team.gridId, found, pool, taken);
      const picks = ranked.slice(0, missing);
      for (const reserve of picks) {
        const member = byId.get(reserve.memberId);
        if (!member) continue;
        taken.add(member.memberId);
        chosen.push({
          activationId: activation.activationId,
          memberId: member.memberId,
          communityId: member.communityId,
          teamId: team.teamId,
          name: member.name,
          phone: member.phone,
          leader: false,
          source: 'reserve',
          status: 'drafted',
          open: true,
          drill: activation.drill,
          locale: activation.locale,
          musterPoint: team.musterPoint,
          draftedAt: now,
          outbox: { alert: queue(alertFor(activation, team.teamId, false, true), activation.locale, now) },
        });
      }
      outcome.set(team.teamId, {
        missing: missing - picks.length,
        called: picks.length,
        left: ranked.length - picks.length,
      });
    }

    for (let i = 0; i < chosen.length; i += BACKFILL_BATCH) {
      const batch = chosen.slice(i, i + BACKFILL_BATCH);
      const result = await activations.backfill({
        activation,
        draftees: batch,
        unitLocks: unitLocksFor(batch, byId, context.locks),
      });
      if (result !== 'applied') {
        // Closed meanwhile, or a shared unit changed: the next sweep forms the picture again.
        logger.info('backfill deferred', { activationId: activation.activationId, result });
        return;
      }
      stats.backfilled += batch.length;
      await ports.whistle?.releaseDrafted(batch);
      // This batch moved the locks it touched: the next batch must expect the new versions.
      for (const unitId of new Set(batch.flatMap((d) => byId.get(d.memberId)?.unitId ?? []))) {
        const lock = context.locks.get(unitId);
        if (lock) context.locks.set(unitId, { ...lock, version: lock.version + 1, hasMap: true });
      }
    }

    // Each team's leader hears what is missing, once for each new state of the team.
    for (const { team } of short) {
      const o = outcome.get(team.teamId);
      const leader = draftees.find((d) => d.teamId === team.teamId && d.leader && d.open && d.alertedAt);
      if (!o || !leader) continue;
      const message = queue(shortfallFor(activation, team.gridName, o), activation.locale, now);
      const key = `shortfall-${o.missing}-${o.called}-${draftees.filter((d) => d.teamId === team.teamId).length}`;
      if (await writes.queueOnce(activation.activationId, leader.memberId, key, message)) stats.notices++;
    }
  }

  async function sweepOne(activation: Activation, stats: SweepStats): Promise<void> {
    const now = clock.now();
    const at = now.toISOString();
    let draftees = await activations.listDraftees(activation.activationId);
    const silentFor = (d: Draftee) => (d.alertedAt ? (now.getTime() - Date.parse(d.alertedAt)) / 1000 : 0);
    const silent = draftees.filter(awaitingReply);

    const overdue = silent.filter((d) => silentFor(d) >= ports.noResponseAfterSeconds);
    if (overdue.length) {
      const cutoff = new Date(now.getTime() - ports.noResponseAfterSeconds * 1000).toISOString();
      const marked = await writes.markNoResponse(activation.activationId, overdue, cutoff);
      stats.silenced += marked;
      // Someone answered in between: read again rather than guess who, so backfill counts right.
      if (marked < overdue.length) draftees = await activations.listDraftees(activation.activationId);
      else for (const d of overdue) d.status = 'noResponse';
    }
    const due = silent.filter(
      (d) => d.status === 'drafted' && !d.remindedAt && silentFor(d) >= ports.realertAfterSeconds,
    );
    if (due.length) {
      stats.reminded += await writes.queueReminders(
        activation.activationId,
        due.map((d) => ({
          memberId: d.memberId,
          message: queue(reminderFor(activation, d), activation.locale, at),
        })),
        at,
      );
    }
    if (ports.voice) {
      const calls = await ports.voice.run(activation, draftees);
      stats.rung += calls.placed;
      stats.ringFailed += calls.failed;
    }
    // A claim that ran out long ago was abandoned by a sender that died: hand it back to the stream.
    const abandoned = now.getTime() - 60_000;
    for (const d of draftees) {
      for (const [key, message] of Object.entries(d.outbox)) {
        if (message.state !== 'sending' || !message.leaseUntil || Date.parse(message.leaseUntil) > abandoned)
          continue;
        const ref = { key: keys.draftee(activation.activationId, d.memberId), messageKey: key };
        if (await outbox.nudge(ref, message.leaseUntil, at)) stats.nudged++;
      }
    }
    // Until every planned place has become a draftee, a team only looks short.
    if (draftees.length >= activation.drafted) await backfill(activation, draftees, at, stats);
  }

  return {
    /** One pass over every open activation. An activation that fails is logged and left for the next pass. */
    async sweep(): Promise<SweepStats> {
      const stats: SweepStats = {
        activations: 0,
        reminded: 0,
        silenced: 0,
        backfilled: 0,
        notices: 0,
        nudged: 0,
        rung: 0,
        ringFailed: 0,
      };
      for (const activation of await activations.listOpen()) {
        stats.activations++;
        try {
          await sweepOne(activation, stats);
        } catch (error) {
          logger.error('sweep of an activation failed', { error, activationId: activation.activationId });
        }
      }
      await ports.whistle?.sweep().catch((error: unknown) => logger.error('whistle sweep failed', { error }));
      return stats;
    },
  };
}

export type Sweeper = ReturnType<typeof makeSweeper>;
