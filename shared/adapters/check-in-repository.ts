import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import {
  type Counts,
  counterDelta,
  type Draftee,
  type DrafteeStatus,
  type OutboxMessage,
} from '../domain/activation';
import { keys } from '../table';
import { teamCounterUpdate, toDraftee } from './activation-records';
import { isConditionFailure, type TransactItem, transactWrite } from './dynamo';

/** How long an inbound message id is remembered, so a replay changes nothing. */
const INBOUND_TTL_SECONDS = 14 * 24 * 3600;
/** Loose SMS records (answers outside any activation) are kept this long. */
const LOOSE_TTL_SECONDS = 7 * 24 * 3600;

export type Inbound = { id: string; at: string };
export type PhoneEntry = { phone: string; memberId: string; communityId: string; smsOptOut: boolean };
export type ApplyResult = 'applied' | 'replayed' | 'stale';

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
/** Where the draftee's release sits in the opt-out transaction: after inbound, phone, member, SMS. */
const RELEASE_INDEX = 4;

/** The port of the reply path: who a phone is, and every write a reply makes. */
export interface CheckInRepository {
  /** The draftees a phone is open on, in any activation. */
  findOpenByPhone(phone: string): Promise<Draftee[]>;
  getPhone(phone: string): Promise<PhoneEntry | undefined>;
  getDraftee(activationId: string, memberId: string): Promise<Draftee | undefined>;
  /** Remembers an inbound message id; false when it was seen before (a replay). */
  recordInbound(inbound: Inbound): Promise<boolean>;
  applyStatus(args: {
    draftee: Draftee;
    to: DrafteeStatus;
    at: string;
    replyAt: string;
    inbound?: Inbound | undefined;
    etaMinutes?: number | undefined;
    reason?: string | undefined;
    ack?: { key: string; message: OutboxMessage } | undefined;
  }): Promise<ApplyResult>;
  sendHelp(
    draftee: Draftee,
    inbound: Inbound,
    message: OutboxMessage,
  ): Promise<'applied' | 'replayed' | 'alreadyHelped'>;
  queueLoose(
    id: string,
    phone: string,
    message: OutboxMessage,
    inbound: Inbound,
  ): Promise<'applied' | 'replayed' | 'exists'>;
  setOptOut(args: {
    entry: PhoneEntry;
    optOut: boolean;
    inbound: Inbound;
    confirmation: { id: string; message: OutboxMessage };
    release?: Draftee | undefined;
  }): Promise<'applied' | 'replayed' | 'stale'>;
}

/**
 * The writes of the reply path. Each one records the inbound message id in the same
 * transaction as its effect, so a replayed message is refused whole and changes nothing.
 */
