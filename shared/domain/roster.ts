import * as z from 'zod';
import { normalisePhone } from './phone';
import {
  GRID_LEVELS,
  type GridLevel,
  type Mode,
  ROLES,
  type Role,
  SKILLS,
  type Skill,
  UNIT_KINDS,
  type UnitKind,
  WHISTLE_CATEGORIES,
  type WhistleCategory,
} from './vocabulary';

/** Client-chosen ids in paths: lower-case slugs. */
export const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const slug = z
  .string()
  .regex(SLUG, 'must be a lower-case slug: a-z, 0-9 and -, at most 63 characters');

export type { GridLevel, Mode, Role, Skill, UnitKind, WhistleCategory } from './vocabulary';
export { GRID_LEVELS, MODES, ROLES, SKILLS, UNIT_KINDS, WHISTLE_CATEGORIES } from './vocabulary';

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
    /** The whistle categories the unit answers; left out, a unit keeps the ones it had. */
    serves: uniqueList(z.enum(WHISTLE_CATEGORIES)).optional(),
    /** Left out, a unit keeps its kind; a new one is a `unit`. */
    kind: z.enum(UNIT_KINDS).optional(),
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
  unavailableUntil: z.iso.date('must be a date, YYYY-MM-DD'),
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
    unavailableUntil: memberFields.unavailableUntil.optional(),
  })
  .strict()
  // A fresh object: zod moves `message` out of the params object it is given.
  .refine(partyRule, { message: PARTY_RULE_MESSAGE, path: ['partyMember'] });
export type MemberInput = z.infer<typeof memberInput>;

/** PATCH body: any subset of the fields; `null` clears the optional grid, unit or until-date. */
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
    unavailableUntil: memberFields.unavailableUntil.nullable().optional(),
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

export type Unit = {
  unitId: string;
  name: string;
  pairedGrids: GridRef[];
  /** The whistle categories it answers (none listed: it answers by its pairings alone). */
  serves: WhistleCategory[];
  kind: UnitKind;
  updatedAt: string;
};

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
  /**
   * Away for a while (leave, a trip): not drafted up to and including this day (YYYY-MM-DD, China
   * time), drafted again from the day after. `available: false` is the standing "not available".
   */
  unavailableUntil?: string | undefined;
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
  if (patch.unavailableUntil !== undefined) next.unavailableUntil = patch.unavailableUntil ?? undefined;
  if (patch.gridId !== undefined) next.gridId = patch.gridId ?? undefined;
  if (patch.unitId !== undefined) next.unitId = patch.unitId ?? undefined;
  return next;
}

/** Checks the rules that span fields after a patch: the same rule the create schema applies. */
export function memberRuleIssues(member: Member): { path: string; message: string }[] {
  return partyRule(member) ? [] : [{ path: 'partyMember', message: PARTY_RULE_MESSAGE }];
}

/** The day (YYYY-MM-DD) an instant falls on in China Standard Time (UTC+8, no daylight saving). */
export function chinaDay(at: Date | string): string {
  const ms = (typeof at === 'string' ? Date.parse(at) : at.getTime()) + 8 * 3_600_000;
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Whether a person may be drafted on `day` (YYYY-MM-DD, China time): available, and not away
 * through an until-date that is today or later. With no day known, an until-date counts as away.
 */
export function isAvailableOn(
  m: { available: boolean; unavailableUntil?: string | undefined },
  day: string | undefined,
): boolean {
  if (!m.available) return false;
  if (m.unavailableUntil === undefined) return true;
  return day !== undefined && day > m.unavailableUntil;
}
