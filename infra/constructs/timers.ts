import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { AppFunction } from './app-function';
import type { Data } from './data';

export type TimersProps = {
  data: Data;
  /** Variables every function of the service gets (table name, stage, service name). */
  environment: Record<string, string>;
  /** Silent this long after the alert: one reminder. */
  realertAfter?: Duration;
  /** Silent this long after the alert: noResponse, and the team is backfilled from its reserves. */
  noResponseAfter?: Duration;
};

/** How often the sweep runs. */
export const SWEEP_EVERY = Duration.minutes(1);

/**
 * The timers: every minute the sweep chases silence in every open activation (reminders,
 * noResponse, backfill). A run that fails is not retried: the next minute's run does the same
 * work, and every step of it is conditional, so two runs at once are harmless.
 */
export class Timers extends Construct {
  readonly sweep: AppFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: TimersProps) {
    super(scope, id);
    const realertAfter = props.realertAfter ?? Duration.minutes(10);
    const noResponseAfter = props.noResponseAfter ?? Duration.minutes(20);
    if (noResponseAfter.toSeconds() <= realertAfter.toSeconds()) {
      throw new Error('noResponseAfter must be longer than realertAfter');
    }
    this.sweep = new AppFunction(this, 'Sweep', {
      entry: 'timers/sweep',
      environment: {
        ...props.environment,
        PINGJI_REALERT_AFTER_SECONDS: String(realertAfter.toSeconds()),
        PINGJI_NO_RESPONSE_AFTER_SECONDS: String(noResponseAfter.toSeconds()),
      },
      // Longer than the schedule on purpose: a sweep of a very large activation is allowed to
      // finish; a run that overlaps it only finds its conditions already met.
      timeout: Duration.minutes(5),
      memorySize: 1024,
    });
    props.data.grant(this.sweep, 'write');
    this.sweep.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(2) });
    this.rule = new Rule(this, 'EveryMinute', {
      description: 'Pingji sweep: reminders, noResponse and backfill',
      schedule: Schedule.rate(SWEEP_EVERY),
      targets: [new LambdaFunction(this.sweep, { retryAttempts: 2, maxEventAge: Duration.minutes(2) })],
    });
  }
}
