import { z } from 'zod';
import type { Candidate } from './team-formation';
import type { Skill, UnitKind, WhistleCategory } from './vocabulary';
import { SKILLS, WHISTLE_CATEGORIES } from './vocabulary';

export type { UnitKind, WhistleCategory } from './vocabulary';
export { UNIT_KINDS, WHISTLE_CATEGORIES } from './vocabulary';

export const WHISTLE_LEVELS = ['grid', 'community', 'street'] as const;
export type WhistleLevel = (typeof WHISTLE_LEVELS)[number];

export const WHISTLE_STATUSES = ['open', 'filled', 'resolved', 'cancelled'] as const;
export type WhistleStatus = (typeof WHISTLE_STATUSES)[number];

/** Minutes to answer before the whistle widens, when the raiser does not say. */
export const DEFAULT_RESPOND_WITHIN_MINUTES: Record<WhistleCategory, number> = {
  people: 30,
  rescue: 10,
  medical: 10,
  electric: 15,
  gas: 10,
  water: 30,
  cityManagement: 60,
  police: 10,
  other: 60,
};

export const MAX_WHISTLE_PEOPLE = 500;
export const MAX_WHISTLE_REASON = 200;

/** `POST /communities/{communityId}/whistles` body. */
export const whistleInput = z
  .object({
    gridId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
    reason: z.string().trim().min(1).max(MAX_WHISTLE_REASON),
    category: z.enum(WHISTLE_CATEGORIES),
    people: z.number().int().min(1).max(MAX_WHISTLE_PEOPLE).optional(),
    skills: z.array(z.enum(SKILLS)).max(SKILLS.length).optional(),
    respondWithinMinutes: z.number().int().min(1).max(1440).optional(),
  })
  .strict();
export type WhistleInput = z.infer<typeof whistleInput>;

/** A whistle's time to answer: the one asked for, or the category's default. */
export function respondWithin(input: Pick<WhistleInput, 'category' | 'respondWithinMinutes'>): number {
  return input.respondWithinMinutes ?? DEFAULT_RESPOND_WITHIN_MINUTES[input.category];
}

// The words a grid leader may put after 吹哨 that name a category.
const CATEGORY_WORDS: readonly [RegExp, WhistleCategory][] = [
  [/救援|被困|搜救/u, 'rescue'],
  [/医|伤|病|急救/u, 'medical'],
  [/电|起火|火/u, 'electric'],
  [/燃气|煤气|气味/u, 'gas'],
  [/水|漏|淹|涝/u, 'water'],
  [/城管|摊|占道|垃圾/u, 'cityManagement'],
  [/警|打架|盗|纠纷/u, 'police'],
  [/人手|人员|帮忙/u, 'people'],
];

export type SmsWhistle = { people?: number; reason: string; category: WhistleCategory };

/**
 * Reads a grid leader's SMS whistle: `吹哨` or `哨`, optionally a number of people and words
 * (`吹哨 5 救援`, `哨 电路起火`). Anything else is not a whistle (undefined). A number out of
 * range is reported so the reply can say so, and nothing is raised.
 */
export function parseSmsWhistle(body: string): SmsWhistle | { error: 'people' } | undefined {
  const text = body.normalize('NFKC').replace(/\s+/g, ' ').trim();
  const match = /^(?:吹哨|哨)(?:$|[\s,，:：]+|(?=\d))(?:(\d+)(?:人|个人)?)?\s*(.*)$/u.exec(text);
  if (match === null) return undefined;
  const [, digits, words = ''] = match;
  const reason = words.trim();
  let people: number | undefined;
  if (digits !== undefined) {
    people = Number(digits);
    if (!Number.isSafeInteger(people) || people < 1 || people > MAX_WHISTLE_PEOPLE)
      return { error: 'people' };
  }
  const category =
    CATEGORY_WORDS.find(([pattern]) => pattern.test(reason))?.[1] ?? (people ? 'people' : 'other');
  const result: SmsWhistle = {
    reason: reason === '' ? '吹哨' : reason.slice(0, MAX_WHISTLE_REASON),
    category,
  };
  if (people !== undefined) result.people = people;
  return result;
}

/** A unit as the whistle reads it. */
export type WhistleUnit = {
  unitId: string;
  kind: UnitKind;
  serves: readonly WhistleCategory[];
  /** Grids of this street the unit is paired with. */
  pairedGrids: readonly { communityId: string; gridId: string }[];
};

export type CallInput = {
  communityId: string;
  gridId: string;
  category: WhistleCategory;
  skills: readonly Skill[];
  level: WhistleLevel;
  /** The neighbours of the whistle's grid. */
  neighbours: readonly string[];
  /** The street's units and departments. */
  units: readonly WhistleUnit[];
  /** Members of the community and of the street's units. */
  candidates: readonly Candidate[];
  /** People on an open activation: never called. */
  engaged: ReadonlySet<string>;
  /** People this whistle has already called: never called twice. */
  alreadyCalled: ReadonlySet<string>;
};

export type Call = {
  memberId: string;
  unitId?: string | undefined;
  reason: 'paired' | 'serves' | 'reserve' | 'commander' | 'department';
};

const CALLABLE_ROLE = (c: Candidate) => c.partyMember || c.roles.includes('servingPartyMember');

function callable(c: Candidate, input: CallInput): boolean {
  return (
    c.available && !c.smsOptOut && !input.engaged.has(c.memberId) && !input.alreadyCalled.has(c.memberId)
  );
}

