import { join } from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct, IConstruct } from 'constructs';
import { inChina } from '../partition';

/** The repository root: the functions, the lock file and the tsconfig live here. */
export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

/** The runtime every function runs on: the one the tests run on, not whatever is newest. */
export const RUNTIME = Runtime.NODEJS_22_X;

export type AppFunctionProps = {
  /** Entry under `functions/`, without `.ts`: `members/create`. */
  entry: string;
  environment?: Record<string, string>;
  timeout?: Duration;
  memorySize?: number;
  logRetention?: RetentionDays;
  description?: string;
  /** Shell commands that put more files into the bundle directory after esbuild has written it. */
  afterBundling?: (outputDir: string) => string[];
} & Pick<NodejsFunctionProps, 'reservedConcurrentExecutions'>;

/** Variables every function gets; a function's own are merged over them, never in place of them. */
const BASE_ENVIRONMENT = {
  NODE_OPTIONS: '--enable-source-maps',
  POWERTOOLS_SERVICE_NAME: 'pingji',
  POWERTOOLS_METRICS_NAMESPACE: 'Pingji',
  POWERTOOLS_LOG_LEVEL: 'INFO',
};

/**
 * Every Lambda of the service, with the defaults in one place: Node.js 22 on ARM64, an ESM bundle
 * made by esbuild with source maps, JSON logs into a log group with a retention, X-Ray tracing
 * (the Powertools tracer records each invocation and its AWS calls),
 * and a role of its own that starts with nothing but writing to that log group and tracing.
 * In the AWS China regions Lambda has no X-Ray integration, so functions there are not traced
 * and their roles hold no X-Ray permission.
 */
export class AppFunction extends NodejsFunction {
  /** The function's own role: whatever a construct grants it, it grants this function alone. */
  readonly serviceRole: Role;
  /** The `functions/` entry this function runs. */
  readonly entryName: string;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
    });
    // Not the CDK default role: that one holds AWSLambdaBasicExecutionRole, which may create log
    // groups and write to every log group in the account. This one writes to its own group only.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `pingji ${props.entry}`,
    });
    logGroup.grantWrite(role);
    const traced = !inChina(scope);
    super(scope, id, {
      entry: join(PROJECT_ROOT, 'functions', `${props.entry}.ts`),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      description: props.description ?? `pingji ${props.entry}`,
      tracing: traced ? Tracing.ACTIVE : Tracing.DISABLED,
      loggingFormat: LoggingFormat.JSON,
      logGroup,
      role,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        ...BASE_ENVIRONMENT,
        // The tracer follows the function: on where Lambda traces, off where there is no X-Ray.
        POWERTOOLS_TRACE_ENABLED: traced ? 'true' : 'false',
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Bundle the SDK too: the versions we test are the versions that run.
        externalModules: [],
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        tsconfig: join(PROJECT_ROOT, 'tsconfig.json'),
        ...(props.afterBundling
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (_inputDir: string, outputDir: string) =>
                  props.afterBundling?.(outputDir) ?? [],
              },
            }
          : {}),
      },
    });
    this.serviceRole = role;
    this.entryName = props.entry;

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to nodejs22.x on purpose: the bundles target node22 and the test suite runs on Node 22; ' +
        'the runtime moves when the project moves, not when Lambda ships a newer one.',
    });
    if (traced)
      this.acknowledgeOnPolicy({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level ' +
          'permissions. Every other statement of this policy names its resources (test/infra asserts it).',
      });
  }

  /**
   * Records why a cdk-nag finding on this function's permissions is accepted, on the role's
   * default policy alone (not on the role or the function), so it covers nothing else.
   */
  acknowledgeOnPolicy(...acknowledgements: Array<{ id: string; reason: string }>): void {
    const policy: IConstruct | undefined = this.serviceRole.node.tryFindChild('DefaultPolicy');
    if (!policy) throw new Error(`${this.node.path} has no default policy to acknowledge findings on`);
    Validations.of(policy).acknowledge(...acknowledgements);
  }
}
