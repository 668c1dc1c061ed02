import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { atExpression } from '../domain/schedule';

/** What the timer hands the scheduled-drill function when a schedule comes due. */
export type ScheduledDrillEvent = { communityId: string; scheduleId: string };

/** Arms and disarms the timer that fires one scheduled drill. */
export interface DrillScheduler {
  arm(schedule: ScheduledDrillEvent & { at: string }): Promise<void>;
  /** Disarms; a timer already gone (fired, or never made) is not an error. */
  disarm(schedule: ScheduledDrillEvent): Promise<void>;
}

/** The schedule's name in its group: one EventBridge schedule per drill. */
export const scheduleName = (scheduleId: string) => `drill-${scheduleId}`;

/**
 * EventBridge Scheduler: one one-time schedule per drill in the service's group, invoking the
 * scheduled-drill function with the role that may invoke only it, and deleting itself after it
 * has run.
 */
export class EventBridgeDrillScheduler implements DrillScheduler {
  constructor(
    private readonly client: SchedulerClient,
    private readonly settings: { groupName: string; targetArn: string; roleArn: string },
  ) {}

  async arm(schedule: ScheduledDrillEvent & { at: string }): Promise<void> {
    const event: ScheduledDrillEvent = { communityId: schedule.communityId, scheduleId: schedule.scheduleId };
    await this.client.send(
      new CreateScheduleCommand({
        Name: scheduleName(schedule.scheduleId),
        GroupName: this.settings.groupName,
        ScheduleExpression: atExpression(schedule.at),
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: this.settings.targetArn,
          RoleArn: this.settings.roleArn,
          Input: JSON.stringify(event),
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 900 },
        },
        ClientToken: schedule.scheduleId,
      }),
    );
  }

  async disarm(schedule: ScheduledDrillEvent): Promise<void> {
    try {
      await this.client.send(
        new DeleteScheduleCommand({
          Name: scheduleName(schedule.scheduleId),
          GroupName: this.settings.groupName,
        }),
      );
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return;
      throw error;
    }
  }
}

/**
 * The local stack's scheduler: nothing to arm, because its timer reads pending schedules from
 * the table's due index.
 */
export const tableDrivenScheduler: DrillScheduler = {
  arm: async () => {},
  disarm: async () => {},
};
