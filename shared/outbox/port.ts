import type { OutboxMessage } from '../domain/activation';
import type { Outgoing } from '../domain/messages';
import { type Locale, render } from '../domain/sms';
import type { ItemKey } from '../table';

/**
 * The outbox: every SMS the service sends is first queued on the item it concerns (a draftee,
 * or a loose reply to a phone on no call-out), in the same write as the change that causes it.
 * The stream then carries the item to the sender, which claims the message under a lease,
 * hands it to the gateway and settles it. Every step is conditional on the state it expects.
 */

/** One message in one item's outbox. */
export type MessageRef = { key: ItemKey; messageKey: string };

/** The team whose counters move when a draftee's first alert is settled. */
export type TeamRef = { activationId: string; teamId: string };

/** An item whose outbox holds messages, as the sender needs to see it. */
export type OutboxHolder = {
  key: ItemKey;
  phone: string;
  /** Set for draftees: the team whose counters the first alert moves. */
  team?: TeamRef | undefined;
  /** False once the person's activation has closed. */
  open: boolean;
  /** The person already counts as alerted. */
  alerted: boolean;
  /** The person has answered (a reply or a check-in): a failed alert no longer makes them unreached. */
  reached: boolean;
  /** The messages, oldest queued first. */
  messages: [string, OutboxMessage][];
};

/**
 * How a claimed message ends: handed over, refused for good, put back to be tried again, or
 * cancelled because its activation closed while it was claimed.
 */
export type Settlement = MessageRef & { team?: TeamRef | undefined } & (
    | {
        action: 'sent';
        sentAt: string;
        messageId: string;
        delivered: boolean;
        /** First alert handed over: the person now counts as alerted. */
        firstAlert: boolean;
      }
    | {
        action: 'failed';
        error: string;
        firstAlert: boolean;
        /** The person had answered when the message was read: a failed alert counts nowhere. */
        reached: boolean;
      }
    | { action: 'requeue' }
    /** A call-out claimed before its activation closed that never left: it no longer goes. */
    | { action: 'cancel' }
  );

/** The outbox as the sender and the sweep use it. */
export interface Outbox {
  /** The current items behind `keys` (those that exist), with their messages. */
  read(keys: readonly ItemKey[]): Promise<OutboxHolder[]>;
  /** Claims messages until `leaseUntil`; returns those another sender holds or has settled. */
  claim(messages: readonly MessageRef[], leaseUntil: string, now: string): Promise<MessageRef[]>;
  /** Records how claimed messages ended, with their counters; returns those that lost a race. */
  settle(settlements: readonly Settlement[]): Promise<Settlement[]>;
  /** Cancels queued or claimed messages that must no longer go out. */
  cancel(messages: readonly MessageRef[]): Promise<void>;
  /**
   * Touches a message whose claim ran out without being settled (its sender died), so the
   * stream carries it to the sender again. False when it has moved on meanwhile.
   */
  nudge(message: MessageRef, leaseUntil: string, at: string): Promise<boolean>;
}

/** The stable name of one message, for the gateway and for reconciliation. */
export const dedupeKeyOf = (key: ItemKey, messageKey: string) => `${key.pk}/${key.sk}/${messageKey}`;

/**
 * Queues a message (see domain/messages.ts for which): the one way a use case puts an SMS in an outbox. The entry holds the text
 * rendered now and what it says, for providers that send registered templates.
 */
export function queue({ kind, message }: Outgoing, locale: Locale, now: string): OutboxMessage {
  return {
    kind,
    body: render(message, locale),
    template: { message, locale },
    state: 'queued',
    queuedAt: now,
    attempts: 0,
  };
}
