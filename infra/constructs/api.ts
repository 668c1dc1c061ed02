import { CfnOutput, Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteDef } from '../../shared/http/routes';
import { AppFunction } from './app-function';
import type { Data } from './data';

export type ApiProps = {
  routes: readonly RouteDef[];
  data: Data;
  /**
   * The JWT authorizer every route but the public ones is behind: Cognito's user pool, or the
   * office's own OpenID Connect provider.
   */
  authorizer: IHttpRouteAuthorizer;
  environment: Record<string, string>;
};

/**
 * Requests a second across the whole API, and the burst above it. Generous for a few hundred
 * console users polling the board; a runaway script or a flood of bad tokens stops here instead
 * of reaching Lambda and the table.
 */
export const API_THROTTLE = { rateLimit: 100, burstLimit: 200 } as const;

/** One JSON line per request: who, what, how it went and how long it took. No bodies, no tokens. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    sub: '$context.authorizer.claims.sub',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationLatencyMs: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
  }),
);

const pascal = (fn: string) => fn.replace(/(^|[/-])(\w)/g, (_m, _s, c: string) => c.toUpperCase());

/** Why a route is open to anyone, for the review of public routes (cdk-nag APIG4). */
function whyPublic(route: RouteDef): string {
  if (route.path.startsWith('/sms/'))
    return (
      `${route.method} ${route.path} is the SMS provider's callback (delivery receipts, replies): the ` +
      'provider cannot present a JWT, so the handler checks the per-deployment token in constant time ' +
      'and changes nothing without it.'
    );
  return `${route.method} ${route.path} is public by design (a liveness check); it reads nothing.`;
}

/**
 * The HTTP API: one Lambda per entry (routes that do one thing share one), each invoked with payload format 2.0, behind the JWT
 * authorizer on every route but the public ones (the health check, the SMS provider callbacks);
 * access-logged and throttled.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  readonly functions = new Map<string, AppFunction>();

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { authorizer } = props;
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Pingji API',
      defaultAuthorizer: authorizer,
      // The stage is made below, with access logs and throttling, which HttpApi's own lacks.
      createDefaultStage: false,
      corsPreflight: {
        allowHeaders: ['authorization', 'content-type', 'idempotency-key'],
        allowMethods: [CorsHttpMethod.ANY],
        allowOrigins: ['*'],
        maxAge: Duration.hours(1),
      },
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.THREE_MONTHS });
    // Same id and place as the stage HttpApi would have made, so the deployed $default stage is
    // updated in place rather than replaced.
    this.stage = new HttpStage(this.httpApi, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: API_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });

    // Routes that share an entry share its function (and its integration): sized for the most
    // demanding of them, with the strongest table access any of them needs.
    const byEntry = new Map<string, RouteDef[]>();
    for (const route of props.routes) byEntry.set(route.fn, [...(byEntry.get(route.fn) ?? []), route]);
    const integrations = new Map<string, HttpLambdaIntegration>();
    for (const [entry, served] of byEntry) {
      const fn = new AppFunction(this, pascal(entry), {
        entry,
        environment: props.environment,
        timeout: Duration.seconds(Math.max(...served.map((r) => r.lambda?.timeoutSeconds ?? 10))),
        memorySize: Math.max(...served.map((r) => r.lambda?.memoryMb ?? 512)),
      });
      const tables = new Set(served.map((r) => r.table));
      props.data.grant(fn, tables.has('write') ? 'write' : tables.has('read') ? 'read' : 'none');
      this.functions.set(entry, fn);
      integrations.set(entry, new HttpLambdaIntegration(`${pascal(entry)}Integration`, fn));
    }
    for (const route of props.routes) {
      const integration = integrations.get(route.fn);
      if (!integration) throw new Error(`no integration for ${route.fn}`);
      const [apiRoute] = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        ...(route.auth ? {} : { authorizer: new HttpNoneAuthorizer() }),
      });
      if (!route.auth && apiRoute) {
        Validations.of(apiRoute).acknowledge({ id: 'AwsSolutions-APIG4', reason: whyPublic(route) });
      }
    }
    new CfnOutput(scope, 'ApiUrl', { value: this.httpApi.apiEndpoint });
  }
}
