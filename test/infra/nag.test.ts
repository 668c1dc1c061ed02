import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type PolicyViolation, Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import type { Stage } from '../../infra/pingji-stack';
import { buildApp, CHINA_TEST_REGION, STAGES, type StackOptions, stackName } from './support/synth';

/**
 * cdk-nag 3 is a CDK policy-validation plugin (`Validations.of(app).addPlugins(...)`), not an
 * aspect, and accepted findings are `Validations.of(construct).acknowledge(...)` on the construct
 * that causes them. These tests run the AwsSolutions pack over the synthesised app of each stage
 * and expect every finding, error or warning, to be fixed or acknowledged with a reason.
 */

type Finding = { rule: string; severity: string; path: string };

/** Who answers for a finding: the top-level construct of the stack its resource sits under. */
function ownerOf(path: string, stage: Stage): string {
  const [root, top] = path.split('/');
  if (root !== stackName(stage) || top === undefined) return '(outside the stack)';
  // BucketDeployment's provider function is a stack-level singleton; the console brings it.
  if (top.startsWith('Custom::CDKBucketDeployment')) return 'Console';
  return top;
}

/** The constructs the stack is built from, each the owner of its findings. */
const OWNERS = ['Data', 'Identity', 'Api', 'Messaging', 'Timers', 'Monitoring', 'Console'];

const findingsByStage = new Map<string, Finding[]>();

/** The China stacks: the console on the API (prod, Tencent) and on an ICP-filed domain (dev, Alibaba). */
const CHINA_OPTIONS: Record<Stage, StackOptions> = {
  prod: {
    identity: {
      kind: 'oidc',
      issuer: 'https://idp.example.gov.cn/realms/pingji',
      audiences: ['pingji-console'],
    },
    smsProvider: { provider: 'tencent' },
  },
  dev: {
    identity: {
      kind: 'oidc',
      issuer: 'https://idp.example.gov.cn/realms/pingji',
      audiences: ['pingji-console'],
    },
    smsProvider: { provider: 'aliyun' },
    consoleDomain: { domainName: 'pingji.example.gov.cn', certificateId: 'ASCACKCEVSQ6C2EXAMPLE' },
  },
};

/**
 * Every finding the pack reports and nobody acknowledged, for the app of a stage (synthesised
 * once), in a commercial region or in China.
 */
function unacknowledged(stage: Stage, where: 'commercial' | 'china' = 'commercial'): Finding[] {
  const cacheKey = `${stage}/${where}`;
  const cached = findingsByStage.get(cacheKey);
  if (cached) return cached;
  const outdir = mkdtempSync(join(tmpdir(), 'pingji-nag-'));
  try {
    const { app } =
      where === 'china'
        ? buildApp(
            stage,
            { alarmEmail: 'duty@example.org', ...CHINA_OPTIONS[stage] },
            outdir,
            CHINA_TEST_REGION,
          )
        : buildApp(stage, { alarmEmail: 'duty@example.org' }, outdir);
    // Synthesise first, so aspects (tags, removal policies) have run as they do for `cdk synth`.
    app.synth();
    const findings = flattenViolations(new AwsSolutionsChecks(app).validateScope(app).violations);
    findingsByStage.set(cacheKey, findings);
    return findings;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function flattenViolations(violations: PolicyViolation[]): Finding[] {
  return violations.flatMap((v) =>
    v.violatingResources.map((r) => ({
      rule: v.ruleName,
      severity: v.severity ?? 'error',
      path: r.constructPath ?? '?',
    })),
  );
}

/** Every acknowledgement recorded in a construct tree: where, which rule, and why. */
function acknowledgements(root: IConstruct): Array<{ path: string; rule: string; reason: unknown }> {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data ?? {}))
      .map(([rule, reason]) => ({ path: construct.node.path, rule, reason })),
  );
}

describe('the cdk-nag AwsSolutions pack', () => {
  it('is wired: it reports a queue that allows plain HTTP and has no dead-letter queue', () => {
    const app = new App();
    const stack = new Stack(app, 'NagProbe', { env: { region: 'ap-southeast-1' } });
    new Queue(stack, 'Careless', { enforceSSL: false });

    const rules = flattenViolations(new AwsSolutionsChecks(app).validateScope(app).violations).map(
      (f) => f.rule,
    );

    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });
});

describe.each(STAGES)('cdk-nag AwsSolutions on the %s stack', (stage) => {
  it.each(OWNERS)('%s has no finding left unfixed and unacknowledged', (owner) => {
    const mine = unacknowledged(stage).filter((f) => ownerOf(f.path, stage) === owner);

    expect(mine.map((f) => `${f.severity} ${f.rule} at ${f.path}`)).toEqual([]);
  });

  it('has no finding outside those constructs either', () => {
    const elsewhere = unacknowledged(stage).filter((f) => !OWNERS.includes(ownerOf(f.path, stage)));

    expect(elsewhere.map((f) => `${f.severity} ${f.rule} at ${f.path}`)).toEqual([]);
  });

  it('acknowledges findings on the construct that causes them, never on the app or the stack, each with a reason', () => {
    const { app, stack } = buildApp(stage);
    const acks = acknowledgements(app);

    expect(acks.length).toBeGreaterThan(0);
    expect(acks.filter((a) => a.path === '' || a.path === stack.node.path)).toEqual([]);
    const unexplained = acks.filter((a) => typeof a.reason !== 'string' || a.reason.trim().length < 30);
    expect(unexplained).toEqual([]);
  });

  it('accepts a wildcard resource only on IAM policies, where test/infra checks what it covers', () => {
    const { app } = buildApp(stage);
    const wildcard = acknowledgements(app).filter((a) => a.rule.endsWith('AwsSolutions-IAM5[Resource::*]'));

    expect(wildcard.length).toBeGreaterThan(0);
    expect(
      wildcard.filter((a) => !/\/(DefaultPolicy|SmsToPhoneNumbers)$/.test(a.path)).map((a) => a.path),
    ).toEqual([]);
  });
});

describe.each(STAGES)('cdk-nag AwsSolutions on the %s stack in China', (stage) => {
  it('has no finding left unfixed and unacknowledged', () => {
    expect(unacknowledged(stage, 'china').map((f) => `${f.severity} ${f.rule} at ${f.path}`)).toEqual([]);
  });
});
