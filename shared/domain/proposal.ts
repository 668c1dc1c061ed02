import { createHash } from 'node:crypto';
import * as z from 'zod';
import { type CapAlert, type Suggestion, suggestionOf } from './cap';
import { INCIDENT_KINDS, type IncidentKind, LEVELS, type Level } from './incident';
import { slug } from './roster';

/**
 * A proposal is what an official warning puts in front of a community's duty officer: a
 * suggested switch, pre-filled, that nothing presses by itself.
 */
export const PROPOSAL_STATUSES = ['open', 'accepted', 'dismissed', 'withdrawn'] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

export type Proposal = {
  /** The same for every community a warning covers: the id of the warning's thread. */
  proposalId: string;
  communityId: string;
  status: ProposalStatus;
  kind: IncidentKind;
  level: Level;
  /** An `Exercise` warning proposes only a drill. */
  drill: boolean;
  /** Who issued the warning, as it names itself (`senderName`, else `sender`). */
  source: string;
  sender: string;
  /** The identifier of the latest warning of the thread applied to this proposal. */
  identifier: string;
  headline: string;
  expires?: string | undefined;
  receivedAt: string;
  updatedAt: string;
  activationId?: string | undefined;
  decidedAt?: string | undefined;
  decidedBy?: string | undefined;
  note?: string | undefined;
};

/** The stable key of one CAP message: its sender and identifier, which CAP makes unique together. */
export function messageKey(sender: string, identifier: string): string {
  return createHash('sha256').update(`${sender}\n${identifier}`).digest('hex').slice(0, 32);
}

/** What an incoming warning asks of the proposals. */
export type WarningPlan =
  | { action: 'propose'; suggestion: Suggestion }
  | { action: 'withdraw' }
  | { action: 'ignore'; reason: string };

/**
 * What a warning does: an `Alert` or `Update` that is `Actual` or `Exercise` and not past its
 * `expires` proposes (an `Exercise` a drill); a `Cancel` withdraws; anything else proposes nothing.
 */
export function planOf(alert: CapAlert, now: string): WarningPlan {
  if (alert.status !== 'Actual' && alert.status !== 'Exercise')
    return { action: 'ignore', reason: `status ${alert.status} proposes nothing` };
  if (alert.msgType === 'Cancel') return { action: 'withdraw' };
  if (alert.msgType !== 'Alert' && alert.msgType !== 'Update')
    return { action: 'ignore', reason: `msgType ${alert.msgType} proposes nothing` };
  const suggestion = suggestionOf(alert, now);
  if (!suggestion) return { action: 'ignore', reason: 'the warning has expired' };
  return { action: 'propose', suggestion };
}

/** True while an open proposal may still be accepted: before its warning's `expires`. */
export function isLive(proposal: Pick<Proposal, 'status' | 'expires'>, now: string): boolean {
  return (
    proposal.status === 'open' &&
    (proposal.expires === undefined || Date.parse(proposal.expires) > Date.parse(now))
  );
}

/** Accepting a proposal: the switch's fields, each defaulting to what the warning suggested. */
export const acceptInput = z
  .object({
    kind: z.enum(INCIDENT_KINDS).optional(),
    level: z.enum(LEVELS).optional(),
    drill: z.boolean().optional(),
    note: z.string().trim().max(200, 'must be at most 200 characters').optional(),
    locale: z.enum(['zh', 'en']).default('zh'),
  })
  .strict();
export type AcceptInput = z.infer<typeof acceptInput>;

export const dismissInput = z
  .object({ note: z.string().trim().max(200, 'must be at most 200 characters').optional() })
  .strict();
export type DismissInput = z.infer<typeof dismissInput>;

/** Accepting by the proposal's id alone: the community is named only when several could be meant. */
export const acceptByIdInput = acceptInput.extend({ communityId: slug.optional() });
export type AcceptByIdInput = z.infer<typeof acceptByIdInput>;

export const dismissByIdInput = dismissInput.extend({ communityId: slug.optional() });
export type DismissByIdInput = z.infer<typeof dismissByIdInput>;

/** A proposal's id in a path: the thread key. */
export const proposalIdPattern = /^[a-f0-9]{32}$/;

/** What became of one community's proposal when a warning came in. */
export const PROPOSAL_CHANGES = ['created', 'updated', 'withdrawn', 'unchanged'] as const;

/** The answer to a warning: what it proposed, updated or withdrew, and where it could not. */
export const warningResult = z.object({
  warningId: z.string(),
  sender: z.string(),
  identifier: z.string(),
  msgType: z.string(),
  status: z.string(),
  outcome: z.enum(['proposed', 'withdrawn', 'ignored']),
  reason: z.string().optional(),
  proposals: z.array(
    z.object({
      proposalId: z.string(),
      communityId: z.string(),
      change: z.enum(PROPOSAL_CHANGES),
      status: z.enum(PROPOSAL_STATUSES),
      kind: z.enum(INCIDENT_KINDS),
      level: z.enum(LEVELS),
      drill: z.boolean(),
      headline: z.string(),
      expires: z.string().optional(),
    }),
  ),
  skipped: z.array(z.object({ communityId: z.string(), code: z.string() })),
});
export type WarningResult = z.infer<typeof warningResult>;