export class DynamoCheckInRepository implements CheckInRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** The phone's draftee records in open activations, newest first (normally one). */
  async findOpenByPhone(phone: string): Promise<Draftee[]> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': keys.openDrafteeByPhone(phone) },
        ScanIndexForward: false,
        Limit: 5,
      }),
    );
    return (Items ?? []).map(toDraftee).filter((d) => d.open);
  }

  async getPhone(phone: string): Promise<PhoneEntry | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: keys.phone(phone) }));
    if (!Item) return undefined;
    return z
      .object({
        phone: z.string(),
        memberId: z.string(),
        communityId: z.string(),
        smsOptOut: z.boolean().default(false),
      })
      .parse(Item);
  }

  async getDraftee(activationId: string, memberId: string): Promise<Draftee | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: keys.draftee(activationId, memberId),
        ConsistentRead: true,
      }),
    );
    return Item ? toDraftee(Item) : undefined;
  }

  /** Remembers an inbound message that changes nothing. False when it was seen before. */
  async recordInbound(inbound: Inbound): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: this.inboundItem(inbound),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Moves a draftee to a new status, with the team's counters and an acknowledgement, only if
   * the draftee is still as read: same status, still open, no newer reply applied.
   */
  async applyStatus(args: {
    draftee: Draftee;
    to: DrafteeStatus;
    at: string;
    replyAt: string;
    inbound?: Inbound | undefined;
    etaMinutes?: number | undefined;
    reason?: string | undefined;
    ack?: { key: string; message: OutboxMessage } | undefined;
  }): Promise<ApplyResult> {
    const { draftee } = args;
    const names: Record<string, string> = { '#status': 'status', '#open': 'open' };
    const values: Record<string, unknown> = {
      ':to': args.to,
      ':from': draftee.status,
      ':at': args.at,
      ':replyAt': args.replyAt,
      ':true': true,
    };
    const sets = ['#status = :to', 'respondedAt = :at', 'lastReplyAt = :replyAt'];
    // The first confirmation and the arrival keep their own times, for the after-action report.
    if (args.to === 'confirmed') sets.push('confirmedAt = if_not_exists(confirmedAt, :at)');
    if (args.to === 'arrived') sets.push('arrivedAt = if_not_exists(arrivedAt, :at)');
    const removes: string[] = [];
    if (args.etaMinutes !== undefined) {
      sets.push('etaMinutes = :eta');
      values[':eta'] = args.etaMinutes;
    } else if (args.to !== 'confirmed') removes.push('etaMinutes');
    if (args.reason !== undefined) {
      sets.push('reason = :reason');
      values[':reason'] = args.reason;
    } else if (args.to !== 'declined') removes.push('reason');
    if (args.ack) {
      sets.push('outbox.#ack = :ack');
      names['#ack'] = args.ack.key;
      values[':ack'] = args.ack.message;
    }
    const items: TransactItem[] = [];
    if (args.inbound) items.push({ Put: this.inboundPut(args.inbound) });
    const drafteeIndex = items.length;
    items.push({
      Update: {
        TableName: this.table,
        Key: keys.draftee(draftee.activationId, draftee.memberId),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression:
          '#status = :from AND #open = :true AND (attribute_not_exists(lastReplyAt) OR lastReplyAt <= :replyAt)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    });
    items.push(...this.counters(draftee, counterDelta(draftee.status, args.to)));
    const result = await transactWrite(this.doc, items);
    if (result.ok) return 'applied';
    if (args.inbound && result.failed.some((f) => f.index === 0 && f.code === 'ConditionalCheckFailed'))
      return 'replayed';
    if (result.failed.some((f) => f.index === drafteeIndex)) return 'stale';
    throw new Error(`check-in failed: ${JSON.stringify(result.failed.map((f) => [f.index, f.code]))}`);
  }

  /** Queues the help text, at most once per draftee (so once per activation and phone). */
  async sendHelp(
    draftee: Draftee,
    inbound: Inbound,
    message: OutboxMessage,
  ): Promise<'applied' | 'replayed' | 'alreadyHelped'> {
    const result = await transactWrite(this.doc, [
      { Put: this.inboundPut(inbound) },
      {
        Update: {
          TableName: this.table,
          Key: keys.draftee(draftee.activationId, draftee.memberId),
          UpdateExpression: 'SET helpSentAt = :at, outbox.#help = :msg',
          ConditionExpression: 'attribute_not_exists(helpSentAt) AND #open = :true',
          ExpressionAttributeNames: { '#help': 'help', '#open': 'open' },
          ExpressionAttributeValues: { ':at': inbound.at, ':msg': message, ':true': true },
        },
      },
    ]);
    if (result.ok) return 'applied';
    if (result.failed.some((f) => f.index === 0)) return 'replayed';
    return 'alreadyHelped';
  }

  /**
   * Queues an SMS that belongs to no activation under a fixed id: a second one with the same
   * id (the same day's "no call-out" answer, say) is not queued again.
   */
  async queueLoose(
    id: string,
    phone: string,
    message: OutboxMessage,
    inbound: Inbound,
  ): Promise<'applied' | 'replayed' | 'exists'> {
    const result = await transactWrite(this.doc, [
      { Put: this.inboundPut(inbound) },
      { Put: this.loosePut(id, phone, message) },
    ]);
    if (result.ok) return 'applied';
    if (result.failed.some((f) => f.index === 0)) return 'replayed';
    return 'exists';
  }

  /**
   * Opts a phone out of SMS or back in, on the phone index and the member alike. Opting out
   * while drafted releases the person from the open activation. The confirmation is the last
   * SMS an opted-out phone receives.
   */
  async setOptOut(args: {
    entry: PhoneEntry;
    optOut: boolean;
    inbound: Inbound;
    confirmation: { id: string; message: OutboxMessage };
    release?: Draftee | undefined;
  }): Promise<'applied' | 'replayed' | 'stale'> {
    const { entry } = args;
    const items: TransactItem[] = [
      { Put: this.inboundPut(args.inbound) },
      {
        Update: {
          TableName: this.table,
          Key: keys.phone(entry.phone),
          UpdateExpression: 'SET smsOptOut = :v',
          ConditionExpression: 'memberId = :m',
          ExpressionAttributeValues: { ':v': args.optOut, ':m': entry.memberId },
        },
      },
      {
        Update: {
          TableName: this.table,
          Key: keys.member(entry.communityId, entry.memberId),
          UpdateExpression: 'SET smsOptOut = :v, updatedAt = :at',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':v': args.optOut, ':at': args.inbound.at },
        },
      },
      { Put: this.loosePut(args.confirmation.id, entry.phone, args.confirmation.message) },
    ];
    const release = args.release;
    if (release) {
      const cancel = Object.entries(release.outbox)
        .filter(([, m]) => m.state === 'queued')
        .map(([k]) => k);
      const names: Record<string, string> = { '#status': 'status', '#open': 'open' };
      cancel.forEach((k, i) => {
        names[`#c${i}`] = k;
      });
      // A released person leaves the alerted, delivered and failed counts too (see countsOf), so
      // the write holds only while the alert is as read: a send settled meanwhile fails it.
      const delta = counterDelta(release.status, 'released');
      const alert = release.outbox.alert;
      if (release.alertedAt) delta.alerted = (delta.alerted ?? 0) - 1;
      if (release.deliveredAt) delta.delivered = (delta.delivered ?? 0) - 1;
      if (alert?.state === 'failed') delta.failed = (delta.failed ?? 0) - 1;
      const asRead = [
        release.alertedAt ? 'attribute_exists(alertedAt)' : 'attribute_not_exists(alertedAt)',
        release.deliveredAt ? 'attribute_exists(deliveredAt)' : 'attribute_not_exists(deliveredAt)',
        ...(alert ? ['outbox.alert.#state = :alertState'] : []),
      ];
      items.push(
        {
          Update: {
            TableName: this.table,
            Key: keys.draftee(release.activationId, release.memberId),
            UpdateExpression: `SET #status = :released, #open = :false, reason = :why${cancel
              .map((_, i) => `, outbox.#c${i}.#state = :cancelled`)
              .join('')} REMOVE gsi1pk, gsi1sk`,
            ConditionExpression: ['#status = :from AND #open = :true', ...asRead].join(' AND '),
            ExpressionAttributeNames: cancel.length || alert ? { ...names, '#state': 'state' } : names,
            ExpressionAttributeValues: {
              ':released': 'released',
              ':false': false,
              ':true': true,
              ':from': release.status,
              ':why': 'opted out of SMS',
              ...(cancel.length ? { ':cancelled': 'cancelled' } : {}),
              ...(alert ? { ':alertState': alert.state } : {}),
            },
          },
        },
        ...this.counters(release, delta),
      );
    }
    const result = await transactWrite(this.doc, items);
    if (result.ok) return 'applied';
    if (result.failed.some((f) => f.index === 0)) return 'replayed';
    // The draftee moved after it was read (a reply, or its alert settled): read it and try again.
    if (release && result.failed.some((f) => f.index === RELEASE_INDEX)) return 'stale';
    throw new Error(`opt-out failed: ${JSON.stringify(result.failed.map((f) => [f.index, f.code]))}`);
  }

  private counters(draftee: Draftee, delta: Partial<Counts>): TransactItem[] {
    return teamCounterUpdate(this.table, draftee.activationId, draftee.teamId, delta);
  }

  private inboundItem(inbound: Inbound) {
    return inboundPut(this.table, inbound).Item;
  }

  private inboundPut(inbound: Inbound) {
    return inboundPut(this.table, inbound);
  }

  private loosePut(id: string, phone: string, message: OutboxMessage) {
    return looseSmsPut(this.table, id, phone, message);
  }
}

/** The conditional put that remembers an inbound message id: a replay fails it. */
export function inboundPut(table: string, inbound: Inbound) {
  return {
    TableName: table,
    Item: {
      ...keys.inbound(inbound.id),
      type: 'inbound',
      receivedAt: inbound.at,
      expiresAt: epochSeconds(inbound.at) + INBOUND_TTL_SECONDS,
    },
    ConditionExpression: 'attribute_not_exists(pk)',
  };
}

/**
 * The conditional put of an SMS that belongs to no activation, under a fixed id: the stream
 * consumer sends it once; a second put of the same id fails its condition.
 */
export function looseSmsPut(table: string, id: string, phone: string, message: OutboxMessage) {
  return {
    TableName: table,
    Item: {
      ...keys.looseSms(id),
      type: 'sms',
      phone,
      outbox: { reply: message },
      expiresAt: epochSeconds(message.queuedAt) + LOOSE_TTL_SECONDS,
    },
    ConditionExpression: 'attribute_not_exists(pk)',
  };
}
