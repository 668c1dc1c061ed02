import { CfnOutput, RemovalPolicies, RemovalPolicy, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { allRoutes } from '../shared/http/routes';
import { Api } from './constructs/api';
import { AppFunction } from './constructs/app-function';
import { Console } from './constructs/console';
import { Data } from './constructs/data';
import { Identity } from './constructs/identity';
import { Messaging } from './constructs/messaging';
import { Monitoring } from './constructs/monitoring';
import { Scheduling } from './constructs/scheduling';
import { Timers } from './constructs/timers';
import { DEFAULT_SMS_SETTINGS, type SmsSettings, type Stage } from './settings';

export type { Stage } from './settings';

export type PingjiStackProps = StackProps & {
  stage: Stage;
  /** Email address the alarms notify; none when absent. */
  alarmEmail?: string | undefined;
  /** The console's URL, for the Cognito client's OAuth callback and logout; no OAuth without it. */
  consoleUrl?: string | undefined;
  /** The SMS send rate budget; SNS's default quota shared by two consumers when absent. */
  sms?: SmsSettings | undefined;
};

/**
 * The whole service in one stack: data, identity, the API, messaging (SMS out through the
 * table's stream, replies in through End User Messaging), the timers, and monitoring.
 */
export class PingjiStack extends Stack {
  readonly stage: Stage;
  readonly data: Data;
  readonly identity: Identity;
  readonly api: Api;
  readonly messaging: Messaging;
  readonly timers: Timers;
  readonly scheduling: Scheduling;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: PingjiStackProps) {
    super(scope, id, props);
    this.stage = props.stage;
    const retain = props.stage === 'prod';
    Tags.of(this).add('service', 'pingji');
    Tags.of(this).add('stage', props.stage);
    // Logs follow the data: production keeps them when the stack goes, dev leaves nothing behind.
    RemovalPolicies.of(this).apply(retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY, {
      applyToResourceTypes: ['AWS::Logs::LogGroup'],
    });

    this.data = new Data(this, 'Data', { retain });
    this.identity = new Identity(this, 'Identity', {
      retain,
      consoleUrl: props.consoleUrl,
      loginDomainPrefix: `pingji-${props.stage}-${this.account}`,
    });
    // The service name is the `service` dimension of every metric: one per stage, so a dev and
    // a prod stack in one account never share (or alarm on) each other's numbers.
    const serviceName = `pingji-${props.stage}`;
    const environment = {
      TABLE_NAME: this.data.table.tableName,
      PINGJI_STAGE: props.stage,
      POWERTOOLS_SERVICE_NAME: serviceName,
    };
    this.api = new Api(this, 'Api', {
      routes: allRoutes,
      data: this.data,
      identity: this.identity,
      environment,
    });
    this.messaging = new Messaging(this, 'Messaging', {
      data: this.data,
      environment,
      sms: props.sms ?? DEFAULT_SMS_SETTINGS,
      retain,
    });
    this.timers = new Timers(this, 'Timers', { data: this.data, environment });
    this.scheduling = new Scheduling(this, 'Scheduling', {
      data: this.data,
      environment,
      groupName: `pingji-${props.stage}-drills`,
    });
    // Every function serving the drill-schedule routes reads the scheduler's settings at cold
    // start; only creating and cancelling may change schedules.
    for (const fn of ['schedules/create', 'schedules/list', 'schedules/cancel']) {
      const route = this.api.functions.get(fn);
      if (!route) throw new Error(`no API function for ${fn}`);
      if (fn === 'schedules/list') {
        route.addEnvironment('PINGJI_DRILL_SCHEDULER', 'table');
      } else this.scheduling.grantManage(route);
    }

    // Monitoring alarms on every AppFunction built before it: add functions above this line.
    this.monitoring = new Monitoring(this, 'Monitoring', {
      serviceName,
      alarmEmail: props.alarmEmail,
      retain,
      httpApi: this.api.httpApi,
      consumer: this.messaging.consumer,
      functions: this.node.findAll().filter((c): c is AppFunction => c instanceof AppFunction),
      failureQueues: [...this.messaging.streamFailures.queues, ...this.messaging.inboundFailures.queues],
    });

    const site = new Console(this, 'Console', {
      apiUrl: this.api.httpApi.apiEndpoint,
      identity: this.identity,
      retain,
      cognitoDomain: this.identity.loginDomainUrl,
      redirectUri: props.consoleUrl,
    });
    // Without a console URL of its own, the console signs in at its CloudFront address.
    if (!props.consoleUrl) this.identity.allowConsoleSignIn(`${site.url}/`);
    new CfnOutput(this, 'UserPoolId', { value: this.identity.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.identity.client.userPoolClientId });
    new CfnOutput(this, 'LoginDomainUrl', { value: this.identity.loginDomainUrl });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
  }
}
