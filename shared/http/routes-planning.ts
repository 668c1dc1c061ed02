import * as z from 'zod';
import { slug } from '../domain/roster';
import { drillScheduleInput } from '../domain/schedule';
import { drillScheduleView, participationView, rankingQuery, rankingsView } from './planning-schemas';
import { byCommunity, communityParams, define, field, memberParams } from './routes-common';

/** Planning: scheduled drills, rankings and participation. */
export const planningRoutes = {
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
