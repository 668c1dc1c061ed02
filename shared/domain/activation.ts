import * as z from 'zod';
import { INCIDENT_KINDS, type IncidentKind, LEVELS, type Level } from './incident';
import type { Skill } from './roster';
import type { Locale, SmsMessage } from './sms';
import type { Source } from './team-formation';
import type { VoiceLine } from './voice';

/** The switch request: what happened, how grave, and whether it is a drill. */
export const activationInput = z
  .object({
    kind: z.enum(INCIDENT_KINDS),
    level: z.enum(LEVELS),
    drill: z.boolean().default(false),
    note: z.string().trim().max(200, 'must be at most 200 characters').optional(),
    locale: z.enum(['zh', 'en']).default('zh'),
  })
  .strict();
export type ActivationInput = z.infer<typeof activationInput>;

export const ACTIVATION_STATUSES = ['active', 'stoodDown'] as const;
export type ActivationStatus = (typeof ACTIVATION_STATUSES)[number];

export const DRAFTEE_STATUSES = [
  'drafted',
  'alerted',
  'confirmed',
  'declined',
  'arrived',
  'noResponse',
  'released',
] as const;
export type DrafteeStatus = (typeof DRAFTEE_STATUSES)[number];

/** A reply or a manual check-in: what the person says they will do or have done. */
export type CheckInStatus = 'confirmed' | 'declined' | 'arrived';

/**
 * The board's counters. `drafted` is everyone on a team (not released); `alerted` and
 * `delivered` count people whose alert was handed to the gateway and delivered; `confirmed`,
 * `declined`, `arrived` and `noResponse` count people currently in that status.
 */
export const COUNTERS = [
  'drafted',
  'alerted',
  'delivered',
  'failed',
  'confirmed',
  'declined',
  'arrived',
  'noResponse',
  'released',
] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counts = Record<Counter, number>;

export const zeroCounts = (): Counts => ({
  drafted: 0,
  alerted: 0,
  delivered: 0,
  failed: 0,
  confirmed: 0,
  declined: 0,
  arrived: 0,
  noResponse: 0,
  released: 0,
});

/** What a team is, fixed when it is formed. */
export type TeamInfo = {
  teamId: string;
  gridId: string;
  gridName: string;
  musterPoint: string;
  quota: number;
  leaderId?: string | undefined;
  leaderName?: string | undefined;
  missingSkills: Skill[];
  reserves: number;
};

export type Activation = {
  activationId: string;
  communityId: string;
  communityName: string;
  kind: IncidentKind;
  level: Level;
  drill: boolean;
  note?: string | undefined;
  locale: 'zh' | 'en';
  status: ActivationStatus;
  startedAt: string;
  startedBy: string;
  endedAt?: string | undefined;
  endedBy?: string | undefined;
  teams: TeamInfo[];
  /** Partner units whose members this activation engaged. */
  unitIds: string[];
  drafted: number;
  reserves: number;
};

/** The mode a community is in: an open drill shows as `drill`. */
export const modeOf = (activation: Pick<Activation, 'drill'>) => (activation.drill ? 'drill' : 'emergency');

