import { createHash } from 'node:crypto';
import { logger } from '../../observability';
import {
  type OutgoingSms,
  type SentCheck,
  type SentSms,
  type SmsGateway,
  SmsRejectedError,
  SmsThrottledError,
  SmsUncertainError,
} from '../sms-gateway';
import { ProviderCallError, type ProviderFailure, type RecipientResult, type SmsProvider } from './port';
import { resolveTemplate, type TemplateConfig, templatedSchema } from './templates';

/** The provider will take no more messages for this number for now: recorded, not retried. */
export class SmsFrequencyLimitedError extends SmsRejectedError {
  readonly frequencyLimited = true;
}

/** The provider account, signature or template is wrong: an operator must act. */
export class SmsConfigurationError extends Error {
  override readonly name = 'SmsConfigurationError';
}

type Waiting = {
  sms: OutgoingSms;
  resolve: (sent: SentSms) => void;
  reject: (error: unknown) => void;
};
/** One provider call: one template and parameter set, for the numbers waiting on it. */
type Call = { templateId: string; names: string[]; params: string[]; waiting: Waiting[] };

/**
 * What the provider carries back for a message (Tencent `SessionContext`, Alibaba `OutId`): the
 * same for the same content, so that a number's record shows whether this content reached it.
 */
export const contentContext = (templateId: string, params: readonly string[]) =>
  `pingji:${createHash('sha256')
    .update(`${templateId}\n${JSON.stringify(params)}`)
    .digest('hex')
    .slice(0, 16)}`;

/** Tencent takes mainland and international numbers in separate calls. */
const familyOf = (phone: string) => (phone.startsWith('+86') ? 'cn' : 'intl');

/** The reason recorded on a message the provider would not take for this number. */
export const failureReason = (f: ProviderFailure) => `${f.kind}: ${f.reason}`;

function settle(w: Waiting, result: RecipientResult | undefined): void {
  if (result?.ok) {
    w.resolve({ messageId: result.messageId });
    return;
  }
  const failure: ProviderFailure = result ?? {
    kind: 'throttled',
    code: 'NoStatus',
    reason: 'no status',
    uncertain: true,
  };
  w.reject(errorOf(failure));
}

function errorOf(failure: ProviderFailure): Error {
  switch (failure.kind) {
    case 'frequencyLimited':
      return new SmsFrequencyLimitedError(`frequency limited: ${failure.code}`, failureReason(failure));
    case 'refused':
      return new SmsRejectedError(`refused: ${failure.code}`, failureReason(failure));
    case 'throttled':
      return failure.uncertain
        ? new SmsUncertainError(`no answer: ${failure.code}`)
        : new SmsThrottledError(`throttled: ${failure.code}`);
    case 'misconfigured':
      // Every message fails the same way until someone fixes the account: this is the alarm.
      logger.error('sms provider configuration is broken', {
        code: failure.code,
        alarm: 'SmsProviderMisconfigured',
      });
      return new SmsConfigurationError(`provider configuration: ${failure.code}`);
  }
}

type Resolved = ReturnType<typeof resolveTemplate>;

/** Messages with the same key may share one provider call: one content, one number family. */
const callKey = (r: Resolved, phone: string) =>
  `${r.templateId}|${JSON.stringify(r.params)}|${familyOf(phone)}`;

/**
 * The sender's gateway over a template provider. `sendMany` puts messages that share a template
 * and every parameter (a team's alerts) in one provider call, up to the provider's batch size;
 * each message still hears about its own number. `send` is a call of one.
 */
export class ProviderSmsGateway implements SmsGateway {
  readonly batchLimit: number;

  constructor(
    private readonly provider: SmsProvider,
    private readonly templates: TemplateConfig,
  ) {
    // Claimed groups stay small enough to settle well inside a lease, whatever a call could carry.
    this.batchLimit = Math.min(200, provider.maxBatch);
  }

  /** The template and parameters of a message, or why it cannot be sent. */
  private resolve(sms: OutgoingSms): Resolved | Error {
    const parsed = templatedSchema.safeParse(sms.template);
    if (!parsed.success)
      return new SmsRejectedError('no template', 'refused: the message has no registered template');
    try {
      return resolveTemplate(this.templates, parsed.data, this.provider.variableLimit);
    } catch (error) {
      return new SmsConfigurationError(error instanceof Error ? error.message : 'no template');
    }
  }

