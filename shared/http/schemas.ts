import * as z from 'zod';
import { COUNTERS, DRAFTEE_STATUSES, MESSAGE_KINDS } from '../domain/activation';
import { auditEntry } from '../domain/audit';
import { DELIVERY_STATES } from '../domain/delivery';
import { INCIDENT_KINDS, LEVELS } from '../domain/incident';
import { GRID_LEVELS, MODES, ROLES, SKILLS, slug, UNIT_KINDS, WHISTLE_CATEGORIES } from '../domain/roster';
import { VOICE_ERRORS, VOICE_STATUSES } from '../domain/voice';
import { WHISTLE_STATUSES } from '../domain/whistle';

/** Shapes of responses, for the OpenAPI document and for tests that check what clients get. */
export const errorBody = z.object({
  error: z.object({
    code: z.string().meta({ description: 'SNAKE_CASE error code' }),
    message: z.string(),
    details: z.array(z.unknown()),
  }),
});

export const streetView = z.object({ streetId: slug, name: z.string(), updatedAt: z.string() });

export const communityView = z.object({
  communityId: slug,
  name: z.string(),
  streetId: slug,
  areaCode: z.string().optional(),
  mode: z.enum(MODES),
  activationId: z.string().optional(),
  updatedAt: z.string(),
});

export const gridView = z.object({
  communityId: slug,
  gridId: slug,
  name: z.string(),
  level: z.enum(GRID_LEVELS),
  musterPoint: z.string(),
  neighbours: z.array(slug),
  updatedAt: z.string(),
});

export const communityDetailView = communityView.extend({
  grids: z.array(
    gridView.extend({
      units: z.array(slug).meta({ description: 'partner units paired with the grid' }),
      pairing: z.enum(['1+1', 'N+1', 'none']),
    }),
  ),
});

export const unitView = z.object({
  unitId: slug,
  name: z.string(),
  pairedGrids: z.array(z.object({ communityId: slug, gridId: slug })),
  serves: z.array(z.enum(WHISTLE_CATEGORIES)).meta({ description: 'whistle categories the unit answers' }),
  kind: z.enum(UNIT_KINDS).meta({ description: 'a partner unit, or a street department' }),
  updatedAt: z.string(),
});

export const memberView = z.object({
  memberId: z.string(),
  communityId: slug,
  name: z.string(),
  phone: z.string().meta({ description: 'E.164' }),
  roles: z.array(z.enum(ROLES)),
  partyMember: z.boolean(),
  gridId: slug.optional(),
  unitId: slug.optional(),
  skills: z.array(z.enum(SKILLS)),
  available: z.boolean(),
  unavailableUntil: z.iso
    .date()
    .optional()
    .meta({ description: 'away up to and including this day (China time); drafted again after it' }),
  smsOptOut: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const memberPageView = z.object({ items: z.array(memberView), nextCursor: z.string().optional() });

export const fieldIssue = z.object({ path: z.string(), message: z.string() });

export const importResultView = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  rejected: z.array(z.object({ line: z.number().int(), errors: z.array(fieldIssue) })),
  ignoredColumns: z.array(z.string()),
});

/** Query string of the member list. */
export const memberListQuery = z
  .object({
    gridId: slug.optional(),
    unitId: slug.optional(),
    role: z.enum(ROLES).optional(),
    skill: z.enum(SKILLS).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(50),
    cursor: z.string().min(1).max(2048).optional(),
  })
  .strict();

export const activationView = z.object({
  activationId: z.string(),
  communityId: slug,
  mode: z.enum(['emergency', 'drill']),
  kind: z.enum(INCIDENT_KINDS),
  level: z.enum(LEVELS),
  startedAt: z.string(),
  teams: z.array(
    z.object({
      teamId: z.string(),
      gridId: slug,
      leaderId: z.string().nullable(),
      memberIds: z.array(z.string()),
    }),
  ),
  drafted: z.number().int(),
  reserves: z.number().int(),
});

