import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { SimulatedPhoneNetwork } from '../shared/adapters/simulated-phone-network';
import { normalisePhone } from '../shared/domain/phone';
import { issuesOf } from '../shared/domain/validation';
import type { DevRoute } from './server';

const inboundRequest = z
  .object({
    from: z.string().min(1).max(32),
    body: z.string().max(1_600),
    inboundMessageId: z.string().min(1).max(128).optional(),
  })
  .strict();

const invalid = (details: { path: string; message: string }[]) => ({
  status: 400,
  body: { error: { code: 'VALIDATION_FAILED', message: 'invalid request', details } },
});

function phoneParam(
  query: URLSearchParams,
): { ok: true; phone: string } | { ok: false; reply: ReturnType<typeof invalid> } {
  const raw = query.get('phone');
  const parsed = raw ? normalisePhone(raw) : undefined;
  if (!parsed?.ok)
    return { ok: false, reply: invalid([{ path: 'phone', message: 'a phone number is required' }]) };
  return { ok: true, phone: parsed.e164 };
}

/**
 * The simulated phones: a volunteer's phone sends a reply, and any phone's inbox can be read.
 * `deliverInbound` hands the reply to the same handler AWS's inbound SMS topic invokes.
 */
export function smsRoutes(
  network: SimulatedPhoneNetwork,
  deliverInbound: (message: { from: string; body: string; inboundMessageId: string }) => Promise<void>,
): DevRoute[] {
  return [
    {
      method: 'POST',
      path: '/dev/sms/inbound',
      async handle({ body }) {
        const parsed = inboundRequest.safeParse(body ?? {});
        if (!parsed.success) return invalid(issuesOf(parsed.error));
        const from = normalisePhone(parsed.data.from);
        if (!from.ok) return invalid([{ path: 'from', message: from.reason }]);
        const inboundMessageId = parsed.data.inboundMessageId ?? randomUUID();
        await network.recordInbound(from.e164, parsed.data.body, inboundMessageId);
        await deliverInbound({ from: from.e164, body: parsed.data.body, inboundMessageId });
        return { status: 202, body: { accepted: true, inboundMessageId } };
      },
    },
    {
      method: 'GET',
      path: '/dev/sms/outbox',
      async handle({ query }) {
        const phone = phoneParam(query);
        if (!phone.ok) return phone.reply;
        const received = await network.received(phone.phone);
        return {
          status: 200,
          body: received.map((m) => ({ to: m.to, body: m.body, sentAt: m.sentAt, messageId: m.messageId })),
        };
      },
    },
    {
      method: 'GET',
      path: '/dev/sms/conversation',
      async handle({ query }) {
        const phone = phoneParam(query);
        if (!phone.ok) return phone.reply;
        const messages = await network.conversation(phone.phone);
        return {
          status: 200,
          body: messages.map(({ dedupeKey: _key, ...m }) => m),
        };
      },
    },
  ];
}
