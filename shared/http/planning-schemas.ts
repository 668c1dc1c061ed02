import * as z from 'zod';
import { INCIDENT_KINDS, LEVELS } from '../domain/incident';
import { PERIODS } from '../domain/ranking';
import { SCHEDULE_STATUSES } from '../domain/schedule';
import { UNIT_KINDS } from '../domain/vocabulary';

/** A scheduled drill as the API shows it. */
export const drillScheduleView = z.object({
  scheduleId: z.string(),
  communityId: z.string(),
  at: z.string(),
  kind: z.enum(INCIDENT_KINDS),
  level: z.enum(LEVELS),
  note: z.string().optional(),
  status: z.enum(SCHEDULE_STATUSES),
  createdAt: z.string(),
  createdBy: z.string(),
  firedAt: z.string().optional(),
  activationId: z.string().optional(),
  skipReason: z.string().optional(),
  cancelledAt: z.string().optional(),
  cancelledBy: z.string().optional(),
});

const calendarDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD')
  .refine(
    (d) =>
      !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    'not a calendar date',
  );

export const rankingQuery = z
  .object({
    period: z.enum(PERIODS),
    /** Any day of the period; today (UTC+8) when absent. */
    at: calendarDay.optional(),
  })
  .strict();

const standing = {
  rank: z.number().int(),
  score: z.number(),
  activations: z.number().int(),
  alerted: z.number().int(),
  confirmedRate: z.number().nullable(),
  arrivedRate: z.number().nullable(),
  medianMinutesToConfirm: z.number().nullable(),
  teams: z.number().int(),
  teamsMet: z.number().int(),
  /** Whistles (吹哨) raised, counted as each closed. */
  whistlesRaised: z.number().int(),
};

export const rankingsView = z.object({
  streetId: z.string(),
  period: z.enum(PERIODS),
  from: z.string(),
  to: z.string(),
  formula: z.string(),
  communities: z.array(z.object({ communityId: z.string(), communityName: z.string(), ...standing })),
  grids: z.array(
    z.object({ communityId: z.string(), gridId: z.string(), gridName: z.string(), ...standing }),
  ),
  /** Units and departments on the street's whistles, most whistles answered first. */
  units: z.array(
    z.object({
      unitId: z.string(),
      name: z.string(),
      kind: z.enum(UNIT_KINDS).nullable(),
      rank: z.number().int(),
      whistlesCalled: z.number().int(),
      whistlesAnswered: z.number().int(),
      answeredRate: z.number().nullable(),
      medianMinutesToFirstAnswer: z.number().nullable(),
      filledInTimeRate: z.number().nullable(),
    }),
  ),
});

export const participationView = z.object({
  communityId: z.string(),
  memberId: z.string(),
  name: z.string(),
  gridId: z.string().nullable(),
  called: z.number().int(),
  answered: z.number().int(),
  came: z.number().int(),
  answeredRate: z.number().nullable(),
  cameRate: z.number().nullable(),
  lastCalledAt: z.string().nullable(),
});
