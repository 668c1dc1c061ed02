/**
 * Which of the table's stream records the stream consumer is invoked for, as Lambda event
 * filter patterns. The CDK stack gives them to the event source mapping; the local stream poller
 * applies them the same way, so counter updates, audit entries, inbound records and the rest of
 * the table's writes never invoke the consumer anywhere.
 */

/** A Lambda event filter pattern: nested fields, each leaf the list of values it may take. */
export type FilterPattern = { readonly [field: string]: FilterPattern | readonly string[] };

export const STREAM_CONSUMER_FILTERS: readonly FilterPattern[] = [
  // Items that carry an outbox: draftees, and loose replies to phones on no call-out.
  { dynamodb: { NewImage: { type: { S: ['draftee', 'sms'] } } } },
  // A new plan: its people become draftees.
  { eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['plan'] } } } },
  // An open activation stood down: its draftees are closed.
  {
    eventName: ['MODIFY'],
    dynamodb: {
      NewImage: { type: { S: ['activation'] }, status: { S: ['stoodDown'] } },
      OldImage: { status: { S: ['active'] } },
    },
  },
  // A whistle closed (resolved or cancelled): it is counted in the rankings.
  {
    eventName: ['MODIFY'],
    dynamodb: {
      NewImage: { type: { S: ['whistle'] }, status: { S: ['resolved', 'cancelled'] } },
      OldImage: { status: { S: ['open', 'filled'] } },
    },
  },
];

function matches(pattern: FilterPattern | readonly string[], value: unknown): boolean {
  if (Array.isArray(pattern)) return pattern.some((allowed) => allowed === value);
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(pattern).every(([field, sub]) => matches(sub, Reflect.get(value, field)));
}

/** Whether a Lambda stream record passes any of the filters (exact-value patterns only). */
export function passesFilters(
  record: unknown,
  filters: readonly FilterPattern[] = STREAM_CONSUMER_FILTERS,
): boolean {
  return filters.some((pattern) => matches(pattern, record));
}
