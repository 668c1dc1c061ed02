import { z } from 'zod';
import { GRID_LEVELS, MODES, ROLES, SKILLS, slug } from '../domain/roster';

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
