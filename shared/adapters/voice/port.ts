import type { ProviderFailure, TemplateProviderName } from '../sms-providers/port';

/** How a call ended, as the provider reports it. */
export const VOICE_OUTCOMES = ['answered', 'unanswered', 'busy', 'failed'] as const;
export type VoiceOutcome = (typeof VOICE_OUTCOMES)[number];

/** One text-to-speech call of a registered voice template to one number. */
export type VoiceCall = {
  phone: string;
  templateId: string;
  /** The template's values, in its order. */
  params: readonly string[];
  /** The parameter names, in the same order as `params` (Alibaba takes them by name). */
  names: readonly string[];
  /** Carried back by the provider (Tencent `SessionContext`, Alibaba `OutId`). */
  context: string;
};

/**
 * What the provider reports of a call: how it ended, or the key the person pressed. A report
 * carries either an outcome or a keypress (Tencent sends them apart; Alibaba may carry both).
 */
export type VoiceReport = {
  callId: string;
  phone?: string | undefined;
  outcome?: VoiceOutcome | undefined;
  keypress?: string | undefined;
  durationSeconds?: number | undefined;
  /** The provider's reason when the call did not connect. */
  reason?: string | undefined;
  at?: string | undefined;
  /** The context given at the call, when the provider hands it back. */
  context?: string | undefined;
};

/**
 * The port a voice provider is reached through: place a call (its failures are a
 * `ProviderCallError` with the same kinds as SMS) and read its call reports.
 */
export interface VoiceProvider {
  readonly name: TemplateProviderName;
  /** The longest value one template variable may have, in characters. */
  readonly variableLimit: number;
  /** Places the call; answers the provider's call id. */
  placeCall(call: VoiceCall): Promise<string>;
  parseReports(body: unknown): VoiceReport[];
}

export type { ProviderFailure };
