import type { Activation, CheckInStatus, Draftee, MessageKind } from './activation';
import type { CalloutVars, SmsMessage } from './sms';

/**
 * Which SMS each situation sends. Every message the service sends is decided here, from plain
 * data; `render` (in sms.ts) turns it into text, and the outbox queues it.
 */

/** A message to send, and the kind of outbox entry it becomes. */
export type Outgoing = { kind: MessageKind; message: SmsMessage };

/** What an alert or a reminder says of the call-out and of the recipient's team. */
export function callOutVars(activation: Activation, teamId: string, leader: boolean): CalloutVars {
  const team = activation.teams.find((t) => t.teamId === teamId);
  return {
    drill: activation.drill,
    communityName: activation.communityName,
    kind: activation.kind,
    level: activation.level,
    teamName: team?.gridName ?? teamId,
    leaderName: team?.leaderName ?? '',
    musterPoint: team?.musterPoint ?? '',
    isLeader: leader,
  };
}

/** The alert a draftee gets when their team is formed, or when called in from the reserves. */
export function alertFor(
  activation: Activation,
  teamId: string,
  leader: boolean,
  backfill = false,
): Outgoing {
  return { kind: 'alert', message: { type: 'alert', ...callOutVars(activation, teamId, leader), backfill } };
}

/** The one reminder a silent draftee gets, naming the muster point their alert named. */
export function reminderFor(
  activation: Activation,
  draftee: Pick<Draftee, 'teamId' | 'leader' | 'musterPoint'>,
): Outgoing {
  return {
    kind: 'reminder',
    message: {
      type: 'reminder',
      ...callOutVars(activation, draftee.teamId, draftee.leader),
      musterPoint: draftee.musterPoint,
    },
  };
}

/**
 * What a draftee hears at stand-down. Only people who know they were called out (alerted, or
 * already answered, or whose alert is leaving now) are told it is over; reserves who said yes
 * but were never needed at the muster point are thanked. Nothing for the others.
 */
export function standDownFor(
  activation: Activation,
  draftee: Pick<Draftee, 'alertedAt' | 'status' | 'source' | 'outbox'>,
): Outgoing | undefined {
  const knows =
    draftee.alertedAt || draftee.status !== 'drafted' || draftee.outbox.alert?.state === 'sending';
  if (!knows) return undefined;
  if (draftee.source === 'reserve' && draftee.status === 'confirmed')
    return {
      kind: 'notNeeded',
      message: { type: 'notNeeded', drill: activation.drill, communityName: activation.communityName },
    };
  return {
    kind: 'standDown',
    message: {
      type: 'standDown',
      drill: activation.drill,
      communityName: activation.communityName,
      kind: activation.kind,
    },
  };
}

/** What a team leader hears of a team still short after a backfill. */
export function shortfallFor(
  activation: Pick<Activation, 'drill'>,
  teamName: string,
  outcome: { missing: number; called: number; left: number },
): Outgoing {
  return {
    kind: 'shortfall',
    message: {
      type: 'shortfall',
      drill: activation.drill,
      teamName,
      missing: outcome.missing,
      backfilled: outcome.called,
      reservesLeft: outcome.left,
    },
  };
}

/** The acknowledgement of a status change. */
export function ackFor(
  draftee: Pick<Draftee, 'drill' | 'musterPoint'>,
  to: CheckInStatus,
  etaMinutes: number | undefined,
): Outgoing {
  const message: SmsMessage =
    to === 'confirmed'
      ? {
          type: 'ackConfirmed',
          drill: draftee.drill,
          musterPoint: draftee.musterPoint,
          ...(etaMinutes !== undefined ? { etaMinutes } : {}),
        }
      : to === 'arrived'
        ? { type: 'ackArrived', drill: draftee.drill, musterPoint: draftee.musterPoint }
        : { type: 'ackDeclined', drill: draftee.drill };
  return { kind: 'ack', message };
}

/** The answer to a reply the service could not read. */
export function helpFor(draftee: Pick<Draftee, 'drill'>): Outgoing {
  return { kind: 'help', message: { type: 'help', drill: draftee.drill } };
}

/** The confirmation of an opt-out or an opt-in. */
export function optOutNoticeFor(optOut: boolean): Outgoing {
  return { kind: 'notice', message: { type: optOut ? 'optedOut' : 'optedIn' } };
}

/** The answer to a reply from a roster phone with no open call-out. */
export function noCallOutNotice(): Outgoing {
  return { kind: 'notice', message: { type: 'noActiveCallout' } };
}
