import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { STREAM_CONSUMER } from '../../infra/constructs/messaging';
import { DEFAULT_SMS_SETTINGS } from '../../infra/settings';
import { streamBatchSize } from '../../shared/config';
import { type FilterPattern, passesFilters } from '../../shared/stream-filters';
import {
  type CfnTemplate,
  eventInvokeConfigProps,
  flatten,
  getAttTarget,
  permissionProps,
  refTarget,
  resourcesOfType,
} from './support/cfn';
import {
  arnTarget,
  dataTable,
  functionFor,
  isEncryptedTlsOnlyQueue,
  kmsKey,
  queue,
  servicePrincipal,
  single,
  topic,
  topicPolicy,
} from './support/queries';
import { STAGES, type StackOptions, synthStack } from './support/synth';

const eventSourceMappingProps = z.object({
  FunctionName: z.unknown(),
  EventSourceArn: z.unknown(),
  StartingPosition: z.string().optional(),
  BatchSize: z.number().optional(),
  ParallelizationFactor: z.number().optional(),
  BisectBatchOnFunctionError: z.boolean().optional(),
  FunctionResponseTypes: z.array(z.string()).default([]),
  MaximumRetryAttempts: z.number().optional(),
  MaximumRecordAgeInSeconds: z.number().optional(),
  DestinationConfig: z.object({ OnFailure: z.object({ Destination: z.unknown() }) }).optional(),
  FilterCriteria: z.object({ Filters: z.array(z.object({ Pattern: z.string() })) }).optional(),
});
const subscriptionProps = z.object({
  TopicArn: z.unknown(),
  Protocol: z.string(),
  Endpoint: z.unknown(),
  RedrivePolicy: z.object({ deadLetterTargetArn: z.unknown() }).optional(),
});

/** A Lambda event filter pattern: nested fields down to lists of allowed values. */
const filterPattern: z.ZodType<FilterPattern> = z.lazy(() =>
  z.record(z.string(), z.union([z.array(z.string()), filterPattern])),
);

/** The stream consumer's one event source mapping. */
function consumerMapping(cfn: CfnTemplate) {
  const consumer = functionFor(cfn, 'messaging/stream');
  return single(
    resourcesOfType(cfn, 'AWS::Lambda::EventSourceMapping')
      .map(([, r]) => eventSourceMappingProps.parse(r.Properties))
      .filter((p) => refTarget(p.FunctionName) === consumer.id),
    'event source mapping of the stream consumer',
  );
}

/** The topic the inbound SMS function is subscribed to, and its subscription. */
function inboundSubscription(cfn: CfnTemplate) {
  const inbound = functionFor(cfn, 'messaging/inbound-sms');
  const subscription = single(
    resourcesOfType(cfn, 'AWS::SNS::Subscription')
      .map(([, r]) => subscriptionProps.parse(r.Properties))
      .filter((p) => p.Protocol === 'lambda' && getAttTarget(p.Endpoint, 'Arn') === inbound.id),
    'SNS subscription of the inbound SMS function',
  );
  const topicId = refTarget(subscription.TopicArn);
  if (topicId === undefined) throw new Error('the inbound subscription is to a topic outside the stack');
  return { inbound, subscription, topicId };
}

/** A condition value a statement requires with `StringEquals`. */
const stringEquals = (condition: Record<string, Record<string, unknown>>, key: string) =>
  flatten(condition.StringEquals?.[key]);

