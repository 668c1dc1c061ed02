import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The repository root: the functions, the lock file and the tsconfig live here. */
export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

export type AppFunctionProps = {
  /** Entry under `functions/`, without `.ts`: `members/create`. */
  entry: string;
  environment?: Record<string, string>;
  timeout?: Duration;
  memorySize?: number;
  logRetention?: RetentionDays;
  description?: string;
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
 * made by esbuild with source maps, JSON logs into a log group with a retention, X-Ray tracing.
 */
export class AppFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
    });
    super(scope, id, {
      entry: join(PROJECT_ROOT, 'functions', `${props.entry}.ts`),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      description: props.description ?? `pingji ${props.entry}`,
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: { ...BASE_ENVIRONMENT, ...props.environment },
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
      },
    });
  }
}
