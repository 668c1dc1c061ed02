import * as z from 'zod';
import { SKILLS } from '../domain/vocabulary';
import { WHISTLE_CATEGORIES, WHISTLE_LEVELS, WHISTLE_STATUSES } from '../domain/whistle';

const RESPONDER_STATUSES = ['called', 'coming', 'declined', 'arrived', 'notNeeded', 'released'] as const;

/** A whistle in a list. */
export const whistleSummaryView = z.object({
  whistleId: z.string(),
  code: z.string(),
  communityId: z.string(),
  gridId: z.string(),
  gridName: z.string(),
  reason: z.string(),
  category: z.enum(WHISTLE_CATEGORIES),
  people: z.number(),
  level: z.enum(WHISTLE_LEVELS),
  status: z.enum(WHISTLE_STATUSES),
  openedAt: z.string(),
  deadlineAt: z.string(),
  overdue: z.boolean(),
  filled: z.boolean(),
  closedAt: z.string().optional(),
});

/** A whistle with its responders and events. */
export const whistleView = whistleSummaryView.extend({
  streetId: z.string(),
  skills: z.array(z.enum(SKILLS)),
  respondWithinMinutes: z.number(),
  via: z.enum(['api', 'sms']),
  activationId: z.string().optional(),
  coming: z.number(),
  notified: z.number(),
  firstAnswerAt: z.string().optional(),
  filledAt: z.string().optional(),
  note: z.string().optional(),
  warnings: z.array(z.string()),
  times: z.object({
    toFirstAnswerSeconds: z.number().optional(),
    toFilledSeconds: z.number().optional(),
    toClosedSeconds: z.number().optional(),
  }),
  responders: z.array(
    z.object({
      memberId: z.string(),
      unitId: z.string().optional(),
      name: z.string(),
      status: z.enum(RESPONDER_STATUSES),
      level: z.enum(WHISTLE_LEVELS),
      reason: z.string(),
      calledAt: z.string(),
      respondedAt: z.string().optional(),
      etaMinutes: z.number().optional(),
    }),
  ),
  events: z.array(z.object({ at: z.string(), type: z.string(), detail: z.record(z.string(), z.unknown()) })),
});

export const whistleListQuery = z.object({ status: z.enum(WHISTLE_STATUSES).optional() }).strict();
export const whistleParams = z
  .object({ whistleId: z.string().regex(/^[a-z0-9]{1,64}$/, 'not a whistle id') })
  .strict();
export const resolveInput = z.object({ note: z.string().trim().min(1).max(500) }).strict();
export const cancelInput = z.object({ note: z.string().trim().min(1).max(500).optional() }).strict();