export const streetActivationView = z.object({
  streetId: slug,
  activations: z.array(activationView),
  skipped: z.array(z.object({ communityId: slug, code: z.string(), activationId: z.string().optional() })),
});

export const modeView = z.object({ mode: z.enum(MODES), activationId: z.string().optional() });

export const standDownView = z.object({ activationId: z.string(), endedAt: z.string() });

const countsView = z.object(
  Object.fromEntries(COUNTERS.map((c) => [c, z.number().int()])) as Record<
    (typeof COUNTERS)[number],
    z.ZodNumber
  >,
);

const activationSummary = z.object({
  activationId: z.string(),
  communityId: slug,
  communityName: z.string(),
  kind: z.enum(INCIDENT_KINDS),
  level: z.enum(LEVELS),
  drill: z.boolean(),
  note: z.string().optional(),
  locale: z.enum(['zh', 'en']),
  status: z.enum(['active', 'stoodDown']),
  startedAt: z.string(),
  startedBy: z.string(),
  endedAt: z.string().optional(),
  drafted: z.number().int(),
  reserves: z.number().int(),
});

/** Filters of a history read: drill or real, and a date range (days in China time, or instants). */
export const historyQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(2048).optional(),
    drill: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    from: z.union([z.iso.date(), z.iso.datetime()]).optional(),
    to: z.union([z.iso.date(), z.iso.datetime()]).optional(),
  })
  .strict();

export const historyPageView = z.object({
  items: z.array(
    activationSummary.omit({ reserves: true }).extend({
      reserves: z.number().int(),
      counts: countsView,
      durationSeconds: z.number().nullable(),
      confirmedRate: z.number().nullable(),
      arrivedRate: z.number().nullable(),
    }),
  ),
  nextCursor: z.string().optional(),
});

export const activationListView = z.object({
  items: z.array(activationSummary),
  nextCursor: z.string().optional(),
});

export const boardMemberView = z.object({
  memberId: z.string(),
  name: z.string(),
  phone: z.string().optional(),
  status: z.enum(DRAFTEE_STATUSES),
  leader: z.boolean(),
  source: z.enum(['grid', 'unit', 'community', 'reserve']),
  alertedAt: z.string().optional(),
  deliveredAt: z.string().optional(),
  respondedAt: z.string().optional(),
  etaMinutes: z.number().optional(),
  reason: z.string().optional(),
  delivery: z.enum(DELIVERY_STATES).optional(),
  deliveryReason: z.string().optional(),
  frequencyLimited: z.array(z.enum(MESSAGE_KINDS)).optional(),
  voice: z
    .object({
      status: z.enum(VOICE_STATUSES),
      at: z.string(),
      keypress: z.string().optional(),
      durationSeconds: z.number().optional(),
      error: z.enum(VOICE_ERRORS).optional(),
    })
    .optional(),
});

export const checkInInput = z
  .object({
    memberId: z.string().regex(/^[a-z0-9]{1,64}$/, 'not a member id'),
    status: z.enum(['confirmed', 'declined', 'arrived']),
  })
  .strict();

export const boardQuery = z.object({ view: z.enum(['full', 'counts']).default('full') }).strict();

export const boardView = activationSummary.extend({
  mode: z.enum(['emergency', 'drill']),
  counts: countsView,
  teams: z.array(
    z.object({
      teamId: z.string(),
      gridId: slug,
      gridName: z.string(),
      musterPoint: z.string(),
      quota: z.number().int(),
      leaderId: z.string().optional(),
      leaderName: z.string().optional(),
      missingSkills: z.array(z.enum(SKILLS)),
      reserves: z.number().int(),
      counts: countsView,
      shortfall: z.number().int(),
      members: z.array(boardMemberView).optional(),
    }),
  ),
});

export const auditQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(2048).optional(),
  })
  .strict();

