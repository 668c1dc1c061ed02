import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  type CfnTemplate,
  eventInvokeConfigProps,
  getAttTarget,
  permissionProps,
  refTarget,
  resourcesOfType,
} from './support/cfn';
import { functionFor, single } from './support/queries';
import { STAGES, synthStack } from './support/synth';

const ruleProps = z.object({
  ScheduleExpression: z.string().optional(),
  State: z.string().optional(),
  Targets: z
    .array(
      z.object({
        Arn: z.unknown(),
        RetryPolicy: z
          .object({
            MaximumRetryAttempts: z.number().optional(),
            MaximumEventAgeInSeconds: z.number().optional(),
          })
          .optional(),
      }),
    )
    .default([]),
});

/** The schedule rules that invoke the sweep. */
function sweepRules(cfn: CfnTemplate) {
  const sweep = functionFor(cfn, 'timers/sweep');
  return resourcesOfType(cfn, 'AWS::Events::Rule')
    .map(([id, r]) => ({ id, props: ruleProps.parse(r.Properties) }))
    .filter(({ props }) => props.Targets.some((t) => getAttTarget(t.Arn, 'Arn') === sweep.id));
}

describe.each(STAGES)('the timers of the %s stack', (stage) => {
  const cfn = (): CfnTemplate => synthStack(stage).cfn;

  it('run the sweep every minute, from one enabled schedule', () => {
    const rule = single(sweepRules(cfn()), 'schedule of the sweep');

    expect(rule.props.ScheduleExpression).toBe('rate(1 minute)');
    expect(rule.props.State ?? 'ENABLED').toBe('ENABLED');
  });

  it('let EventBridge, from that rule only, invoke the sweep', () => {
    const rule = single(sweepRules(cfn()), 'schedule of the sweep');
    const sweep = functionFor(cfn(), 'timers/sweep');
    const invokers = resourcesOfType(cfn(), 'AWS::Lambda::Permission')
      .map(([, r]) => permissionProps.parse(r.Properties))
      .filter(
        (p) => getAttTarget(p.FunctionName, 'Arn') === sweep.id || refTarget(p.FunctionName) === sweep.id,
      );

    expect(invokers).toHaveLength(1);
    expect(invokers[0]).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com' });
    expect(getAttTarget(invokers[0]?.SourceArn, 'Arn')).toBe(rule.id);
  });

  it('give the sweep its reminder and noResponse thresholds, noResponse after the reminder', () => {
    const variables = functionFor(cfn(), 'timers/sweep').props.Environment?.Variables ?? {};

    expect(variables.PINGJI_REALERT_AFTER_SECONDS).toBe('600');
    expect(variables.PINGJI_NO_RESPONSE_AFTER_SECONDS).toBe('1200');
  });

  it('do not retry a failed sweep: the next minute does the same work', () => {
    const sweep = functionFor(cfn(), 'timers/sweep');
    const config = single(
      resourcesOfType(cfn(), 'AWS::Lambda::EventInvokeConfig')
        .map(([, r]) => eventInvokeConfigProps.parse(r.Properties))
        .filter((p) => refTarget(p.FunctionName) === sweep.id),
      'asynchronous invocation settings of the sweep',
    );

    expect(config.MaximumRetryAttempts).toBe(0);
  });
});
