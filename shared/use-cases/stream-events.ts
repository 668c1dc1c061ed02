import type { Item } from '../adapters/dynamo';
import { hasWaitingMessage } from '../outbox/dynamo-outbox';
import type { ItemKey } from '../table';

/** One record of the table's stream, unmarshalled. `index` is its place in the batch. */
export type StreamChange = {
  index: number;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  newImage?: Item | undefined;
  oldImage?: Item | undefined;
};

/** What a stream record means to the consumer. A record may mean nothing, or two things. */
export type StreamEvent =
  /** An activation's plan was written: its people become draftees. */
  | { type: 'planWritten'; index: number; plan: Item }
  /** An open activation was stood down: its draftees are closed. */
  | { type: 'stoodDown'; index: number; activation: Item }
  /** A whistle was resolved or cancelled: it is counted in the rankings. */
  | { type: 'whistleClosed'; index: number; whistleId: string }
  /** An item has a message waiting to be sent. */
  | { type: 'messagePending'; index: number; key: ItemKey };

const CLOSED_WHISTLE = new Set(['resolved', 'cancelled']);
const OPEN_WHISTLE = new Set(['open', 'filled']);

/** A whistle item moving from open or filled to resolved or cancelled. */
function isWhistleClosing(change: StreamChange): boolean {
  return (
    change.eventName === 'MODIFY' &&
    change.newImage?.type === 'whistle' &&
    CLOSED_WHISTLE.has(String(change.newImage.status)) &&
    OPEN_WHISTLE.has(String(change.oldImage?.status))
  );
}

/**
 * Turns stream records into events, in record order. A plan or a stand-down comes before the
 * messages of the same record, which never happens today but keeps the order well defined.
 */
export function eventsOf(changes: readonly StreamChange[], now: number): StreamEvent[] {
  const events: StreamEvent[] = [];
  for (const change of changes) {
    const image = change.newImage;
    if (!image) continue;
    if (change.eventName === 'INSERT' && image.type === 'plan') {
      events.push({ type: 'planWritten', index: change.index, plan: image });
    } else if (
      image.type === 'activation' &&
      image.status === 'stoodDown' &&
      change.oldImage?.status === 'active'
    ) {
      events.push({ type: 'stoodDown', index: change.index, activation: image });
    } else if (isWhistleClosing(change)) {
      events.push({ type: 'whistleClosed', index: change.index, whistleId: String(image.whistleId) });
    }
    if (hasWaitingMessage(image, now))
      events.push({
        type: 'messagePending',
        index: change.index,
        key: { pk: String(image.pk), sk: String(image.sk) },
      });
  }
  return events;
}
