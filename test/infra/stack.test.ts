import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { Stage } from '../../infra/pingji-stack';
import { allRoutes, type RouteDef } from '../../shared/http/routes';
import { TABLE } from '../../shared/table';
import {
  actionsFor,
  type CfnResource,
  type CfnTemplate,
  eventInvokeConfigProps,
  externalManagedPolicyArns,
  flatten,
  getAttTarget,
  joinParts,
  type LambdaFunction,
  lambdaFunctions,
  ownFunctions,
  permissionProps,
  refTarget,
  resourceOf,
  resourcesOfType,
  roleStatements,
  statementsFor,
} from './support/cfn';
import {
  arnTarget,
  dataTable,
  functionFor,
  isTableOrIndexArn,
  isTableStreamArn,
  roleOf,
  single,
  tableKey,
  userPool,
} from './support/queries';
import { readCloudAssembly, runCdkSynth, STAGES, synthStack, TEST_REGION } from './support/synth';

/** The groups the HTTP contract (API.md) names in `cognito:groups`. */
const CONTRACT_GROUPS = ['admin', 'planner', 'dutyOfficer', 'commander'];

/** What a read-only function may do to the table: no write of any kind. */
const DYNAMODB_READ = new Set(
  [
    'BatchGetItem',
    'ConditionCheckItem',
    'DescribeTable',
    'GetItem',
    'GetRecords',
    'GetShardIterator',
    'Query',
    'Scan',
  ].map((a) => `dynamodb:${a.toLowerCase()}`),
);
const DYNAMODB_WRITE = new Set(
  ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'].map((a) => `dynamodb:${a.toLowerCase()}`),
);
const DYNAMODB_READ_WRITE = new Set([...DYNAMODB_READ, ...DYNAMODB_WRITE]);
const KMS_DECRYPT_ONLY = new Set(['kms:decrypt', 'kms:describekey']);
const KMS_READ_WRITE = new Set([
  ...KMS_DECRYPT_ONLY,
  'kms:encrypt',
  'kms:reencrypt*',
  'kms:generatedatakey*',
]);
/** Reading the table's stream: the stream consumer alone. */
const DYNAMODB_STREAM_READ = new Set(
  ['DescribeStream', 'GetRecords', 'GetShardIterator', 'ListStreams'].map(
    (a) => `dynamodb:${a.toLowerCase()}`,
  ),
);
/** What every function needs to run: its own log group, and X-Ray. */
const RUNTIME_ACTIONS = [
  'logs:createlogstream',
  'logs:putlogevents',
  'xray:puttracesegments',
  'xray:puttelemetryrecords',
];
/** Sending what failed for good to the function's own failure queue. */
const FAILURE_QUEUE_SEND = ['sqs:sendmessage', 'sqs:getqueueattributes', 'sqs:getqueueurl'];

/** What a function is for, and so what its role may grant. */
type FunctionAccess = {
  entry: string;
  table: RouteDef['table'];
  /** Reads the table's stream. */
  stream?: boolean;
  /** Publishes SMS. */
  sms?: boolean;
  /** Where it hands what failed for good: the stream mapping's on-failure destination or Lambda's. */
  failureQueue?: 'stream' | 'async';
  /** Creates and deletes drill schedules (EventBridge Scheduler), passing the scheduler its role. */
  schedules?: boolean;
};

/** The routes that arm and disarm scheduled drills. */
const SCHEDULING_ROUTES = new Set(['schedules/create', 'schedules/cancel']);

/** The functions that serve no route: the stream consumer, the inbound SMS handler, the sweep. */
const BACKGROUND_FUNCTIONS: ReadonlyArray<[string, FunctionAccess]> = [
  [
    'the stream consumer (messaging/stream) [table: write, stream, SMS]',
    { entry: 'messaging/stream', table: 'write', stream: true, sms: true, failureQueue: 'stream' },
  ],
  [
    'the inbound SMS handler (messaging/inbound-sms) [table: write]',
    { entry: 'messaging/inbound-sms', table: 'write', failureQueue: 'async' },
  ],
  ['the sweep (timers/sweep) [table: write]', { entry: 'timers/sweep', table: 'write' }],
  [
    'the scheduled drill (timers/scheduled-drill) [table: write]',
    { entry: 'timers/scheduled-drill', table: 'write' },
  ],
];

/** Every function of the service with what it is for: one per route, and the background ones. */
const accessCases = (): Array<[string, FunctionAccess]> => [
  ...allRoutes.map((route): [string, FunctionAccess] => [
    `${routeKeyOf(route)} [table: ${route.table}]`,
    { entry: route.fn, table: route.table, schedules: SCHEDULING_ROUTES.has(route.fn) },
  ]),
  ...BACKGROUND_FUNCTIONS,
];

