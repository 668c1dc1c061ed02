import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { METRICS_NAMESPACE } from '../../infra/constructs/monitoring';
import {
  type CfnTemplate,
  flatten,
  getAttTarget,
  ownFunctions,
  refTarget,
  resourcesOfType,
} from './support/cfn';
import { functionFor, kmsKey, servicePrincipal, single, topic, topicPolicy } from './support/queries';
import { STAGES, synthStack } from './support/synth';

const dimensions = z.array(z.object({ Name: z.string(), Value: z.unknown() })).default([]);
const metricStat = z.object({
  Metric: z.object({ Namespace: z.string(), MetricName: z.string(), Dimensions: dimensions }),
  Stat: z.string(),
  Period: z.number(),
});
const alarmProps = z.object({
  AlarmActions: z.array(z.unknown()).default([]),
  OKActions: z.array(z.unknown()).default([]),
  ComparisonOperator: z.string(),
  Threshold: z.number(),
  EvaluationPeriods: z.number(),
  TreatMissingData: z.string().optional(),
  Namespace: z.string().optional(),
  MetricName: z.string().optional(),
  Dimensions: dimensions,
  Statistic: z.string().optional(),
  Metrics: z
    .array(
      z.object({
        Id: z.string(),
        Expression: z.string().optional(),
        MetricStat: metricStat.optional(),
        ReturnData: z.boolean().optional(),
      }),
    )
    .default([]),
});
const subscriptionProps = z.object({ TopicArn: z.unknown(), Protocol: z.string(), Endpoint: z.unknown() });
const dashboardProps = z.object({ DashboardBody: z.unknown() });
const dashboardBody = z.object({
  widgets: z.array(
    z.object({
      type: z.string(),
      properties: z
        .object({ title: z.string().optional(), metrics: z.array(z.array(z.unknown())).default([]) })
        .passthrough(),
    }),
  ),
});

/** One metric an alarm watches, however CloudFormation spells it. */
type WatchedMetric = {
  id: string;
  namespace?: string;
  metricName?: string;
  dimensions: Record<string, string | undefined>;
  stat?: string;
  expression?: string;
};

type ParsedAlarm = z.infer<typeof alarmProps> & { id: string; watches: WatchedMetric[] };

const dimensionMap = (list: z.infer<typeof dimensions>) =>
  Object.fromEntries(list.map((d) => [d.Name, flatten(d.Value)]));

function alarms(cfn: CfnTemplate): ParsedAlarm[] {
  return resourcesOfType(cfn, 'AWS::CloudWatch::Alarm').map(([id, r]) => {
    const props = alarmProps.parse(r.Properties);
    const single: WatchedMetric[] = props.MetricName
      ? [
          {
            id: 'm',
            namespace: props.Namespace,
            metricName: props.MetricName,
            dimensions: dimensionMap(props.Dimensions),
            stat: props.Statistic,
          },
        ]
      : [];
    const many = props.Metrics.map((m) => ({
      id: m.Id,
      namespace: m.MetricStat?.Metric.Namespace,
      metricName: m.MetricStat?.Metric.MetricName,
      dimensions: dimensionMap(m.MetricStat?.Metric.Dimensions ?? []),
      stat: m.MetricStat?.Stat,
      expression: m.Expression,
    }));
    return { ...props, id, watches: [...single, ...many] };
  });
}

/** The alarms that watch this metric with these dimensions. */
const watching = (all: ParsedAlarm[], namespace: string, metricName: string, dims: Record<string, string>) =>
  all.filter((a) =>
    a.watches.some(
      (w) =>
        w.namespace === namespace &&
        w.metricName === metricName &&
        Object.entries(dims).every(([k, v]) => w.dimensions[k] === v),
    ),
  );

/** The topic every alarm notifies: the one the SMS-failure alarm (present in every stack) uses. */
function alarmTopicId(cfn: CfnTemplate): string {
  const smsAlarm = single(
    alarms(cfn).filter((a) => a.watches.some((w) => w.metricName === 'SmsFailed')),
    'SMS failure alarm',
  );
  const id = refTarget(smsAlarm.AlarmActions[0]);
  if (id === undefined) throw new Error('the SMS failure alarm notifies nothing of this stack');
  return id;
}

/** The dashboard's widgets, with references written out. */
function dashboard(cfn: CfnTemplate) {
  const [, resource] = single(resourcesOfType(cfn, 'AWS::CloudWatch::Dashboard'), 'dashboard');
  const body = flatten(dashboardProps.parse(resource.Properties).DashboardBody);
  if (body === undefined) throw new Error('the dashboard body is not a string');
  return dashboardBody.parse(JSON.parse(body)).widgets;
}

