import * as z from 'zod';
import { INCIDENT_KINDS, LEVELS } from '../domain/incident';
import {
  acceptByIdInput,
  acceptInput,
  dismissByIdInput,
  dismissInput,
  PROPOSAL_STATUSES,
  proposalIdPattern,
  warningResult,
} from '../domain/proposal';
import { slug } from '../domain/roster';
import type { AuditInput, AuditSpec } from './routes';
import { activationParams, byCommunity, communityParams, define, field, str } from './routes-common';
import { activationView } from './schemas';

const proposalIdParams = z
  .object({ proposalId: z.string().regex(proposalIdPattern, 'not a proposal id') })
  .strict();
const proposalParams = z
  .object({ communityId: slug, proposalId: z.string().regex(proposalIdPattern, 'not a proposal id') })
  .strict();
/** A proposal decided by its id alone: the community is the one the answer names. */
const byResultCommunity = (r: AuditInput) => [str(field(r.result, 'communityId'))];
/** How an acceptance and a dismissal are audited, whichever path they came by. */
const acceptAudit = (scopes: AuditSpec['scopes']): AuditSpec => ({
  action: 'proposal.accept',
  target: 'proposal',
  scopes,
  details: (r) => ({
    activationId: field(r.result, 'activationId'),
    kind: field(r.result, 'kind'),
    level: field(r.result, 'level'),
    mode: field(r.result, 'mode'),
  }),
});
const dismissAudit = (scopes: AuditSpec['scopes']): AuditSpec => ({
  action: 'proposal.dismiss',
  target: 'proposal',
  scopes,
  details: (r) => ({ note: field(r.body, 'note') !== undefined }),
});

/** A warning's proposal to one community, as the console shows it beside the key. */
export const proposalView = z.object({
  proposalId: z.string(),
  communityId: z.string(),
  status: z.enum(PROPOSAL_STATUSES),
  kind: z.enum(INCIDENT_KINDS),
  level: z.enum(LEVELS),
  drill: z.boolean(),
  source: z.string(),
  sender: z.string(),
  identifier: z.string(),
  headline: z.string(),
  expires: z.string().optional(),
  receivedAt: z.string(),
  updatedAt: z.string(),
  activationId: z.string().optional(),
  decidedAt: z.string().optional(),
  decidedBy: z.string().optional(),
  note: z.string().optional(),
});

/** CAP 1.2: activations as standard alerts, a street's Atom feed, official warnings that propose the switch. */
export const capRoutes = {
  getActivationCap: define({
    method: 'GET',
    path: '/activations/{activationId}/cap',
    fn: 'cap/get-activation',
    summary: 'The activation as an OASIS CAP 1.2 alert (a Cancel once stood down)',
    tag: 'cap',
    auth: true,
    table: 'read',
    params: activationParams,
    success: { status: 200, description: 'The CAP 1.2 document', contentType: 'application/cap+xml' },
  }),
  getStreetCap: define({
    method: 'GET',
    path: '/streets/{streetId}/cap',
    fn: 'cap/street-feed',
    summary: 'The street’s recent alerts as an Atom feed of CAP 1.2 entries, newest first',
    tag: 'cap',
    auth: true,
    table: 'read',
    params: z.object({ streetId: slug }).strict(),
    success: { status: 200, description: 'The Atom feed', contentType: 'application/atom+xml' },
  }),
  receiveWarning: define({
    method: 'POST',
    path: '/cap/warnings',
    fn: 'cap/receive-warning',
    summary:
      'Take a CAP 1.2 warning from an official feed: propose the switch to every community its area covers',
    tag: 'cap',
    auth: true,
    table: 'write',
    bodyType: 'xml',
    success: {
      status: 201,
      schema: warningResult,
      description: 'What the warning proposed, updated or withdrew (200 when the same warning came before)',
    },
    lambda: { timeoutSeconds: 29 },
    audit: {
      action: 'capWarning.receive',
      target: 'warning',
      scopes: (r) => {
        const list = field(r.result, 'proposals');
        return Array.isArray(list) ? [...new Set(list.map((p) => str(field(p, 'communityId'))))] : [];
      },
      details: (r) => ({
        identifier: field(r.result, 'identifier'),
        sender: field(r.result, 'sender'),
        msgType: field(r.result, 'msgType'),
        outcome: field(r.result, 'outcome'),
      }),
    },
  }),
  listProposals: define({
    method: 'GET',
    path: '/communities/{communityId}/proposals',
    fn: 'cap/list-proposals',
    summary: 'The community’s open proposals from official warnings, oldest first',
    tag: 'cap',
    auth: true,
    table: 'read',
    params: communityParams,
    success: { status: 200, schema: z.array(proposalView), description: 'Open proposals' },
  }),
  acceptProposal: define({
    method: 'POST',
    path: '/communities/{communityId}/proposals/{proposalId}/accept',
    fn: 'cap/accept-proposal',
    summary: 'Accept a proposal: press the key as it suggests (kind, level and drill may be changed)',
    tag: 'cap',
    auth: true,
    table: 'write',
    params: proposalParams,
    body: acceptInput,
    success: { status: 201, schema: activationView, description: 'The activation with its teams' },
    lambda: { timeoutSeconds: 29, memoryMb: 1769 },
    audit: acceptAudit(byCommunity),
  }),
  dismissProposal: define({
    method: 'POST',
    path: '/communities/{communityId}/proposals/{proposalId}/dismiss',
    fn: 'cap/dismiss-proposal',
    summary: 'Dismiss a proposal, with an optional note',
    tag: 'cap',
    auth: true,
    table: 'write',
    params: proposalParams,
    body: dismissInput,
    success: { status: 200, schema: proposalView, description: 'The proposal, dismissed' },
    audit: dismissAudit(byCommunity),
  }),
  acceptProposalById: define({
    method: 'POST',
    path: '/proposals/{proposalId}/accept',
    fn: 'cap/accept-proposal',
    summary:
      'Accept a proposal by its id: the community is the one of the warning’s the caller acts for (name it with communityId when several are)',
    tag: 'cap',
    auth: true,
    table: 'write',
    params: proposalIdParams,
    body: acceptByIdInput,
    success: { status: 201, schema: activationView, description: 'The activation with its teams' },
    lambda: { timeoutSeconds: 29, memoryMb: 1769 },
    audit: acceptAudit(byResultCommunity),
  }),
  dismissProposalById: define({
    method: 'POST',
    path: '/proposals/{proposalId}/dismiss',
    fn: 'cap/dismiss-proposal',
    summary: 'Dismiss a proposal by its id, with an optional note (communityId when several are meant)',
    tag: 'cap',
    auth: true,
    table: 'write',
    params: proposalIdParams,
    body: dismissByIdInput,
    success: { status: 200, schema: proposalView, description: 'The proposal, dismissed' },
    audit: dismissAudit(byResultCommunity),
  }),
};