export const auditPageView = z.object({ items: z.array(auditEntry), nextCursor: z.string().optional() });

const spreadView = z.object({
  count: z.number().int(),
  p50: z.number().nullable(),
  p90: z.number().nullable(),
  max: z.number().nullable(),
});

const curvePointView = z.object({
  minute: z.number().int(),
  confirmed: z.number().int(),
  arrived: z.number().int(),
});

/** The report's 吹哨报到 section: whistles raised in the community while the activation ran. */
const whistleSectionView = z.object({
  raised: z.number().int(),
  filled: z.number().int(),
  filledInTime: z.number().int(),
  resolved: z.number().int(),
  cancelled: z.number().int(),
  open: z.number().int(),
  timeToFirstAnswer: spreadView,
  timeToFilled: spreadView,
  timeToResolved: spreadView,
  grids: z.array(
    z.object({
      gridId: z.string(),
      gridName: z.string(),
      raised: z.number().int(),
      filled: z.number().int(),
      filledInTime: z.number().int(),
    }),
  ),
  units: z.array(
    z.object({
      unitId: z.string(),
      name: z.string(),
      kind: z.enum(UNIT_KINDS).nullable(),
      called: z.number().int(),
      answered: z.number().int(),
      filledInTime: z.number().int(),
      timeToFirstAnswer: spreadView,
    }),
  ),
  whistles: z.array(
    z.object({
      whistleId: z.string(),
      code: z.string(),
      gridId: z.string(),
      gridName: z.string(),
      category: z.enum(WHISTLE_CATEGORIES),
      reason: z.string(),
      status: z.enum(WHISTLE_STATUSES),
      people: z.number().int(),
      openedAt: z.string(),
      called: z.number().int(),
      came: z.number().int(),
      toFirstAnswerSeconds: z.number().nullable(),
      toFilledSeconds: z.number().nullable(),
      toResolvedSeconds: z.number().nullable(),
      filledInTime: z.boolean(),
      forActivation: z.boolean(),
    }),
  ),
});

export const reportView = activationSummary
  .pick({
    activationId: true,
    communityId: true,
    communityName: true,
    kind: true,
    level: true,
    drill: true,
    status: true,
    startedAt: true,
    endedAt: true,
  })
  .extend({
    durationSeconds: z.number().nullable(),
    counts: countsView,
    reminded: z.number().int(),
    frequencyLimited: z.object({
      messages: z.number().int(),
      people: z.number().int(),
      byKind: z.partialRecord(z.enum(MESSAGE_KINDS), z.number().int()),
    }),
    backfilled: z.number().int(),
    responseRate: z.number().nullable(),
    fillRate: z.number().nullable(),
    timeToAlert: spreadView,
    timeToConfirm: spreadView,
    timeToArrive: spreadView,
    teams: z.array(
      z.object({
        teamId: z.string(),
        gridName: z.string(),
        quota: z.number().int(),
        counts: countsView,
        backfilled: z.number().int(),
        filled: z.number().int(),
        met: z.boolean(),
        shortfall: z.number().int(),
        firstArrivalAt: z.string().optional(),
        timeToConfirm: spreadView,
        missingSkills: z.array(z.string()),
      }),
    ),
    declineReasons: z.array(z.object({ reason: z.string(), count: z.number().int() })),
    silent: z.array(z.object({ memberId: z.string(), name: z.string(), teamId: z.string() })),
    curve: z.object({
      overall: z.array(curvePointView),
      teams: z.array(z.object({ teamId: z.string(), points: z.array(curvePointView) })),
    }),
    confirmDistribution: z.array(
      z.object({
        fromMinute: z.number().int(),
        toMinute: z.number().int().nullable(),
        count: z.number().int(),
      }),
    ),
    whistles: whistleSectionView,
  });

/** `?format=csv` reads the report as a spreadsheet, one row per drafted person. */
export const reportQuery = z.object({ format: z.enum(['json', 'csv']).default('json') }).strict();
