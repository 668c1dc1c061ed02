import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import {
  type Counts,
  counterDelta,
  type Draftee,
  type DrafteeStatus,
  type OutboxMessage,
  unreached,
} from '../domain/activation';
import {
  cancelQueuedClauses,
  looseSmsPart,
  messageNotInStateCondition,
  messageStateCondition,
  updatePart,
} from '../outbox/dynamo-entries';
import { queueClause, type UpdateClause } from '../outbox/dynamo-outbox';
import { keys } from '../table';
import { teamCounters, toDraftee } from './activation-records';
import { isConditionFailure } from './dynamo';
import { describeFailure, Transaction } from './transaction';

/** How long an inbound message id is remembered, so a replay changes nothing. */
const INBOUND_TTL_SECONDS = 14 * 24 * 3600;

export type Inbound = { id: string; at: string };
export type PhoneEntry = { phone: string; memberId: string; communityId: string; smsOptOut: boolean };
export type ApplyResult = 'applied' | 'replayed' | 'stale';

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

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
    const set: UpdateClause[] = [
      clause('#status = :to', { '#status': 'status' }, { ':to': args.to }),
      clause('respondedAt = :at', {}, { ':at': args.at }),
      clause('lastReplyAt = :replyAt', {}, { ':replyAt': args.replyAt }),
    ];
    // The first confirmation and the arrival keep their own times, for the after-action report.
    if (args.to === 'confirmed') set.push(clause('confirmedAt = if_not_exists(confirmedAt, :at)'));
    if (args.to === 'arrived') set.push(clause('arrivedAt = if_not_exists(arrivedAt, :at)'));
    const remove: string[] = [];
    if (args.etaMinutes !== undefined) set.push(clause('etaMinutes = :eta', {}, { ':eta': args.etaMinutes }));
    else if (args.to !== 'confirmed') remove.push('etaMinutes');
    if (args.reason !== undefined) set.push(clause('reason = :reason', {}, { ':reason': args.reason }));
    else if (args.to !== 'declined') remove.push('reason');
    if (args.ack) set.push(queueClause('ack', args.ack.key, args.ack.message));
    const tx = new Transaction(this.doc, this.table);
    if (args.inbound) tx.add('inbound', { Put: this.inboundPut(args.inbound) });
    const condition = clause(
      '#status = :from AND #open = :true AND (attribute_not_exists(lastReplyAt) OR lastReplyAt <= :replyAt)',
      { '#status': 'status', '#open': 'open' },
      { ':from': draftee.status, ':true': true },
    );
    const delta = counterDelta(draftee.status, args.to);
    const alertAsRead: UpdateClause[] = [];
    if (unreached(draftee)) {
      // Their alert failed, and they answer all the same: reached after all, no longer in `failed`.
      delta.failed = (delta.failed ?? 0) - 1;
      alertAsRead.push(clause('attribute_not_exists(respondedAt)'));
    } else if (draftee.outbox.alert?.state !== 'failed') {
      // The alert must not fail meanwhile, or they would count in `failed` as well.
      alertAsRead.push(messageNotInStateCondition('alert', 'alert', 'failed'));
    }
    tx.addUnit({
      parts: [
        updatePart('draftee', this.table, this.drafteeKey(draftee), {
          set,
          remove,
          condition: [condition, ...alertAsRead],
        }),
      ],
      counters: [this.counters(draftee, delta)],
    });
    const result = await tx.commit();
    if (result.ok) return 'applied';
    if (args.inbound && result.failedOn('inbound', 'ConditionalCheckFailed')) return 'replayed';
    if (result.failedOn('draftee')) return 'stale';
    throw new Error(describeFailure('check-in', result));
  }

  /** Queues the help text, at most once per draftee (so once per activation and phone). */
  async sendHelp(
    draftee: Draftee,
    inbound: Inbound,
    message: OutboxMessage,
  ): Promise<'applied' | 'replayed' | 'alreadyHelped'> {
    const result = await new Transaction(this.doc, this.table)
      .add('inbound', { Put: this.inboundPut(inbound) })
      .addUnit({
        parts: [
          updatePart('draftee', this.table, this.drafteeKey(draftee), {
            set: [
              clause('helpSentAt = :at', {}, { ':at': inbound.at }),
              queueClause('help', 'help', message),
            ],
            condition: [
              clause(
                'attribute_not_exists(helpSentAt) AND #open = :true',
                { '#open': 'open' },
                { ':true': true },
              ),
            ],
          }),
        ],
      })
      .commit();
    if (result.ok) return 'applied';
    if (result.failedOn('inbound')) return 'replayed';
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
    const result = await new Transaction(this.doc, this.table)
      .add('inbound', { Put: this.inboundPut(inbound) })
      .addUnit({ parts: [looseSmsPart('loose', this.table, id, phone, message)] })
      .commit();
    if (result.ok) return 'applied';
    if (result.failedOn('inbound')) return 'replayed';
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
    const tx = new Transaction(this.doc, this.table)
      .add('inbound', { Put: this.inboundPut(args.inbound) })
      .add('phone', {
        Update: {
          TableName: this.table,
          Key: keys.phone(entry.phone),
          UpdateExpression: 'SET smsOptOut = :v',
          ConditionExpression: 'memberId = :m',
          ExpressionAttributeValues: { ':v': args.optOut, ':m': entry.memberId },
        },
      })
      .add('member', {
        Update: {
          TableName: this.table,
          Key: keys.member(entry.communityId, entry.memberId),
          UpdateExpression: 'SET smsOptOut = :v, updatedAt = :at',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':v': args.optOut, ':at': args.inbound.at },
        },
      })
      .addUnit({
        parts: [
          looseSmsPart(
            'confirmation',
            this.table,
            args.confirmation.id,
            entry.phone,
            args.confirmation.message,
          ),
        ],
      });
    const release = args.release;
    if (release) {
      // A released person leaves the alerted, delivered and failed counts too (see countsOf), so
      // the write holds only while the alert is as read: a send settled meanwhile fails it.
      const delta = counterDelta(release.status, 'released');
      const alert = release.outbox.alert;
      if (release.alertedAt) delta.alerted = (delta.alerted ?? 0) - 1;
      if (release.deliveredAt) delta.delivered = (delta.delivered ?? 0) - 1;
      if (unreached(release)) delta.failed = (delta.failed ?? 0) - 1;
      const asRead = [
        clause(
          [
            '#status = :from AND #open = :true',
            release.alertedAt ? 'attribute_exists(alertedAt)' : 'attribute_not_exists(alertedAt)',
            release.deliveredAt ? 'attribute_exists(deliveredAt)' : 'attribute_not_exists(deliveredAt)',
          ].join(' AND '),
          { '#status': 'status', '#open': 'open' },
          { ':from': release.status, ':true': true },
        ),
        ...(alert ? [messageStateCondition('alert', 'alert', alert.state)] : []),
      ];
      tx.addUnit({
        parts: [
          updatePart('release', this.table, this.drafteeKey(release), {
            set: [
              clause(
                '#status = :released, #open = :false, reason = :why',
                { '#status': 'status', '#open': 'open' },
                { ':released': 'released', ':false': false, ':why': 'opted out of SMS' },
              ),
              ...cancelQueuedClauses(release.outbox),
            ],
            remove: ['gsi1pk', 'gsi1sk'],
            condition: asRead,
          }),
        ],
        counters: [this.counters(release, delta)],
      });
    }
    const result = await tx.commit();
    if (result.ok) return 'applied';
    if (result.failedOn('inbound')) return 'replayed';
    // The draftee moved after it was read (a reply, or its alert settled): read it and try again.
    if (release && result.failedOn('release')) return 'stale';
    throw new Error(describeFailure('opt-out', result));
  }

  private counters(draftee: Draftee, delta: Partial<Counts>) {
    return teamCounters(draftee.activationId, draftee.teamId, delta);
  }

  private drafteeKey(draftee: Pick<Draftee, 'activationId' | 'memberId'>) {
    return keys.draftee(draftee.activationId, draftee.memberId);
  }

  private inboundItem(inbound: Inbound) {
    return inboundPut(this.table, inbound).Item;
  }

  private inboundPut(inbound: Inbound) {
    return inboundPut(this.table, inbound);
  }
}

/** A clause of an update with the names and values it uses. */
function clause(
  expression: string,
  names: Record<string, string> = {},
  values: Record<string, unknown> = {},
): UpdateClause {
  return { expression, names, values };
}

/**
 * The conditional put that remembers an inbound message id: a replay fails it. `what` records
 * what the message made (a whistle's id), for a replay to find it again.
 */
export function inboundPut(table: string, inbound: Inbound, what: Record<string, string> = {}) {
  return {
    TableName: table,
    Item: {
      ...keys.inbound(inbound.id),
      type: 'inbound',
      receivedAt: inbound.at,
      expiresAt: epochSeconds(inbound.at) + INBOUND_TTL_SECONDS,
      ...what,
    },
    ConditionExpression: 'attribute_not_exists(pk)',
  };
}
