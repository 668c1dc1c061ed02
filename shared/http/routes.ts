import * as z from 'zod';
import { activationInput } from '../domain/activation';
import { INCIDENT_KINDS, LEVELS } from '../domain/incident';
import {
  acceptInput,
  dismissInput,
  PROPOSAL_STATUSES,
  proposalIdPattern,
  warningResult,
} from '../domain/proposal';
import {
  communityInput,
  gridInput,
  memberInput,
  memberPatch,
  slug,
  streetInput,
  unitInput,
} from '../domain/roster';
import { drillScheduleInput } from '../domain/schedule';
import { drillScheduleView, participationView, rankingQuery, rankingsView } from './planning-schemas';
import {
  activationView,
  auditPageView,
  auditQuery,
  boardMemberView,
  boardQuery,
  boardView,
  checkInInput,
  communityDetailView,
  communityView,
  historyPageView,
  historyQuery,
  importResultView,
  memberListQuery,
  memberPageView,
  memberView,
  modeView,
  reportQuery,
  reportView,
  standDownView,
  streetActivationView,
  streetView,
  unitView,
} from './schemas';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One HTTP route: its method and path, the Lambda entry that serves it (`functions/<fn>.ts`),
 * and the zod schemas of its input and output. The CDK stack makes a function and a route of
 * each, the local server serves each, and `GET /openapi.json` documents each, from this list.
 */
export type RouteDef = {
  method: HttpMethod;
  path: string;
  fn: string;
  summary: string;
  tag: string;
  /** False only for routes open to anyone: the health check. */
  auth: boolean;
  /** What the route's function may do to the table; its IAM role grants exactly this. */
  table: 'none' | 'read' | 'write';
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** `csv` bodies are passed through as text, with a larger size limit; `xml` (CAP) as text up to 1 MB. */
  bodyType?: 'json' | 'csv' | 'xml';
  /** `contentType`: the success body is not JSON but a document of this media type. */
  success: { status: number; schema?: z.ZodType; description: string; contentType?: string };
  lambda?: { timeoutSeconds?: number; memoryMb?: number };
  /** A write recorded in the audit trail: what it is called, and what it concerns. */
  audit?: AuditSpec;
};

/** What an audited request was, worked out from its input and its answer. */
export type AuditSpec = {
  action: string;
  /** What kind of record it touched; its id is `<target>Id` in the path or the answer. */
  target: string;
  /** The scopes (community ids, `street:<id>`, or `activation:<id>` resolved to its community). */
  scopes: (r: AuditInput) => string[];
  details?: (r: AuditInput) => Record<string, unknown>;
};
export type AuditInput = { params: Record<string, unknown>; body: unknown; result: unknown };

const field = (value: unknown, name: string): unknown =>
  typeof value === 'object' && value !== null && name in value
    ? (value as Record<string, unknown>)[name]
    : undefined;
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const byCommunity = (r: AuditInput) => [str(r.params.communityId)];
const byActivation = (r: AuditInput) => [`activation:${str(r.params.activationId)}`];
/** Names of the fields a body sets; values stay out of the trail. */
const fieldsOf = (r: AuditInput) => ({
  fields: Object.keys(typeof r.body === 'object' && r.body !== null ? r.body : {}),
});

const define = <R extends RouteDef>(route: R): R => route;

const communityParams = z.object({ communityId: slug }).strict();
const activationParams = z
  .object({ activationId: z.string().regex(/^[a-z0-9]{1,64}$/, 'not an activation id') })
  .strict();
const proposalParams = z
  .object({ communityId: slug, proposalId: z.string().regex(proposalIdPattern, 'not a proposal id') })
  .strict();
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
const memberParams = z
  .object({ communityId: slug, memberId: z.string().regex(/^[a-z0-9]{1,64}$/, 'not a member id') })
  .strict();