  async sendMany(list: readonly OutgoingSms[]): Promise<(SentSms | Error)[]> {
    const out: (SentSms | Error | undefined)[] = list.map(() => undefined);
    const groups = new Map<string, { resolved: Resolved; waiting: Waiting[] }>();
    list.forEach((sms, i) => {
      const resolved = this.resolve(sms);
      if (resolved instanceof Error) {
        out[i] = resolved;
        return;
      }
      const key = callKey(resolved, sms.to);
      const group = groups.get(key) ?? { resolved, waiting: [] };
      groups.set(key, group);
      group.waiting.push({
        sms,
        resolve: (sent) => {
          out[i] = sent;
        },
        reject: (error) => {
          out[i] = error instanceof Error ? error : new Error(String(error));
        },
      });
    });
    // Different contents go in parallel; one content's calls one after the other, so that a number
    // listed twice gets its second message after the first.
    await Promise.all(
      [...groups.values()].map(async ({ resolved, waiting }) => {
        for (const call of callsOf(waiting, this.provider.maxBatch))
          await this.sendGroup({ ...resolved, waiting: call });
      }),
    );
    return out.map((o) => o ?? new SmsThrottledError('no answer'));
  }

  async send(sms: OutgoingSms): Promise<SentSms> {
    const [result = new SmsThrottledError('no answer')] = await this.sendMany([sms]);
    if (result instanceof Error) throw result;
    return result;
  }

  private async sendGroup(group: Call): Promise<void> {
    // The same number twice in one call would be one message: a second send of it waits for the next.
    const byPhone = new Map<string, Waiting>();
    const later: Waiting[] = [];
    for (const w of group.waiting) {
      if (byPhone.has(w.sms.to)) later.push(w);
      else byPhone.set(w.sms.to, w);
    }
    const waiting = [...byPhone.values()];
    for (const w of later) w.reject(new SmsThrottledError('same number twice in one batch'));
    try {
      const results = await this.provider.sendBatch({
        templateId: group.templateId,
        names: group.names,
        params: group.params,
        recipients: waiting.map((w) => ({ phone: w.sms.to, dedupeKey: w.sms.dedupeKey })),
        context: contentContext(group.templateId, group.params),
      });
      for (const w of waiting)
        settle(
          w,
          results.find((r) => r.dedupeKey === w.sms.dedupeKey),
        );
    } catch (error) {
      const failure: ProviderFailure =
        error instanceof ProviderCallError
          ? error.failure
          : {
              kind: 'throttled',
              code: 'Unknown',
              reason: error instanceof Error ? error.message : 'unknown',
              uncertain: true,
            };
      for (const w of waiting) w.reject(errorOf(failure));
    }
  }

  /**
   * A message whose sender died mid-send left if the provider's records show this content reaching
   * this number since it was claimed. Without such a record it is sent again: at least once.
   */
  async wasSent(_dedupeKey: string, check?: SentCheck): Promise<'yes' | 'unknown'> {
    if (!check || !this.provider.sentSince) return 'unknown';
    const resolved = this.resolve(check);
    const since = new Date(check.since);
    if (resolved instanceof Error || Number.isNaN(since.getTime())) return 'unknown';
    try {
      const found = await this.provider.sentSince(
        check.to,
        contentContext(resolved.templateId, resolved.params),
        since,
      );
      return found === true ? 'yes' : 'unknown';
    } catch (error) {
      logger.warn('sms provider status could not be read; sending again', { error });
      return 'unknown';
    }
  }
}

/**
 * Splits one content's messages into provider calls of at most `max` numbers; the same number
 * twice goes in a later call, since one call would give it one message.
 */
function callsOf(waiting: readonly Waiting[], max: number): Waiting[][] {
  const calls: { phones: Set<string>; list: Waiting[] }[] = [];
  for (const w of waiting) {
    let call = calls.find((c) => c.list.length < max && !c.phones.has(w.sms.to));
    if (!call) {
      call = { phones: new Set(), list: [] };
      calls.push(call);
    }
    call.phones.add(w.sms.to);
    call.list.push(w);
  }
  return calls.map((c) => c.list);
}
