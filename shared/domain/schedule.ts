import * as z from 'zod';
import { INCIDENT_KINDS, LEVELS } from './incident';

/** A drill planned ahead: when it starts, what it rehearses, how grave, and a note for the record. */
export const drillScheduleInput = z
  .object({
    at: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone' }),
    kind: z.enum(INCIDENT_KINDS),
    level: z.enum(LEVELS),
    note: z.string().trim().max(200, 'must be at most 200 characters').optional(),
  })
  .strict();
export type DrillScheduleInput = z.infer<typeof drillScheduleInput>;

/**
 * `pending` until it fires; `firing` while its drill is being started; then `started` (with its
 * activation), `skipped` (the community was already switched) or `cancelled` before it fired.
 */
export const SCHEDULE_STATUSES = ['pending', 'firing', 'started', 'skipped', 'cancelled'] as const;
export type ScheduleStatus = (typeof SCHEDULE_STATUSES)[number];

export type DrillSchedule = {
  scheduleId: string;
  communityId: string;
  at: string;
  kind: DrillScheduleInput['kind'];
  level: DrillScheduleInput['level'];
  note?: string | undefined;
  status: ScheduleStatus;
  createdAt: string;
  createdBy: string;
  firedAt?: string | undefined;
  activationId?: string | undefined;
  /** Why a fired schedule started nothing: `ALREADY_SWITCHED`. */
  skipReason?: string | undefined;
  cancelledAt?: string | undefined;
  cancelledBy?: string | undefined;
};

/** The furthest ahead a drill may be planned. */
export const MAX_SCHEDULE_AHEAD_DAYS = 366;

/** Who a scheduled drill is pressed by, in the activation record and the audit trail. */
export const scheduledBy = (scheduleId: string) => `schedule:${scheduleId}`;

/** The Idempotency-Key a schedule presses with: two firings of one schedule start one drill. */
export const scheduleIdempotencyKey = (scheduleId: string) => `schedule:${scheduleId}`;

/** The scheduleId of an activation pressed by a schedule, or undefined for a press by a person. */
export function scheduleOf(startedBy: string): string | undefined {
  return startedBy.startsWith('schedule:') ? startedBy.slice('schedule:'.length) : undefined;
}

/** EventBridge Scheduler's one-time expression: `at(yyyy-mm-ddThh:mm:ss)`, read in UTC. */
export function atExpression(at: string): string {
  return `at(${new Date(at).toISOString().slice(0, 19)})`;
}
