import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { type CheckpointStore, MemoryCheckpoints, StreamPoller } from '../../../local/stream-poller';
import { DynamoActivationRepository } from '../../../shared/adapters/activation-repository';
import { systemClock } from '../../../shared/adapters/clock';
import { DynamoDrafteeRepository } from '../../../shared/adapters/draftee-repository';
import { DynamoMemberRepository } from '../../../shared/adapters/member-repository';
import {
  type OutgoingSms,
  type SentSms,
  type SmsGateway,
  SmsRejectedError,
  SmsThrottledError,
} from '../../../shared/adapters/sms-gateway';
import { DynamoOutbox } from '../../../shared/outbox/dynamo-outbox';
import { STREAM_CONSUMER_FILTERS } from '../../../shared/stream-filters';
import { type DispatchPorts, makeDispatcher, type StreamChange } from '../../../shared/use-cases/dispatch';

/** One SMS that reached a phone, as the phone network saw it. */
export type Delivery = OutgoingSms & { at: number; messageId: string };

/**
 * The phone network as the tests see it: every SMS that left, duplicates included, whichever
 * consumer ("process") handed it over. Gateways are the processes' connections to it.
 */
export class PhoneNetwork {
  readonly deliveries: Delivery[] = [];
  private next = 0;

  deliver(sms: OutgoingSms): SentSms {
    const messageId = `net-${++this.next}`;
    this.deliveries.push({ ...sms, at: Date.now(), messageId });
    return { messageId, delivered: true };
  }

  /** How many times each message (by its dedupe key) reached a phone. */
  sendsByKey(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const d of this.deliveries) counts.set(d.dedupeKey, (counts.get(d.dedupeKey) ?? 0) + 1);
    return counts;
  }

  deliveriesTo(phone: string): Delivery[] {
    return this.deliveries.filter((d) => d.to === phone);
  }
}

export type GatewayOptions = {
  /** Whether the gateway can say if a message already left (`truthful`) or cannot (`unknown`, like SNS). */
  wasSent?: 'truthful' | 'unknown';
  /** Called before each hand-over; throwing refuses the message, as a real network would. */
  refuse?: (sms: OutgoingSms) => void;
};

/** A gateway into the test's phone network that records what it is asked and what it does. */
export class TestGateway implements SmsGateway {
  /** Every call to `send`, with when it was made, refused ones included. */
  readonly calls: { sms: OutgoingSms; at: number }[] = [];

  constructor(
    protected readonly network: PhoneNetwork,
    private readonly options: GatewayOptions = {},
  ) {}

  async send(sms: OutgoingSms): Promise<SentSms> {
    this.calls.push({ sms, at: Date.now() });
    this.options.refuse?.(sms);
    return this.network.deliver(sms);
  }

  async wasSent(dedupeKey: string): Promise<'yes' | 'no' | 'unknown'> {
    if (this.options.wasSent === 'unknown') return 'unknown';
    return this.network.deliveries.some((d) => d.dedupeKey === dedupeKey) ? 'yes' : 'no';
  }
}

/**
 * A gateway whose process dies: the first `survive` messages go out, then every call hangs
 * for good (the process is gone mid-send). `kill()` ends the hung calls so that the dead
 * process's poller can be stopped; nothing they asked for ever reaches a phone.
 */
export class DyingGateway extends TestGateway {
  private readonly hung: ((error: Error) => void)[] = [];
  private dead = false;
  private sent = 0;

  constructor(
    network: PhoneNetwork,
    private readonly survive: number,
  ) {
    super(network);
  }

  /** How many calls are hanging. */
  get hanging(): number {
    return this.hung.length;
  }

  override async send(sms: OutgoingSms): Promise<SentSms> {
    if (this.dead) throw new SmsRejectedError('process is dead', 'dead');
    if (this.sent < this.survive) {
      this.sent++;
      return super.send(sms);
    }
    return new Promise<SentSms>((_, reject) => this.hung.push(reject));
  }

  kill(): void {
    this.dead = true;
    for (const reject of this.hung.splice(0)) reject(new SmsRejectedError('process is dead', 'dead'));
  }
}

/** A refusal that throttles a share of the calls, the same ones for the same seed. */
export function throttleShare(share: number, seed: number): (sms: OutgoingSms) => void {
  const rng = xoroshiro128plus(seed);
  return () => {
    if (uniformInt(rng, 0, 999) < share * 1000) throw new SmsThrottledError('busy');
  };
}

