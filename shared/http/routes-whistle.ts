import * as z from 'zod';
import { slug } from '../domain/roster';
import { whistleInput } from '../domain/whistle';
import { byCommunity, communityParams, define, field, str } from './routes-common';
import {
  cancelInput,
  resolveInput,
  whistleListQuery,
  whistleParams,
  whistleSummaryView,
  whistleView,
} from './whistle-schemas';

/** 吹哨报到: a grid asks for help; its units, the community, then the street answer. */
export const whistleRoutes = {
  raiseWhistle: define({
    method: 'POST',
    path: '/communities/{communityId}/whistles',
    fn: 'whistle/raise',
    summary:
      'Blow the whistle (吹哨) for a grid: its paired units are called, widening if not answered in time',
    tag: 'whistle',
    auth: true,
    table: 'write',
    params: communityParams,
    body: whistleInput,
    success: { status: 201, schema: whistleView, description: 'The whistle, open, with who was called' },
    lambda: { timeoutSeconds: 29 },
    audit: {
      action: 'whistle.raise',
      target: 'whistle',
      scopes: byCommunity,
      details: (r) => ({
        gridId: field(r.body, 'gridId'),
        category: field(r.body, 'category'),
        people: field(r.body, 'people'),
        notified: field(r.result, 'notified'),
      }),
    },
  }),
  listWhistles: define({
    method: 'GET',
    path: '/communities/{communityId}/whistles',
    fn: 'whistle/list',
    summary: 'The community’s whistles: open first, then recent',
    tag: 'whistle',
    auth: true,
    table: 'read',
    params: communityParams,
    query: whistleListQuery,
    success: {
      status: 200,
      schema: z.object({ items: z.array(whistleSummaryView) }),
      description: 'Whistles',
    },
  }),
  listStreetWhistles: define({
    method: 'GET',
    path: '/streets/{streetId}/whistles',
    fn: 'whistle/list-street',
    summary: 'Every whistle of the street not yet closed, of the communities the caller may read',
    tag: 'whistle',
    auth: true,
    table: 'read',
    params: z.object({ streetId: slug }).strict(),
    success: {
      status: 200,
      schema: z.object({ items: z.array(whistleSummaryView) }),
      description: 'Open and filled whistles',
    },
  }),
  getWhistle: define({
    method: 'GET',
    path: '/whistles/{whistleId}',
    fn: 'whistle/get',
    summary: 'A whistle with its responders and events',
    tag: 'whistle',
    auth: true,
    table: 'read',
    params: whistleParams,
    success: { status: 200, schema: whistleView, description: 'The whistle' },
  }),
  resolveWhistle: define({
    method: 'POST',
    path: '/whistles/{whistleId}/resolve',
    fn: 'whistle/resolve',
    summary: 'Close a whistle as resolved, with a note; everyone still called is told',
    tag: 'whistle',
    auth: true,
    table: 'write',
    params: whistleParams,
    body: resolveInput,
    success: { status: 200, schema: whistleView, description: 'The whistle, resolved' },
    audit: {
      action: 'whistle.resolve',
      target: 'whistle',
      scopes: (r) => [str(field(r.result, 'communityId'))],
    },
  }),
  cancelWhistle: define({
    method: 'POST',
    path: '/whistles/{whistleId}/cancel',
    fn: 'whistle/cancel',
    summary: 'Cancel a whistle; everyone still called is told',
    tag: 'whistle',
    auth: true,
    table: 'write',
    params: whistleParams,
    body: cancelInput,
    success: { status: 200, schema: whistleView, description: 'The whistle, cancelled' },
    audit: {
      action: 'whistle.cancel',
      target: 'whistle',
      scopes: (r) => [str(field(r.result, 'communityId'))],
    },
  }),
};
