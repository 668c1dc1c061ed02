import { createHash } from 'node:crypto';
import { logger } from '../../observability';
import {
  type OutgoingSms,
  type SentSms,
  type SmsGateway,
  SmsRejectedError,
  SmsThrottledError,
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
type Pending = {
  templateId: string;
  names: string[];
  params: string[];
  waiting: Waiting[];
  timer?: NodeJS.Timeout;
};

/** The reason recorded on a message the provider would not take for this number. */
export const failureReason = (f: ProviderFailure) => `${f.kind}: ${f.reason}`;

function settle(w: Waiting, result: RecipientResult | undefined): void {
  if (result?.ok) {
    w.resolve({ messageId: result.messageId });
    return;
  }
  const failure: ProviderFailure = result ?? { kind: 'throttled', code: 'NoStatus', reason: 'no status' };
  w.reject(errorOf(failure));
}

function errorOf(failure: ProviderFailure): Error {
  switch (failure.kind) {
    case 'frequencyLimited':
      return new SmsFrequencyLimitedError(`frequency limited: ${failure.code}`, failureReason(failure));
    case 'refused':
      return new SmsRejectedError(`refused: ${failure.code}`, failureReason(failure));
    case 'throttled':
      return new SmsThrottledError(`throttled: ${failure.code}`);
    case 'misconfigured':
      // Every message fails the same way until someone fixes the account: this is the alarm.
      logger.error('sms provider configuration is broken', {
        code: failure.code,
        alarm: 'SmsProviderMisconfigured',
      });
      return new SmsConfigurationError(`provider configuration: ${failure.code}`);
  }
}

/**
 * The sender's gateway over a template provider. Messages that share a template and every
 * parameter (a team's alerts) and are handed over within `lingerMs` of each other leave in one
 * provider call, up to the provider's batch size; each caller still hears about its own number.
 */
export class ProviderSmsGateway implements SmsGateway {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly provider: SmsProvider,
    private readonly templates: TemplateConfig,
    private readonly options: { lingerMs?: number } = {},
  ) {}

  send(sms: OutgoingSms): Promise<SentSms> {
    const parsed = templatedSchema.safeParse(sms.template);
    if (!parsed.success) {
      return Promise.reject(
        new SmsRejectedError('no template', 'refused: the message has no registered template'),
      );
    }
    let resolved: ReturnType<typeof resolveTemplate>;
    try {
      resolved = resolveTemplate(this.templates, parsed.data, this.provider.variableLimit);
    } catch (error) {
      return Promise.reject(
        new SmsConfigurationError(error instanceof Error ? error.message : 'no template'),
      );
    }
    const key = `${resolved.templateId}|${JSON.stringify(resolved.params)}`;
    return new Promise<SentSms>((resolve, reject) => {
      let group = this.pending.get(key);
      if (!group) {
        group = { ...resolved, waiting: [] };
        this.pending.set(key, group);
        const lingerMs = this.options.lingerMs ?? 20;
        group.timer = setTimeout(() => this.flush(key), lingerMs);
      }
      group.waiting.push({ sms, resolve, reject });
      if (group.waiting.length >= this.provider.maxBatch) this.flush(key);
    });
  }

  /** Sends a group now. */
  private flush(key: string): void {
    const group = this.pending.get(key);
    if (!group) return;
    this.pending.delete(key);
    clearTimeout(group.timer);
    void this.sendGroup(group);
  }

  private async sendGroup(group: Pending): Promise<void> {
    // The same number twice in one call would be one message: a second send of it waits for the next.
    const byPhone = new Map<string, Waiting>();
    const later: Waiting[] = [];
    for (const w of group.waiting) {
      if (byPhone.has(w.sms.to)) later.push(w);
      else byPhone.set(w.sms.to, w);
    }
    const waiting = [...byPhone.values()];
    for (const w of later) w.reject(new SmsThrottledError('same number twice in one batch'));
    const context = createHash('sha256')
      .update(waiting.map((w) => w.sms.dedupeKey).join('\n'))
      .digest('hex')
      .slice(0, 32);
    try {
      const results = await this.provider.sendBatch({
        templateId: group.templateId,
        names: group.names,
        params: group.params,
        recipients: waiting.map((w) => ({ phone: w.sms.to, dedupeKey: w.sms.dedupeKey })),
        context: `pingji:${context}`,
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
            };
      for (const w of waiting) w.reject(errorOf(failure));
    }
  }

  async wasSent(): Promise<'unknown'> {
    // Neither provider can be asked by our key; their receipts settle it instead.
    return 'unknown';
  }
}
