import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** How long a failure waits to be looked at: SQS's longest retention. */
const RETENTION = Duration.days(14);

/** Reads of a failure that end without deleting it, before it moves to the dead letters. */
const MAX_RECEIVES = 5;

/**
 * Where work that failed for good is kept for a person to look at: an encrypted queue that only
 * accepts TLS, with its own dead-letter queue, so a message that keeps failing a redrive is not
 * lost either. Monitoring alarms as soon as either holds anything.
 */
export class FailureQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.deadLetters = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: RETENTION,
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: RETENTION,
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: MAX_RECEIVES },
    });
  }

  /** Both queues, for alarms. */
  get queues(): Queue[] {
    return [this.queue, this.deadLetters];
  }
}
