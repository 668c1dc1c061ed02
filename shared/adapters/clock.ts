import { monotonicFactory } from 'ulid';

/** The time, as a port, so tests and timers can move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** New ids for members, activations and messages. */
export interface IdGenerator {
  next(): string;
}

const monotonic = monotonicFactory();

/** Lower-case ULIDs: sortable by creation time and valid slugs. */
export const ulidIds: IdGenerator = { next: () => monotonic().toLowerCase() };
