import * as z from 'zod';

/**
 * Typed walking of a synthesised CloudFormation template: resources by type, the targets of
 * `Ref` and `Fn::GetAtt`, Lambda functions and the IAM statements that reach a role. Templates
 * are parsed with zod, so tests read checked shapes instead of casting JSON.
 */

const cfnResource = z.object({
  Type: z.string(),
  Properties: z.record(z.string(), z.unknown()).default({}),
  DeletionPolicy: z.string().optional(),
  UpdateReplacePolicy: z.string().optional(),
  Metadata: z.record(z.string(), z.unknown()).optional(),
});

const cfnOutput = z.object({ Value: z.unknown(), Description: z.string().optional() });

export const cfnTemplate = z.object({
  Resources: z.record(z.string(), cfnResource),
  Outputs: z.record(z.string(), cfnOutput).default({}),
});

export type CfnResource = z.infer<typeof cfnResource>;
export type CfnTemplate = z.infer<typeof cfnTemplate>;

const ref = z.object({ Ref: z.string() }).strict();
const getAtt = z.object({ 'Fn::GetAtt': z.tuple([z.string(), z.string()]) }).strict();
const join = z.object({ 'Fn::Join': z.tuple([z.string(), z.array(z.unknown())]) }).strict();

/** The logical id a `{ Ref }` points at; undefined for anything else. */
export function refTarget(value: unknown): string | undefined {
  const parsed = ref.safeParse(value);
  return parsed.success ? parsed.data.Ref : undefined;
}

/** The logical id of a `{ "Fn::GetAtt": [id, attribute] }`; undefined for anything else. */
export function getAttTarget(value: unknown, attribute: string): string | undefined {
  const parsed = getAtt.safeParse(value);
  if (!parsed.success) return undefined;
  const [id, att] = parsed.data['Fn::GetAtt'];
  return att === attribute ? id : undefined;
}

/** The parts of a `{ "Fn::Join": ["", parts] }`; undefined for any other value or separator. */
export function joinParts(value: unknown): unknown[] | undefined {
  const parsed = join.safeParse(value);
  if (!parsed.success) return undefined;
  const [separator, parts] = parsed.data['Fn::Join'];
  return separator === '' ? parts : undefined;
}

/** Every resource of a type, as `[logicalId, resource]`. */
export function resourcesOfType(cfn: CfnTemplate, type: string): Array<[string, CfnResource]> {
  return Object.entries(cfn.Resources).filter(([, resource]) => resource.Type === type);
}

/** The resource with this logical id; throws when it is missing or of another type. */
export function resourceOf(cfn: CfnTemplate, id: string | undefined, type: string): CfnResource {
  const resource = id === undefined ? undefined : cfn.Resources[id];
  if (!resource || resource.Type !== type) throw new Error(`expected ${String(id)} to be a ${type}`);
  return resource;
}

export const lambdaFunctionProps = z.object({
  Runtime: z.string().optional(),
  Handler: z.string().optional(),
  Architectures: z.array(z.string()).optional(),
  Description: z.unknown().optional(),
  Role: z.unknown(),
  Environment: z.object({ Variables: z.record(z.string(), z.unknown()).default({}) }).optional(),
  LoggingConfig: z.object({ LogGroup: z.unknown().optional() }).optional(),
  Code: z.object({ S3Key: z.unknown().optional() }).optional(),
  Timeout: z.number().optional(),
  MemorySize: z.number().optional(),
  ReservedConcurrentExecutions: z.number().optional(),
  TracingConfig: z.object({ Mode: z.string().optional() }).optional(),
});

export type LambdaFunction = { id: string; props: z.infer<typeof lambdaFunctionProps> };

/** An `AWS::Lambda::Permission`: who may invoke a function, from where. */
export const permissionProps = z.object({
  Action: z.string(),
  FunctionName: z.unknown(),
  Principal: z.string(),
  SourceArn: z.unknown().optional(),
});

/** An `AWS::Lambda::EventInvokeConfig`: retries and the destination of asynchronous invocations. */
export const eventInvokeConfigProps = z.object({
  FunctionName: z.unknown(),
  MaximumRetryAttempts: z.number().optional(),
  DestinationConfig: z.object({ OnFailure: z.object({ Destination: z.unknown() }).optional() }).optional(),
});

/**
 * Functions CDK adds on its own behalf (custom-resource providers, log-retention and other
 * singletons) carry a UUID slug or a provider name in their logical id. They are not built with
 * AppFunction, so the service's conventions do not apply to them.
 */
const FRAMEWORK_FUNCTION_ID =
  /[0-9a-f]{32}|^Custom.*CustomResourceProvider|framework(onEvent|onTimeout|isComplete)/i;

/** Every Lambda function in the template. */
export function lambdaFunctions(cfn: CfnTemplate): LambdaFunction[] {
  return resourcesOfType(cfn, 'AWS::Lambda::Function').map(([id, resource]) => ({
    id,
    props: lambdaFunctionProps.parse(resource.Properties),
  }));
}

/** The service's own functions: every Lambda function but those CDK adds for itself. */
export function ownFunctions(cfn: CfnTemplate): LambdaFunction[] {
  return lambdaFunctions(cfn).filter((fn) => !FRAMEWORK_FUNCTION_ID.test(fn.id));
}

