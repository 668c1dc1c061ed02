import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';

/** One SMS to send. `dedupeKey` names the message for good: the same key is the same SMS. */
export type OutgoingSms = {
  to: string;
  body: string;
  dedupeKey: string;
  /** The message and its language as queued, for providers that send registered templates. */
  template?: unknown;
};

/** What the gateway says about a message it accepted. */
export type SentSms = { messageId: string; delivered?: boolean | undefined };

/** The network is busy: nothing was sent, try again later. */
export class SmsThrottledError extends Error {
  override readonly name: string = 'SmsThrottledError';
}

/**
 * No answer came (a time-out, a lost connection): the message may have left. Tried again like a
 * throttled one, but only after the gateway is asked whether it went. The template providers'
 * gateway answers it, through `sendMany` (see `deliverInRounds`).
 */
export class SmsUncertainError extends SmsThrottledError {
  override readonly name = 'SmsUncertainError';
}

/** The network refused this message for good (bad number, opted out at the carrier). */
export class SmsRejectedError extends Error {
  override readonly name = 'SmsRejectedError';
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

/** A message whose sender died holding it, as the gateway is asked about it. */
export type SentCheck = OutgoingSms & {
  /** When the message was first claimed: nothing it could be was sent before. */
  since: string;
};

/** The port every SMS leaves through: SNS in AWS, the simulated phone network locally. */
export interface SmsGateway {
  send(sms: OutgoingSms): Promise<SentSms>;
  /**
   * The most messages one `sendMany` takes; set only by gateways that send many in one call
   * (the template providers).
   */
  readonly batchLimit?: number | undefined;
  /**
   * Sends many messages, in as few provider calls as the provider allows. One result per message,
   * in order: what `send` would have answered, or the error it would have thrown.
   */
  sendMany?(list: readonly OutgoingSms[]): Promise<(SentSms | Error)[]>;
  /**
   * Whether a message with this key already left, when the gateway can tell; `unknown` when it
   * cannot. Used only to settle messages whose sender crashed mid-send; `check` says where it
   * was going, what it said and since when it may have left.
   */
  wasSent(dedupeKey: string, check?: SentCheck): Promise<'yes' | 'no' | 'unknown'>;
}

const THROTTLED = new Set([
  'ThrottledException',
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
]);
const REJECTED = new Set([
  'InvalidParameterException',
  'InvalidParameterValueException',
  'OptedOutException',
]);

/** SMS through SNS `Publish` to a phone number, as transactional messages. */
export class SnsSmsGateway implements SmsGateway {
  constructor(
    private readonly sns: SNSClient,
    private readonly options: { senderId?: string | undefined; originationNumber?: string | undefined } = {},
  ) {}

  async send(sms: OutgoingSms): Promise<SentSms> {
    try {
      const result = await this.sns.send(
        new PublishCommand({
          PhoneNumber: sms.to,
          Message: sms.body,
          MessageAttributes: {
            'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
            ...(this.options.senderId
              ? { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: this.options.senderId } }
              : {}),
            ...(this.options.originationNumber
              ? {
                  'AWS.MM.SMS.OriginationNumber': {
                    DataType: 'String',
                    StringValue: this.options.originationNumber,
                  },
                }
              : {}),
          },
        }),
      );
      return { messageId: result.MessageId ?? 'unknown' };
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (THROTTLED.has(name)) throw new SmsThrottledError(`SNS throttled: ${name}`);
      if (REJECTED.has(name)) throw new SmsRejectedError(`SNS refused the message: ${name}`, name);
      throw error;
    }
  }

  async wasSent(): Promise<'unknown'> {
    // SNS keeps no record we can ask by key; delivery logs are not an API.
    return 'unknown';
  }
}
