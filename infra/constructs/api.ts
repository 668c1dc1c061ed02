import { CfnOutput, Duration } from 'aws-cdk-lib';
import { CorsHttpMethod, HttpApi, HttpMethod, HttpNoneAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { RouteDef } from '../../shared/http/routes';
import { AppFunction } from './app-function';
import type { Identity } from './identity';

export type ApiProps = {
  routes: readonly RouteDef[];
  table: TableV2;
  identity: Identity;
  environment: Record<string, string>;
};

const pascal = (fn: string) => fn.replace(/(^|[/-])(\w)/g, (_m, _s, c: string) => c.toUpperCase());

/**
 * The HTTP API: one Lambda per route, each invoked with payload format 2.0, behind Cognito's
 * JWT authorizer on every route but the health check.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly functions = new Map<string, AppFunction>();

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const authorizer = new HttpUserPoolAuthorizer('Cognito', props.identity.userPool, {
      userPoolClients: [props.identity.client],
      identitySource: ['$request.header.Authorization'],
    });
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Pingji API',
      defaultAuthorizer: authorizer,
      corsPreflight: {
        allowHeaders: ['authorization', 'content-type', 'idempotency-key'],
        allowMethods: [CorsHttpMethod.ANY],
        allowOrigins: ['*'],
        maxAge: Duration.hours(1),
      },
    });

    for (const route of props.routes) {
      const fn = new AppFunction(this, pascal(route.fn), {
        entry: route.fn,
        environment: props.environment,
        timeout: Duration.seconds(route.lambda?.timeoutSeconds ?? 10),
        memorySize: route.lambda?.memoryMb ?? 512,
      });
      if (route.table === 'read') props.table.grantReadData(fn);
      if (route.table === 'write') props.table.grantReadWriteData(fn);
      this.functions.set(route.fn, fn);
      this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${pascal(route.fn)}Integration`, fn),
        ...(route.auth ? {} : { authorizer: new HttpNoneAuthorizer() }),
      });
    }
    new CfnOutput(scope, 'ApiUrl', { value: this.httpApi.apiEndpoint });
  }
}