function skillFirst(skills: readonly Skill[]) {
  return (a: Candidate, b: Candidate) => {
    const score = (c: Candidate) => c.skills.filter((s) => skills.includes(s)).length;
    return score(b) - score(a) || a.memberId.localeCompare(b.memberId);
  };
}

/**
 * Who a whistle calls on reaching `level`, excluding whoever it already called and anyone on
 * an open activation:
 * - grid: the party members and liaisons of units paired with the grid, and of units of the
 *   street that serve the category (not departments);
 * - community: units paired with the community's other grids, reserves of neighbouring grids,
 *   and the community's commanders (grid leaders of the community);
 * - street: departments that serve the category.
 * People with the skills asked come first. Nobody appears twice.
 */
export function whoIsCalled(input: CallInput): Call[] {
  const { communityId, gridId, category, level } = input;
  const unitReason = new Map<string, Call['reason']>();
  for (const unit of input.units) {
    const pairedHere = unit.pairedGrids.some((g) => g.communityId === communityId && g.gridId === gridId);
    const pairedInCommunity = unit.pairedGrids.some((g) => g.communityId === communityId);
    const serves = unit.serves.includes(category);
    if (level === 'grid' && unit.kind === 'unit' && (pairedHere || serves)) {
      unitReason.set(unit.unitId, pairedHere ? 'paired' : 'serves');
    } else if (level === 'community' && unit.kind === 'unit' && pairedInCommunity && !pairedHere) {
      unitReason.set(unit.unitId, 'paired');
    } else if (level === 'street' && unit.kind === 'department' && serves) {
      unitReason.set(unit.unitId, 'department');
    }
  }
  const neighbours = new Set(input.neighbours);
  const picked = new Map<string, Call>();
  const sorted = [...input.candidates].sort(skillFirst(input.skills));
  for (const c of sorted) {
    if (picked.has(c.memberId) || !callable(c, input)) continue;
    const reason = c.unitId === undefined ? undefined : unitReason.get(c.unitId);
    if (
      reason !== undefined &&
      (reason === 'department' || CALLABLE_ROLE(c) || c.roles.includes('gridLeader'))
    ) {
      picked.set(c.memberId, { memberId: c.memberId, unitId: c.unitId, reason });
      continue;
    }
    if (level !== 'community' || c.communityId !== communityId) continue;
    if (c.roles.includes('gridLeader') && c.gridId !== gridId) {
      picked.set(c.memberId, { memberId: c.memberId, reason: 'commander' });
    } else if (c.gridId !== undefined && neighbours.has(c.gridId) && c.unitId === undefined) {
      picked.set(c.memberId, { memberId: c.memberId, reason: 'reserve' });
    }
  }
  return [...picked.values()];
}

/** The level a whistle widens to when not filled in time; undefined at the top. */
export function nextLevel(level: WhistleLevel): WhistleLevel | undefined {
  return level === 'grid' ? 'community' : level === 'community' ? 'street' : undefined;
}

export type ResponderStatus = 'called' | 'coming' | 'declined' | 'arrived' | 'notNeeded' | 'released';
export type Responder = {
  memberId: string;
  unitId?: string | undefined;
  status: ResponderStatus;
  etaMinutes?: number | undefined;
  respondedAt?: string | undefined;
};

export type WhistleState = {
  status: WhistleStatus;
  /** People asked for; one when not said. */
  people: number;
  responders: Responder[];
  firstAnswerAt?: string | undefined;
  filledAt?: string | undefined;
};

export type Answer =
  | { kind: 'confirm'; etaMinutes?: number | undefined }
  | { kind: 'decline' }
  | { kind: 'arrived' };

export type AnswerOutcome = {
  state: WhistleState;
  /** Set when this answer filled the whistle: the people still called, to be told they are not needed. */
  notNeeded: string[];
};

const COUNTS: ReadonlySet<ResponderStatus> = new Set(['coming', 'arrived']);

/** Applies one responder's answer; answers after the whistle closed, or from strangers, change nothing. */
export function applyAnswer(
  state: WhistleState,
  memberId: string,
  answer: Answer,
  at: string,
): AnswerOutcome {
  const index = state.responders.findIndex((r) => r.memberId === memberId);
  const current = state.responders[index];
  if (current === undefined || state.status === 'resolved' || state.status === 'cancelled') {
    return { state, notNeeded: [] };
  }
  const status: ResponderStatus =
    answer.kind === 'confirm' ? 'coming' : answer.kind === 'arrived' ? 'arrived' : 'declined';
  const updated: Responder = { ...current, status, respondedAt: at };
  if (answer.kind === 'confirm' && answer.etaMinutes !== undefined) updated.etaMinutes = answer.etaMinutes;
  const responders = state.responders.map((r, i) => (i === index ? updated : r));
  const next: WhistleState = { ...state, responders, firstAnswerAt: state.firstAnswerAt ?? at };
  const enough = responders.filter((r) => COUNTS.has(r.status)).length >= state.people;
  if (state.status !== 'open' || !enough) return { state: next, notNeeded: [] };
  const notNeeded = responders.filter((r) => r.status === 'called').map((r) => r.memberId);
  return {
    state: {
      ...next,
      status: 'filled',
      filledAt: at,
      responders: responders.map((r) => (r.status === 'called' ? { ...r, status: 'notNeeded' } : r)),
    },
    notNeeded,
  };
}

/** Whether an open whistle has passed its deadline. */
export function isOverdue(status: WhistleStatus, deadlineAt: string, now: string): boolean {
  return status === 'open' && Date.parse(now) > Date.parse(deadlineAt);
}