const eventSourceMappingProps = z.object({
  FunctionName: z.unknown(),
  DestinationConfig: z.object({ OnFailure: z.object({ Destination: z.unknown() }) }).optional(),
});

/** The queue a function's stream mapping, or its asynchronous invocations, send failures to. */
function failureQueueOf(cfn: CfnTemplate, fnId: string, kind: 'stream' | 'async'): string | undefined {
  const destinations =
    kind === 'stream'
      ? resourcesOfType(cfn, 'AWS::Lambda::EventSourceMapping')
          .map(([, r]) => eventSourceMappingProps.parse(r.Properties))
          .filter((p) => refTarget(p.FunctionName) === fnId)
          .map((p) => p.DestinationConfig?.OnFailure.Destination)
      : resourcesOfType(cfn, 'AWS::Lambda::EventInvokeConfig')
          .map(([, r]) => eventInvokeConfigProps.parse(r.Properties))
          .filter((p) => refTarget(p.FunctionName) === fnId)
          .map((p) => p.DestinationConfig?.OnFailure?.Destination);
  return arnTarget(single(destinations, `${kind} failure destination of ${fnId}`));
}

const kmsKeyProps = z.object({ EnableKeyRotation: z.boolean().optional() });
const userPoolClientProps = z.object({
  UserPoolId: z.unknown(),
  WriteAttributes: z.array(z.string()).optional(),
  AllowedOAuthFlowsUserPoolClient: z.boolean().optional(),
  AllowedOAuthFlows: z.array(z.string()).optional(),
  AllowedOAuthScopes: z.array(z.string()).optional(),
  CallbackURLs: z.array(z.unknown()).optional(),
  LogoutURLs: z.array(z.unknown()).optional(),
  SupportedIdentityProviders: z.array(z.string()).optional(),
});
const userPoolDomainProps = z.object({ UserPoolId: z.unknown(), Domain: z.unknown() });
const stageProps = z.object({
  ApiId: z.unknown(),
  StageName: z.string(),
  AutoDeploy: z.boolean().optional(),
  AccessLogSettings: z.object({ DestinationArn: z.unknown(), Format: z.string() }).optional(),
  DefaultRouteSettings: z
    .object({ ThrottlingRateLimit: z.number().optional(), ThrottlingBurstLimit: z.number().optional() })
    .optional(),
});
const userPoolGroupProps = z.object({ UserPoolId: z.unknown(), GroupName: z.string().optional() });
const httpApiProps = z.object({ ProtocolType: z.string().optional() });
const routeProps = z.object({
  ApiId: z.unknown(),
  RouteKey: z.string(),
  AuthorizationType: z.string().optional(),
  AuthorizerId: z.unknown().optional(),
  Target: z.unknown().optional(),
});
const integrationProps = z.object({
  ApiId: z.unknown(),
  IntegrationType: z.string(),
  IntegrationUri: z.unknown().optional(),
  PayloadFormatVersion: z.string().optional(),
});
const authorizerProps = z.object({
  ApiId: z.unknown(),
  AuthorizerType: z.string(),
  JwtConfiguration: z
    .object({ Audience: z.array(z.unknown()).default([]), Issuer: z.unknown().optional() })
    .optional(),
});
const logGroupProps = z.object({
  RetentionInDays: z.number().optional(),
  LogGroupName: z.unknown().optional(),
});

const routeKeyOf = (route: Pick<RouteDef, 'method' | 'path'>): string => `${route.method} ${route.path}`;

/** `[label, route]` cases for `it.each`, labelled `METHOD /path` unless told otherwise. */
const routeCases = (
  routes: readonly RouteDef[],
  label: (route: RouteDef) => string = routeKeyOf,
): Array<[string, RouteDef]> => routes.map((route) => [label(route), route]);

/** The API routes carrying this route key, on whichever API. */
function routesWithKey(cfn: CfnTemplate, routeKey: string) {
  return resourcesOfType(cfn, 'AWS::ApiGatewayV2::Route')
    .map(([id, resource]) => ({ id, props: routeProps.parse(resource.Properties) }))
    .filter(({ props }) => props.RouteKey === routeKey);
}

/** The one route resource for a route of `allRoutes`. */
function routeResource(cfn: CfnTemplate, route: RouteDef) {
  return single(routesWithKey(cfn, routeKeyOf(route)), `route ${routeKeyOf(route)}`);
}

/** The app clients of the service's user pool. */
function poolClients(cfn: CfnTemplate) {
  const pool = userPool(cfn);
  return resourcesOfType(cfn, 'AWS::Cognito::UserPoolClient')
    .map(([id, resource]) => ({ id, props: userPoolClientProps.parse(resource.Properties) }))
    .filter(({ props }) => refTarget(props.UserPoolId) === pool.id);
}

