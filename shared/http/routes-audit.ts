import * as z from 'zod';
import { slug } from '../domain/roster';
import { communityParams, define } from './routes-common';
import { auditPageView, auditQuery } from './schemas';

/** The audit trail of a community and of a street. */
export const auditRoutes = {
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
} as const;
