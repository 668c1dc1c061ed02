import type { Locale, SmsMessage } from '../../domain/sms';

/** Where SMS go: the local simulator, AWS SNS, Tencent Cloud SMS or Alibaba Cloud SMS. */
export const PROVIDERS = ['simulated', 'sns', 'tencent', 'aliyun'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** The two providers that send registered templates and call back with receipts and replies. */
export const TEMPLATE_PROVIDERS = ['tencent', 'aliyun'] as const;
export type TemplateProviderName = (typeof TEMPLATE_PROVIDERS)[number];

/** A provider's API key pair (Tencent SecretId/SecretKey, Alibaba AccessKeyId/AccessKeySecret). */
export type ProviderCredentials = { id: string; secret: string };

/** A message as the service queued it: what it says, in which language. */
export type TemplatedMessage = { message: SmsMessage; locale: Locale };

/** One template and one parameter set, for one or many numbers. */
export type ProviderBatch = {
  templateId: string;
  params: readonly string[];
  /** The parameter names, in the same order as `params` (Alibaba takes them by name). */
  names: readonly string[];
  recipients: readonly { phone: string; dedupeKey: string }[];
  /** Carried back by the provider in its answer (Tencent `SessionContext`, Alibaba `OutId`). */
  context: string;
};

/**
 * Why a provider did not take a message:
 * - `throttled`: the provider is busy or timed out, try later; when no answer came at all
 *   (`uncertain`), the provider's records are asked first whether the message left.
 * - `refused`: this number will not get this message (invalid, blocked, opted out at the carrier).
 * - `frequencyLimited`: this number has had as many messages as the provider allows for now.
 * - `misconfigured`: credentials, signature, template or balance are wrong; an operator must act.
 */
export type ProviderErrorKind = 'throttled' | 'refused' | 'frequencyLimited' | 'misconfigured';

export type ProviderFailure = {
  kind: ProviderErrorKind;
  code: string;
  reason: string;
  /** No answer came (time-out, lost connection): the provider may have carried the call out. */
  uncertain?: boolean | undefined;
};

/**
 * A try-later failure for a provider's code: no code at all (the call timed out or its connection
 * died) or a time-out code means the call may have been carried out.
 */
export function throttledFailure(code: string, reason: string): ProviderFailure {
  if (code === '') return { kind: 'throttled', code: 'Timeout', reason, uncertain: true };
  return { kind: 'throttled', code, reason, ...(/Time/.test(code) && { uncertain: true }) };
}

/** The provider's word on one number of a batch. */
export type RecipientResult =
  | { phone: string; dedupeKey: string; ok: true; messageId: string }
  | ({ phone: string; dedupeKey: string; ok: false } & ProviderFailure);

/** A whole call failed: no number of the batch is known to have been taken. */
export class ProviderCallError extends Error {
  override readonly name = 'ProviderCallError';
  constructor(readonly failure: ProviderFailure) {
    super(`${failure.kind}: ${failure.code}`);
  }
}

/** A delivery receipt, as the provider reports it. */
export type Receipt = {
  phone: string;
  /** The id the provider answered the send with (Tencent `SerialNo`, Alibaba `BizId`). */
  messageId: string;
  delivered: boolean;
  /** The carrier's code and description, for a failed delivery. */
  reason?: string | undefined;
  at?: string | undefined;
};

/** A reply from a phone, as the provider reports it. */
export type ProviderReply = {
  from: string;
  body: string;
  /** Stable for the same reply delivered twice. */
  replyId: string;
  receivedAt?: string | undefined;
};

/**
 * The port a template provider is reached through: send a batch (one number is a batch of one),
 * read its callbacks, and answer them in its own format.
 */
export interface SmsProvider {
  readonly name: TemplateProviderName;
  /** The most numbers one call may carry. */
  readonly maxBatch: number;
  /** The longest value one template variable may have, in characters. */
  readonly variableLimit: number;
  sendBatch(batch: ProviderBatch): Promise<RecipientResult[]>;
  /**
   * Whether the provider took a message with this context for this number at or after `since`:
   * true when its records show one, false when they show none, undefined when it cannot be asked.
   */
  sentSince?(phone: string, context: string, since: Date): Promise<boolean | undefined>;
  parseReceipts(body: unknown): Receipt[];
  parseReplies(body: unknown): ProviderReply[];
  /** The body that tells the provider its callback was taken. */
  readonly ack: Record<string, unknown>;
}

/**
 * A provider client made once, from credentials read when first needed. A failed read is tried
 * again at the next call rather than remembered.
 */
export function lazyClient<T>(make: () => Promise<T>): () => Promise<T> {
  let client: Promise<T> | undefined;
  return () => {
    if (!client) {
      client = make();
      client.catch(() => {
        client = undefined;
      });
    }
    return client;
  };
}
