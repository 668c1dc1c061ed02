import type { Clock } from '../adapters/clock';
import { ProviderCallError } from '../adapters/sms-providers/port';
import type { VoiceProvider } from '../adapters/voice/port';
import { type VoiceConfig, voiceParams } from '../adapters/voice/settings';
import type { VoiceRepository } from '../adapters/voice-repository';
import type { Activation, Draftee } from '../domain/activation';
import { dueForVoiceCall, voiceValues } from '../domain/voice';
import { logger } from '../observability';

export type VoiceStepPorts = {
  provider: VoiceProvider;
  calls: VoiceRepository;
  clock: Clock;
  config: VoiceConfig;
  noResponseAfterSeconds: number;
};

/** Calls in flight at once: the provider takes many, but a sweep is a minute's work. */
const CONCURRENCY = 8;

/**
 * The voice call for the silent, one step of the sweep. Each person is rung at most once: the
 * call is claimed on their record by a conditional write first, so two sweeps racing ring once.
 * A crash after the claim and before the answer leaves the record `calling` and nobody rings
 * again: a person may miss the call, never be rung twice or in a loop; `noResponse` follows as
 * it would without the call.
 */
export function makeVoiceStep({ provider, calls, clock, config, noResponseAfterSeconds }: VoiceStepPorts) {
  const timing = { afterSeconds: config.afterSeconds, noResponseAfterSeconds };

  async function ring(
    activation: Activation,
    d: Draftee,
    templateId: string,
  ): Promise<'placed' | 'failed' | 'taken'> {
    const ref = { activationId: d.activationId, memberId: d.memberId };
    const at = clock.now().toISOString();
    if (!(await calls.claim(ref, at))) return 'taken';
    try {
      const callId = await provider.placeCall({
        phone: d.phone,
        templateId,
        params: voiceParams(config, voiceValues(activation, d), provider.variableLimit),
        names: config.params,
        context: `${d.activationId}|${d.memberId}`,
      });
      await calls.placed(ref, callId, clock.now().toISOString());
      return 'placed';
    } catch (error) {
      if (!(error instanceof ProviderCallError)) throw error;
      const { kind, reason } = error.failure;
      logger.warn('voice call not placed', { memberId: d.memberId, kind, code: error.failure.code });
      await calls.notPlaced(ref, { error: kind, reason }, clock.now().toISOString());
      return 'failed';
    }
  }

  return {
    /** Rings everyone of this activation who is due; answers how many calls were placed and failed. */
    async run(
      activation: Activation,
      draftees: readonly Draftee[],
    ): Promise<{ placed: number; failed: number }> {
      // A drill without a drill template rings nobody: the real template would say it is real.
      const templateId = activation.drill ? config.drillTemplateId : config.templateId;
      if (!templateId) return { placed: 0, failed: 0 };
      const now = clock.now();
      const due = draftees.filter((d) => dueForVoiceCall(d, now, timing));
      const out = { placed: 0, failed: 0 };
      for (let i = 0; i < due.length; i += CONCURRENCY) {
        const results = await Promise.all(
          due.slice(i, i + CONCURRENCY).map((d) => ring(activation, d, templateId)),
        );
        for (const r of results) if (r !== 'taken') out[r]++;
      }
      return out;
    },
  };
}

export type VoiceStep = ReturnType<typeof makeVoiceStep>;
