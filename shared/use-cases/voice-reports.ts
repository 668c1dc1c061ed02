import type { CheckInRepository } from '../adapters/check-in-repository';
import type { Clock } from '../adapters/clock';
import type { VoiceProvider, VoiceReport } from '../adapters/voice/port';
import type { VoiceRepository } from '../adapters/voice-repository';
import type { Draftee } from '../domain/activation';
import { keypressReply } from '../domain/voice';
import type { IncomingReply, ReplyOutcome } from './check-in';
import type { CallbackOutcome } from './sms-callbacks';

export type VoiceReportPorts = {
  provider: VoiceProvider;
  calls: VoiceRepository;
  checkIns: Pick<CheckInRepository, 'findOpenByPhone' | 'getDraftee'>;
  clock: Clock;
  reply: (incoming: IncomingReply) => Promise<ReplyOutcome>;
};

/**
 * The voice provider's call reports: the outcome onto the person's line, a keypress 1 or 2 into
 * the check-in path as the same reply by SMS would go. At-least-once and in any order: each
 * report counts once, and a keypress after arrival changes nothing, as a late SMS "1" does not.
 */
export function makeVoiceReports({ provider, calls, checkIns, clock, reply }: VoiceReportPorts) {
  /** The person rung with this call: by the number rung, or by the context given at the call. */
  async function rungBy(report: VoiceReport): Promise<{ draftee?: Draftee; unsettled: boolean }> {
    const open = report.phone ? await checkIns.findOpenByPhone(report.phone) : [];
    const byPhone = open.find((d) => d.voice?.callId === report.callId);
    if (byPhone) return { draftee: byPhone, unsettled: false };
    const [activationId, memberId] = (report.context ?? '').split('|');
    if (activationId && memberId) {
      const byContext = await checkIns.getDraftee(activationId, memberId);
      if (byContext?.voice?.callId === report.callId) return { draftee: byContext, unsettled: false };
      if (byContext?.voice?.status === 'calling') return { unsettled: true };
    }
    // A report faster than the sweep's own record of the call.
    return { unsettled: open.some((d) => d.voice?.status === 'calling') };
  }

  return {
    async reports(body: unknown): Promise<CallbackOutcome> {
      const outcome: CallbackOutcome = { ack: true, applied: 0, duplicates: 0, unmatched: 0 };
      for (const report of provider.parseReports(body)) {
        const { draftee, unsettled } = await rungBy(report);
        if (!draftee) {
          if (unsettled) outcome.ack = false;
          else outcome.unmatched++;
          continue;
        }
        const ref = { activationId: draftee.activationId, memberId: draftee.memberId };
        const at = report.at ?? clock.now().toISOString();
        let applied = false;
        if (report.outcome) {
          const status = report.outcome;
          const result = await calls.report(
            ref,
            report.callId,
            { status, durationSeconds: report.durationSeconds, reason: report.reason },
            at,
          );
          applied ||= result === 'applied';
        }
        if (report.keypress) {
          applied ||= (await calls.keypress(ref, report.callId, report.keypress)) === 'applied';
          const key = keypressReply(report.keypress);
          if (key) {
            // The same id for the same call's key, however often it is reported: it counts once.
            const result = await reply({
              from: draftee.phone,
              body: key,
              inboundMessageId: `${provider.name}:voice:${report.callId}`,
              receivedAt: at,
            });
            applied ||= result === 'applied';
          }
        }
        if (applied) outcome.applied++;
        else outcome.duplicates++;
      }
      return outcome;
    },
  };
}
