import type { Clock, IdGenerator } from '../adapters/clock';
import type { DrillScheduler } from '../adapters/drill-scheduler';
import type { ScheduleRepository } from '../adapters/schedule-repository';
import type { StructureRepository } from '../adapters/structure-repository';
import { authorize, type Principal } from '../domain/access';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors';
import {
  type DrillSchedule,
  type DrillScheduleInput,
  MAX_SCHEDULE_AHEAD_DAYS,
  scheduledBy,
  scheduleIdempotencyKey,
} from '../domain/schedule';
import type { ActivationUseCases } from './activation';

export type SchedulePorts = {
  schedules: ScheduleRepository;
  structure: StructureRepository;
  scheduler: DrillScheduler;
  clock: Clock;
  ids: IdGenerator;
};

/** What a firing came to. */
export type FireOutcome = { schedule: DrillSchedule; outcome: 'started' | 'skipped' | 'unchanged' };

/** Planning drills ahead: schedule, list, cancel. */
export function makeScheduleUseCases({ schedules, structure, scheduler, clock, ids }: SchedulePorts) {
  return {
    /** Writes the schedule, then arms its timer; a timer that cannot be armed leaves nothing behind. */
    async create(
      principal: Principal,
      communityId: string,
      input: DrillScheduleInput,
    ): Promise<DrillSchedule> {
      authorize(principal, 'drill:switch', [communityId]);
      const now = clock.now();
      const at = new Date(input.at);
      if (at.getTime() <= now.getTime()) {
        throw new ValidationError('the drill must be scheduled in the future', [
          { path: 'at', message: `must be later than now (${now.toISOString()})` },
        ]);
      }
      if (at.getTime() > now.getTime() + MAX_SCHEDULE_AHEAD_DAYS * 86_400_000) {
        throw new ValidationError('the drill is scheduled too far ahead', [
          { path: 'at', message: `must be within ${MAX_SCHEDULE_AHEAD_DAYS} days` },
        ]);
      }
      if (!(await structure.getCommunity(communityId))) throw new NotFoundError('community', communityId);
      const schedule: DrillSchedule = {
        scheduleId: ids.next(),
        communityId,
        // Whole seconds: EventBridge Scheduler's `at()` has no finer grain.
        at: new Date(Math.floor(at.getTime() / 1000) * 1000).toISOString(),
        kind: input.kind,
        level: input.level,
        note: input.note || undefined,
        status: 'pending',
        createdAt: now.toISOString(),
        createdBy: principal.sub,
      };
      if (!(await schedules.create(schedule))) {
        throw new ConflictError('SCHEDULE_EXISTS', `schedule '${schedule.scheduleId}' exists`);
      }
      try {
        await scheduler.arm(schedule);
      } catch (error) {
        await schedules.remove(communityId, schedule.scheduleId);
        throw error;
      }
      return schedule;
    },

    async list(principal: Principal, communityId: string): Promise<DrillSchedule[]> {
      authorize(principal, 'board:read', [communityId]);
      if (!(await structure.getCommunity(communityId))) throw new NotFoundError('community', communityId);
      return schedules.listCommunity(communityId);
    },

    /** Cancels a schedule that has not fired; one that fired (or is firing) is a 409. */
    async cancel(principal: Principal, communityId: string, scheduleId: string): Promise<DrillSchedule> {
      authorize(principal, 'drill:switch', [communityId]);
      const result = await schedules.transition(communityId, scheduleId, ['pending'], 'cancelled', {
        cancelledAt: clock.now().toISOString(),
        cancelledBy: principal.sub,
      });
      if ('conflict' in result) {
        const current = result.conflict;
        if (!current) throw new NotFoundError('schedule', scheduleId);
        if (current.status === 'cancelled') return current;
        throw new ConflictError(
          'SCHEDULE_ALREADY_FIRED',
          `schedule '${scheduleId}' has already ${current.status}`,
          [
            {
              path: 'scheduleId',
              message: `the schedule is ${current.status}`,
              activationId: current.activationId,
            },
          ],
        );
      }
      await scheduler.disarm(result.schedule);
      return result.schedule;
    },
  };
}

/**
 * The timer's side: when a schedule comes due its drill is pressed through the same switch as a
 * person's press, by `schedule:<id>` with an Idempotency-Key of the schedule, so a timer that
 * fires twice starts one drill. A community already switched is recorded as skipped.
 */
export function makeScheduleFiring({
  schedules,
  switchUseCases,
  clock,
}: {
  schedules: ScheduleRepository;
  switchUseCases: Pick<ActivationUseCases, 'activate'>;
  clock: Clock;
}) {
  return {
    async fire(communityId: string, scheduleId: string): Promise<FireOutcome> {
      // Claim it: a cancelled schedule stays cancelled, and a cancel now finds it firing.
      const claimed = await schedules.transition(communityId, scheduleId, ['pending', 'firing'], 'firing', {
        firedAt: clock.now().toISOString(),
      });
      if ('conflict' in claimed) {
        if (!claimed.conflict) throw new NotFoundError('schedule', scheduleId);
        return { schedule: claimed.conflict, outcome: 'unchanged' };
      }
      const schedule = claimed.schedule;
      // Pressed as a planner of this one community: what a person who scheduled it could do.
      const principal: Principal = {
        sub: scheduledBy(scheduleId),
        groups: ['planner'],
        communities: [communityId],
      };
      let done: { schedule: DrillSchedule } | { conflict: DrillSchedule | undefined };
      let outcome: 'started' | 'skipped';
      try {
        const { response } = await switchUseCases.activate(
          principal,
          communityId,
          { kind: schedule.kind, level: schedule.level, drill: true, note: schedule.note, locale: 'zh' },
          scheduleIdempotencyKey(scheduleId),
        );
        outcome = 'started';
        done = await schedules.transition(communityId, scheduleId, ['firing'], 'started', {
          activationId: response.activationId,
        });
      } catch (error) {
        if (!(error instanceof ConflictError && error.code === 'ALREADY_SWITCHED')) throw error;
        outcome = 'skipped';
        done = await schedules.transition(communityId, scheduleId, ['firing'], 'skipped', {
          skipReason: error.code,
        });
      }
      if ('conflict' in done) {
        // Another firing of the same schedule settled it first.
        const current = done.conflict ?? schedule;
        return { schedule: current, outcome: 'unchanged' };
      }
      return { schedule: done.schedule, outcome };
    },

    /** The local timer's pass: fires every pending schedule that is due. */
    async fireDue(limit = 25): Promise<FireOutcome[]> {
      const due = await schedules.listDue(clock.now().toISOString(), limit);
      const outcomes: FireOutcome[] = [];
      for (const s of due) outcomes.push(await this.fire(s.communityId, s.scheduleId));
      return outcomes;
    },
  };
}

export type ScheduleUseCases = ReturnType<typeof makeScheduleUseCases>;