export const routes = {
  smsCallback: define({
    method: 'POST',
    path: '/sms/{provider}/{kind}',
    fn: 'messaging/sms-callback',
    summary: "Delivery receipts and replies from the SMS provider, in the provider's own format",
    tag: 'messaging',
    // The provider cannot sign in: the per-deployment token in the query is checked instead.
    auth: false,
    table: 'write',
    params: z
      .object({ provider: z.enum(['tencent', 'aliyun']), kind: z.enum(['receipts', 'replies']) })
      .strict(),
    query: z.object({ token: z.string().max(256).optional() }),
    body: z.array(z.record(z.string(), z.unknown())).max(1_000),
    success: { status: 200, description: "The provider's acknowledgement" },
    lambda: { timeoutSeconds: 10 },
  }),
  health: define({
    method: 'GET',
    path: '/health',
    fn: 'system/health',
    summary: 'Liveness check',
    tag: 'system',
    auth: false,
    table: 'none',
    success: { status: 200, schema: z.object({ status: z.literal('ok') }), description: 'The service is up' },
  }),
  openapi: define({
    method: 'GET',
    path: '/openapi.json',
    fn: 'system/openapi',
    summary: 'This API as an OpenAPI 3.1 document',
    tag: 'system',
    auth: true,
    table: 'none',
    success: { status: 200, description: 'The OpenAPI document' },
  }),
  putStreet: define({
    method: 'PUT',
    path: '/streets/{streetId}',
    fn: 'structure/put-street',
    summary: 'Create or rename a street (街道)',
    tag: 'structure',
    auth: true,
    table: 'write',
    params: z.object({ streetId: slug }).strict(),
    body: streetInput,
    success: { status: 200, schema: streetView, description: 'Updated (201 when created)' },
    audit: {
      action: 'street.put',
      target: 'street',
      scopes: (r) => [`street:${str(r.params.streetId)}`],
      details: fieldsOf,
    },
  }),
  listStreets: define({
    method: 'GET',
    path: '/streets',
    fn: 'structure/list-streets',
    summary: 'List streets',
    tag: 'structure',
    auth: true,
    table: 'read',
    success: { status: 200, schema: z.object({ items: z.array(streetView) }), description: 'Streets' },
  }),
  putCommunity: define({
    method: 'PUT',
    path: '/communities/{communityId}',
    fn: 'structure/put-community',
    summary: 'Create or update a community (社区)',
    tag: 'structure',
    auth: true,
    table: 'write',
    params: communityParams,
    body: communityInput,
    success: { status: 200, schema: communityView, description: 'Updated (201 when created)' },
    audit: { action: 'community.put', target: 'community', scopes: byCommunity, details: fieldsOf },
  }),
  listCommunities: define({
    method: 'GET',
    path: '/communities',
    fn: 'structure/list-communities',
    summary: 'Communities the caller acts for, with their mode',
    tag: 'structure',
    auth: true,
    table: 'read',
    success: { status: 200, schema: z.object({ items: z.array(communityView) }), description: 'Communities' },
  }),
  getCommunity: define({
    method: 'GET',
    path: '/communities/{communityId}',
    fn: 'structure/get-community',
    summary: 'A community with its grids, their pairings and its current mode',
    tag: 'structure',
    auth: true,
    table: 'read',
    params: communityParams,
    success: { status: 200, schema: communityDetailView, description: 'The community' },
  }),
  putGrid: define({
    method: 'PUT',
    path: '/communities/{communityId}/grids/{gridId}',
    fn: 'structure/put-grid',
    summary: 'Create or update a grid (网格), graded red/yellow/green',
    tag: 'structure',
    auth: true,
    table: 'write',
    params: z.object({ communityId: slug, gridId: slug }).strict(),
    body: gridInput,
    success: {
      status: 200,
      schema: communityDetailView.shape.grids.element.omit({ units: true, pairing: true }),
      description: 'Updated (201 when created)',
    },
    audit: { action: 'grid.put', target: 'grid', scopes: byCommunity, details: fieldsOf },
  }),
  putUnit: define({
    method: 'PUT',
    path: '/units/{unitId}',
    fn: 'structure/put-unit',
    summary: 'Create or update a partner unit (共建单位) and its grid pairings',
    tag: 'structure',
    auth: true,
    table: 'write',
    params: z.object({ unitId: slug }).strict(),
    body: unitInput,
    success: { status: 200, schema: unitView, description: 'Updated (201 when created)' },
    audit: {
      action: 'unit.put',
      target: 'unit',
      scopes: (r) => {
        const grids = field(r.body, 'pairedGrids');
        return [...new Set(Array.isArray(grids) ? grids.map((g) => str(field(g, 'communityId'))) : [])];
      },
      details: fieldsOf,
    },
  }),
  listUnits: define({
    method: 'GET',
    path: '/units',
    fn: 'structure/list-units',
    summary: 'Partner units paired with the caller’s communities',
    tag: 'structure',
    auth: true,
    table: 'read',
    success: { status: 200, schema: z.object({ items: z.array(unitView) }), description: 'Units' },
  }),
  createMember: define({
    method: 'POST',
    path: '/communities/{communityId}/members',
    fn: 'members/create',
    summary: 'Add a person to the roster',
    tag: 'members',
    auth: true,
    table: 'write',
    params: communityParams,
    body: memberInput,
    success: { status: 201, schema: memberView, description: 'Created' },
    audit: { action: 'member.create', target: 'member', scopes: byCommunity },
  }),
  listMembers: define({
    method: 'GET',
    path: '/communities/{communityId}/members',
    fn: 'members/list',
    summary: 'List the roster, filtered by grid, unit, role or skill, a page at a time',
    tag: 'members',
    auth: true,
    table: 'read',
    params: communityParams,
    query: memberListQuery,
    success: { status: 200, schema: memberPageView, description: 'A page of members' },
  }),
  importMembers: define({
    method: 'POST',
    path: '/communities/{communityId}/members/import',
    fn: 'members/import',
    summary: 'Upsert the roster from a CSV, by phone',
    tag: 'members',
    auth: true,
    table: 'write',
    params: communityParams,
    bodyType: 'csv',
    success: {
      status: 200,
      schema: importResultView,
      description: 'What was imported and what was rejected',
    },
    lambda: { timeoutSeconds: 29, memoryMb: 1024 },
    audit: {
      action: 'member.import',
      target: 'community',
      scopes: byCommunity,
      details: (r) => ({
        created: field(r.result, 'created'),
        updated: field(r.result, 'updated'),
        unchanged: field(r.result, 'unchanged'),
        rejected: (field(r.result, 'rejected') as unknown[] | undefined)?.length ?? 0,
      }),
    },
  }),
  getMember: define({
    method: 'GET',
    path: '/communities/{communityId}/members/{memberId}',
    fn: 'members/get',
    summary: 'One member',
    tag: 'members',
    auth: true,
    table: 'read',
    params: memberParams,
    success: { status: 200, schema: memberView, description: 'The member' },
  }),
  updateMember: define({
    method: 'PATCH',
    path: '/communities/{communityId}/members/{memberId}',
    fn: 'members/update',
    summary: 'Change some of a member’s fields',
    tag: 'members',
    auth: true,
    table: 'write',
    params: memberParams,
    body: memberPatch,
    success: { status: 200, schema: memberView, description: 'The updated member' },
    audit: { action: 'member.update', target: 'member', scopes: byCommunity, details: fieldsOf },
  }),
  deleteMember: define({
    method: 'DELETE',
    path: '/communities/{communityId}/members/{memberId}',
    fn: 'members/delete',
    summary: 'Take a member off the roster',
    tag: 'members',
    auth: true,
    table: 'write',
    params: memberParams,
    success: { status: 204, description: 'Deleted' },
    audit: { action: 'member.delete', target: 'member', scopes: byCommunity },
  }),
  activate: define({
    method: 'POST',
    path: '/communities/{communityId}/activations',
    fn: 'switch/activate',
    summary:
      'Press the key (平急转换): switch the community to emergency or drill mode and form the vanguard teams',
    tag: 'switch',
    auth: true,
    table: 'write',
    params: communityParams,
    body: activationInput,
    success: { status: 201, schema: activationView, description: 'The activation with its teams' },
    lambda: { timeoutSeconds: 29, memoryMb: 1769 },
    audit: {
      action: 'activation.start',
      target: 'activation',
      scopes: byCommunity,
      details: (r) => ({
        kind: field(r.body, 'kind'),
        level: field(r.body, 'level'),
        drill: field(r.body, 'drill'),
        drafted: field(r.result, 'drafted'),
      }),
    },
  }),
  activateStreet: define({
    method: 'POST',
    path: '/streets/{streetId}/activations',
    fn: 'switch/activate-street',
    summary: 'One key for a whole street: switch every community of the street the caller may switch',
    tag: 'switch',
    auth: true,
    table: 'write',
    params: z.object({ streetId: slug }).strict(),
    body: activationInput,
    success: {
      status: 201,
      schema: streetActivationView,
      description: 'The activations, and the communities skipped',
    },
    lambda: { timeoutSeconds: 29, memoryMb: 1769 },
    audit: {
      action: 'activation.startStreet',
      target: 'street',
      scopes: (r) => {
        const list = field(r.result, 'activations');
        return Array.isArray(list) ? list.map((a) => str(field(a, 'communityId'))) : [];
      },
      details: (r) => ({
        kind: field(r.body, 'kind'),
        level: field(r.body, 'level'),
        drill: field(r.body, 'drill'),
      }),
    },
  }),
  listActivations: define({
    method: 'GET',
    path: '/communities/{communityId}/activations',
    fn: 'switch/list-activations',
    summary:
      'The community’s activations and drills, newest first, with counts and rates; filter by drill or real and by date',
    tag: 'switch',
    auth: true,
    table: 'read',
    params: communityParams,
    query: historyQuery,
    success: { status: 200, schema: historyPageView, description: 'A page of history' },
  }),
  listStreetActivations: define({
    method: 'GET',
    path: '/streets/{streetId}/activations',
    fn: 'switch/list-street-activations',
    summary: 'Every activation and drill of the street’s communities, newest first, with counts and rates',
    tag: 'switch',
    auth: true,
    table: 'read',
    params: z.object({ streetId: slug }).strict(),
    query: historyQuery,
    success: { status: 200, schema: historyPageView, description: 'A page of history' },
  }),
  getMode: define({
    method: 'GET',
    path: '/communities/{communityId}/mode',
    fn: 'switch/get-mode',
    summary: 'Whether the community is in normal, emergency or drill mode',
    tag: 'switch',
    auth: true,
    table: 'read',
    params: communityParams,
    success: { status: 200, schema: modeView, description: 'The mode' },
  }),
  standDown: define({
    method: 'POST',
    path: '/activations/{activationId}/stand-down',
    fn: 'switch/stand-down',
    summary: 'Stand down (急转平): close the activation and tell everyone alerted',
    tag: 'switch',
    auth: true,
    table: 'write',
    params: activationParams,
    success: { status: 200, schema: standDownView, description: 'Closed (also when it already was)' },
    audit: { action: 'activation.standDown', target: 'activation', scopes: byActivation },
  }),
  getBoard: define({
    method: 'GET',
    path: '/activations/{activationId}',
    fn: 'switch/get-board',
    summary: 'The board: team by team, who confirmed, arrived, declined or is silent',
    tag: 'board',
    auth: true,
    table: 'read',
    params: activationParams,
    query: boardQuery,
    success: { status: 200, schema: boardView, description: 'The board' },
  }),
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
    audit: {
      action: 'proposal.accept',
      target: 'proposal',
      scopes: byCommunity,
      details: (r) => ({
        activationId: field(r.result, 'activationId'),
        kind: field(r.result, 'kind'),
        level: field(r.result, 'level'),
        mode: field(r.result, 'mode'),
      }),
    },
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
    audit: {
      action: 'proposal.dismiss',
      target: 'proposal',
      scopes: byCommunity,
      details: (r) => ({ note: field(r.body, 'note') !== undefined }),
    },
  }),
  checkIn: define({
    method: 'POST',
    path: '/activations/{activationId}/check-ins',
    fn: 'checkin/manual',
    summary: 'Mark someone confirmed, declined or arrived by hand (team leader or commander)',
    tag: 'board',
    auth: true,
    table: 'write',
    params: activationParams,
    body: checkInInput,
    success: { status: 200, schema: boardMemberView, description: 'The person as the board now shows them' },
    audit: {
      action: 'checkin.manual',
      target: 'activation',
      scopes: byActivation,
      details: (r) => ({ memberId: field(r.body, 'memberId'), status: field(r.body, 'status') }),
    },
  }),
  getReport: define({
    method: 'GET',
    path: '/activations/{activationId}/report',
    fn: 'switch/get-report',
    summary: 'The after-action report: reach, response and arrival times, team by team',
    tag: 'board',
    auth: true,
    table: 'read',
    params: activationParams,
    query: reportQuery,
    success: {
      status: 200,
      schema: reportView,
      description: 'The report (JSON), or with `format=csv` one row per drafted person (UTF-8 with BOM)',
    },
  }),
  getAudit: define({
    method: 'GET',
    path: '/communities/{communityId}/audit',
    fn: 'audit/list',
    summary:
      'The community’s audit trail: every switch, stand-down, drill, roster write and manual check-in, newest first',
    tag: 'audit',
    auth: true,
    table: 'read',
    params: communityParams,
    query: auditQuery,
    success: { status: 200, schema: auditPageView, description: 'A page of audit entries' },
  }),
  getStreetAudit: define({
    method: 'GET',
    path: '/streets/{streetId}/audit',
    fn: 'audit/list-street',
    summary: 'A street’s audit trail (street writes), newest first',
    tag: 'audit',
    auth: true,
    table: 'read',
    params: z.object({ streetId: slug }).strict(),
    query: auditQuery,
    success: { status: 200, schema: auditPageView, description: 'A page of audit entries' },
  }),

  // --- Planning: scheduled drills, rankings and participation ---
  createDrillSchedule: define({
    method: 'POST',
    path: '/communities/{communityId}/drill-schedules',
    fn: 'schedules/create',
    summary: 'Schedule a drill: at that time it starts by itself, as if pressed',
    tag: 'planning',
    auth: true,
    table: 'write',
    params: communityParams,
    body: drillScheduleInput,
    success: { status: 201, schema: drillScheduleView, description: 'The schedule, pending' },
    audit: {
      action: 'drillSchedule.create',
      target: 'schedule',
      scopes: byCommunity,
      details: (r) => ({
        at: field(r.body, 'at'),
        kind: field(r.body, 'kind'),
        level: field(r.body, 'level'),
      }),
    },
  }),
  listDrillSchedules: define({
    method: 'GET',
    path: '/communities/{communityId}/drill-schedules',
    fn: 'schedules/list',
    summary: 'The community’s scheduled drills, soonest first, with what became of each',
    tag: 'planning',
    auth: true,
    table: 'read',
    params: communityParams,
    success: {
      status: 200,
      schema: z.object({ items: z.array(drillScheduleView) }),
      description: 'Schedules',
    },
  }),
  cancelDrillSchedule: define({
    method: 'DELETE',
    path: '/communities/{communityId}/drill-schedules/{scheduleId}',
    fn: 'schedules/cancel',
    summary: 'Cancel a scheduled drill before it starts (409 once it has fired)',
    tag: 'planning',
    auth: true,
    table: 'write',
    params: z
      .object({ communityId: slug, scheduleId: z.string().regex(/^[a-z0-9]{1,64}$/, 'not a schedule id') })
      .strict(),
    success: { status: 200, schema: drillScheduleView, description: 'The schedule, cancelled' },
    audit: { action: 'drillSchedule.cancel', target: 'schedule', scopes: byCommunity },
  }),
  getRankings: define({
    method: 'GET',
    path: '/streets/{streetId}/rankings',
    fn: 'planning/get-rankings',
    summary: '周排名 / 月排行 / 年考评: the street’s grids and communities ranked over a week, month or year',
    tag: 'planning',
    auth: true,
    table: 'read',
    params: z.object({ streetId: slug }).strict(),
    query: rankingQuery,
    success: {
      status: 200,
      schema: rankingsView,
      description: 'The rankings (empty when nothing started in the period)',
    },
  }),
  getParticipation: define({
    method: 'GET',
    path: '/communities/{communityId}/members/{memberId}/participation',
    fn: 'planning/get-participation',
    summary: 'One person’s participation: how often called, answered and came',
    tag: 'planning',
    auth: true,
    table: 'read',
    params: memberParams,
    success: { status: 200, schema: participationView, description: 'The participation record' },
  }),
} as const;

export type RouteName = keyof typeof routes;

/** Every route, in a stable order. */
export const allRoutes: readonly RouteDef[] = Object.values(routes);
