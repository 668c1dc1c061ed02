import * as z from 'zod';
import {
  ACTIVATION_STATUSES,
  type Activation,
  COUNTERS,
  type Counts,
  DRAFTEE_STATUSES,
  type Draftee,
  zeroCounts,
} from '../domain/activation';
import { INCIDENT_KINDS, LEVELS } from '../domain/incident';
import { SKILLS } from '../domain/roster';
import { VOICE_ERRORS, VOICE_STATUSES } from '../domain/voice';
import { outboxRecord } from '../outbox/dynamo-outbox';
import { type ItemKey, keys } from '../table';
import type { Item, TransactItem } from './dynamo';
import { type CounterDelta, counterItem } from './transaction';

/**
 * How the activation aggregate is stored: the activation, its teams' counters, its plan and its
 * draftees, read back through these parsers by every repository that touches them.
 */

/** One planned place on a team, written with the activation and turned into a draftee later. */
export type PlanEntry = {
  memberId: string;
  communityId: string;
  teamId: string;
  leader: boolean;
  source: 'grid' | 'unit' | 'community' | 'reserve';
};

/** Where a team's counters live, and how much they move: for `Transaction.count`. */
export function teamCounters(
  activationId: string,
  teamId: string,
  delta: Partial<Counts>,
): { key: ItemKey; delta: CounterDelta } {
  return { key: keys.team(activationId, teamId), delta };
}

/**
 * The transaction item that moves a team's counters by `delta` (nothing when it is all zeros).
 * Counters only ever move inside the transaction that changes what they count.
 */
export function teamCounterUpdate(
  table: string,
  activationId: string,
  teamId: string,
  delta: Partial<Counts>,
): TransactItem[] {
  const item = counterItem(table, keys.team(activationId, teamId), delta);
  return item ? [item] : [];
}

const countsRecord = z.object(Object.fromEntries(COUNTERS.map((c) => [c, z.number().default(0)]))).partial();
const teamInfoRecord = z.object({
  teamId: z.string(),
  gridId: z.string(),
  gridName: z.string(),
  musterPoint: z.string(),
  quota: z.number(),
  leaderId: z.string().optional(),
  leaderName: z.string().optional(),
  missingSkills: z.array(z.enum(SKILLS)),
  reserves: z.number(),
});
const activationRecord = z.object({
  activationId: z.string(),
  communityId: z.string(),
  communityName: z.string(),
  kind: z.enum(INCIDENT_KINDS),
  level: z.enum(LEVELS),
  drill: z.boolean(),
  note: z.string().optional(),
  locale: z.enum(['zh', 'en']),
  status: z.enum(ACTIVATION_STATUSES),
  startedAt: z.string(),
  startedBy: z.string(),
  endedAt: z.string().optional(),
  endedBy: z.string().optional(),
  teams: z.array(teamInfoRecord),
  unitIds: z.array(z.string()),
  drafted: z.number(),
  reserves: z.number(),
});
const voiceRecord = z.object({
  status: z.enum(VOICE_STATUSES),
  at: z.string(),
  callId: z.string().optional(),
  keypress: z.string().optional(),
  durationSeconds: z.number().optional(),
  error: z.enum(VOICE_ERRORS).optional(),
  reason: z.string().optional(),
  reportedAt: z.string().optional(),
});
const drafteeRecord = z.object({
  activationId: z.string(),
  memberId: z.string(),
  communityId: z.string(),
  teamId: z.string(),
  name: z.string(),
  phone: z.string(),
  leader: z.boolean(),
  source: z.enum(['grid', 'unit', 'community', 'reserve']),
  status: z.enum(DRAFTEE_STATUSES),
  open: z.boolean(),
  drill: z.boolean().default(false),
  locale: z.enum(['zh', 'en']).default('zh'),
  musterPoint: z.string().default(''),
  draftedAt: z.string(),
  alertedAt: z.string().optional(),
  deliveredAt: z.string().optional(),
  respondedAt: z.string().optional(),
  confirmedAt: z.string().optional(),
  arrivedAt: z.string().optional(),
  etaMinutes: z.number().optional(),
  reason: z.string().optional(),
  lastReplyAt: z.string().optional(),
  helpSentAt: z.string().optional(),
  remindedAt: z.string().optional(),
  voice: voiceRecord.optional(),
  outbox: z.record(z.string(), outboxRecord).default({}),
});
const planRecord = z.object({ entries: z.array(z.string()) });

export const toActivation = (item: Item): Activation => activationRecord.parse(item);
export const toDraftee = (item: Item): Draftee => drafteeRecord.parse(item);
export const toTeamCounts = (item: Item): Counts => ({
  ...zeroCounts(),
  ...countsRecord.parse(item.counts ?? {}),
});

/** Plan entries are stored compactly, one string each, so a 40,000-person plan is a few items. */
export function encodePlanEntry(e: PlanEntry): string {
  return [e.memberId, e.communityId, e.teamId, e.leader ? 'L' : '', e.source[0]].join('|');
}

const SOURCE_BY_LETTER = { g: 'grid', u: 'unit', c: 'community', r: 'reserve' } as const;

export function decodePlanEntry(text: string): PlanEntry {
  const [memberId = '', communityId = '', teamId = '', leader = '', source = 'g'] = text.split('|');
  return {
    memberId,
    communityId,
    teamId,
    leader: leader === 'L',
    source: SOURCE_BY_LETTER[source as keyof typeof SOURCE_BY_LETTER] ?? 'grid',
  };
}

export function planEntriesOf(item: Item): PlanEntry[] {
  return planRecord.parse(item).entries.map(decodePlanEntry);
}

export function drafteeItem(d: Draftee, startedAt: string): Item {
  return {
    ...keys.draftee(d.activationId, d.memberId),
    type: 'draftee',
    ...d,
    ...(d.open ? { gsi1pk: keys.openDrafteeByPhone(d.phone), gsi1sk: `${startedAt}#${d.activationId}` } : {}),
  };
}

/** The write that adds a draftee, only if it is not there yet. */
export function drafteePut(table: string, d: Draftee, startedAt: string): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: drafteeItem(d, startedAt),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}
