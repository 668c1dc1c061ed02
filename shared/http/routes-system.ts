import * as z from 'zod';
import { define } from './routes-common';

/** The service itself and what reaches it from outside: health, the API document, the SMS provider callbacks. */
export const systemRoutes = {
  smsCallback: define({
    method: 'POST',
    path: '/sms/{provider}/{kind}',
    fn: 'messaging/sms-callback',
    summary:
      "Delivery receipts, replies and voice call reports from the provider, in the provider's own format",
    tag: 'messaging',
    // The provider cannot sign in: the per-deployment token in the query is checked instead.
    auth: false,
    table: 'write',
    params: z
      .object({ provider: z.enum(['tencent', 'aliyun']), kind: z.enum(['receipts', 'replies', 'voice']) })
      .strict(),
    query: z.object({ token: z.string().max(256).optional() }),
    // Most callbacks are a list; Tencent's reply and voice callbacks are one object.
    body: z.union([z.array(z.record(z.string(), z.unknown())).max(1_000), z.record(z.string(), z.unknown())]),
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
} as const;
