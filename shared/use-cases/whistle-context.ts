import { createHash } from 'node:crypto';
import type { ActivationRepository } from '../adapters/activation-repository';
import type { AuditLog } from '../adapters/audit-log';
import type { Clock, IdGenerator } from '../adapters/clock';
import type { MemberRepository } from '../adapters/member-repository';
import type { StructureRepository } from '../adapters/structure-repository';
import type { WhistleMessage, WhistleMessenger } from '../adapters/whistle-messages';
import type { NewEvent, ResponderRecord, WhistleRecord } from '../adapters/whistle-repository';
import type { WhistleStore } from '../adapters/whistle-store';
import type { WhistleSms } from '../domain/sms';
import type { WhistleStatus } from '../domain/whistle';
import { logger } from '../observability';

/** The ports every part of the whistle works through. */
export type WhistlePorts = {
  whistles: WhistleStore;
  structure: Pick<
    StructureRepository,
    'getCommunity' | 'getStructure' | 'listCommunitiesOfStreet' | 'listUnits'
  >;
  members: Pick<MemberRepository, 'get' | 'listCommunity' | 'listUnit'>;
  activations: Pick<ActivationRepository, 'get' | 'getUnitLocks' | 'listDraftees'>;
  messenger: WhistleMessenger;
  clock: Clock;
  ids: IdGenerator;
  /** Where whistles raised and widened outside a request (SMS, the sweep) are recorded. */
  audit?: Pick<AuditLog, 'record'> | undefined;
};

/** The ports, and the few things every part of the whistle builds with them. */
export type WhistleContext = Omit<WhistlePorts, 'audit'> & {
  /** A new event on a whistle, under a fresh id (ULIDs: events sort by time). */
  event(at: string, type: string, detail?: Record<string, unknown>): NewEvent;
  /** Records an audit entry for a step taken outside a request; a failure is logged, never thrown. */
  recordAudit(
    scope: string,
    action: string,
    whistleId: string,
    actor: string,
    details: Record<string, unknown>,
  ): Promise<void>;
};

/** Builds the context the whistle's parts share. */
export function whistleContext(ports: WhistlePorts): WhistleContext {
  const { ids, clock } = ports;
  return {
    ...ports,
    event: (at, type, detail = {}) => ({ eventId: ids.next(), at, type, detail }),
    async recordAudit(scope, action, whistleId, actor, details) {
      try {
        await ports.audit?.record([
          {
            auditId: ids.next(),
            scope,
            at: clock.now().toISOString(),
            action,
            actor,
            groups: [],
            target: { type: 'whistle', id: whistleId },
            requestId: actor,
            status: 200,
            details,
          },
        ]);
      } catch (error) {
        logger.error('audit entry could not be written', { error, action });
      }
    },
  };
}

export const shortId = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
export const minutesLater = (at: string, minutes: number) =>
  new Date(Date.parse(at) + minutes * 60_000).toISOString();
export const isClosed = (status: WhistleStatus) => status === 'resolved' || status === 'cancelled';
/** Answers that count towards filling a whistle. */
export const COUNTS = new Set(['coming', 'arrived']);
/** Responders the whistle still holds: they carry its marker. */
export const HELD = new Set(['called', 'coming', 'declined', 'arrived']);

/** The short code a whistle is known by in SMS and on the console. */
export const whistleCode = (whistleId: string) => whistleId.slice(-6).toUpperCase();

/** An SMS of a whistle to one person; its id is stable per whistle, person and `tag`. */
export const messageTo = (
  w: WhistleRecord,
  r: Pick<ResponderRecord, 'memberId' | 'phone'>,
  sms: WhistleSms,
  tag: string,
) =>
  ({
    id: `whistle-${shortId(`${w.whistleId}/${r.memberId}/${tag}`)}`,
    phone: r.phone,
    message: sms,
  }) satisfies WhistleMessage;

/** The SMS that calls someone to a whistle. */
export const callMessage = (w: WhistleRecord, r: ResponderRecord) =>
  messageTo(
    w,
    r,
    {
      type: 'whistleCall',
      communityName: w.communityName,
      gridName: w.gridName,
      reason: w.reason,
      code: w.code,
    },
    'call',
  );