const removalOf = (resource: CfnResource) => ({
  DeletionPolicy: resource.DeletionPolicy ?? 'Delete',
  UpdateReplacePolicy: resource.UpdateReplacePolicy ?? 'Delete',
});

describe.each(STAGES)('the %s stack', (stage: Stage) => {
  const cfn = (): CfnTemplate => synthStack(stage).cfn;

  describe('table', () => {
    it('has the keys and indexes shared/table.ts defines, all strings', () => {
      const { props } = dataTable(cfn());

      expect(props.KeySchema).toEqual([
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ]);
      const byName = (a: { IndexName: string }, b: { IndexName: string }) =>
        a.IndexName.localeCompare(b.IndexName);
      expect(
        props.GlobalSecondaryIndexes.map(({ IndexName, KeySchema }) => ({ IndexName, KeySchema })).sort(
          byName,
        ),
      ).toEqual(
        TABLE.indexes
          .map((index) => ({
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
          }))
          .sort(byName),
      );
      const keyAttributes = [
        TABLE.partitionKey,
        TABLE.sortKey,
        ...TABLE.indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
      ];
      expect(props.AttributeDefinitions.map((a) => a.AttributeName).sort()).toEqual(
        [...keyAttributes].sort(),
      );
      expect(props.AttributeDefinitions.filter((a) => a.AttributeType !== 'S')).toEqual([]);
    });

    it('is billed per request and streams new and old images', () => {
      const { props } = dataTable(cfn());

      expect(props.BillingMode).toBe('PAY_PER_REQUEST');
      expect(props.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
      expect(TABLE.streamView).toBe('NEW_AND_OLD_IMAGES');
    });

    it(`expires items by TABLE.ttlAttribute (${TABLE.ttlAttribute})`, () => {
      expect(dataTable(cfn()).props.TimeToLiveSpecification).toEqual({
        AttributeName: TABLE.ttlAttribute,
        Enabled: true,
      });
    });

    it('has point-in-time recovery on in every replica', () => {
      const { props } = dataTable(cfn());

      expect(props.Replicas.length).toBeGreaterThan(0);
      for (const replica of props.Replicas) {
        expect(replica.PointInTimeRecoverySpecification, replica.Region).toEqual({
          PointInTimeRecoveryEnabled: true,
        });
      }
    });

    it('is encrypted in every replica with a customer-managed KMS key that rotates', () => {
      const { props } = dataTable(cfn());
      const key = tableKey(cfn());

      expect(props.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
      expect(kmsKeyProps.parse(key.resource.Properties).EnableKeyRotation).toBe(true);
    });
  });

  describe('HTTP API', () => {
    it('serves every route from a single API of protocol HTTP', () => {
      const apiIds = new Set(allRoutes.map((route) => refTarget(routeResource(cfn(), route).props.ApiId)));
      const apiId = single([...apiIds], 'API holding the routes');

      expect(
        httpApiProps.parse(resourceOf(cfn(), apiId, 'AWS::ApiGatewayV2::Api').Properties).ProtocolType,
      ).toBe('HTTP');
    });

    it.each(routeCases(allRoutes))(
      '%s invokes its function through a payload 2.0 Lambda proxy',
      (_key, route) => {
        const { props } = routeResource(cfn(), route);
        const apiId = refTarget(props.ApiId);
        const [prefix, integrationRef] = joinParts(props.Target) ?? [];
        expect(prefix).toBe('integrations/');
        const integration = integrationProps.parse(
          resourceOf(cfn(), refTarget(integrationRef), 'AWS::ApiGatewayV2::Integration').Properties,
        );

        expect(refTarget(integration.ApiId)).toBe(apiId);
        expect(integration.IntegrationType).toBe('AWS_PROXY');
        expect(integration.PayloadFormatVersion).toBe('2.0');
        const fnId = getAttTarget(integration.IntegrationUri, 'Arn');
        expect(fnId).toBe(functionFor(cfn(), route.fn).id);
        const invokers = resourcesOfType(cfn(), 'AWS::Lambda::Permission')
          .map(([, resource]) => permissionProps.parse(resource.Properties))
          .filter((p) => getAttTarget(p.FunctionName, 'Arn') === fnId || refTarget(p.FunctionName) === fnId)
          .filter((p) => p.Action === 'lambda:InvokeFunction' && p.Principal === 'apigateway.amazonaws.com')
          .filter((p) => (joinParts(p.SourceArn) ?? []).some((part) => refTarget(part) === apiId));
        expect(invokers.length).toBeGreaterThan(0);
      },
    );

    it.each(routeCases(allRoutes.filter((route) => route.auth)))(
      '%s needs a JWT from the Cognito user pool client',
      (_key, route) => {
        const { props } = routeResource(cfn(), route);
        const pool = userPool(cfn());

        expect(props.AuthorizationType).toBe('JWT');
        const authorizer = authorizerProps.parse(
          resourceOf(cfn(), refTarget(props.AuthorizerId), 'AWS::ApiGatewayV2::Authorizer').Properties,
        );
        expect(authorizer.AuthorizerType).toBe('JWT');
        expect(refTarget(authorizer.ApiId)).toBe(refTarget(props.ApiId));
        const [issuerPrefix, issuerPool, ...rest] = joinParts(authorizer.JwtConfiguration?.Issuer) ?? [];
        expect(issuerPrefix).toMatch(/^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/$/);
        expect(refTarget(issuerPool)).toBe(pool.id);
        expect(rest).toEqual([]);
        const audience = authorizer.JwtConfiguration?.Audience ?? [];
        expect(audience.length).toBeGreaterThan(0);
        for (const clientRef of audience) {
          const client = resourceOf(cfn(), refTarget(clientRef), 'AWS::Cognito::UserPoolClient');
          expect(refTarget(userPoolClientProps.parse(client.Properties).UserPoolId)).toBe(pool.id);
        }
      },
    );

    it('leaves GET /health open to anyone', () => {
      const health = single(routesWithKey(cfn(), 'GET /health'), 'route GET /health');

      expect(health.props.AuthorizationType ?? 'NONE').toBe('NONE');
      expect(health.props.AuthorizerId).toBeUndefined();
    });

    it('deploys no route of the local-only /dev API', () => {
      const devRoutes = resourcesOfType(cfn(), 'AWS::ApiGatewayV2::Route')
        .map(([, resource]) => routeProps.parse(resource.Properties).RouteKey)
        .filter((key) => /^\S+ \/dev(\/|$)/.test(key));

      expect(devRoutes).toEqual([]);
    });

    it('serves them from one auto-deployed $default stage, throttled, that logs every request as JSON', () => {
      const apiId = single(
        [...new Set(allRoutes.map((route) => refTarget(routeResource(cfn(), route).props.ApiId)))],
        'API holding the routes',
      );
      const stage = single(
        resourcesOfType(cfn(), 'AWS::ApiGatewayV2::Stage')
          .map(([, resource]) => stageProps.parse(resource.Properties))
          .filter((props) => refTarget(props.ApiId) === apiId),
        'stage of the API',
      );
      const logGroupId = getAttTarget(stage.AccessLogSettings?.DestinationArn, 'Arn');
      const logGroup = logGroupProps.parse(resourceOf(cfn(), logGroupId, 'AWS::Logs::LogGroup').Properties);

      expect(stage.StageName).toBe('$default');
      expect(stage.AutoDeploy).toBe(true);
      expect(stage.DefaultRouteSettings?.ThrottlingRateLimit).toBeGreaterThan(0);
      expect(stage.DefaultRouteSettings?.ThrottlingBurstLimit).toBeGreaterThanOrEqual(
        stage.DefaultRouteSettings?.ThrottlingRateLimit ?? Number.POSITIVE_INFINITY,
      );
      expect(logGroup.RetentionInDays).toBeGreaterThan(0);
      const format = z
        .record(z.string(), z.string())
        .parse(JSON.parse(stage.AccessLogSettings?.Format ?? ''));
      expect(Object.values(format)).toEqual(
        expect.arrayContaining(['$context.requestId', '$context.routeKey', '$context.status']),
      );
    });
  });

  describe('Cognito', () => {
    it('has the admin, planner, dutyOfficer and commander groups', () => {
      const pool = userPool(cfn());
      const groups = resourcesOfType(cfn(), 'AWS::Cognito::UserPoolGroup')
        .map(([, resource]) => userPoolGroupProps.parse(resource.Properties))
        .filter((group) => refTarget(group.UserPoolId) === pool.id)
        .map((group) => group.GroupName);

      expect(groups).toEqual(expect.arrayContaining(CONTRACT_GROUPS));
    });

    it('has a mutable string attribute custom:communities', () => {
      expect(userPool(cfn()).props.Schema).toContainEqual({
        Name: 'communities',
        AttributeDataType: 'String',
        Mutable: true,
      });
    });

    it('lets only administrators create users', () => {
      expect(userPool(cfn()).props.AdminCreateUserConfig?.AllowAdminCreateUserOnly).toBe(true);
    });

    it('lets no user rewrite their own custom:communities through an app client', () => {
      // An app client without WriteAttributes may write every attribute, communities included,
      // and the API trusts that attribute to say which communities a user acts for.
      const pool = userPool(cfn());
      const clients = resourcesOfType(cfn(), 'AWS::Cognito::UserPoolClient')
        .map(([id, resource]) => ({ id, props: userPoolClientProps.parse(resource.Properties) }))
        .filter(({ props }) => refTarget(props.UserPoolId) === pool.id);

      expect(clients.length).toBeGreaterThan(0);
      for (const client of clients) {
        expect(client.props.WriteAttributes, client.id).toBeDefined();
        expect(client.props.WriteAttributes, client.id).not.toContain('custom:communities');
      }
    });

    it('requires MFA with an authenticator app (TOTP), never SMS', () => {
      const { props } = userPool(cfn());

      expect(props.MfaConfiguration).toBe('ON');
      expect(props.EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
    });

    it('blocks risky sign-ins and compromised passwords (threat protection enforced, Plus plan)', () => {
      const { props } = userPool(cfn());

      expect(props.UserPoolTier).toBe('PLUS');
      expect(props.UserPoolAddOns?.AdvancedSecurityMode).toBe('ENFORCED');
    });

    it('without a console URL, signs the console in at its own CloudFront address only, with the code flow', () => {
      const [client, ...more] = poolClients(cfn());
      const distribution = resourcesOfType(cfn(), 'AWS::CloudFront::Distribution').map(([id]) => id);

      expect(more).toEqual([]);
      expect(client?.props).toMatchObject({
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthFlows: ['code'],
      });
      expect(JSON.stringify(client?.props.CallbackURLs)).not.toContain('example.com');
      expect(distribution).toHaveLength(1);
      for (const urls of [client?.props.CallbackURLs, client?.props.LogoutURLs]) {
        expect(urls).toHaveLength(1);
        expect(JSON.stringify(urls)).toContain(`"${distribution[0]}","DomainName"`);
      }
    });

    it('gives the console client the code flow back to -c consoleUrl, and nothing implicit', () => {
      const consoleUrl = 'https://console.example.org/';
      const [client, ...more] = poolClients(synthStack(stage, { consoleUrl }).cfn);

      expect(more).toEqual([]);
      expect(client?.props).toMatchObject({
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthFlows: ['code'],
        CallbackURLs: [consoleUrl],
        LogoutURLs: [consoleUrl],
        SupportedIdentityProviders: ['COGNITO'],
      });
      expect(client?.props.AllowedOAuthScopes).toEqual(
        expect.arrayContaining(['openid', 'email', 'profile']),
      );
    });

    it('has a sign-in domain of its own, and outputs its URL for the console', () => {
      const pool = userPool(cfn());
      const domains = resourcesOfType(cfn(), 'AWS::Cognito::UserPoolDomain')
        .map(([, resource]) => userPoolDomainProps.parse(resource.Properties))
        .filter((domain) => refTarget(domain.UserPoolId) === pool.id);

      expect(domains).toHaveLength(1);
      expect(flatten(domains[0]?.Domain)).toBe(`pingji-${stage}-<AWS::AccountId>`);
      expect(flatten(cfn().Outputs.LoginDomainUrl?.Value)).toMatch(/^https:\/\/.*amazoncognito\.com$/);
    });
  });

  describe('Lambda', () => {
    it('runs every function of its own on Node.js 22 or later', () => {
      const functions = ownFunctions(cfn());
      const older = functions.filter(
        (fn) => Number(/^nodejs(\d+)\.x$/.exec(fn.props.Runtime ?? '')?.[1]) < 22,
      );
      const unknown = functions.filter((fn) => !/^nodejs\d+\.x$/.test(fn.props.Runtime ?? ''));

      expect(functions.length).toBeGreaterThan(0);
      expect([...older, ...unknown].map((fn) => `${fn.id}: ${fn.props.Runtime}`)).toEqual([]);
    });

    it('runs every Node.js function CDK adds for itself on Node.js 22 or later too', () => {
      const own = new Set(ownFunctions(cfn()).map((fn) => fn.id));
      const older = lambdaFunctions(cfn())
        .filter((fn) => !own.has(fn.id))
        .filter((fn) => Number(/^nodejs(\d+)\.x$/.exec(fn.props.Runtime ?? '')?.[1] ?? 22) < 22);

      expect(older.map((fn) => `${fn.id}: ${fn.props.Runtime}`)).toEqual([]);
    });

    it('runs every function on arm64 with the handler index.handler', () => {
      const wrong = ownFunctions(cfn())
        .filter((fn) => fn.props.Handler !== 'index.handler' || fn.props.Architectures?.join() !== 'arm64')
        .map((fn) => `${fn.id}: ${fn.props.Handler} on ${fn.props.Architectures?.join() ?? 'x86_64'}`);

      expect(wrong).toEqual([]);
    });

    it('gives every function the table name and source-mapped stack traces', () => {
      const tableId = dataTable(cfn()).id;
      const functions = ownFunctions(cfn());

      expect(functions.length).toBeGreaterThan(0);
      for (const fn of functions) {
        const variables = fn.props.Environment?.Variables ?? {};
        expect(refTarget(variables.TABLE_NAME), `${fn.id} TABLE_NAME`).toBe(tableId);
        expect(variables.NODE_OPTIONS, `${fn.id} NODE_OPTIONS`).toEqual(
          expect.stringContaining('--enable-source-maps'),
        );
      }
    });

    it('traces every function with X-Ray, the Powertools tracer on and never recording responses', () => {
      const functions = ownFunctions(cfn());

      expect(functions.length).toBeGreaterThan(0);
      for (const fn of functions) {
        const variables = fn.props.Environment?.Variables ?? {};
        expect(JSON.stringify(fn.props.TracingConfig ?? {}), `${fn.id} tracing`).toContain('Active');
        expect(variables.POWERTOOLS_TRACE_ENABLED, `${fn.id} POWERTOOLS_TRACE_ENABLED`).toBe('true');
        expect(variables.POWERTOOLS_TRACER_CAPTURE_RESPONSE, `${fn.id} capture response`).toBe('false');
      }
    });

    it('gives every function a role of its own', () => {
      const functions = ownFunctions(cfn());
      const holders = new Map<string, string[]>();
      for (const fn of functions) {
        const roleId = roleOf(fn);
        resourceOf(cfn(), roleId, 'AWS::IAM::Role');
        holders.set(roleId, [...(holders.get(roleId) ?? []), fn.id]);
      }

      expect(functions.length).toBeGreaterThan(0);
      expect([...holders.values()].filter((fns) => fns.length > 1)).toEqual([]);
    });

    it('logs every function to a log group of its own with a retention', () => {
      const functions = ownFunctions(cfn());
      const logGroups = resourcesOfType(cfn(), 'AWS::Logs::LogGroup').map(([id, resource]) => ({
        id,
        props: logGroupProps.parse(resource.Properties),
      }));
      const logGroupOf = (fn: LambdaFunction) => {
        const configured = refTarget(fn.props.LoggingConfig?.LogGroup);
        if (configured !== undefined) return logGroups.find((lg) => lg.id === configured);
        // Without LoggingConfig a function logs to /aws/lambda/<its name>.
        return logGroups.find((lg) => {
          const [prefix, name, ...rest] = joinParts(lg.props.LogGroupName) ?? [];
          return prefix === '/aws/lambda/' && refTarget(name) === fn.id && rest.length === 0;
        });
      };

      expect(functions.length).toBeGreaterThan(0);
      const seen = new Set<string>();
      for (const fn of functions) {
        const logGroup = logGroupOf(fn);
        expect(logGroup, `${fn.id} log group`).toBeDefined();
        expect(logGroup?.props.RetentionInDays ?? 0, `${fn.id} log retention`).toBeGreaterThan(0);
        expect(seen.has(logGroup?.id ?? ''), `${fn.id} shares its log group`).toBe(false);
        seen.add(logGroup?.id ?? '');
      }
    });
  });

  describe('least privilege', () => {
    it.each(accessCases())('%s has exactly that access to the table', (_label, access) => {
      const statements = roleStatements(cfn(), roleOf(functionFor(cfn(), access.entry)));
      const dynamodb = actionsFor(statements, 'dynamodb');
      const kms = actionsFor(statements, 'kms');
      const stream = access.stream ? DYNAMODB_STREAM_READ : new Set<string>();

      expect(statements.filter((s) => s.effect === 'Allow' && s.inverted)).toEqual([]);
      if (access.table === 'none') {
        expect(dynamodb).toEqual([]);
        expect(kms).toEqual([]);
      }
      if (access.table === 'read') {
        expect(dynamodb).toEqual(expect.arrayContaining(['dynamodb:getitem', 'dynamodb:query']));
        expect(dynamodb.filter((a) => !DYNAMODB_READ.has(a) && !stream.has(a))).toEqual([]);
        expect(kms.filter((a) => !KMS_DECRYPT_ONLY.has(a))).toEqual([]);
      }
      if (access.table === 'write') {
        expect(dynamodb).toEqual(
          expect.arrayContaining(['dynamodb:getitem', 'dynamodb:query', ...DYNAMODB_WRITE]),
        );
        expect(dynamodb.filter((a) => !DYNAMODB_READ_WRITE.has(a) && !stream.has(a))).toEqual([]);
      }
    });

    it.each(accessCases().filter(([, access]) => access.table !== 'none'))(
      '%s reaches only the table, its indexes and the table key',
      (_label, access) => {
        const tableId = dataTable(cfn()).id;
        const keyId = tableKey(cfn()).id;
        const statements = roleStatements(cfn(), roleOf(functionFor(cfn(), access.entry)));
        const dynamodbResources = statementsFor(statements, 'dynamodb').flatMap((s) => s.resources);
        const kmsResources = statementsFor(statements, 'kms').flatMap((s) => s.resources);
        const allowed = (r: unknown) =>
          isTableOrIndexArn(r, tableId) || (access.stream === true && isTableStreamArn(r, tableId));

        expect(dynamodbResources.length).toBeGreaterThan(0);
        expect(dynamodbResources.filter((r) => !allowed(r))).toEqual([]);
        expect(kmsResources.length).toBeGreaterThan(0);
        expect(kmsResources.filter((r) => getAttTarget(r, 'Arn') !== keyId)).toEqual([]);
      },
    );

    it.each(accessCases())('%s is allowed nothing beyond its job', (_label, access) => {
      const fn = functionFor(cfn(), access.entry);
      const allows = roleStatements(cfn(), roleOf(fn)).filter((s) => s.effect === 'Allow');
      const permitted = new Set([
        ...RUNTIME_ACTIONS,
        ...(access.table === 'read' ? [...DYNAMODB_READ, ...KMS_DECRYPT_ONLY] : []),
        ...(access.table === 'write' ? [...DYNAMODB_READ_WRITE, ...KMS_READ_WRITE] : []),
        ...(access.stream ? DYNAMODB_STREAM_READ : []),
        ...(access.failureQueue ? FAILURE_QUEUE_SEND : []),
        ...(access.sms ? ['sns:publish'] : []),
        ...(access.schedules ? ['scheduler:createschedule', 'scheduler:deleteschedule', 'iam:passrole'] : []),
      ]);
      const actions = allows.flatMap((s) => s.actions.map((a) => a.toLowerCase()));

      expect(actions.filter((a) => !permitted.has(a))).toEqual([]);
      const logGroupId = refTarget(fn.props.LoggingConfig?.LogGroup);
      const logResources = statementsFor(allows, 'logs').flatMap((s) => s.resources);
      expect(logResources.length).toBeGreaterThan(0);
      expect(logResources.filter((r) => getAttTarget(r, 'Arn') !== logGroupId)).toEqual([]);
      const queueResources = statementsFor(allows, 'sqs').flatMap((s) => s.resources);
      const ownQueue = access.failureQueue ? failureQueueOf(cfn(), fn.id, access.failureQueue) : undefined;
      expect(queueResources.filter((r) => arnTarget(r) !== ownQueue)).toEqual([]);
    });

    it.each(accessCases())('%s may use * as a resource only where no ARN exists', (_label, access) => {
      const statements = roleStatements(cfn(), roleOf(functionFor(cfn(), access.entry)));
      const onEverything = statements
        .filter((s) => s.effect === 'Allow' && s.resources.includes('*'))
        .flatMap((s) => s.actions.map((a) => a.toLowerCase()));
      const noArn = new Set([
        'xray:puttracesegments',
        'xray:puttelemetryrecords',
        ...(access.sms ? ['sns:publish'] : []),
      ]);

      expect(onEverything.filter((a) => !noArn.has(a))).toEqual([]);
    });

    it('lets only the stream consumer publish SMS, and only to phone numbers: every topic is denied', () => {
      const consumer = functionFor(cfn(), 'messaging/stream');
      const snsByFunction = ownFunctions(cfn()).map((fn) => ({
        fn,
        sns: roleStatements(cfn(), roleOf(fn)).filter((s) =>
          s.actions.some((a) => a === '*' || a.toLowerCase().startsWith('sns:')),
        ),
      }));

      expect(snsByFunction.filter(({ fn, sns }) => fn.id !== consumer.id && sns.length > 0)).toEqual([]);
      const consumerSns = snsByFunction.find(({ fn }) => fn.id === consumer.id)?.sns ?? [];
      expect(
        consumerSns.map((s) => ({
          effect: s.effect,
          actions: s.actions,
          resources: s.resources.map(flatten),
          inverted: s.inverted,
          condition: s.condition,
        })),
      ).toEqual(
        expect.arrayContaining([
          { effect: 'Allow', actions: ['sns:Publish'], resources: ['*'], inverted: false, condition: {} },
          {
            effect: 'Deny',
            actions: ['sns:Publish'],
            resources: ['arn:<AWS::Partition>:sns:*:*:*'],
            inverted: false,
            condition: {},
          },
        ]),
      );
      expect(consumerSns).toHaveLength(2);
    });

    it('attaches no AWS managed policy to any function', () => {
      const managed = ownFunctions(cfn()).flatMap((fn) =>
        externalManagedPolicyArns(cfn(), roleOf(fn)).map((arn) => `${fn.id}: ${JSON.stringify(arn)}`),
      );

      expect(managed).toEqual([]);
    });
  });
});

describe('prod keeps its data', () => {
  const cfn = (): CfnTemplate => synthStack('prod').cfn;

  it('turns deletion protection on for the table and the user pool', () => {
    const replicas = dataTable(cfn()).props.Replicas;

    expect(replicas.length).toBeGreaterThan(0);
    expect(replicas.map((r) => r.DeletionProtectionEnabled)).toEqual(replicas.map(() => true));
    expect(userPool(cfn()).props.DeletionProtection).toBe('ACTIVE');
  });

  it.each([
    ['table', () => dataTable(cfn()).resource],
    ['table key', () => tableKey(cfn()).resource],
    ['user pool', () => userPool(cfn()).resource],
  ])('retains the %s on stack deletion and replacement', (_name, resource) => {
    expect(removalOf(resource())).toEqual({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it.each([
    ['log group', 'AWS::Logs::LogGroup'],
    ['KMS key', 'AWS::KMS::Key'],
  ])('retains every %s', (_name, type) => {
    const resources = resourcesOfType(cfn(), type);

    expect(resources.length).toBeGreaterThan(0);
    expect(resources.filter(([, r]) => removalOf(r).DeletionPolicy !== 'Retain').map(([id]) => id)).toEqual(
      [],
    );
  });
});

describe('dev can be torn down', () => {
  const cfn = (): CfnTemplate => synthStack('dev').cfn;

  it('leaves deletion protection off for the table and the user pool', () => {
    expect(dataTable(cfn()).props.Replicas.filter((r) => r.DeletionProtectionEnabled === true)).toEqual([]);
    expect(userPool(cfn()).props.DeletionProtection ?? 'INACTIVE').toBe('INACTIVE');
  });

  it.each([
    ['table', () => dataTable(cfn()).resource],
    ['table key', () => tableKey(cfn()).resource],
    ['user pool', () => userPool(cfn()).resource],
  ])('deletes the %s with the stack', (_name, resource) => {
    expect(removalOf(resource())).toEqual({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });

  it.each([
    ['log group', 'AWS::Logs::LogGroup'],
    ['KMS key', 'AWS::KMS::Key'],
  ])('deletes every %s with the stack', (_name, type) => {
    const resources = resourcesOfType(cfn(), type);

    expect(resources.length).toBeGreaterThan(0);
    expect(resources.filter(([, r]) => removalOf(r).DeletionPolicy !== 'Delete').map(([id]) => id)).toEqual(
      [],
    );
  });
});

describe.each(STAGES)('the outputs of the %s stack', (stage) => {
  it('name what deploying and operating it needs', () => {
    const outputs = Object.keys(synthStack(stage).cfn.Outputs);

    expect(outputs).toEqual(
      expect.arrayContaining([
        'ApiUrl',
        'UserPoolId',
        'UserPoolClientId',
        'LoginDomainUrl',
        'TableName',
        'InboundSmsTopicArn',
        'AlarmTopicArn',
        'DashboardUrl',
      ]),
    );
  });
});

/** The real CLI synthesis bundles 25+ functions with esbuild: allow it minutes, not seconds. */
const CDK_SYNTH_TIMEOUT_MS = 240_000;

describe('npx cdk synth', () => {
  it(
    'synthesises the dev stack offline with an index.mjs bundle and source map per function',
    async () => {
      const outdir = mkdtempSync(join(tmpdir(), 'pingji-cdk-synth-'));
      try {
        await runCdkSynth('dev', outdir, CDK_SYNTH_TIMEOUT_MS);
        const { template, environment, fileAssets } = readCloudAssembly(outdir, 'dev');
        const functions = ownFunctions(template);

        expect(environment).toBe(`aws://unknown-account/${TEST_REGION}`);
        expect(functions.map((fn) => fn.props.Description)).toEqual(
          expect.arrayContaining(
            [...allRoutes.map((route) => route.fn), ...BACKGROUND_FUNCTIONS.map(([, f]) => f.entry)].map(
              (entry) => `pingji ${entry}`,
            ),
          ),
        );
        const problems: string[] = [];
        for (const fn of functions) {
          const hash = /^([0-9a-f]{64})\.zip$/.exec(String(fn.props.Code?.S3Key))?.[1];
          const dir = hash === undefined ? undefined : fileAssets.get(hash);
          if (dir === undefined) {
            problems.push(`${fn.id}: no file asset for ${String(fn.props.Code?.S3Key)}`);
            continue;
          }
          const bundle = join(dir, 'index.mjs');
          if (!existsSync(bundle)) problems.push(`${fn.id}: no index.mjs in ${dir}`);
          else if (!readFileSync(bundle, 'utf8').includes('//# sourceMappingURL=index.mjs.map'))
            problems.push(`${fn.id}: index.mjs does not point at its source map`);
          if (!existsSync(join(dir, 'index.mjs.map'))) problems.push(`${fn.id}: no index.mjs.map in ${dir}`);
        }
        expect(problems).toEqual([]);
      } finally {
        rmSync(outdir, { recursive: true, force: true });
      }
    },
    CDK_SYNTH_TIMEOUT_MS + 30_000,
  );
});
