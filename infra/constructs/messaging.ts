import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Effect, Policy, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { streamBatchSize } from '../../shared/config';
import { type SmsSettings, smsRatePerConsumer } from '../settings';
import { AppFunction } from './app-function';
import type { Data } from './data';
import { FailureQueue } from './failure-queue';

export type MessagingProps = {
  data: Data;
  /** Variables every function of the service gets (table name, stage, service name). */
  environment: Record<string, string>;
  sms: SmsSettings;
  /** Production keeps the topic key when the stack is deleted. */
  retain: boolean;
};

/**
 * How the stream consumer reads the table's stream. Records are handled in order and every step
 * is conditional, so a retry never repeats anything; the bounds decide when Lambda gives up on a
 * record and hands it to the on-failure queue.
 */
export const STREAM_CONSUMER = {
  parallelizationFactor: 1,
  /** Retries after a function error (a throttled invocation waits instead, until maxRecordAge). */
  retryAttempts: 10,
  /**
   * How old a record may grow before it is given up. Long: while SMS go out at the account's
   * quota, a big call-out keeps the iterator behind for a while (40,000 alerts at 20 a second is
   * over half an hour), and shards waiting for a consumer slot age too. The stream keeps 24 h.
   */
  maxRecordAge: Duration.hours(6),
  /**
   * SMS one record may owe at once (an alert, or a reply's acknowledgement and a reminder), used
   * to size the timeout.
   */
  messagesPerRecord: 2,
} as const;

/** Time to turn a batch's plan chunks into draftees, on top of sending. */
const MATERIALIZE_HEADROOM_SECONDS = 120;

/**
 * The consumer's timeout: twice the time to send everything a full batch can owe at the
 * consumer's rate, plus room for materialising plan chunks. Lambda's limit is 15 minutes.
 */
export function streamConsumerTimeout(ratePerSecond: number): Duration {
  const sendSeconds = Math.ceil(
    (streamBatchSize(ratePerSecond) * STREAM_CONSUMER.messagesPerRecord) / ratePerSecond,
  );
  return Duration.seconds(Math.min(900, 2 * sendSeconds + MATERIALIZE_HEADROOM_SECONDS));
}

/**
 * SMS in and out. Out: the table's stream consumer, the only function allowed to publish SMS,
 * and only to phone numbers. In: the topic AWS End User Messaging publishes volunteers' replies
 * to, and the function subscribed to it.
 */
export class Messaging extends Construct {
  readonly consumer: AppFunction;
  readonly inbound: AppFunction;
  readonly inboundTopic: Topic;
  readonly topicKey: Key;
  /** Batches of stream records the consumer gave up on (their shard, sequence numbers and error). */
  readonly streamFailures: FailureQueue;
  /** Replies SNS could not deliver to the function, or that failed after Lambda's retries. */
  readonly inboundFailures: FailureQueue;
  /** Messages a second each consumer sends (`PINGJI_SMS_RATE`). */
  readonly ratePerConsumer: number;

  constructor(scope: Construct, id: string, props: MessagingProps) {
    super(scope, id);
    const { data, sms } = props;
    this.ratePerConsumer = smsRatePerConsumer(sms);

    this.streamFailures = new FailureQueue(this, 'StreamFailures');
    this.consumer = new AppFunction(this, 'StreamConsumer', {
      entry: 'messaging/stream',
      environment: {
        ...props.environment,
        PINGJI_SMS_GATEWAY: 'sns',
        PINGJI_SMS_RATE: String(this.ratePerConsumer),
        ...(sms.senderId ? { PINGJI_SMS_SENDER_ID: sms.senderId } : {}),
        ...(sms.originationNumber ? { PINGJI_SMS_ORIGINATION_NUMBER: sms.originationNumber } : {}),
      },
      timeout: streamConsumerTimeout(this.ratePerConsumer),
      memorySize: 1024,
      // With the per-consumer rate, this keeps all consumers together within the account's SMS
      // quota however many shards the stream has; shards beyond it wait their turn.
      reservedConcurrentExecutions: sms.consumers,
    });
    data.grant(this.consumer, 'write');
    this.consumer.addEventSource(
      new DynamoEventSource(data.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: streamBatchSize(this.ratePerConsumer),
        parallelizationFactor: STREAM_CONSUMER.parallelizationFactor,
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: STREAM_CONSUMER.retryAttempts,
        maxRecordAge: STREAM_CONSUMER.maxRecordAge,
        onFailure: new SqsDlq(this.streamFailures.queue),
      }),
    );
    this.grantSmsToPhoneNumbers(this.consumer);

    this.topicKey = new Key(this, 'TopicKey', {
      description: 'Pingji inbound SMS topic',
      enableKeyRotation: true,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const endUserMessaging = new ServicePrincipal('sms-voice.amazonaws.com');
    // Only End User Messaging acting for this account, as the confused-deputy guidance asks.
    const fromThisAccount = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:sms-voice:${Aws.REGION}:${Aws.ACCOUNT_ID}:*` },
    };
    this.topicKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'EndUserMessagingPublishesEncrypted',
        principals: [endUserMessaging],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: fromThisAccount,
      }),
    );
    this.inboundTopic = new Topic(this, 'InboundSmsTopic', {
      displayName: 'Pingji inbound SMS',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    this.inboundTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'EndUserMessagingTwoWaySms',
        principals: [endUserMessaging],
        actions: ['sns:Publish'],
        resources: [this.inboundTopic.topicArn],
        conditions: fromThisAccount,
      }),
    );

    this.inboundFailures = new FailureQueue(this, 'InboundFailures');
    this.inbound = new AppFunction(this, 'InboundSms', {
      entry: 'messaging/inbound-sms',
      environment: props.environment,
      timeout: Duration.seconds(30),
    });
    data.grant(this.inbound, 'write');
    this.inbound.configureAsyncInvoke({
      retryAttempts: 2,
      onFailure: new SqsDestination(this.inboundFailures.queue),
    });
    this.inboundTopic.addSubscription(
      new LambdaSubscription(this.inbound, { deadLetterQueue: this.inboundFailures.queue }),
    );

    new CfnOutput(Stack.of(this), 'InboundSmsTopicArn', {
      value: this.inboundTopic.topicArn,
      description: 'Set as the two-way channel of the End User Messaging phone number volunteers reply to',
    });
  }

  /**
   * SNS has no ARN for a phone number, so publishing SMS is granted on `*`; the explicit Deny on
   * every topic ARN leaves only phone numbers. Kept in a policy of its own, so the wildcard
   * finding accepted here covers this statement and nothing else.
   */
  private grantSmsToPhoneNumbers(fn: AppFunction): void {
    const policy = new Policy(this, 'SmsToPhoneNumbers', {
      statements: [
        new PolicyStatement({
          sid: 'PublishSmsToPhoneNumbers',
          actions: ['sns:Publish'],
          resources: ['*'],
        }),
        new PolicyStatement({
          sid: 'NeverToATopic',
          effect: Effect.DENY,
          actions: ['sns:Publish'],
          resources: [`arn:${Aws.PARTITION}:sns:*:*:*`],
        }),
      ],
    });
    fn.serviceRole.attachInlinePolicy(policy);
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'sns:Publish with PhoneNumber has no resource ARN to name; the Deny in the same policy removes ' +
        'every topic, so this role can text phone numbers and publish to nothing else.',
    });
  }
}