const statement = z.object({
  Sid: z.string().optional(),
  Effect: z.enum(['Allow', 'Deny']),
  Principal: z.unknown().optional(),
  Action: z.union([z.string(), z.array(z.string())]).optional(),
  NotAction: z.unknown().optional(),
  Resource: z.unknown().optional(),
  NotResource: z.unknown().optional(),
  Condition: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});
const policyDocument = z.object({ Statement: z.array(statement) });
const attachedPolicy = z.object({ PolicyDocument: policyDocument, Roles: z.array(z.unknown()).default([]) });
const roleProps = z.object({
  Policies: z.array(z.object({ PolicyDocument: policyDocument })).default([]),
  ManagedPolicyArns: z.array(z.unknown()).default([]),
});

export type PolicyStatement = {
  sid: string | undefined;
  effect: 'Allow' | 'Deny';
  /** For resource policies (topic, queue, key): who the statement is about. */
  principal: unknown;
  actions: string[];
  resources: unknown[];
  /** `NotAction` or `NotResource`: grants everything but a list, which no function here needs. */
  inverted: boolean;
  /** Operator → key → value, as written. */
  condition: Record<string, Record<string, unknown>>;
};

const asList = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function statementsOf(document: z.infer<typeof policyDocument>): PolicyStatement[] {
  return document.Statement.map((s) => ({
    sid: s.Sid,
    effect: s.Effect,
    principal: s.Principal,
    actions: s.Action === undefined ? [] : typeof s.Action === 'string' ? [s.Action] : s.Action,
    resources: asList(s.Resource),
    inverted: s.NotAction !== undefined || s.NotResource !== undefined,
    condition: s.Condition ?? {},
  }));
}

/** The statements of a policy document (a topic, queue or key policy, or an IAM policy). */
export function policyStatements(document: unknown): PolicyStatement[] {
  return statementsOf(policyDocument.parse(document));
}

/** The statements of one IAM policy resource (`AWS::IAM::Policy`), and the roles it is attached to. */
export function iamPolicy(cfn: CfnTemplate, id: string): { statements: PolicyStatement[]; roles: unknown[] } {
  const policy = attachedPolicy.parse(resourceOf(cfn, id, 'AWS::IAM::Policy').Properties);
  return { statements: statementsOf(policy.PolicyDocument), roles: policy.Roles };
}

/**
 * Every statement that reaches a role from this template: its inline policies, the
 * `AWS::IAM::Policy` resources attached to it and the customer managed policies it holds.
 */
export function roleStatements(cfn: CfnTemplate, roleId: string): PolicyStatement[] {
  const role = roleProps.parse(resourceOf(cfn, roleId, 'AWS::IAM::Role').Properties);
  const heldManaged = new Set(role.ManagedPolicyArns.map(refTarget));
  const attached = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].flatMap((type) =>
    resourcesOfType(cfn, type)
      .map(([id, resource]) => ({ id, policy: attachedPolicy.parse(resource.Properties) }))
      .filter(({ id, policy }) => heldManaged.has(id) || policy.Roles.some((r) => refTarget(r) === roleId))
      .map(({ policy }) => policy.PolicyDocument),
  );
  return [...role.Policies.map((p) => p.PolicyDocument), ...attached].flatMap(statementsOf);
}

/** The ARNs of the managed policies a role holds that are not defined in this template. */
export function externalManagedPolicyArns(cfn: CfnTemplate, roleId: string): unknown[] {
  const role = roleProps.parse(resourceOf(cfn, roleId, 'AWS::IAM::Role').Properties);
  return role.ManagedPolicyArns.filter((arn) => {
    const target = refTarget(arn);
    return target === undefined || cfn.Resources[target]?.Type !== 'AWS::IAM::ManagedPolicy';
  });
}

/** The actions, lower-cased, that grant anything in `service` (`dynamodb`, `kms`), wildcards included. */
export function actionsFor(statements: PolicyStatement[], service: string): string[] {
  return statements
    .filter((s) => s.effect === 'Allow')
    .flatMap((s) => s.actions.map((a) => a.toLowerCase()))
    .filter((a) => a === '*' || a.startsWith(`${service}:`));
}

/** The Allow statements that grant anything in `service`. */
export function statementsFor(statements: PolicyStatement[], service: string): PolicyStatement[] {
  return statements.filter((s) => s.effect === 'Allow' && actionsFor([s], service).length > 0);
}

/**
 * A string value with its references written out as cdk-nag writes them, `<Ref>` and
 * `<Id.Attribute>`: a plain string as it is, a `Ref`, a `Fn::GetAtt`, or an `Fn::Join` of those.
 * Undefined for anything else.
 */
export function flatten(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const target = refTarget(value);
  if (target !== undefined) return `<${target}>`;
  const att = getAtt.safeParse(value);
  if (att.success) return `<${att.data['Fn::GetAtt'].join('.')}>`;
  const parsed = join.safeParse(value);
  if (!parsed.success) return undefined;
  const [separator, parts] = parsed.data['Fn::Join'];
  const flat = parts.map(flatten);
  return flat.every((part): part is string => part !== undefined) ? flat.join(separator) : undefined;
}
