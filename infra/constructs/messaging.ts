import { Annotations, Aws, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, Policy, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import {
  parseTemplateConfig,
  type TemplateConfig,
  templatesFromContext,
} from '../../shared/adapters/sms-providers/templates';
import { streamBatchSize } from '../../shared/config';
import { STREAM_CONSUMER_FILTERS } from '../../shared/stream-filters';
import { TABLE } from '../../shared/table';
import {
  DEFAULT_SMS_PROVIDER,
  type SmsProviderSettings,
  type SmsSettings,
  smsRatePerConsumer,
} from '../settings';
import { AppFunction } from './app-function';
import type { Data } from './data';
import { FailureQueue } from './failure-queue';

export type MessagingProps = {
  data: Data;
  /** Variables every function of the service gets (table name, stage, service name). */
  environment: Record<string, string>;
  sms: SmsSettings;
  /** Where SMS go; SNS when absent. */
  provider?: SmsProviderSettings | undefined;
  /** Production keeps the topic key when the stack is deleted. */
  retain: boolean;
};

/**
 * The fields of the provider secret besides the callback token, which the stack generates: the
 * operator writes the provider's API key into them after the first deploy (docs/deploy.md).
 */
export const PROVIDER_SECRET_FIELDS = {
  tencent: ['secretId', 'secretKey'],
  aliyun: ['accessKeyId', 'accessKeySecret'],
} as const;

/** The field of the provider secret that holds the token the callback routes check. */
export const CALLBACK_TOKEN_FIELD = 'callbackToken';

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
  /** SNS only: replies arrive from End User Messaging through this function. */
  readonly inbound?: AppFunction;
  readonly inboundTopic?: Topic;
  readonly topicKey?: Key;
  /** Batches of stream records the consumer gave up on (their shard, sequence numbers and error). */
  readonly streamFailures: FailureQueue;
  /** SNS only: replies SNS could not deliver to the function, or that failed after Lambda's retries. */
  readonly inboundFailures?: FailureQueue;
  /** Tencent Cloud or Alibaba Cloud: their API key and the callback token. */
  readonly providerSecret?: ISecret;
  /** Simulated: the phones every SMS lands on, instead of a real network. */
  readonly phones?: TableV2;
  readonly provider: SmsProviderSettings;
  /** Messages a second each consumer sends (`PINGJI_SMS_RATE`). */
  readonly ratePerConsumer: number;
  /** The checked templates, once: every function that speaks to the provider gets them. */
  private templates?: { config: TemplateConfig | undefined };

  constructor(scope: Construct, id: string, props: MessagingProps) {
    super(scope, id);
    const { data, sms } = props;
    const provider = props.provider ?? DEFAULT_SMS_PROVIDER;
    this.provider = provider;
    this.ratePerConsumer = smsRatePerConsumer(sms);
    if (provider.provider === 'tencent' || provider.provider === 'aliyun') {
      this.providerSecret = this.providerSecretFor(provider.provider, provider.secretArn, props.retain);
    }
    if (provider.provider === 'simulated') {
      this.phones = new TableV2(this, 'SimulatedPhones', {
        // The simulated phone network keys its table as the service's table is keyed.
        partitionKey: { name: TABLE.partitionKey, type: AttributeType.STRING },
        sortKey: { name: TABLE.sortKey, type: AttributeType.STRING },
        billing: Billing.onDemand(),
        removalPolicy: RemovalPolicy.DESTROY,
      });
    }

    this.streamFailures = new FailureQueue(this, 'StreamFailures');
    this.consumer = new AppFunction(this, 'StreamConsumer', {
      entry: 'messaging/stream',
      environment: {
        ...props.environment,
        ...this.providerEnvironment(),
        PINGJI_SMS_RATE: String(this.ratePerConsumer),
        ...(provider.provider === 'sns' && sms.senderId ? { PINGJI_SMS_SENDER_ID: sms.senderId } : {}),
        ...(provider.provider === 'sns' && sms.originationNumber
          ? { PINGJI_SMS_ORIGINATION_NUMBER: sms.originationNumber }
          : {}),
        ...(this.phones ? { PINGJI_PHONE_TABLE: this.phones.tableName } : {}),
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
        // Only what the consumer acts on invokes it: see shared/stream-filters.ts.
        filters: STREAM_CONSUMER_FILTERS.map((pattern) => FilterCriteria.filter(pattern)),
      }),
    );
    if (provider.provider === 'sns') this.grantSmsToPhoneNumbers(this.consumer);
    this.providerSecret?.grantRead(this.consumer);
    this.phones?.grantReadWriteData(this.consumer);
    if (this.providerSecret && (!provider.signName || !provider.templates)) {
      Annotations.of(this).addWarningV2(
        'pingji:sms-templates',
        `smsProvider ${provider.provider} without smsSignName and smsTemplates: the stream consumer will ` +
          'refuse to start until they are set (docs/sms.md lists the templates to register).',
      );
    }

    if (provider.provider === 'simulated') {
      Annotations.of(this).addWarningV2(
        'pingji:sms-simulated',
        'smsProvider simulated: no SMS leaves AWS, every message lands in the SimulatedPhones table. For a ' +
          'trial before the SMS account is ready, never for a stack that must reach people.',
      );
    }
    if (provider.provider === 'sns') {
      const inbound = this.inboundFromEndUserMessaging(data, props.environment, props.retain);
      this.inbound = inbound.fn;
      this.inboundTopic = inbound.topic;
      this.topicKey = inbound.key;
      this.inboundFailures = inbound.failures;
    }
  }

  /**
   * What every function that speaks to the provider is told: which provider, and for Tencent
   * Cloud and Alibaba Cloud where their secret is.
   */
  providerEnvironment(): Record<string, string> {
    const { provider, sdkAppId } = this.provider;
    this.templates ??= { config: this.registeredTemplates() };
    const templates = this.templates.config;
    return {
      PINGJI_SMS_PROVIDER: provider,
      ...(provider === 'sns' || provider === 'simulated' ? { PINGJI_SMS_GATEWAY: provider } : {}),
      ...(this.providerSecret ? { PINGJI_SMS_SECRET_ARN: this.providerSecret.secretArn } : {}),
      ...(templates ? { PINGJI_SMS_TEMPLATES: JSON.stringify(templates) } : {}),
      ...(provider === 'tencent' && sdkAppId ? { PINGJI_TENCENT_SDK_APP_ID: sdkAppId } : {}),
      ...(this.provider.voice ? { PINGJI_VOICE: JSON.stringify(this.provider.voice) } : {}),
    };
  }

  /**
   * The signature and template ids in the shape the sender reads (`PINGJI_SMS_TEMPLATES`),
   * checked as the functions will check them at cold start: a gap or an unknown entry fails the
   * synth, naming it, rather than the first call-out.
   */
  private registeredTemplates(): TemplateConfig | undefined {
    const { provider, signName, templates, sdkAppId } = this.provider;
    if ((provider !== 'tencent' && provider !== 'aliyun') || !signName || !templates) return undefined;
    const { config, unknown } = templatesFromContext(signName, templates);
    if (unknown.length)
      Annotations.of(this).addError(
        `smsTemplates names no known template: ${unknown.join(', ')} (keys as in docs/sms.md, then .zh-CN or .en)`,
      );
    try {
      parseTemplateConfig(JSON.stringify(config));
    } catch (error) {
      Annotations.of(this).addError(
        `smsTemplates: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (provider === 'tencent' && !sdkAppId)
      Annotations.of(this).addError(
        'smsProvider tencent needs smsSdkAppId, the SMS application of the templates',
      );
    return config;
  }

  /**
   * Lets the provider's callback routes (`POST /sms/{provider}/{kind}`) read the secret, for the
   * callback token: they and the stream consumer are the only functions that may.
   */
  grantCallbacks(functions: readonly AppFunction[]): void {
    for (const fn of functions) {
      for (const [name, value] of Object.entries(this.providerEnvironment())) fn.addEnvironment(name, value);
      this.providerSecret?.grantRead(fn);
    }
  }

  /**
   * The secret with the provider's API key and the callback token: an existing one, or a new one
   * whose callback token is generated and whose key fields the operator fills in.
   */
  private providerSecretFor(
    provider: 'tencent' | 'aliyun',
    arn: string | undefined,
    retain: boolean,
  ): ISecret {
    if (arn) return Secret.fromSecretCompleteArn(this, 'ProviderSecret', arn);
    const fields = Object.fromEntries(PROVIDER_SECRET_FIELDS[provider].map((field) => [field, '']));
    const secret = new Secret(this, 'ProviderSecret', {
      description: `Pingji ${provider} SMS: API key (${PROVIDER_SECRET_FIELDS[provider].join(', ')}) and callback token`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify(fields),
        generateStringKey: CALLBACK_TOKEN_FIELD,
        excludePunctuation: true,
        passwordLength: 48,
      },
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        "The provider's API key is issued and rotated in the provider's console (Tencent Cloud CAM, Alibaba " +
        'Cloud RAM), not by a rotation function; docs/deploy.md says how to write a new one into this secret.',
    });
    return secret;
  }

  /**
   * SMS in through AWS End User Messaging: the topic its two-way channel publishes replies to,
   * encrypted and only for this account, and the function subscribed to it.
   */
  private inboundFromEndUserMessaging(data: Data, environment: Record<string, string>, retain: boolean) {
    const key = new Key(this, 'TopicKey', {
      description: 'Pingji inbound SMS topic',
      enableKeyRotation: true,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const endUserMessaging = new ServicePrincipal('sms-voice.amazonaws.com');
    // Only End User Messaging acting for this account, as the confused-deputy guidance asks.
    const fromThisAccount = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:sms-voice:${Aws.REGION}:${Aws.ACCOUNT_ID}:*` },
    };
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'EndUserMessagingPublishesEncrypted',
        principals: [endUserMessaging],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: fromThisAccount,
      }),
    );
    const topic = new Topic(this, 'InboundSmsTopic', {
      displayName: 'Pingji inbound SMS',
      masterKey: key,
      enforceSSL: true,
    });
    topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'EndUserMessagingTwoWaySms',
        principals: [endUserMessaging],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: fromThisAccount,
      }),
    );

    const failures = new FailureQueue(this, 'InboundFailures');
    const fn = new AppFunction(this, 'InboundSms', {
      entry: 'messaging/inbound-sms',
      environment,
      timeout: Duration.seconds(30),
    });
    data.grant(fn, 'write');
    fn.configureAsyncInvoke({
      retryAttempts: 2,
      onFailure: new SqsDestination(failures.queue),
    });
    topic.addSubscription(new LambdaSubscription(fn, { deadLetterQueue: failures.queue }));

    new CfnOutput(Stack.of(this), 'InboundSmsTopicArn', {
      value: topic.topicArn,
      description: 'Set as the two-way channel of the End User Messaging phone number volunteers reply to',
    });
    return { fn, topic, key, failures };
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
