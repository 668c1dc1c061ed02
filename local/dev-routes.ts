import * as z from 'zod';
import { GROUPS } from '../shared/domain/access';
import { slug } from '../shared/domain/roster';
import { issuesOf } from '../shared/domain/validation';
import type { DevAuth } from './dev-auth';
import type { DevRoute } from './server';

const tokenRequest = z
  .object({
    sub: z.string().min(1).max(128),
    roles: z.array(z.enum(GROUPS)).min(1),
    communities: z.array(z.union([z.literal('*'), slug])).default([]),
    ttlSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600)
      .optional(),
  })
  .strict();

const badRequest = (error: z.ZodError) => ({
  status: 400,
  body: { error: { code: 'VALIDATION_FAILED', message: 'invalid body', details: issuesOf(error) } },
});

/** `POST /dev/tokens` and the key set: the local stand-in for Cognito. */
export function devTokenRoutes(auth: DevAuth): DevRoute[] {
  return [
    {
      method: 'POST',
      path: '/dev/tokens',
      async handle({ body }) {
        const parsed = tokenRequest.safeParse(body ?? {});
        if (!parsed.success) return badRequest(parsed.error);
        const { sub, roles, communities, ttlSeconds } = parsed.data;
        return {
          status: 200,
          body: { token: await auth.mint({ sub, groups: roles, communities, ttlSeconds }) },
        };
      },
    },
    {
      method: 'GET',
      path: '/dev/.well-known/jwks.json',
      async handle() {
        return { status: 200, body: auth.jwks };
      },
    },
  ];
}
