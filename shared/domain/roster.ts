import * as z from 'zod';
import { normalisePhone } from './phone';
import { GRID_LEVELS, type GridLevel, type Mode, ROLES, type Role, SKILLS, type Skill } from './vocabulary';

/** Client-chosen ids in paths: lower-case slugs. */
export const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const slug = z
  .string()
  .regex(SLUG, 'must be a lower-case slug: a-z, 0-9 and -, at most 63 characters');

export type { GridLevel, Mode, Role, Skill } from './vocabulary';
export { GRID_LEVELS, MODES, ROLES, SKILLS } from './vocabulary';

/**
 * Field lengths. They are kept short on purpose: names appear in the SMS alert, which must stay
 * within two segments (see `docs/sms.md`).
 */
export const LIMITS = {
  streetName: 40,
  communityName: 20,
  gridName: 16,
  musterPoint: 30,
  unitName: 40,
  memberName: 20,
  pairedGrids: 40,
  neighbours: 12,
} as const;

/** A display name: trimmed, no control characters. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'must not contain control characters');

const uniqueList = <T extends z.ZodType>(item: T) =>
  z.array(item).refine((list) => new Set(list).size === list.length, 'must not repeat an entry');

/** A phone number in any common notation, normalised to E.164. */
export const phoneInput = z.string().transform((raw, ctx) => {
  const result = normalisePhone(raw);
  if (!result.ok) {
    ctx.addIssue({ code: 'custom', message: result.reason });
    return z.NEVER;
  }
  return result.e164;
});

export const streetInput = z.object({ name: text(LIMITS.streetName) }).strict();
export type StreetInput = z.infer<typeof streetInput>;

/** A GB/T 2260 administrative code, extended to street (9 digits) or community (12 digits). */
export const areaCode = z.string().regex(/^\d{6,12}$/, 'must be a GB/T 2260 code of 6 to 12 digits');

export const communityInput = z
  .object({ name: text(LIMITS.communityName), streetId: slug, areaCode: areaCode.optional() })
  .strict();
export type CommunityInput = z.infer<typeof communityInput>;

export const gridInput = z
  .object({
    name: text(LIMITS.gridName),
    level: z.enum(GRID_LEVELS),
    musterPoint: text(LIMITS.musterPoint),
    neighbours: uniqueList(slug).max(LIMITS.neighbours).default([]),
  })
  .strict();
export type GridInput = z.infer<typeof gridInput>;

export const gridRef = z.object({ communityId: slug, gridId: slug }).strict();
export type GridRef = z.infer<typeof gridRef>;

export const unitInput = z
  .object({
    name: text(LIMITS.unitName),
    pairedGrids: z
      .array(gridRef)
      .max(LIMITS.pairedGrids)
      .refine(
        (list) => new Set(list.map((g) => `${g.communityId}/${g.gridId}`)).size === list.length,
        'must not repeat a grid',
      ),
  })
  .strict();
export type UnitInput = z.infer<typeof unitInput>;

const memberFields = {
  name: text(LIMITS.memberName),
  phone: phoneInput,
  roles: uniqueList(z.enum(ROLES)).min(1, 'must name at least one role'),
  partyMember: z.boolean(),
  gridId: slug,
  unitId: slug,
  skills: uniqueList(z.enum(SKILLS)),
  available: z.boolean(),
};

/** Party membership is implied by being a serving party member; a roster saying otherwise is wrong. */
const partyRule = (m: { roles?: Role[] | undefined; partyMember?: boolean | undefined }) =>
  !(m.roles?.includes('servingPartyMember') && m.partyMember === false);
const PARTY_RULE_MESSAGE = 'a servingPartyMember is a party member: partyMember must be true';

export const memberInput = z
  .object({
    ...memberFields,
    partyMember: memberFields.partyMember.default(false),
    gridId: memberFields.gridId.optional(),
    unitId: memberFields.unitId.optional(),
    skills: memberFields.skills.default([]),
    available: memberFields.available.default(true),
  })
  .strict()
  // A fresh object: zod moves `message` out of the params object it is given.
  .refine(partyRule, { message: PARTY_RULE_MESSAGE, path: ['partyMember'] });
export type MemberInput = z.infer<typeof memberInput>;

/** PATCH body: any subset of the fields; `null` clears the optional grid or unit. */
export const memberPatch = z
  .object({
    name: memberFields.name.optional(),
    phone: memberFields.phone.optional(),
    roles: memberFields.roles.optional(),
    partyMember: memberFields.partyMember.optional(),
    gridId: memberFields.gridId.nullable().optional(),
    unitId: memberFields.unitId.nullable().optional(),
    skills: memberFields.skills.optional(),
    available: memberFields.available.optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'must change at least one field');
export type MemberPatch = z.infer<typeof memberPatch>;

export type Street = { streetId: string; name: string; updatedAt: string };

export type Community = {
  communityId: string;
  name: string;
  streetId: string;
  /** The GB/T 2260 code CAP warnings name the community's area by. */
  areaCode?: string | undefined;
  mode: Mode;
  activationId?: string | undefined;
  updatedAt: string;
};

export type Grid = {
  communityId: string;
  gridId: string;
  name: string;
  level: GridLevel;
  musterPoint: string;
  neighbours: string[];
  updatedAt: string;
};

export type Unit = { unitId: string; name: string; pairedGrids: GridRef[]; updatedAt: string };

/** A unit paired with one grid ("1+1" when it is the grid's only unit, "N+1" otherwise). */
export type Pairing = { communityId: string; gridId: string; unitId: string };

export type Member = {
  memberId: string;
  communityId: string;
  name: string;
  phone: string;
  roles: Role[];
  partyMember: boolean;
  gridId?: string | undefined;
  unitId?: string | undefined;
  skills: Skill[];
  available: boolean;
  /** The phone has answered TD/STOP/退订: it gets no SMS and is never drafted. */
  smsOptOut: boolean;
  createdAt: string;
  updatedAt: string;
};

/** A community with its grids and pairings, read in one query. */
export type CommunityStructure = { community: Community; grids: Grid[]; pairings: Pairing[] };

/** Applies a validated patch to a member, returning the new member. */
export function applyMemberPatch(member: Member, patch: MemberPatch, now: string): Member {
  const next: Member = { ...member, updatedAt: now };
  if (patch.name !== undefined) next.name = patch.name;
  if (patch.phone !== undefined) next.phone = patch.phone;
  if (patch.roles !== undefined) next.roles = patch.roles;
  if (patch.partyMember !== undefined) next.partyMember = patch.partyMember;
  if (patch.skills !== undefined) next.skills = patch.skills;
  if (patch.available !== undefined) next.available = patch.available;
  if (patch.gridId !== undefined) next.gridId = patch.gridId ?? undefined;
  if (patch.unitId !== undefined) next.unitId = patch.unitId ?? undefined;
  return next;
}

/** Checks the rules that span fields after a patch: the same rule the create schema applies. */
export function memberRuleIssues(member: Member): { path: string; message: string }[] {
  return partyRule(member) ? [] : [{ path: 'partyMember', message: PARTY_RULE_MESSAGE }];
}