describe.each(STAGES)('messaging in the %s stack', (stage) => {
  const cfn = (): CfnTemplate => synthStack(stage).cfn;

  describe('the stream consumer', () => {
    it("reads the table's stream from the oldest record, in batches of about ten seconds of sending, one batch per shard at a time", () => {
      const mapping = consumerMapping(cfn());
      const rate = Number(
        functionFor(cfn(), 'messaging/stream').props.Environment?.Variables.PINGJI_SMS_RATE,
      );

      expect(getAttTarget(mapping.EventSourceArn, 'StreamArn')).toBe(dataTable(cfn()).id);
      expect(mapping.StartingPosition).toBe('TRIM_HORIZON');
      // SNS's default quota shared by two consumers: 10 a second each, 100 records a batch.
      expect(rate).toBe(10);
      expect(mapping.BatchSize).toBe(100);
      expect(mapping.BatchSize).toBe(streamBatchSize(rate));
      expect(mapping.ParallelizationFactor).toBe(1);
    });

    it('sizes batches by the rate: ten seconds of sending, from 100 to 5,000 records', () => {
      expect(streamBatchSize(1)).toBe(100);
      expect(streamBatchSize(10)).toBe(100);
      expect(streamBatchSize(25)).toBe(250);
      expect(streamBatchSize(100)).toBe(1_000);
      expect(streamBatchSize(500)).toBe(5_000);
      expect(streamBatchSize(2_000)).toBe(5_000);
    });

    it('reports partial batch failures, bisects failing batches, and gives up only after bounded retries and age', () => {
      const mapping = consumerMapping(cfn());

      expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(mapping.BisectBatchOnFunctionError).toBe(true);
      expect(mapping.MaximumRetryAttempts).toBeGreaterThanOrEqual(1);
      expect(mapping.MaximumRetryAttempts).toBeLessThanOrEqual(10);
      // -1 would mean "until the stream drops it": bounded, and inside the stream's 24 hours.
      expect(mapping.MaximumRecordAgeInSeconds).toBeGreaterThanOrEqual(60 * 60);
      expect(mapping.MaximumRecordAgeInSeconds).toBeLessThan(24 * 60 * 60);
    });

    it('is invoked only for records it acts on: outboxes, new plans, stand-downs and whistles closing, never counters, audit or inbound records', () => {
      const patterns = (consumerMapping(cfn()).FilterCriteria?.Filters ?? []).map((f) =>
        filterPattern.parse(JSON.parse(f.Pattern)),
      );
      const record = (
        eventName: string,
        newImage: Record<string, string>,
        oldImage: Record<string, string> = {},
      ) => ({
        eventName,
        dynamodb: {
          NewImage: Object.fromEntries(Object.entries(newImage).map(([k, v]) => [k, { S: v }])),
          OldImage: Object.fromEntries(Object.entries(oldImage).map(([k, v]) => [k, { S: v }])),
        },
      });
      const invokes = (r: unknown) => passesFilters(r, patterns);

      expect(patterns.length).toBeGreaterThan(0);
      expect(patterns.length).toBeLessThanOrEqual(5);
      expect(invokes(record('MODIFY', { type: 'draftee' }))).toBe(true);
      expect(invokes(record('INSERT', { type: 'sms' }))).toBe(true);
      expect(invokes(record('INSERT', { type: 'plan' }))).toBe(true);
      expect(
        invokes(record('MODIFY', { type: 'activation', status: 'stoodDown' }, { status: 'active' })),
      ).toBe(true);
      expect(invokes(record('INSERT', { type: 'activation', status: 'active' }))).toBe(false);
      expect(invokes(record('MODIFY', { type: 'plan' }))).toBe(false);
      expect(invokes(record('MODIFY', { type: 'team' }))).toBe(false);
      expect(invokes(record('MODIFY', { type: 'whistle', status: 'resolved' }, { status: 'filled' }))).toBe(
        true,
      );
      expect(invokes(record('MODIFY', { type: 'whistle', status: 'cancelled' }, { status: 'open' }))).toBe(
        true,
      );
      // Every other step of a whistle (answers, widening, the note once closed) invokes nothing.
      expect(invokes(record('MODIFY', { type: 'whistle', status: 'filled' }, { status: 'open' }))).toBe(
        false,
      );
      expect(invokes(record('MODIFY', { type: 'whistle', status: 'resolved' }, { status: 'resolved' }))).toBe(
        false,
      );
      expect(invokes(record('INSERT', { type: 'whistle', status: 'open' }))).toBe(false);
      expect(invokes(record('INSERT', { type: 'audit' }))).toBe(false);
      expect(invokes(record('INSERT', { type: 'inbound' }))).toBe(false);
      expect(invokes({ eventName: 'REMOVE', dynamodb: { OldImage: { type: { S: 'draftee' } } } })).toBe(
        false,
      );
    });

    it('hands what it gives up on to an encrypted, TLS-only queue that has its own dead-letter queue', () => {
      const failures = arnTarget(consumerMapping(cfn()).DestinationConfig?.OnFailure.Destination);
      if (failures === undefined) throw new Error('no on-failure destination');
      const deadLetters = arnTarget(queue(cfn(), failures).RedrivePolicy?.deadLetterTargetArn);

      expect(isEncryptedTlsOnlyQueue(cfn(), failures)).toBe(true);
      expect(deadLetters).toBeDefined();
      expect(deadLetters).not.toBe(failures);
      expect(isEncryptedTlsOnlyQueue(cfn(), deadLetters ?? '')).toBe(true);
    });

    it('sends through SNS at a rate that keeps all its reserved concurrency within the account SMS quota', () => {
      const consumer = functionFor(cfn(), 'messaging/stream');
      const variables = consumer.props.Environment?.Variables ?? {};
      const rate = Number(variables.PINGJI_SMS_RATE);

      expect(variables.PINGJI_SMS_GATEWAY).toBe('sns');
      expect(rate).toBeGreaterThanOrEqual(1);
      expect(consumer.props.ReservedConcurrentExecutions).toBe(DEFAULT_SMS_SETTINGS.consumers);
      expect(
        rate * (consumer.props.ReservedConcurrentExecutions ?? Number.POSITIVE_INFINITY),
      ).toBeLessThanOrEqual(DEFAULT_SMS_SETTINGS.accountTps);
    });

    it('has the time to send everything a full batch can owe at that rate, with room to spare', () => {
      const consumer = functionFor(cfn(), 'messaging/stream');
      const rate = Number(consumer.props.Environment?.Variables.PINGJI_SMS_RATE);
      const batch = consumerMapping(cfn()).BatchSize ?? 100;
      const sendSeconds = (batch * STREAM_CONSUMER.messagesPerRecord) / rate;

      expect(consumer.props.Timeout).toBeGreaterThanOrEqual(2 * sendSeconds + 60);
      expect(consumer.props.Timeout).toBeLessThanOrEqual(900);
    });
  });

  describe('inbound SMS', () => {
    it('comes through a KMS-encrypted topic, with a key of the stack that rotates', () => {
      const { topicId } = inboundSubscription(cfn());
      const keyId = getAttTarget(topic(cfn(), topicId).KmsMasterKeyId, 'Arn');

      expect(keyId).toBeDefined();
      expect(kmsKey(cfn(), keyId).rotates).toBe(true);
    });

    it('refuses every publish not made over TLS', () => {
      const { topicId } = inboundSubscription(cfn());
      const denials = topicPolicy(cfn(), topicId).filter(
        (s) =>
          s.effect === 'Deny' &&
          s.actions.includes('sns:Publish') &&
          s.condition.Bool?.['aws:SecureTransport'] === 'false',
      );

      expect(denials.length).toBeGreaterThan(0);
    });

    it('lets AWS End User Messaging publish, only on behalf of this account', () => {
      const { topicId } = inboundSubscription(cfn());
      const grants = topicPolicy(cfn(), topicId).filter(
        (s) => s.effect === 'Allow' && servicePrincipal(s) === 'sms-voice.amazonaws.com',
      );

      expect(grants).toHaveLength(1);
      const [grant] = grants;
      expect(grant?.actions).toEqual(['sns:Publish']);
      expect(grant?.resources.map(refTarget)).toEqual([topicId]);
      expect(stringEquals(grant?.condition ?? {}, 'aws:SourceAccount')).toBe('<AWS::AccountId>');
    });

    it('lets End User Messaging use the topic key, only on behalf of this account', () => {
      const { topicId } = inboundSubscription(cfn());
      const key = kmsKey(cfn(), getAttTarget(topic(cfn(), topicId).KmsMasterKeyId, 'Arn'));
      const grants = key.statements.filter(
        (s) => s.effect === 'Allow' && servicePrincipal(s) === 'sms-voice.amazonaws.com',
      );

      expect(grants).toHaveLength(1);
      expect(grants[0]?.actions.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
      expect(stringEquals(grants[0]?.condition ?? {}, 'aws:SourceAccount')).toBe('<AWS::AccountId>');
    });

    it('is delivered to the inbound function, which SNS alone may invoke for this topic', () => {
      const { inbound, topicId } = inboundSubscription(cfn());
      const invokers = resourcesOfType(cfn(), 'AWS::Lambda::Permission')
        .map(([, r]) => permissionProps.parse(r.Properties))
        .filter((p) => getAttTarget(p.FunctionName, 'Arn') === inbound.id);

      expect(invokers).toEqual([
        expect.objectContaining({ Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com' }),
      ]);
      expect(refTarget(invokers[0]?.SourceArn)).toBe(topicId);
    });

    it('keeps replies SNS could not deliver, and replies the function failed on, in an encrypted TLS-only queue', () => {
      const { inbound, subscription } = inboundSubscription(cfn());
      const deadLetters = arnTarget(subscription.RedrivePolicy?.deadLetterTargetArn);
      const asyncConfig = single(
        resourcesOfType(cfn(), 'AWS::Lambda::EventInvokeConfig')
          .map(([, r]) => eventInvokeConfigProps.parse(r.Properties))
          .filter((p) => refTarget(p.FunctionName) === inbound.id),
        'asynchronous invocation settings of the inbound function',
      );

      expect(deadLetters).toBeDefined();
      expect(isEncryptedTlsOnlyQueue(cfn(), deadLetters ?? '')).toBe(true);
      expect(arnTarget(asyncConfig.DestinationConfig?.OnFailure?.Destination)).toBe(deadLetters);
      expect(asyncConfig.MaximumRetryAttempts).toBe(2);
    });

    it('outputs the topic ARN, for the phone number’s two-way channel', () => {
      const { topicId } = inboundSubscription(cfn());

      expect(refTarget(cfn().Outputs.InboundSmsTopicArn?.Value)).toBe(topicId);
    });
  });
});

describe('SMS settings from context', () => {
  const options: StackOptions = {
    sms: { accountTps: 100, consumers: 4, senderId: 'PINGJI', originationNumber: '+6580000000' },
  };
  const cfn = (): CfnTemplate => synthStack('prod', options).cfn;

  it('split the account quota between the reserved consumers, and name the sender', () => {
    const consumer = functionFor(cfn(), 'messaging/stream');

    expect(consumer.props.ReservedConcurrentExecutions).toBe(4);
    expect(consumer.props.Environment?.Variables).toMatchObject({
      PINGJI_SMS_RATE: '25',
      PINGJI_SMS_SENDER_ID: 'PINGJI',
      PINGJI_SMS_ORIGINATION_NUMBER: '+6580000000',
    });
  });

  it('leave the sender unset by default, for SNS to choose', () => {
    const variables =
      functionFor(synthStack('prod').cfn, 'messaging/stream').props.Environment?.Variables ?? {};

    expect(Object.keys(variables)).not.toContain('PINGJI_SMS_SENDER_ID');
    expect(Object.keys(variables)).not.toContain('PINGJI_SMS_ORIGINATION_NUMBER');
  });

  it('size the timeout to the rate: a faster consumer needs no more time than a slower one', () => {
    const fast = functionFor(cfn(), 'messaging/stream').props.Timeout ?? 0;
    const slow = functionFor(synthStack('prod').cfn, 'messaging/stream').props.Timeout ?? 0;

    expect(fast).toBeLessThanOrEqual(slow);
  });
});
