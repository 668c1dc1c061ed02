import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Stage } from '../../infra/pingji-stack';
import { allRoutes, type RouteDef } from '../../shared/http/routes';
import { TABLE } from '../../shared/table';
import {
  actionsFor,
  type CfnResource,
  type CfnTemplate,
  externalManagedPolicyArns,
  getAttTarget,
  joinParts,
  type LambdaFunction,
  lambdaFunctions,
  ownFunctions,
  refTarget,
  resourceOf,
  resourcesOfType,
  roleStatements,
  statementsFor,
} from './support/cfn';
import { readCloudAssembly, runCdkSynth, STAGES, synthStack } from './support/synth';

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

const keySchema = z.array(z.object({ AttributeName: z.string(), KeyType: z.string() }));
const globalTableProps = z.object({
  KeySchema: keySchema,
  AttributeDefinitions: z.array(z.object({ AttributeName: z.string(), AttributeType: z.string() })),
  GlobalSecondaryIndexes: z.array(z.object({ IndexName: z.string(), KeySchema: keySchema })).default([]),
  BillingMode: z.string().optional(),
  StreamSpecification: z.object({ StreamViewType: z.string() }).optional(),
  TimeToLiveSpecification: z.object({ AttributeName: z.string(), Enabled: z.boolean() }).optional(),
  SSESpecification: z.object({ SSEEnabled: z.boolean(), SSEType: z.string().optional() }).optional(),
  Replicas: z.array(
    z.object({
      Region: z.string(),
      DeletionProtectionEnabled: z.boolean().optional(),
      PointInTimeRecoverySpecification: z.object({ PointInTimeRecoveryEnabled: z.boolean() }).optional(),
      SSESpecification: z.object({ KMSMasterKeyId: z.unknown() }).optional(),
    }),
  ),
});
const kmsKeyProps = z.object({ EnableKeyRotation: z.boolean().optional() });
const userPoolProps = z.object({
  AdminCreateUserConfig: z.object({ AllowAdminCreateUserOnly: z.boolean().optional() }).optional(),
  Schema: z
    .array(
      z.object({
        Name: z.string(),
        AttributeDataType: z.string().optional(),
        Mutable: z.boolean().optional(),
      }),
    )
    .default([]),
  DeletionProtection: z.string().optional(),
});
const userPoolClientProps = z.object({
  UserPoolId: z.unknown(),
  WriteAttributes: z.array(z.string()).optional(),
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
const permissionProps = z.object({
  Action: z.string(),
  FunctionName: z.unknown(),
  Principal: z.string(),
  SourceArn: z.unknown().optional(),
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

/** Exactly one element, or a thrown error that says what was looked for and what was found. */
function single<T>(items: T[], what: string): T {
  const [item, ...rest] = items;
  if (item === undefined || rest.length > 0) throw new Error(`expected one ${what}, found ${items.length}`);
  return item;
}

/** The service's table: the global table keyed on `TABLE.partitionKey`. */
function dataTable(cfn: CfnTemplate) {
  const tables = resourcesOfType(cfn, 'AWS::DynamoDB::GlobalTable')
    .map(([id, resource]) => ({ id, resource, props: globalTableProps.parse(resource.Properties) }))
    .filter(({ props }) =>
      props.KeySchema.some((k) => k.KeyType === 'HASH' && k.AttributeName === TABLE.partitionKey),
    );
  return single(tables, `table with partition key ${TABLE.partitionKey}`);
}

/** The KMS key every replica of the table is encrypted with. */
function tableKey(cfn: CfnTemplate) {
  const { props } = dataTable(cfn);
  const ids = props.Replicas.map((r) => getAttTarget(r.SSESpecification?.KMSMasterKeyId, 'Arn'));
  const keyIds = ids.filter((id): id is string => id !== undefined);
  if (keyIds.length === 0 || keyIds.length < ids.length) {
    throw new Error('some table replica is not encrypted with a KMS key of this stack');
  }
  const id = single([...new Set(keyIds)], 'KMS key across the table replicas');
  return { id, resource: resourceOf(cfn, id, 'AWS::KMS::Key') };
}

/** The user pool: the one that defines the `communities` attribute the API reads. */
function userPool(cfn: CfnTemplate) {
  const pools = resourcesOfType(cfn, 'AWS::Cognito::UserPool')
    .map(([id, resource]) => ({ id, resource, props: userPoolProps.parse(resource.Properties) }))
    .filter(({ props }) => props.Schema.some((a) => a.Name === 'communities'));
  return single(pools, 'user pool with a communities attribute');
}

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

/** The function `AppFunction` built for a route: its description is `pingji <fn>`. */
function functionFor(cfn: CfnTemplate, route: RouteDef): LambdaFunction {
  return single(
    ownFunctions(cfn).filter((fn) => fn.props.Description === `pingji ${route.fn}`),
    `function described 'pingji ${route.fn}'`,
  );
}

/** The logical id of the IAM role a function runs as. */
function roleOf(fn: LambdaFunction): string {
  const roleId = getAttTarget(fn.props.Role, 'Arn');
  if (roleId === undefined) throw new Error(`${fn.id} does not run as a role of this stack`);
  return roleId;
}

/** The table's ARN or one of its index ARNs, and nothing wider. */
function isTableOrIndexArn(resource: unknown, tableId: string): boolean {
  if (getAttTarget(resource, 'Arn') === tableId) return true;
  const parts = joinParts(resource);
  if (parts?.length !== 2) return false;
  const [arn, suffix] = parts;
  return (
    getAttTarget(arn, 'Arn') === tableId && typeof suffix === 'string' && /^\/index\/[^/]+$/.test(suffix)
  );
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
        expect(fnId).toBe(functionFor(cfn(), route).id);
        const invokers = resourcesOfType(cfn(), 'AWS::Lambda::Permission')
          .map(([, resource]) => permissionProps.parse(resource.Properties))
          .filter((p) => getAttTarget(p.FunctionName, 'Arn') === fnId || refTarget(p.FunctionName) === fnId)
          .filter((p) => p.Action === 'lambda:InvokeFunction' && p.Principal === 'apigateway.amazonaws.com')
          .filter((p) => (joinParts(p.SourceArn) ?? []).some((part) => refTarget(part) === apiId));
        expect(invokers.length).toBeGreaterThan(0);
      },
    );

    it.each(routeCases(allRoutes.filter((route) => routeKeyOf(route) !== 'GET /health')))(
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
  });

  describe('Lambda', () => {
    it('runs every function on Node.js 22 or later', () => {
      const functions = lambdaFunctions(cfn());
      const older = functions.filter(
        (fn) => Number(/^nodejs(\d+)\.x$/.exec(fn.props.Runtime ?? '')?.[1]) < 22,
      );
      const unknown = functions.filter((fn) => !/^nodejs\d+\.x$/.test(fn.props.Runtime ?? ''));

      expect(functions.length).toBeGreaterThan(0);
      expect([...older, ...unknown].map((fn) => `${fn.id}: ${fn.props.Runtime}`)).toEqual([]);
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
    it.each(routeCases(allRoutes, (route) => `${routeKeyOf(route)} [table: ${route.table}]`))(
      '%s has exactly that access to the table',
      (_key, route) => {
        const fn = functionFor(cfn(), route);
        const statements = roleStatements(cfn(), roleOf(fn));
        const dynamodb = actionsFor(statements, 'dynamodb');
        const kms = actionsFor(statements, 'kms');

        expect(statements.filter((s) => s.effect === 'Allow' && s.inverted)).toEqual([]);
        if (route.table === 'none') {
          expect(dynamodb).toEqual([]);
          expect(kms).toEqual([]);
        }
        if (route.table === 'read') {
          expect(dynamodb).toEqual(expect.arrayContaining(['dynamodb:getitem', 'dynamodb:query']));
          expect(dynamodb.filter((a) => !DYNAMODB_READ.has(a))).toEqual([]);
          expect(kms.filter((a) => !KMS_DECRYPT_ONLY.has(a))).toEqual([]);
        }
        if (route.table === 'write') {
          expect(dynamodb).toEqual(
            expect.arrayContaining(['dynamodb:getitem', 'dynamodb:query', ...DYNAMODB_WRITE]),
          );
          expect(dynamodb.filter((a) => !DYNAMODB_READ_WRITE.has(a))).toEqual([]);
        }
      },
    );

    it.each(routeCases(allRoutes.filter((route) => route.table !== 'none')))(
      '%s reaches only the table, its indexes and the table key',
      (_key, route) => {
        const tableId = dataTable(cfn()).id;
        const keyId = tableKey(cfn()).id;
        const statements = roleStatements(cfn(), roleOf(functionFor(cfn(), route)));
        const dynamodbResources = statementsFor(statements, 'dynamodb').flatMap((s) => s.resources);
        const kmsResources = statementsFor(statements, 'kms').flatMap((s) => s.resources);

        expect(dynamodbResources.length).toBeGreaterThan(0);
        expect(dynamodbResources.filter((r) => !isTableOrIndexArn(r, tableId))).toEqual([]);
        expect(kmsResources.length).toBeGreaterThan(0);
        expect(kmsResources.filter((r) => getAttTarget(r, 'Arn') !== keyId)).toEqual([]);
      },
    );

    it('attaches no AWS managed policy that reaches data or grants everything', () => {
      const broad = ownFunctions(cfn())
        .flatMap((fn) => externalManagedPolicyArns(cfn(), roleOf(fn)).map((arn) => JSON.stringify(arn)))
        .filter((arn) => /dynamodb|kms|administrator|poweruser|fullaccess/i.test(arn));

      expect(broad).toEqual([]);
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
});

/** The real CLI synthesis bundles 16+ functions with esbuild: allow it minutes, not seconds. */
const CDK_SYNTH_TIMEOUT_MS = 150_000;

describe('npx cdk synth', () => {
  it(
    'synthesises the dev stack offline with an index.mjs bundle and source map per function',
    async () => {
      const outdir = mkdtempSync(join(tmpdir(), 'pingji-cdk-synth-'));
      try {
        await runCdkSynth('dev', outdir, CDK_SYNTH_TIMEOUT_MS);
        const { template, fileAssets } = readCloudAssembly(outdir, 'dev');
        const functions = ownFunctions(template);

        expect(functions.map((fn) => fn.props.Description)).toEqual(
          expect.arrayContaining(allRoutes.map((route) => `pingji ${route.fn}`)),
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