const serviceNameOf = (cfn: CfnTemplate) =>
  functionFor(cfn, 'messaging/stream').props.Environment?.Variables.POWERTOOLS_SERVICE_NAME;

describe.each(STAGES)('monitoring of the %s stack', (stage) => {
  const cfn = (): CfnTemplate => synthStack(stage).cfn;

  describe('the alarm topic', () => {
    it('is encrypted with a rotating key of the stack that CloudWatch may use for this account', () => {
      const key = kmsKey(cfn(), getAttTarget(topic(cfn(), alarmTopicId(cfn())).KmsMasterKeyId, 'Arn'));
      const cloudWatch = key.statements.filter(
        (s) => s.effect === 'Allow' && servicePrincipal(s) === 'cloudwatch.amazonaws.com',
      );

      expect(key.rotates).toBe(true);
      expect(cloudWatch).toHaveLength(1);
      expect(cloudWatch[0]?.actions.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
      expect(flatten(cloudWatch[0]?.condition.StringEquals?.['aws:SourceAccount'])).toBe('<AWS::AccountId>');
    });

    it("takes CloudWatch's alarms from this account over TLS only", () => {
      const statements = topicPolicy(cfn(), alarmTopicId(cfn()));
      const publish = statements.filter(
        (s) => s.effect === 'Allow' && servicePrincipal(s) === 'cloudwatch.amazonaws.com',
      );

      expect(publish).toHaveLength(1);
      expect(publish[0]?.actions).toEqual(['sns:Publish']);
      expect(flatten(publish[0]?.condition.StringEquals?.['aws:SourceAccount'])).toBe('<AWS::AccountId>');
      expect(
        statements.some((s) => s.effect === 'Deny' && s.condition.Bool?.['aws:SecureTransport'] === 'false'),
      ).toBe(true);
    });

    it('has no email subscription unless -c alarmEmail names one', () => {
      const topicId = alarmTopicId(cfn());
      const emails = resourcesOfType(cfn(), 'AWS::SNS::Subscription')
        .map(([, r]) => subscriptionProps.parse(r.Properties))
        .filter((s) => refTarget(s.TopicArn) === topicId);

      expect(emails).toEqual([]);
    });

    it('emails -c alarmEmail', () => {
      const withEmail = synthStack(stage, { alarmEmail: 'duty@example.org' }).cfn;
      const topicId = alarmTopicId(withEmail);
      const subscriptions = resourcesOfType(withEmail, 'AWS::SNS::Subscription')
        .map(([, r]) => subscriptionProps.parse(r.Properties))
        .filter((s) => refTarget(s.TopicArn) === topicId);

      expect(subscriptions).toEqual([
        { TopicArn: { Ref: topicId }, Protocol: 'email', Endpoint: 'duty@example.org' },
      ]);
    });
  });

  describe('alarms', () => {
    it('notify the alarm topic when they fire and when they recover, and stay quiet without data', () => {
      const topicId = alarmTopicId(cfn());
      const all = alarms(cfn());

      expect(all.length).toBeGreaterThan(0);
      for (const alarm of all) {
        expect(alarm.AlarmActions.map(refTarget), alarm.id).toEqual([topicId]);
        expect(alarm.OKActions.map(refTarget), alarm.id).toEqual([topicId]);
        expect(alarm.TreatMissingData, alarm.id).toBe('notBreaching');
      }
    });

    it('watch the errors of every function of the service', () => {
      const all = alarms(cfn());
      const unwatched = ownFunctions(cfn()).filter(
        (fn) =>
          !watching(all, 'AWS/Lambda', 'Errors', { FunctionName: `<${fn.id}>` }).some(
            (a) => a.Threshold === 1 && a.ComparisonOperator === 'GreaterThanOrEqualToThreshold',
          ),
      );

      expect(unwatched.map((fn) => fn.props.Description)).toEqual([]);
    });

    it('fire as soon as any queue of the stack (on-failure destinations, dead letters) holds a message', () => {
      const all = alarms(cfn());
      const queues = resourcesOfType(cfn(), 'AWS::SQS::Queue').map(([id]) => id);
      const unwatched = queues.filter(
        (id) =>
          !watching(all, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', {
            QueueName: `<${id}.QueueName>`,
          }).some(
            (a) =>
              (a.ComparisonOperator === 'GreaterThanOrEqualToThreshold' && a.Threshold === 1) ||
              (a.ComparisonOperator === 'GreaterThanThreshold' && a.Threshold === 0),
          ),
      );

      expect(queues.length).toBeGreaterThanOrEqual(4);
      expect(unwatched).toEqual([]);
    });

    it("fire when the stream consumer's iterator age stays above a few minutes", () => {
      const consumer = functionFor(cfn(), 'messaging/stream');
      const [alarm, ...more] = watching(alarms(cfn()), 'AWS/Lambda', 'IteratorAge', {
        FunctionName: `<${consumer.id}>`,
      });

      expect(more).toEqual([]);
      expect(alarm?.watches[0]?.stat).toBe('Maximum');
      expect(alarm?.ComparisonOperator).toBe('GreaterThanThreshold');
      expect(alarm?.Threshold).toBeGreaterThan(0);
      expect(alarm?.Threshold).toBeLessThanOrEqual(15 * 60 * 1000);
    });

    it('fire when the share of SMS refused, SmsFailed / (SmsSent + SmsFailed), passes a threshold', () => {
      const service = serviceNameOf(cfn());
      const [alarm, ...more] = alarms(cfn()).filter((a) =>
        a.watches.some((w) => w.metricName === 'SmsFailed'),
      );
      const metric = (name: string) =>
        alarm?.watches.find(
          (w) =>
            w.namespace === METRICS_NAMESPACE && w.metricName === name && w.dimensions.service === service,
        );
      const sent = metric('SmsSent');
      const failed = metric('SmsFailed');
      const expression = alarm?.watches.find((w) => w.expression !== undefined)?.expression ?? '';

      expect(more).toEqual([]);
      expect(sent?.stat).toBe('Sum');
      expect(failed?.stat).toBe('Sum');
      expect(expression).toContain(`${failed?.id} / (${sent?.id} + ${failed?.id})`);
      expect(alarm?.Threshold).toBeGreaterThan(0);
      expect(alarm?.Threshold).toBeLessThan(100);
    });
  });

  describe('metrics', () => {
    it('are emitted by every function under the Pingji namespace, with a service name of this stage', () => {
      const functions = ownFunctions(cfn());
      const settings = new Set(
        functions.map((fn) => {
          const v = fn.props.Environment?.Variables ?? {};
          return `${String(v.POWERTOOLS_METRICS_NAMESPACE)} ${String(v.POWERTOOLS_SERVICE_NAME)}`;
        }),
      );

      expect([...settings]).toEqual([`${METRICS_NAMESPACE} pingji-${stage}`]);
    });
  });

  describe('the dashboard', () => {
    const metricsOf = (titleMatch: RegExp) =>
      dashboard(cfn())
        .filter((w) => titleMatch.test(w.properties.title ?? ''))
        .flatMap((w) => w.properties.metrics);
    const names = (metrics: unknown[][]) =>
      metrics.map((m) => m.filter((part) => typeof part === 'string').join(' '));

    it('shows the API: requests, 4xx, 5xx and latency', () => {
      const api = names(metricsOf(/^API/)).join('\n');

      for (const metric of ['Count', '4xx', '5xx', 'Latency'])
        expect(api).toContain(`AWS/ApiGateway ${metric} ApiId`);
    });

    it("shows the stream consumer's iterator age and the SMS sent and failed", () => {
      const consumer = functionFor(cfn(), 'messaging/stream');
      const all = names(dashboard(cfn()).flatMap((w) => w.properties.metrics)).join('\n');
      const service = serviceNameOf(cfn());

      expect(all).toContain(`AWS/Lambda IteratorAge FunctionName <${consumer.id}>`);
      expect(all).toContain(`${METRICS_NAMESPACE} SmsSent service ${service}`);
      expect(all).toContain(`${METRICS_NAMESPACE} SmsFailed service ${service}`);
    });

    it('shows replies by outcome', () => {
      const expressions = JSON.stringify(metricsOf(/^Replies/));

      expect(expressions).toContain('MetricName=\\"Replies\\"');
      expect(expressions).toContain('outcome');
    });

    it('shows the errors of every function', () => {
      const errors = names(metricsOf(/errors/i)).join('\n');
      const missing = ownFunctions(cfn()).filter(
        (fn) => !errors.includes(`AWS/Lambda Errors FunctionName <${fn.id}>`),
      );

      expect(missing.map((fn) => fn.id)).toEqual([]);
    });
  });
});
