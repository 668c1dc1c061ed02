import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  type CfnTemplate,
  flatten,
  getAttTarget,
  resourceOf,
  resourcesOfType,
  roleStatements,
} from './support/cfn';
import { functionFor, roleOf, single } from './support/queries';
import { STAGES, synthStack, TEST_REGION } from './support/synth';

const roleProps = z.object({ AssumeRolePolicyDocument: z.object({ Statement: z.array(z.unknown()) }) });

/** The role whose trust policy lets EventBridge Scheduler assume it. */
function schedulerRole(cfn: CfnTemplate): string {
  const roles = resourcesOfType(cfn, 'AWS::IAM::Role').filter(([, r]) =>
    JSON.stringify(roleProps.parse(r.Properties).AssumeRolePolicyDocument).includes(
      'scheduler.amazonaws.com',
    ),
  );
  return single(roles, 'role EventBridge Scheduler assumes')[0];
}

const allowed = (cfn: CfnTemplate, roleId: string, service: string) =>
  roleStatements(cfn, roleId).filter(
    (s) => s.effect === 'Allow' && s.actions.some((a) => a.toLowerCase().startsWith(`${service}:`)),
  );

describe.each(STAGES)('scheduled drills in the %s stack', (stage) => {
  const cfn = (): CfnTemplate => synthStack(stage).cfn;

  it('have a schedule group of their own', () => {
    const groups = resourcesOfType(cfn(), 'AWS::Scheduler::ScheduleGroup');

    expect(single(groups, 'schedule group')[1].Properties).toMatchObject({ Name: `pingji-${stage}-drills` });
  });

  it('let the scheduler role invoke the scheduled-drill function and nothing else', () => {
    const role = schedulerRole(cfn());
    const fn = functionFor(cfn(), 'timers/scheduled-drill');
    const statements = roleStatements(cfn(), role).filter((s) => s.effect === 'Allow');
    const trust = roleProps.parse(resourceOf(cfn(), role, 'AWS::IAM::Role').Properties);

    expect(statements).toHaveLength(1);
    expect(statements[0]?.actions).toEqual(['lambda:InvokeFunction']);
    expect(statements[0]?.resources.map((r) => getAttTarget(r, 'Arn'))).toEqual([fn.id]);
    expect(JSON.stringify(trust.AssumeRolePolicyDocument)).toContain('aws:SourceAccount');
  });

  it('let the create and cancel functions manage schedules of that group only, and pass only that role', () => {
    for (const entry of ['schedules/create', 'schedules/cancel']) {
      const role = roleOf(functionFor(cfn(), entry));
      const scheduler = allowed(cfn(), role, 'scheduler');
      const pass = allowed(cfn(), role, 'iam');

      expect(scheduler.flatMap((s) => s.actions).sort()).toEqual([
        'scheduler:CreateSchedule',
        'scheduler:DeleteSchedule',
      ]);
      expect(scheduler.flatMap((s) => s.resources).map(flatten)).toEqual([
        `arn:<AWS::Partition>:scheduler:${TEST_REGION}:<AWS::AccountId>:schedule/pingji-${stage}-drills/*`,
      ]);
      expect(pass.flatMap((s) => s.actions)).toEqual(['iam:PassRole']);
      expect(pass.flatMap((s) => s.resources).map((r) => getAttTarget(r, 'Arn'))).toEqual([
        schedulerRole(cfn()),
      ]);
      expect(pass[0]?.condition).toEqual({
        StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
      });
    }
  });

  it('give no other function any scheduler or PassRole permission', () => {
    const others = resourcesOfType(cfn(), 'AWS::Lambda::Function')
      .map(([id]) => id)
      .filter(
        (id) =>
          id !== functionFor(cfn(), 'schedules/create').id &&
          id !== functionFor(cfn(), 'schedules/cancel').id,
      );
    const fnProps = z.object({ Role: z.unknown() });
    for (const id of others) {
      const roleId = getAttTarget(
        fnProps.parse(resourceOf(cfn(), id, 'AWS::Lambda::Function').Properties).Role,
        'Arn',
      );
      if (!roleId) continue;
      expect(allowed(cfn(), roleId, 'scheduler'), id).toEqual([]);
      expect(allowed(cfn(), roleId, 'iam'), id).toEqual([]);
    }
  });

  it('tell the create function where to point each schedule', () => {
    const variables = functionFor(cfn(), 'schedules/create').props.Environment?.Variables ?? {};

    expect(variables.PINGJI_DRILL_SCHEDULER).toBe('eventbridge');
    expect(variables.PINGJI_SCHEDULE_GROUP).toBe(`pingji-${stage}-drills`);
    expect(getAttTarget(variables.PINGJI_SCHEDULED_DRILL_ARN, 'Arn')).toBe(
      functionFor(cfn(), 'timers/scheduled-drill').id,
    );
    expect(getAttTarget(variables.PINGJI_SCHEDULER_ROLE_ARN, 'Arn')).toBe(schedulerRole(cfn()));
  });
});