/** A refusal of one number for good, the way a carrier refuses a bad number. */
export function rejectNumber(phone: string, reason: string): (sms: OutgoingSms) => void {
  return (sms) => {
    if (sms.to === phone) throw new SmsRejectedError(`refused ${phone}`, reason);
  };
}

/**
 * A document client that can be killed: once dead, every request fails before it leaves, as
 * when the process holding it is gone.
 */
export function killableDocumentClient(endpoint: string): { doc: DynamoDBDocumentClient; kill(): void } {
  const client = new DynamoDBClient({ endpoint });
  let dead = false;
  client.middlewareStack.add(
    (next) => async (args) => {
      if (dead) throw new Error('process is dead');
      return next(args);
    },
    { step: 'initialize', name: 'killSwitch' },
  );
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return {
    doc,
    kill() {
      dead = true;
    },
  };
}

export type ConsumerOptions = {
  tableName: string;
  endpoint: string;
  sms: SmsGateway;
  rate: number;
  leaseSeconds?: number;
  groupSize?: number;
  maxAttempts?: number;
  /** Where the stream was read up to; share one between a dead consumer and its successor. */
  checkpoints?: CheckpointStore;
};

/** One stream consumer "process": its own clients, dispatcher and poller. */
export type TestConsumer = {
  poller: StreamPoller;
  checkpoints: CheckpointStore;
  /** Batches the handler was given, and how many of them it failed. */
  invocations: { records: number; failed: boolean }[];
  /** Waits until the poller has read everything written before the call. */
  caughtUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  /** The process dies: its table client fails every request from now on. */
  kill(): void;
};

/**
 * Starts a stream consumer over the test table, wired like `functions/messaging/stream.ts` but
 * with the test's gateway and settings.
 */
export async function startConsumer(options: ConsumerOptions): Promise<TestConsumer> {
  const { doc, kill } = killableDocumentClient(options.endpoint);
  const ports: DispatchPorts = {
    activations: new DynamoActivationRepository(doc, options.tableName),
    members: new DynamoMemberRepository(doc, options.tableName),
    draftees: new DynamoDrafteeRepository(doc, options.tableName),
    outbox: new DynamoOutbox(doc, options.tableName),
    clock: systemClock,
    sms: options.sms,
    rate: options.rate,
    ...(options.leaseSeconds === undefined ? {} : { leaseSeconds: options.leaseSeconds }),
    ...(options.groupSize === undefined ? {} : { groupSize: options.groupSize }),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  };
  const dispatcher = makeDispatcher(ports);
  const invocations: TestConsumer['invocations'] = [];
  const image = (i: Record<string, unknown> | undefined) =>
    i ? unmarshall(i as Record<string, AttributeValue>) : undefined;
  const handler = async (event: DynamoDBStreamEvent, context: { getRemainingTimeInMillis(): number }) => {
    const changes: StreamChange[] = event.Records.map((record, index) => ({
      index,
      eventName: record.eventName ?? 'MODIFY',
      newImage: image(record.dynamodb?.NewImage),
      oldImage: image(record.dynamodb?.OldImage),
    }));
    const { failedAt } = await dispatcher.handle(changes, () => context.getRemainingTimeInMillis());
    invocations.push({ records: changes.length, failed: failedAt !== undefined });
    const failed = failedAt === undefined ? undefined : event.Records[failedAt]?.dynamodb?.SequenceNumber;
    const response: DynamoDBBatchResponse = { batchItemFailures: failed ? [{ itemIdentifier: failed }] : [] };
    return response;
  };
  const checkpoints = options.checkpoints ?? new MemoryCheckpoints();
  const poller = new StreamPoller({
    tableName: options.tableName,
    endpoint: options.endpoint,
    handler,
    checkpoints,
    idleMs: 50,
    filters: STREAM_CONSUMER_FILTERS,
  });
  await poller.start();
  return {
    poller,
    checkpoints,
    invocations,
    caughtUp: (timeoutMs) => poller.caughtUp(timeoutMs),
    stop: () => poller.stop(),
    kill,
  };
}

/** Runs the test with consumers it starts, and stops them all however it ends. */
export async function withConsumers(run: (started: TestConsumer[]) => Promise<void>): Promise<void> {
  const started: TestConsumer[] = [];
  try {
    await run(started);
  } finally {
    for (const consumer of started) await consumer.stop();
  }
}
