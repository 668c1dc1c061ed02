import { type Activation, type Draftee, unreached } from './activation';
import { KIND_LABELS, LEVEL_LABELS } from './incident';

/**
 * The voice call for the silent: after the reminder and before `noResponse`, a person who still
 * has not answered is rung once with a text-to-speech call. These are its rules, over plain data.
 */

/** Where a person's voice call stands, as their line on the board shows it. */
export const VOICE_STATUSES = [
  /** Claimed by a sweep; the call is being placed. */
  'calling',
  /** The provider took the call; its report has not come yet. */
  'placed',
  'answered',
  'unanswered',
  'busy',
  /** Rung, but the call did not connect (number out of service, network). */
  'failed',
  /** The provider did not take the call: `error` says why. */
  'notPlaced',
] as const;
export type VoiceStatus = (typeof VOICE_STATUSES)[number];

/** Why a call was not placed, in the words the SMS providers' errors use. */
export const VOICE_ERRORS = ['throttled', 'refused', 'frequencyLimited', 'misconfigured'] as const;
export type VoiceError = (typeof VOICE_ERRORS)[number];

/** The voice call on a draftee's record. */
export type VoiceLine = {
  status: VoiceStatus;
  /** When the status was last set. */
  at: string;
  callId?: string | undefined;
  /** The key pressed during the call (1 coming, 2 not coming), where the provider reports it. */
  keypress?: string | undefined;
  durationSeconds?: number | undefined;
  error?: VoiceError | undefined;
  reason?: string | undefined;
  /** When the call's outcome came: a second report of the same call changes nothing. */
  reportedAt?: string | undefined;
};

/** The call's place in the sweep: so long after the alert, while silence still lasts. */
export type VoiceTiming = { afterSeconds: number; noResponseAfterSeconds: number };

/**
 * Due for a call: open, alerted (and the alert not failed), reminded, still silent, rung never
 * before, and silent at least `afterSeconds` but not yet for `noResponseAfterSeconds`.
 */
export function dueForVoiceCall(
  d: Pick<Draftee, 'open' | 'status' | 'alertedAt' | 'remindedAt' | 'outbox'> & {
    voice?: VoiceLine | undefined;
  },
  now: Date,
  timing: VoiceTiming,
): boolean {
  if (!d.open || d.status !== 'drafted' || !d.alertedAt || !d.remindedAt || d.voice) return false;
  if (unreached(d)) return false;
  const silent = (now.getTime() - Date.parse(d.alertedAt)) / 1000;
  return silent >= timing.afterSeconds && silent < timing.noResponseAfterSeconds;
}

/** The values a voice template may use, for one person: the words a reminder uses. */
export function voiceValues(
  activation: Pick<Activation, 'communityName' | 'kind' | 'level' | 'teams'>,
  d: Pick<Draftee, 'teamId' | 'musterPoint'>,
): Record<'community' | 'incident' | 'team' | 'leader' | 'muster', string> {
  const team = activation.teams.find((t) => t.teamId === d.teamId);
  return {
    community: activation.communityName,
    incident: KIND_LABELS[activation.kind].zh + LEVEL_LABELS[activation.level].zh,
    team: team?.gridName ?? '',
    leader: team?.leaderName ?? '',
    muster: d.musterPoint || team?.musterPoint || '',
  };
}

/** The reply a keypress stands for: 1 coming, 2 not coming; any other key is no answer. */
export function keypressReply(keypress: string | undefined): '1' | '2' | undefined {
  const key = keypress?.trim();
  return key === '1' || key === '2' ? key : undefined;
}

/** A report's outcome lands on a call that was placed with that id and has no outcome yet. */
export function awaitsOutcome(line: VoiceLine | undefined, callId: string): boolean {
  return line?.callId === callId && !line.reportedAt;
}

/** The statuses a call report can set. */
export type VoiceOutcomeStatus = Extract<VoiceStatus, 'answered' | 'unanswered' | 'busy' | 'failed'>;
