import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as z from 'zod';
import { PROJECT_ROOT } from '../../../infra/constructs/app-function';
import { PingjiStack, type PingjiStackProps, type Stage } from '../../../infra/pingji-stack';
import { type CfnTemplate, cfnTemplate } from './cfn';

/**
 * The region the tests synthesise for. The table's replica settings need a concrete region; this
 * is the default `infra/app.ts` falls back to.
 */
export const TEST_REGION = 'ap-southeast-1';

/** The AWS China region the China stack's tests synthesise for (Beijing, `aws-cn`). */
export const CHINA_TEST_REGION = 'cn-north-1';

export const STAGES: readonly Stage[] = ['dev', 'prod'];

/** The stack name `infra/app.ts` gives each stage. */
export const stackName = (stage: Stage): string => `Pingji-${stage}`;

export type Synthesised = {
  /** For `hasResourceProperties` and friends. */
  template: Template;
  /** The same template, parsed, for walking references between resources. */
  cfn: CfnTemplate;
};

const cdkJson = z.object({ context: z.record(z.string(), z.unknown()).default({}) });

/** The feature flags in `cdk.json`, so the in-process app synthesises what `cdk synth` does. */
function cdkJsonContext(): Record<string, unknown> {
  return cdkJson.parse(JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8'))).context;
}

/** What a test may set on the stack beyond its stage: the settings `infra/app.ts` reads from context. */
export type StackOptions = Omit<PingjiStackProps, 'stage' | 'env'>;

/**
 * A fresh app holding the stack of a stage, not yet synthesised, with the feature flags of
 * `cdk.json`, bundling skipped (`aws:cdk:bundling-stacks: []`) and no built-in template
 * validation, so synthesising it takes a second instead of running esbuild for every function;
 * the real bundles and the validation are checked by {@link runCdkSynth}.
 */
export function buildApp(
  stage: Stage,
  options: StackOptions = {},
  outdir?: string,
  region: string = TEST_REGION,
): { app: App; stack: PingjiStack } {
  const app = new App({
    ...(outdir ? { outdir } : {}),
    context: { ...cdkJsonContext(), stage, 'aws:cdk:bundling-stacks': [] },
    // CDK's built-in CloudFormation validation loads its schemas for a quarter of a minute in
    // every test file; the real `cdk synth` test runs it.
    builtinCloudFormationValidation: false,
  });
  const stack = new PingjiStack(app, stackName(stage), { ...options, stage, env: { region } });
  return { app, stack };
}

const synthesised = new Map<string, Synthesised>();

/**
 * The stack of a stage (with these options, in this region), synthesised in-process once per test
 * file and reused.
 */
export function synthStack(
  stage: Stage,
  options: StackOptions = {},
  region: string = TEST_REGION,
): Synthesised {
  const cacheKey = JSON.stringify([stage, options, region]);
  const cached = synthesised.get(cacheKey);
  if (cached) return cached;
  const outdir = mkdtempSync(join(tmpdir(), 'pingji-infra-test-'));
  try {
    const { stack } = buildApp(stage, options, outdir, region);
    const template = Template.fromStack(stack);
    const result = { template, cfn: cfnTemplate.parse(template.toJSON()) };
    synthesised.set(cacheKey, result);
    return result;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const run = promisify(execFile);

/** Left to the CLI to decide, as on a developer's machine with no AWS account configured. */
const CREDENTIALS_AND_TARGET = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'CDK_DEFAULT_ACCOUNT',
  'CDK_DEFAULT_REGION',
  'AWS_DEFAULT_REGION',
];

/**
 * Runs the real `npx cdk synth` for a stage into `outdir`, bundling every function with esbuild.
 * Offline: no lookups, no notices, no telemetry, no credentials, no instance metadata.
 */
export async function runCdkSynth(
  stage: Stage,
  outdir: string,
  timeoutMs: number,
  context: Record<string, string> = {},
): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_REGION: TEST_REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    CDK_DISABLE_VERSION_CHECK: 'true',
  };
  for (const name of CREDENTIALS_AND_TARGET) {
    delete env[name];
  }
  const contextArgs = Object.entries({ ...context, stage }).flatMap(([key, value]) => [
    '-c',
    `${key}=${value}`,
  ]);
  await run(
    'npx',
    ['cdk', 'synth', '--quiet', '--no-notices', '--no-lookups', ...contextArgs, '-o', outdir],
    {
      cwd: PROJECT_ROOT,
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
      env,
    },
  );
}

const manifest = z.object({
  artifacts: z.record(
    z.string(),
    z.object({
      type: z.string(),
      environment: z.string().optional(),
      properties: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});
const stackProperties = z.object({ templateFile: z.string() });
const assetManifestProperties = z.object({ file: z.string() });
const assetManifest = z.object({
  files: z.record(z.string(), z.object({ source: z.object({ path: z.string().optional() }) })).default({}),
});

export type CloudAssembly = {
  /** The stack's template as the CLI wrote it. */
  template: CfnTemplate;
  /** Where the stack deploys: `aws://<account or unknown-account>/<region>`. */
  environment: string | undefined;
  /** File assets of the stack: asset hash → the directory the CLI staged it in. */
  fileAssets: Map<string, string>;
};

/** Reads a stage's stack template and file assets from a cloud assembly written by `cdk synth`. */
export function readCloudAssembly(outdir: string, stage: Stage): CloudAssembly {
  const readJson = (file: string): unknown => JSON.parse(readFileSync(join(outdir, file), 'utf8'));
  const { artifacts } = manifest.parse(readJson('manifest.json'));
  const stack = artifacts[stackName(stage)];
  if (stack?.type !== 'aws:cloudformation:stack')
    throw new Error(`no stack ${stackName(stage)} in ${outdir}`);
  const template = cfnTemplate.parse(readJson(stackProperties.parse(stack.properties).templateFile));
  const fileAssets = new Map<string, string>();
  for (const artifact of Object.values(artifacts)) {
    if (artifact.type !== 'cdk:asset-manifest') continue;
    const { files } = assetManifest.parse(readJson(assetManifestProperties.parse(artifact.properties).file));
    for (const [hash, asset] of Object.entries(files)) {
      if (asset.source.path !== undefined) fileAssets.set(hash, join(outdir, asset.source.path));
    }
  }
  return { template, environment: stack.environment, fileAssets };
}