export const OUTBOX_STATES = ['queued', 'sending', 'sent', 'failed', 'cancelled'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];
export const MESSAGE_KINDS = [
  'alert',
  'reminder',
  'ack',
  'help',
  'standDown',
  'notNeeded',
  'shortfall',
  'notice',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** One SMS to one phone, with the state that makes sending it exactly once possible. */
export type OutboxMessage = {
  kind: MessageKind;
  body: string;
  state: OutboxState;
  queuedAt: string;
  /** While `sending`: until when the claim holds. */
  leaseUntil?: string | undefined;
  /** When a sender first claimed it: a crashed send cannot have left before. */
  claimedAt?: string | undefined;
  sentAt?: string | undefined;
  messageId?: string | undefined;
  error?: string | undefined;
  attempts: number;
  /** What the message says and in which language, for providers that send registered templates. */
  template?: { message: SmsMessage; locale: Locale } | undefined;
  /** The provider's delivery receipt: delivered, or failed (then `error` says why). */
  receipt?: 'delivered' | 'failed' | undefined;
};

/** One drafted person in one activation. */
export type Draftee = {
  activationId: string;
  memberId: string;
  communityId: string;
  teamId: string;
  name: string;
  phone: string;
  leader: boolean;
  source: Source | 'reserve';
  status: DrafteeStatus;
  /** Open while the activation is active: replies are taken and the person cannot be drafted elsewhere. */
  open: boolean;
  /** Copied from the activation so a reply is answered from this record alone. */
  drill: boolean;
  locale: 'zh' | 'en';
  musterPoint: string;
  draftedAt: string;
  alertedAt?: string | undefined;
  deliveredAt?: string | undefined;
  respondedAt?: string | undefined;
  confirmedAt?: string | undefined;
  arrivedAt?: string | undefined;
  etaMinutes?: number | undefined;
  reason?: string | undefined;
  /** When the reply that set the status was received: an older reply arriving late changes nothing. */
  lastReplyAt?: string | undefined;
  helpSentAt?: string | undefined;
  remindedAt?: string | undefined;
  /** The voice call for the silent, once a sweep has rung (or tried to ring) them. */
  voice?: VoiceLine | undefined;
  outbox: Record<string, OutboxMessage>;
};

/**
 * Which check-ins move a person, and to what. Arrival is final: a late "1" after "3" changes
 * nothing. People who said no or went silent can still come.
 */
const ALLOWED: Record<DrafteeStatus, readonly CheckInStatus[]> = {
  drafted: ['confirmed', 'declined', 'arrived'],
  alerted: ['confirmed', 'declined', 'arrived'],
  noResponse: ['confirmed', 'declined', 'arrived'],
  confirmed: ['confirmed', 'declined', 'arrived'],
  declined: ['confirmed', 'arrived'],
  arrived: [],
  released: [],
};

export function canCheckIn(from: DrafteeStatus, to: CheckInStatus): boolean {
  return ALLOWED[from].includes(to);
}

/** The statuses that have a counter of their own. */
const STATUS_COUNTER: Partial<Record<DrafteeStatus, Counter>> = {
  confirmed: 'confirmed',
  declined: 'declined',
  arrived: 'arrived',
  noResponse: 'noResponse',
  released: 'released',
};

/** How the counters move when a person goes from one status to another. */
export function counterDelta(from: DrafteeStatus, to: DrafteeStatus): Partial<Counts> {
  const delta: Partial<Counts> = {};
  if (from === to) return delta;
  const out = STATUS_COUNTER[from];
  const into = STATUS_COUNTER[to];
  if (out) delta[out] = (delta[out] ?? 0) - 1;
  if (into) delta[into] = (delta[into] ?? 0) + 1;
  if (to === 'released') delta.drafted = (delta.drafted ?? 0) - 1;
  return delta;
}

/** The counters as they must be for a set of draftees: what the stored counters are checked against. */
export function countsOf(
  draftees: readonly Pick<Draftee, 'status' | 'alertedAt' | 'deliveredAt' | 'respondedAt' | 'outbox'>[],
): Counts {
  const counts = zeroCounts();
  for (const d of draftees) {
    if (d.status === 'released') {
      counts.released++;
      continue;
    }
    counts.drafted++;
    if (d.alertedAt) counts.alerted++;
    if (d.deliveredAt) counts.delivered++;
    if (unreached(d)) counts.failed++;
    const counter = STATUS_COUNTER[d.status];
    if (counter) counts[counter]++;
  }
  return counts;
}

/** A team is short by what its quota lacks once those who said no or stayed silent are taken out. */
export function shortfall(quota: number, counts: Counts): number {
  const standing = counts.drafted - counts.declined - counts.noResponse - counts.failed;
  return Math.max(0, quota - standing);
}

/**
 * The provider refused the person's alert, or reported it undelivered, and they have not answered:
 * they count in the team's shortfall (and in `failed`) at once, without waiting for the
 * no-response timeout. Someone who answers all the same (a call from the grid leader, the voice
 * call, a neighbour's phone) was reached after all, and counts by their answer alone.
 */
export function unreached(d: Pick<Draftee, 'outbox' | 'respondedAt'>): boolean {
  return d.outbox.alert?.state === 'failed' && d.respondedAt === undefined;
}

/**
 * A team's shortfall from its people, each counted out once: declined, silent, or never reached.
 * Agrees with `shortfall` over the counters whenever nobody is both unreached and declined or
 * silent; someone who is (a failed receipt after a "2") is taken out once here.
 */
export function shortfallOf(
  quota: number,
  draftees: readonly Pick<Draftee, 'status' | 'outbox' | 'respondedAt'>[],
): number {
  const standing = draftees.filter(
    (d) => d.status !== 'released' && d.status !== 'declined' && d.status !== 'noResponse' && !unreached(d),
  ).length;
  return Math.max(0, quota - standing);
}
