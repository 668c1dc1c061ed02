import * as z from 'zod';
import { TABLE } from '../../../shared/table';
import {
  type CfnTemplate,
  getAttTarget,
  joinParts,
  type LambdaFunction,
  ownFunctions,
  type PolicyStatement,
  policyStatements,
  refTarget,
  resourceOf,
  resourcesOfType,
} from './cfn';

/**
 * Finders for the service's own resources in a synthesised template: the table, its key, the
 * user pool, a function by its entry, a function's role. Each finds by what the resource is (its
 * key schema, its attribute, its description), never by logical id.
 */

/** Exactly one element, or a thrown error that says what was looked for and what was found. */
export function single<T>(items: T[], what: string): T {
  const [item, ...rest] = items;
  if (item === undefined || rest.length > 0) throw new Error(`expected one ${what}, found ${items.length}`);
  return item;
}

const keySchema = z.array(z.object({ AttributeName: z.string(), KeyType: z.string() }));
export const globalTableProps = z.object({
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

export const userPoolProps = z.object({
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
  MfaConfiguration: z.string().optional(),
  EnabledMfas: z.array(z.string()).optional(),
  UserPoolAddOns: z.object({ AdvancedSecurityMode: z.string().optional() }).optional(),
  UserPoolTier: z.string().optional(),
});

/** The service's table: the global table keyed on `TABLE.partitionKey`. */
export function dataTable(cfn: CfnTemplate) {
  const tables = resourcesOfType(cfn, 'AWS::DynamoDB::GlobalTable')
    .map(([id, resource]) => ({ id, resource, props: globalTableProps.parse(resource.Properties) }))
    .filter(({ props }) =>
      props.KeySchema.some((k) => k.KeyType === 'HASH' && k.AttributeName === TABLE.partitionKey),
    );
  return single(tables, `table with partition key ${TABLE.partitionKey}`);
}

/** The KMS key every replica of the table is encrypted with. */
export function tableKey(cfn: CfnTemplate) {
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
export function userPool(cfn: CfnTemplate) {
  const pools = resourcesOfType(cfn, 'AWS::Cognito::UserPool')
    .map(([id, resource]) => ({ id, resource, props: userPoolProps.parse(resource.Properties) }))
    .filter(({ props }) => props.Schema.some((a) => a.Name === 'communities'));
  return single(pools, 'user pool with a communities attribute');
}

/** The function `AppFunction` built for an entry under `functions/`: its description is `pingji <entry>`. */
export function functionFor(cfn: CfnTemplate, entry: string): LambdaFunction {
  return single(
    ownFunctions(cfn).filter((fn) => fn.props.Description === `pingji ${entry}`),
    `function described 'pingji ${entry}'`,
  );
}

/** The logical id of the IAM role a function runs as. */
export function roleOf(fn: LambdaFunction): string {
  const roleId = getAttTarget(fn.props.Role, 'Arn');
  if (roleId === undefined) throw new Error(`${fn.id} does not run as a role of this stack`);
  return roleId;
}

/** The table's ARN or one of its index ARNs, and nothing wider. */
export function isTableOrIndexArn(resource: unknown, tableId: string): boolean {
  if (getAttTarget(resource, 'Arn') === tableId) return true;
  const parts = joinParts(resource);
  if (parts?.length !== 2) return false;
  const [arn, suffix] = parts;
  return (
    getAttTarget(arn, 'Arn') === tableId && typeof suffix === 'string' && /^\/index\/[^/]+$/.test(suffix)
  );
}

/** The table's stream ARN. */
export function isTableStreamArn(resource: unknown, tableId: string): boolean {
  return getAttTarget(resource, 'StreamArn') === tableId;
}

/** The logical id a `{ Ref }` or `{ "Fn::GetAtt": [id, "Arn"] }` points at. */
export function arnTarget(value: unknown): string | undefined {
  return refTarget(value) ?? getAttTarget(value, 'Arn');
}

const queueProps = z.object({
  SqsManagedSseEnabled: z.boolean().optional(),
  KmsMasterKeyId: z.unknown().optional(),
  MessageRetentionPeriod: z.number().optional(),
  RedrivePolicy: z.object({ deadLetterTargetArn: z.unknown(), maxReceiveCount: z.number() }).optional(),
});
const queuePolicyProps = z.object({ Queues: z.array(z.unknown()), PolicyDocument: z.unknown() });
const topicProps = z.object({ KmsMasterKeyId: z.unknown().optional() });
const topicPolicyProps = z.object({ Topics: z.array(z.unknown()), PolicyDocument: z.unknown() });
const keyProps = z.object({ EnableKeyRotation: z.boolean().optional(), KeyPolicy: z.unknown() });

/** An SQS queue of the stack, by logical id. */
export function queue(cfn: CfnTemplate, id: string | undefined) {
  return queueProps.parse(resourceOf(cfn, id, 'AWS::SQS::Queue').Properties);
}

/** Every statement of every queue policy that covers this queue. */
export function queuePolicy(cfn: CfnTemplate, queueId: string): PolicyStatement[] {
  return resourcesOfType(cfn, 'AWS::SQS::QueuePolicy')
    .map(([, r]) => queuePolicyProps.parse(r.Properties))
    .filter((p) => p.Queues.some((q) => refTarget(q) === queueId))
    .flatMap((p) => policyStatements(p.PolicyDocument));
}

/** An SNS topic of the stack, by logical id. */
export function topic(cfn: CfnTemplate, id: string | undefined) {
  return topicProps.parse(resourceOf(cfn, id, 'AWS::SNS::Topic').Properties);
}

/** Every statement of every topic policy that covers this topic. */
export function topicPolicy(cfn: CfnTemplate, topicId: string): PolicyStatement[] {
  return resourcesOfType(cfn, 'AWS::SNS::TopicPolicy')
    .map(([, r]) => topicPolicyProps.parse(r.Properties))
    .filter((p) => p.Topics.some((t) => refTarget(t) === topicId))
    .flatMap((p) => policyStatements(p.PolicyDocument));
}

/** A KMS key of the stack, by logical id, with its key policy's statements. */
export function kmsKey(cfn: CfnTemplate, id: string | undefined) {
  const props = keyProps.parse(resourceOf(cfn, id, 'AWS::KMS::Key').Properties);
  return { rotates: props.EnableKeyRotation === true, statements: policyStatements(props.KeyPolicy) };
}

/** A queue that is encrypted at rest and refuses every request not made over TLS. */
export function isEncryptedTlsOnlyQueue(cfn: CfnTemplate, queueId: string): boolean {
  const props = queue(cfn, queueId);
  const encrypted = props.SqsManagedSseEnabled === true || props.KmsMasterKeyId !== undefined;
  const tlsOnly = queuePolicy(cfn, queueId).some(
    (s) =>
      s.effect === 'Deny' &&
      s.actions.includes('sqs:*') &&
      s.condition.Bool?.['aws:SecureTransport'] === 'false' &&
      s.resources.some((r) => arnTarget(r) === queueId),
  );
  return encrypted && tlsOnly;
}

/** The service principal a resource-policy statement names, if it names exactly one. */
export function servicePrincipal(statement: PolicyStatement): string | undefined {
  const parsed = z.object({ Service: z.string() }).safeParse(statement.principal);
  return parsed.success ? parsed.data.Service : undefined;
}
