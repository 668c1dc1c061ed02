import { Duration, Stack, Token } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { AppFunction } from './app-function';
import type { Data } from './data';

export type SchedulingProps = {
  data: Data;
  /** Variables every function of the service gets (table name, stage, service name). */
  environment: Record<string, string>;
  /** Name of the schedule group that holds one schedule per drill. */
  groupName: string;
};

/**
 * Scheduled drills: a schedule group holding one one-time EventBridge schedule per drill, the
 * function each of them invokes, and the role the scheduler assumes, which may invoke only that
 * function. The API functions that create and cancel schedules are granted `grantManage`.
 */
export class Scheduling extends Construct {
  readonly scheduledDrill: AppFunction;
  readonly schedulerRole: Role;
  readonly group: CfnScheduleGroup;
  readonly groupName: string;

  constructor(scope: Construct, id: string, props: SchedulingProps) {
    super(scope, id);
    this.groupName = props.groupName;
    this.group = new CfnScheduleGroup(this, 'Group', { name: props.groupName });
    this.scheduledDrill = new AppFunction(this, 'ScheduledDrill', {
      entry: 'timers/scheduled-drill',
      environment: props.environment,
      timeout: Duration.seconds(60),
      memorySize: 1769,
    });
    props.data.grant(this.scheduledDrill, 'write');
    // The scheduler retries by its own policy; Lambda's async retries would only repeat that.
    this.scheduledDrill.configureAsyncInvoke({ retryAttempts: 0 });
    const { account } = Stack.of(this);
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
      description: 'pingji scheduled drills: invokes the scheduled-drill function, nothing else',
    });
    this.schedulerRole.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['lambda:InvokeFunction'],
        resources: [this.scheduledDrill.functionArn],
      }),
    );
  }

  /** The ARN pattern of the drill schedules in the group. */
  get scheduleArns(): string {
    const { partition, region, account } = Stack.of(this);
    return `arn:${partition}:scheduler:${region}:${account}:schedule/${this.groupName}/*`;
  }

  /** Lets an API function create and delete drill schedules in the group, and pass the role. */
  grantManage(fn: AppFunction): void {
    fn.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
        resources: [this.scheduleArns],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    const { partition, region, account } = Stack.of(this);
    const nagName = (value: string, pseudo: string) =>
      Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value;
    fn.acknowledgeOnPolicy({
      id: `AwsSolutions-IAM5[Resource::arn:${nagName(partition, 'Partition')}:scheduler:${nagName(region, 'Region')}:${nagName(account, 'AccountId')}:schedule/${this.groupName}/*]`,
      reason:
        'One schedule per drill, named by its id: the wildcard covers only the drill schedules of this group.',
    });
    fn.addEnvironment('PINGJI_DRILL_SCHEDULER', 'eventbridge');
    fn.addEnvironment('PINGJI_SCHEDULE_GROUP', this.groupName);
    fn.addEnvironment('PINGJI_SCHEDULED_DRILL_ARN', this.scheduledDrill.functionArn);
    fn.addEnvironment('PINGJI_SCHEDULER_ROLE_ARN', this.schedulerRole.roleArn);
  }
}
