import { Aws, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { managementConsole } from '../partition';
import type { AppFunction } from './app-function';

/** The CloudWatch namespace the functions emit their metrics to (Powertools `POWERTOOLS_METRICS_NAMESPACE`). */
export const METRICS_NAMESPACE = 'Pingji';

/** The thresholds the alarms use; docs/deploy.md explains each. */
export const ALARM_THRESHOLDS = {
  /** The consumer is this far behind the table's writes (ms), three minutes running. */
  iteratorAgeMs: Duration.minutes(5).toMilliseconds(),
  /** Share of SMS the network refused in five minutes (%), once at least `smsMinimumVolume` were tried. */
  smsFailurePercent: 10,
  smsMinimumVolume: 10,
} as const;

export type MonitoringProps = {
  /** The Powertools service name the functions run with: the `service` dimension of their metrics. */
  serviceName: string;
  /** Email address subscribed to the alarm topic; none when absent. */
  alarmEmail?: string | undefined;
  /** Production keeps the alarm topic's key when the stack is deleted. */
  retain: boolean;
  httpApi: HttpApi;
  /** The table's stream consumer, for its iterator age. */
  consumer: AppFunction;
  /** Every function of the service: each gets an errors alarm. */
  functions: readonly AppFunction[];
  /** Queues that hold work that failed for good: any message in one is an alarm. */
  failureQueues: readonly Queue[];
};

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Alarms and one dashboard. Every alarm notifies the encrypted alarm topic (on alarm and on
 * recovery); `-c alarmEmail=...` subscribes an address to it.
 */
export class Monitoring extends Construct {
  readonly alarmTopic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const key = new Key(this, 'AlarmTopicKey', {
      description: 'Pingji alarm notifications',
      enableKeyRotation: true,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    // CloudWatch cannot use the AWS-managed SNS key; it needs these on ours to publish.
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublishEncrypted',
        principals: [cloudWatch],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: 'Pingji alarms',
      masterKey: key,
      enforceSSL: true,
    });
    this.alarmTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`,
          },
        },
      }),
    );
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.alarmTopic);

    const alarm = (alarmId: string, options: ConstructorParameters<typeof Alarm>[2]): Alarm => {
      const created = new Alarm(this, alarmId, {
        treatMissingData: TreatMissingData.NOT_BREACHING,
        ...options,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
      return created;
    };

    const serviceMetric = (metricName: string, label: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: props.serviceName },
        statistic: 'Sum',
        period: FIVE_MINUTES,
        label,
      });

    const functionErrors: IMetric[] = [];
    for (const fn of props.functions) {
      const errors = fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum', label: fn.entryName });
      functionErrors.push(errors);
      alarm(`${fn.node.id}Errors`, {
        alarmDescription: `${fn.entryName} failed at least once in 5 minutes. Look at its log group, ${fn.logGroup.logGroupName}.`,
        metric: errors,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    for (const queue of props.failureQueues) {
      alarm(`${queue.node.scope?.node.id ?? ''}${queue.node.id}NotEmpty`, {
        alarmDescription:
          'Work that failed for good is waiting in this queue. See docs/deploy.md, "Alarms", for what its messages mean and how to replay them.',
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: FIVE_MINUTES,
          statistic: 'Maximum',
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    const iteratorAge = props.consumer.metric('IteratorAge', {
      statistic: 'Maximum',
      period: Duration.minutes(1),
      label: 'iterator age (ms)',
    });
    alarm('StreamIteratorAge', {
      alarmDescription:
        'The stream consumer is more than 5 minutes behind the table: alerts and acknowledgements are late. ' +
        'Expected for a while during a very large call-out at the SMS quota; otherwise look at the consumer logs and throttles.',
      metric: iteratorAge,
      threshold: ALARM_THRESHOLDS.iteratorAgeMs,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
    });

    const smsSent = serviceMetric('SmsSent', 'sent');
    const smsFailed = serviceMetric('SmsFailed', 'failed');
    const smsFailureRate = new MathExpression({
      expression: `IF((sent + failed) >= ${ALARM_THRESHOLDS.smsMinimumVolume}, 100 * failed / (sent + failed), 0)`,
      usingMetrics: { sent: smsSent, failed: smsFailed },
      period: FIVE_MINUTES,
      label: 'SMS failure rate (%)',
    });
    alarm('SmsFailureRate', {
      alarmDescription:
        `More than ${ALARM_THRESHOLDS.smsFailurePercent}% of SMS were refused in 5 minutes. ` +
        'Look at the SNS SMS delivery logs and spend limit, and at the consumer logs for the reasons.',
      metric: smsFailureRate,
      threshold: ALARM_THRESHOLDS.smsFailurePercent,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });

    const stack = Stack.of(this);
    const dashboardName = `${stack.stackName}-${stack.region}`;
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName,
      defaultInterval: Duration.hours(3),
    });
    const api = props.httpApi;
    const replies = new MathExpression({
      expression: `SEARCH('{${METRICS_NAMESPACE},outcome,service} MetricName="Replies" service="${props.serviceName}"', 'Sum', 300)`,
      usingMetrics: {},
      label: '',
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Pingji ${stack.stackName}\nAPI, the SMS pipeline (stream consumer), replies and errors. Alarms go to the alarm topic; docs/deploy.md says what each means.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'API requests',
        left: [api.metricCount({ period: FIVE_MINUTES, statistic: 'Sum', label: 'requests' })],
        width: 6,
      }),
      new GraphWidget({
        title: 'API 4xx and 5xx',
        left: [
          api.metricClientError({ period: FIVE_MINUTES, statistic: 'Sum', label: '4xx' }),
          api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum', label: '5xx' }),
        ],
        width: 6,
      }),
      new GraphWidget({
        title: 'API latency (ms)',
        left: ['p50', 'p90', 'p99'].map((statistic) =>
          api.metricLatency({ period: FIVE_MINUTES, statistic, label: statistic }),
        ),
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Stream consumer iterator age (ms)',
        left: [iteratorAge],
        leftAnnotations: [{ value: ALARM_THRESHOLDS.iteratorAgeMs, label: 'alarm' }],
        width: 8,
      }),
      new GraphWidget({
        title: 'SMS',
        left: [
          smsSent,
          smsFailed,
          serviceMetric('SmsRequeued', 'requeued'),
          serviceMetric('DrafteesMaterialized', 'draftees materialised'),
        ],
        right: [smsFailureRate],
        width: 8,
      }),
      new GraphWidget({
        title: 'Sweep',
        left: [
          serviceMetric('Reminders', 'reminders'),
          serviceMetric('NoResponse', 'noResponse'),
          serviceMetric('Backfilled', 'backfilled'),
          serviceMetric('VoiceCalls', 'voice calls'),
          serviceMetric('VoiceCallsNotPlaced', 'voice calls not placed'),
        ],
        width: 8,
      }),
    );
    const applied = new MathExpression({
      expression: `SEARCH('{${METRICS_NAMESPACE},drill,kind,service} MetricName="RepliesApplied" service="${props.serviceName}"', 'Sum', 300)`,
      usingMetrics: {},
      label: '',
    });
    const timeToConfirm = ['p50', 'p90'].flatMap((statistic) =>
      ['false', 'true'].map(
        (drill) =>
          new Metric({
            namespace: METRICS_NAMESPACE,
            metricName: 'TimeToConfirm',
            dimensionsMap: { service: props.serviceName, drill },
            statistic,
            period: FIVE_MINUTES,
            label: `${statistic}${drill === 'true' ? ' (drills)' : ''}`,
          }),
      ),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Replies by outcome', left: [replies], width: 6 }),
      new GraphWidget({ title: 'Check-ins by kind', left: [applied], width: 6 }),
      new GraphWidget({ title: 'Time from alert to confirm (s)', left: timeToConfirm, width: 12 }),
    );
    this.dashboard.addWidgets(new GraphWidget({ title: 'Function errors', left: functionErrors, width: 24 }));
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 6 }),
    );

    new CfnOutput(stack, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
    new CfnOutput(stack, 'DashboardUrl', {
      value: `${managementConsole(stack.region)}/cloudwatch/home?region=${stack.region}#dashboards:name=${dashboardName}`,
    });
  }
}
