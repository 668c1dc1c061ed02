import { describe, expect, it } from 'vitest';
import { eventsOf, type StreamChange } from '../../../../shared/use-cases/stream-events';

const NOW = Date.parse('2025-11-22T08:00:00.000Z');
const later = new Date(NOW + 60_000).toISOString();
const earlier = new Date(NOW - 1).toISOString();

const message = (state: string, leaseUntil?: string) => ({
  kind: 'alert',
  body: 'x',
  state,
  queuedAt: earlier,
  attempts: 0,
  ...(leaseUntil ? { leaseUntil } : {}),
});
const draftee = (outbox: Record<string, unknown>) => ({
  pk: 'ACT#a1',
  sk: 'MEMBER#m1',
  type: 'draftee',
  outbox,
});

describe('stream records as events', () => {
  it('names a new plan, a stand-down and an item with a message waiting, in record order', () => {
    const changes: StreamChange[] = [
      { index: 0, eventName: 'INSERT', newImage: { pk: 'ACT#a1', sk: 'PLAN#0', type: 'plan' } },
      { index: 1, eventName: 'MODIFY', newImage: draftee({ alert: message('queued') }) },
      {
        index: 2,
        eventName: 'MODIFY',
        newImage: { pk: 'ACT#a1', sk: 'ACTIVATION', type: 'activation', status: 'stoodDown' },
        oldImage: { status: 'active' },
      },
    ];
    expect(eventsOf(changes, NOW).map((e) => [e.type, e.index])).toEqual([
      ['planWritten', 0],
      ['messagePending', 1],
      ['stoodDown', 2],
    ]);
  });

  it('names a whistle resolved or cancelled, and no other step of a whistle', () => {
    const whistle = (status: string, from: string, eventName: StreamChange['eventName'] = 'MODIFY') => ({
      index: 0,
      eventName,
      newImage: { pk: 'WHISTLE#w1', sk: 'WHISTLE', type: 'whistle', whistleId: 'w1', status },
      oldImage: { status: from },
    });
    expect(eventsOf([whistle('resolved', 'filled')], NOW)).toEqual([
      { type: 'whistleClosed', index: 0, whistleId: 'w1' },
    ]);
    expect(eventsOf([whistle('cancelled', 'open')], NOW).map((e) => e.type)).toEqual(['whistleClosed']);
    expect(eventsOf([whistle('filled', 'open')], NOW)).toEqual([]);
    expect(eventsOf([whistle('resolved', 'resolved')], NOW)).toEqual([]);
    expect(eventsOf([whistle('resolved', 'open', 'INSERT')], NOW)).toEqual([]);
  });

  it('sees a message claimed under a lease that ran out, not one whose claim still holds', () => {
    const pending = (state: string, lease?: string) =>
      eventsOf([{ index: 0, eventName: 'MODIFY', newImage: draftee({ a: message(state, lease) }) }], NOW);
    expect(pending('sending', earlier)).toEqual([
      { type: 'messagePending', index: 0, key: { pk: 'ACT#a1', sk: 'MEMBER#m1' } },
    ]);
    expect(pending('sending', later)).toEqual([]);
    expect(pending('sent')).toEqual([]);
  });

  it('means nothing for a plan rewritten, an activation stood down twice, or a removal', () => {
    const changes: StreamChange[] = [
      { index: 0, eventName: 'MODIFY', newImage: { pk: 'ACT#a1', sk: 'PLAN#0', type: 'plan' } },
      {
        index: 1,
        eventName: 'MODIFY',
        newImage: { pk: 'ACT#a1', sk: 'ACTIVATION', type: 'activation', status: 'stoodDown' },
        oldImage: { status: 'stoodDown' },
      },
      { index: 2, eventName: 'REMOVE', oldImage: draftee({ alert: message('queued') }) },
    ];
    expect(eventsOf(changes, NOW)).toEqual([]);
  });
});
