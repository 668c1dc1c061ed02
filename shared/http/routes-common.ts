import * as z from 'zod';
import { slug } from '../domain/roster';
import type { AuditInput, RouteDef } from './routes';

/** What every area's route list shares: the typing helper, common path parameters, audit scopes. */
export const field = (value: unknown, name: string): unknown =>
  typeof value === 'object' && value !== null && name in value
    ? (value as Record<string, unknown>)[name]
    : undefined;
export const str = (value: unknown): string => (typeof value === 'string' ? value : '');
export const byCommunity = (r: AuditInput) => [str(r.params.communityId)];
export const byActivation = (r: AuditInput) => [`activation:${str(r.params.activationId)}`];
/** Names of the fields a body sets; values stay out of the trail. */
export const fieldsOf = (r: AuditInput) => ({
  fields: Object.keys(typeof r.body === 'object' && r.body !== null ? r.body : {}),
});

export const define = <R extends RouteDef>(route: R): R => route;

export const communityParams = z.object({ communityId: slug }).strict();
export const activationParams = z
  .object({ activationId: z.string().regex(/^[a-z0-9]{1,64}$/, 'not an activation id') })
  .strict();
export const memberParams = z
  .object({ communityId: slug, memberId: z.string().regex(/^[a-z0-9]{1,64}$/, 'not a member id') })
  .strict();
