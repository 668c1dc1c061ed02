import { CfnOutput, RemovalPolicies, RemovalPolicy, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { Construct } from 'constructs';
import { allRoutes, type RouteDef } from '../shared/http/routes';
import { Api } from './constructs/api';
import { AppFunction } from './constructs/app-function';
import { Console } from './constructs/console';
import { Data } from './constructs/data';
import { Identity } from './constructs/identity';
import { Messaging } from './constructs/messaging';
import { Monitoring } from './constructs/monitoring';
import { Scheduling } from './constructs/scheduling';
import { Timers } from './constructs/timers';
import { inChina } from './partition';
import {
  type ConsoleDomainSettings,
  DEFAULT_SMS_SETTINGS,
  type IdentitySettings,
  type SmsProviderSettings,
  type SmsSettings,
  type Stage,
} from './settings';

export type { Stage } from './settings';

export type PingjiStackProps = StackProps & {
  stage: Stage;
  /** Email address the alarms notify; none when absent. */
  alarmEmail?: string | undefined;
  /** The console's URL, for the Cognito client's OAuth callback and logout; no OAuth without it. */
  consoleUrl?: string | undefined;
  /** The SMS send rate budget; SNS's default quota shared by two consumers when absent. */
  sms?: SmsSettings | undefined;
  /** Where SMS go: SNS when absent. */
  smsProvider?: SmsProviderSettings | undefined;
  /** Who signs people in: the stack's Cognito user pool when absent. */
  identity?: IdentitySettings | undefined;
  /** The routes the API serves: `shared/http/routes.ts`'s list when absent. */
  routes?: readonly RouteDef[] | undefined;
  /** AWS China regions: the console on CloudFront under this ICP-filed domain, not on the API. */
  consoleDomain?: ConsoleDomainSettings | undefined;
};

/** The public callback routes of the SMS providers: `POST /sms/{provider}/{kind}`. */
export const SMS_CALLBACK_PATH_PREFIX = '/sms/';

/**
 * The whole service in one stack: data, identity, the API, messaging (SMS out through the
 * table's stream; replies in through End User Messaging, or the provider's callbacks), the
 * timers, and monitoring. The same stack deploys to the AWS China regions, where it uses only
 * services offered there: the office's own OpenID Connect provider instead of Cognito, Tencent
 * Cloud or Alibaba Cloud SMS instead of SNS, no X-Ray, and the console from the API (or from
 * CloudFront under an ICP-filed domain).
 */
export class PingjiStack extends Stack {
  readonly stage: Stage;
  readonly data: Data;
  /** The Cognito user pool; absent when an OpenID Connect provider of the office's own signs people in. */
  readonly identity?: Identity;
  readonly api: Api;
  readonly messaging: Messaging;
  readonly timers: Timers;
  readonly scheduling: Scheduling;
  readonly monitoring: Monitoring;
  readonly console: Console;

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
    const identity = props.identity ?? { kind: 'cognito' };
    if (identity.kind === 'cognito' && inChina(this)) {
      throw new Error(
        `Amazon Cognito user pools are not offered in ${this.region}: pass an OpenID Connect issuer (identity kind oidc)`,
      );
    }
    let authorizer: IHttpRouteAuthorizer;
    if (identity.kind === 'cognito') {
      const pool = new Identity(this, 'Identity', {
        retain,
        consoleUrl: props.consoleUrl,
        loginDomainPrefix: `pingji-${props.stage}-${this.account}`,
      });
      this.identity = pool;
      authorizer = new HttpUserPoolAuthorizer('Cognito', pool.userPool, {
        userPoolClients: [pool.client],
        identitySource: ['$request.header.Authorization'],
      });
    } else {
      authorizer = new HttpJwtAuthorizer('Oidc', identity.issuer, {
        jwtAudience: identity.audiences,
        identitySource: ['$request.header.Authorization'],
      });
    }
    // The service name is the `service` dimension of every metric: one per stage, so a dev and
    // a prod stack in one account never share (or alarm on) each other's numbers.
    const serviceName = `pingji-${props.stage}`;
    const environment = {
      TABLE_NAME: this.data.table.tableName,
      PINGJI_STAGE: props.stage,
      POWERTOOLS_SERVICE_NAME: serviceName,
    };
    const routes = props.routes ?? allRoutes;
    // The API reads the caller's groups and communities from these claims of the verified token.
    const claims = identity.kind === 'oidc' ? identity.claims : undefined;
    this.api = new Api(this, 'Api', {
      routes,
      data: this.data,
      authorizer,
      environment: {
        ...environment,
        ...(claims?.groups ? { PINGJI_GROUPS_CLAIM: claims.groups } : {}),
        ...(claims?.communities ? { PINGJI_COMMUNITIES_CLAIM: claims.communities } : {}),
      },
    });
    this.messaging = new Messaging(this, 'Messaging', {
      data: this.data,
      environment,
      sms: props.sms ?? DEFAULT_SMS_SETTINGS,
      provider: props.smsProvider,
      retain,
    });
    this.messaging.grantCallbacks(
      routes
        .filter((route) => route.path.startsWith(SMS_CALLBACK_PATH_PREFIX))
        .flatMap((route) => this.api.functions.get(route.fn) ?? []),
    );
    this.timers = new Timers(this, 'Timers', { data: this.data, environment });
    // The voice call is the sweep's step: it rings on the provider's key, so it reads the secret.
    if (this.messaging.provider.voice) this.messaging.grantCallbacks([this.timers.sweep]);
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

    const pool = this.identity;
    this.console = new Console(this, 'Console', {
      apiUrl: this.api.httpApi.apiEndpoint,
      signIn: pool
        ? {
            kind: 'cognito',
            userPool: pool.userPool,
            client: pool.client,
            cognitoDomain: pool.loginDomainUrl,
          }
        : {
            kind: 'oidc',
            issuer: identity.kind === 'oidc' ? identity.issuer : '',
            clientId: identity.kind === 'oidc' ? (identity.audiences[0] ?? '') : '',
            claims,
          },
      hosting: !inChina(this)
        ? { kind: 'cloudfront' }
        : props.consoleDomain
          ? { kind: 'cloudfront-china', domain: props.consoleDomain }
          : { kind: 'api', httpApi: this.api.httpApi },
      retain,
      redirectUri: props.consoleUrl,
    });
    if (pool) {
      // Without a console URL of its own, the console signs in at its CloudFront address.
      if (!props.consoleUrl) pool.allowConsoleSignIn(`${this.console.url}/`);
      new CfnOutput(this, 'UserPoolId', { value: pool.userPool.userPoolId });
      new CfnOutput(this, 'UserPoolClientId', { value: pool.client.userPoolClientId });
      new CfnOutput(this, 'LoginDomainUrl', { value: pool.loginDomainUrl });
    }

    // Monitoring alarms on every AppFunction built before it: add functions above this line.
    this.monitoring = new Monitoring(this, 'Monitoring', {
      serviceName,
      alarmEmail: props.alarmEmail,
      retain,
      httpApi: this.api.httpApi,
      consumer: this.messaging.consumer,
      functions: this.node.findAll().filter((c): c is AppFunction => c instanceof AppFunction),
      failureQueues: [
        ...this.messaging.streamFailures.queues,
        ...(this.messaging.inboundFailures?.queues ?? []),
      ],
    });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    const secret = this.messaging.providerSecret;
    if (secret) {
      const provider = this.messaging.provider.provider;
      new CfnOutput(this, 'SmsProviderSecretArn', {
        value: secret.secretArn,
        description: `Write the ${provider} API key into this secret; its callbackToken goes into the callback URLs`,
      });
      new CfnOutput(this, 'SmsCallbackUrls', {
        value: `${this.api.httpApi.apiEndpoint}/sms/${provider}/receipts?token=<callbackToken>, ${this.api.httpApi.apiEndpoint}/sms/${provider}/replies?token=<callbackToken>`,
        description: `The delivery receipt and reply callbacks to configure at ${provider}`,
      });
    }
  }
}
