import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { drafteeItem } from '../../../../shared/adapters/activation-records';
import { DynamoActivationRepository } from '../../../../shared/adapters/activation-repository';
import { DynamoCheckInRepository } from '../../../../shared/adapters/check-in-repository';
import type { Principal } from '../../../../shared/domain/access';
import type { Activation, Draftee } from '../../../../shared/domain/activation';
import { ConflictError, ForbiddenError, NotFoundError } from '../../../../shared/domain/errors';
import { keys } from '../../../../shared/table';
import { makeCheckInUseCases } from '../../../../shared/use-cases/check-in';
import '../../support/aws-matchers';

const TABLE = 'pingji-test';
const ACTIVATION = '01jd0000000000000000000aaa';
const PHONE = '+8613800138000';
const MEMBER = 'm1';
const NOW = '2025-11-22T08:20:00.000Z';
const SENT_AT = '2025-11-22T08:19:58.000Z';

const ddb = mockClient(DynamoDBDocumentClient);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
let now = new Date(NOW);
const checkIn = makeCheckInUseCases({
  checkIns: new DynamoCheckInRepository(doc, TABLE),
  activations: new DynamoActivationRepository(doc, TABLE),
  clock: { now: () => now },
});

beforeEach(() => {
  ddb.reset();
  now = new Date(NOW);
  vi.spyOn(Math, 'random').mockReturnValue(0);
});
afterEach(() => {
  vi.restoreAllMocks();
});

function aDraftee(overrides: Partial<Draftee> = {}): Draftee {
  return {
    activationId: ACTIVATION,
    memberId: MEMBER,
    communityId: 'dongguan',
    teamId: 'dg01',
    name: '王伟',
    phone: PHONE,
    leader: false,
    source: 'grid',
    status: 'drafted',
    open: true,
    drill: false,
    locale: 'zh',
    musterPoint: '社区广场东门',
    draftedAt: '2025-11-22T08:00:00.000Z',
    alertedAt: '2025-11-22T08:00:05.000Z',
    deliveredAt: '2025-11-22T08:00:06.000Z',
    outbox: {
      alert: {
        kind: 'alert',
        body: '【平急】…',
        state: 'sent',
        queuedAt: '2025-11-22T08:00:00.000Z',
        attempts: 1,
      },
    },
    ...overrides,
  };
}

function anActivation(overrides: Partial<Activation> = {}): Activation {
  return {
    activationId: ACTIVATION,
    communityId: 'dongguan',
    communityName: '东关社区',
    kind: 'flood',
    level: 'II',
    drill: false,
    locale: 'zh',
    status: 'active',
    startedAt: '2025-11-22T08:00:00.000Z',
    startedBy: 'officer-1',
    teams: [],
    unitIds: [],
    drafted: 1,
    reserves: 0,
    ...overrides,
  };
}

const stored = (d: Draftee) => drafteeItem(d, '2025-11-22T08:00:00.000Z');

/** The phone's open call-out, as the open-phone index returns it. */
function openCallout(d: Draftee | undefined) {
  ddb.on(QueryCommand).resolves({ Items: d ? [stored(d)] : [] });
}

function phoneEntry(smsOptOut = false) {
  ddb.on(GetCommand, { Key: keys.phone(PHONE) }).resolves({
    Item: { ...keys.phone(PHONE), phone: PHONE, memberId: MEMBER, communityId: 'dongguan', smsOptOut },
  });
}

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;
/** The items of each transaction sent, in order. */
const transactions = (): TransactItems[] =>
  ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);

const reply = (body: string, inboundMessageId = 'in-1', receivedAt: string | undefined = SENT_AT) =>
  checkIn.reply({ from: PHONE, body, inboundMessageId, receivedAt });

/** The ADD of a team's counters in a transaction, as `{counter: delta}`. */
function counterMoves(items: TransactItems): Record<string, number> {
  const team = keys.team(ACTIVATION, 'dg01');
  const update = items.find((i) => i.Update?.Key?.pk === team.pk && i.Update.Key.sk === team.sk)?.Update;
  if (!update) return {};
  const names = update.ExpressionAttributeNames ?? {};
  const values: Record<string, unknown> = update.ExpressionAttributeValues ?? {};
  return Object.fromEntries(
    Object.entries(names).map(([alias, name]) => {
      const value = values[alias.replace('#', ':')];
      return [name, typeof value === 'number' ? value : Number.NaN];
    }),
  );
}

const drafteeUpdate = (items: TransactItems) => {
  const key = keys.draftee(ACTIVATION, MEMBER);
  return items.find((i) => i.Update?.Key?.pk === key.pk && i.Update.Key.sk === key.sk)?.Update;
};

describe('reply: a status reply', () => {
  it('"1 30" writes the inbound id, the draftee, the counters and the acknowledgement in one transaction', async () => {
    openCallout(aDraftee());
    ddb.on(TransactWriteCommand).resolves({});

    const outcome = await reply('1 30');

    expect(outcome).toBe('applied');
    const [items, ...more] = transactions();
    expect(more).toEqual([]);
    expect(items?.[0]?.Put).toMatchObject({
      Item: { ...keys.inbound('in-1'), receivedAt: NOW },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    const update = items && drafteeUpdate(items);
    expect(update?.ConditionExpression).toContain('#status = :from');
    expect(update?.ConditionExpression).toContain('lastReplyAt <= :replyAt');
    expect(update?.ExpressionAttributeValues).toMatchObject({
      ':to': 'confirmed',
      ':from': 'drafted',
      ':at': NOW,
      ':replyAt': SENT_AT,
      ':eta': 30,
      ':ack': { kind: 'ack', state: 'queued', body: expect.stringContaining('您约30分钟后到') },
    });
    expect(items && counterMoves(items)).toEqual({ confirmed: 1 });
  });

  it('"2 在外地" after a confirmation moves the counters from confirmed to declined and keeps the reason', async () => {
    openCallout(aDraftee({ status: 'confirmed', etaMinutes: 10, lastReplyAt: '2025-11-22T08:10:00.000Z' }));
    ddb.on(TransactWriteCommand).resolves({});

    const outcome = await reply('2 在外地');

    expect(outcome).toBe('applied');
    const items = transactions()[0] ?? [];
    const update = drafteeUpdate(items);
    expect(update?.UpdateExpression).toMatch(/REMOVE etaMinutes$/);
    expect(update?.ExpressionAttributeValues).toMatchObject({
      ':to': 'declined',
      ':from': 'confirmed',
      ':reason': '在外地',
      ':ack': { body: expect.stringContaining('您本次不能参加') },
    });
    expect(counterMoves(items)).toEqual({ confirmed: -1, declined: 1 });
  });

  it('a replayed inbound id is refused whole: "replayed", nothing else written', async () => {
    openCallout(aDraftee());
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));

    const outcome = await reply('1');

    expect(outcome).toBe('replayed');
    expect(transactions()).toHaveLength(1);
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('when another reply moved the person first, reads them again and applies from where they now stand', async () => {
    openCallout(aDraftee());
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('None', 'ConditionalCheckFailed', 'None'))
      .resolves({});
    ddb
      .on(GetCommand, { Key: keys.draftee(ACTIVATION, MEMBER) })
      .resolves({ Item: stored(aDraftee({ status: 'declined', lastReplyAt: '2025-11-22T08:19:00.000Z' })) });

    const outcome = await reply('3');

    expect(outcome).toBe('applied');
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      Key: keys.draftee(ACTIVATION, MEMBER),
      ConsistentRead: true,
    });
    const [first, second] = transactions();
    expect(first && counterMoves(first)).toEqual({ arrived: 1 });
    expect(second && drafteeUpdate(second)?.ExpressionAttributeValues).toMatchObject({
      ':from': 'declined',
      ':to': 'arrived',
    });
    expect(second && counterMoves(second)).toEqual({ declined: -1, arrived: 1 });
  });

  it('when the person arrived meanwhile, a "1" is only remembered: "ignored"', async () => {
    openCallout(aDraftee());
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled('None', 'ConditionalCheckFailed', 'None'));
    ddb
      .on(GetCommand, { Key: keys.draftee(ACTIVATION, MEMBER) })
      .resolves({ Item: stored(aDraftee({ status: 'arrived' })) });
    ddb.on(PutCommand).resolves({});

    const outcome = await reply('1');

    expect(outcome).toBe('ignored');
    expect(transactions()).toHaveLength(1);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining(keys.inbound('in-1')),
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('a late "1" after "3" writes nothing but the inbound id: "ignored"', async () => {
    openCallout(aDraftee({ status: 'arrived', lastReplyAt: '2025-11-22T08:15:00.000Z' }));
    ddb.on(PutCommand).resolves({});

    const outcome = await reply('1');

    expect(outcome).toBe('ignored');
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 1);
  });

  it('the same late "1", delivered again, is "replayed"', async () => {
    openCallout(aDraftee({ status: 'arrived' }));
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));

    const outcome = await reply('1');

    expect(outcome).toBe('replayed');
  });

  it('a reply sent before the one already applied (older SNS timestamp) is "stale" and changes nothing', async () => {
    openCallout(aDraftee({ status: 'declined', lastReplyAt: '2025-11-22T08:19:59.000Z' }));
    ddb.on(PutCommand).resolves({});

    const outcome = await reply('1', 'in-2', '2025-11-22T08:19:30.000Z');

    expect(outcome).toBe('stale');
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining(keys.inbound('in-2')),
    });
  });

  it('without an SNS timestamp the reply is ordered by the time it is handled', async () => {
    openCallout(aDraftee());
    ddb.on(TransactWriteCommand).resolves({});

    await checkIn.reply({ from: PHONE, body: '1', inboundMessageId: 'in-3' });

    expect(drafteeUpdate(transactions()[0] ?? [])?.ExpressionAttributeValues).toMatchObject({
      ':replyAt': NOW,
    });
  });
});

describe('reply: phones with nothing to answer', () => {
  it('a phone on no roster gets nothing and changes nothing', async () => {
    openCallout(undefined);
    ddb.on(GetCommand).resolves({});

    const outcome = await reply('1');

    expect(outcome).toBe('unknownPhone');
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('a sender that is not a phone number is "unknownPhone" without a read', async () => {
    const outcome = await checkIn.reply({ from: 'not-a-phone', body: '1', inboundMessageId: 'in-1' });

    expect(outcome).toBe('unknownPhone');
    expect(ddb.calls()).toEqual([]);
  });

  it('a rostered phone with no open call-out gets one "no active call-out" SMS, under one id per day', async () => {
    openCallout(undefined);
    phoneEntry();
    ddb.on(TransactWriteCommand).resolves({});

    const first = await reply('1', 'in-1');
    const second = await reply('3', 'in-2');
    now = new Date('2025-11-23T08:20:00.000Z');
    await reply('1', 'in-3');

    expect([first, second]).toEqual(['noActiveCallout', 'noActiveCallout']);
    const loose = transactions().map((items) => items[1]?.Put);
    expect(loose[0]).toMatchObject({
      Item: {
        phone: PHONE,
        outbox: { reply: { body: expect.stringContaining('目前没有需要您回复的召集') } },
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(loose[1]?.Item?.pk).toBe(loose[0]?.Item?.pk);
    expect(loose[2]?.Item?.pk).not.toBe(loose[0]?.Item?.pk);
    expect(transactions().map((items) => items[0]?.Put?.Item?.pk)).toEqual([
      keys.inbound('in-1').pk,
      keys.inbound('in-2').pk,
      keys.inbound('in-3').pk,
    ]);
  });

  it('a phone that opted out and has no call-out gets no answer at all', async () => {
    openCallout(undefined);
    phoneEntry(true);
    ddb.on(PutCommand).resolves({});

    const outcome = await reply('1');

    expect(outcome).toBe('ignored');
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 1);
  });
});

describe('reply: noise', () => {
  it('queues the help text once, on the draftee, conditional on no help sent before', async () => {
    openCallout(aDraftee());
    ddb.on(TransactWriteCommand).resolves({});

    const outcome = await reply('🙂');

    expect(outcome).toBe('help');
    const update = transactions()[0]?.[1]?.Update;
    expect(update?.ConditionExpression).toContain('attribute_not_exists(helpSentAt)');
    expect(update?.ExpressionAttributeValues).toMatchObject({
      ':msg': { kind: 'help', body: expect.stringContaining('请回复数字') },
    });
  });

  it('after the help was sent, noise is only remembered: "helpAlreadySent"', async () => {
    openCallout(aDraftee({ helpSentAt: '2025-11-22T08:05:00.000Z' }));
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed'));
    ddb.on(PutCommand).resolves({});

    const outcome = await reply('12');

    expect(outcome).toBe('helpAlreadySent');
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 1);
  });
});

describe('reply: opting out and in', () => {
  it('"TD" while drafted: flags phone and member, confirms, releases, and moves every counter the person was in', async () => {
    openCallout(aDraftee({ status: 'confirmed' }));
    phoneEntry();
    ddb.on(TransactWriteCommand).resolves({});

    const outcome = await reply('TD');

    expect(outcome).toBe('optedOut');
    const items = transactions()[0] ?? [];
    expect(items.map((i) => i.Put?.Item?.pk ?? i.Update?.Key?.pk)).toEqual([
      keys.inbound('in-1').pk,
      keys.phone(PHONE).pk,
      keys.member('dongguan', MEMBER).pk,
      expect.stringMatching(/^SMS#optout-/),
      keys.draftee(ACTIVATION, MEMBER).pk,
      keys.team(ACTIVATION, 'dg01').pk,
    ]);
    expect(items[1]?.Update?.ExpressionAttributeValues).toMatchObject({ ':v': true });
    expect(items[3]?.Put?.Item).toMatchObject({
      outbox: { reply: { body: expect.stringContaining('已退订') } },
    });
    expect(drafteeUpdate(items)?.UpdateExpression).toContain('REMOVE gsi1pk, gsi1sk');
    expect(counterMoves(items)).toEqual({
      confirmed: -1,
      released: 1,
      drafted: -1,
      alerted: -1,
      delivered: -1,
    });
  });

  it('"TD" while the alert is being settled: reads the person again and releases them as they now are', async () => {
    openCallout(aDraftee({ alertedAt: undefined, deliveredAt: undefined }));
    phoneEntry();
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('None', 'None', 'None', 'None', 'ConditionalCheckFailed', 'None'))
      .resolves({});
    ddb.on(GetCommand, { Key: keys.draftee(ACTIVATION, MEMBER) }).resolves({ Item: stored(aDraftee()) });

    const outcome = await reply('TD');

    expect(outcome).toBe('optedOut');
    const [first, second] = transactions();
    expect(drafteeUpdate(first ?? [])?.ConditionExpression).toContain('attribute_not_exists(alertedAt)');
    expect(counterMoves(first ?? [])).toEqual({ released: 1, drafted: -1 });
    expect(drafteeUpdate(second ?? [])?.ConditionExpression).toContain('attribute_exists(alertedAt)');
    expect(counterMoves(second ?? [])).toEqual({ released: 1, drafted: -1, alerted: -1, delivered: -1 });
  });

  it('"TD" from someone stood down meanwhile still opts them out, releasing nobody', async () => {
    openCallout(aDraftee());
    phoneEntry();
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('None', 'None', 'None', 'None', 'ConditionalCheckFailed', 'None'))
      .resolves({});
    ddb
      .on(GetCommand, { Key: keys.draftee(ACTIVATION, MEMBER) })
      .resolves({ Item: stored(aDraftee({ open: false })) });

    const outcome = await reply('TD');

    expect(outcome).toBe('optedOut');
    expect(transactions()[1]).toHaveLength(4);
  });

  it('"START" clears the flag and confirms, releasing nobody', async () => {
    phoneEntry(true);
    ddb.on(TransactWriteCommand).resolves({});

    const outcome = await reply('START');

    expect(outcome).toBe('optedIn');
    const items = transactions()[0] ?? [];
    expect(items).toHaveLength(4);
    expect(items[1]?.Update?.ExpressionAttributeValues).toMatchObject({ ':v': false });
    expect(items[3]?.Put?.Item).toMatchObject({
      outbox: { reply: { body: expect.stringContaining('已恢复') } },
    });
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
  });

  it('"退订" from a phone on no roster changes nothing', async () => {
    ddb.on(GetCommand).resolves({});

    const outcome = await reply('退订');

    expect(outcome).toBe('unknownPhone');
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });
});

describe('manual check-in', () => {
  const commander: Principal = { sub: 'cmd-1', groups: ['commander'], communities: ['dongguan'] };
  const planner: Principal = { sub: 'pl-1', groups: ['planner'], communities: ['dongguan'] };

  function activationIs(activation: Activation | undefined) {
    ddb.on(GetCommand, { Key: keys.activation(ACTIVATION) }).resolves({
      Item: activation ? { ...keys.activation(ACTIVATION), type: 'activation', ...activation } : undefined,
    });
  }
  function drafteeIs(...draftees: (Draftee | undefined)[]) {
    const get = ddb.on(GetCommand, { Key: keys.draftee(ACTIVATION, MEMBER) });
    for (const d of draftees) get.resolvesOnce({ Item: d ? stored(d) : undefined });
  }

  it('moves the person with the same transaction as a reply and returns them as the board shows them', async () => {
    activationIs(anActivation());
    drafteeIs(aDraftee(), aDraftee({ status: 'confirmed', respondedAt: NOW }));
    ddb.on(TransactWriteCommand).resolves({});

    const member = await checkIn.manual(commander, ACTIVATION, { memberId: MEMBER, status: 'confirmed' });

    expect(member).toMatchObject({ memberId: MEMBER, name: '王伟', status: 'confirmed', respondedAt: NOW });
    const items = transactions()[0] ?? [];
    expect(items[0]?.Put).toBeUndefined();
    expect(counterMoves(items)).toEqual({ confirmed: 1 });
  });

  it('refuses a planner (403) before reading the person', async () => {
    activationIs(anActivation());

    await expect(
      checkIn.manual(planner, ACTIVATION, { memberId: MEMBER, status: 'arrived' }),
    ).rejects.toThrow(ForbiddenError);
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 1);
  });

  it('404 for an unknown activation, and for a member not on it', async () => {
    activationIs(undefined);
    const unknownActivation = checkIn.manual(commander, ACTIVATION, { memberId: MEMBER, status: 'arrived' });
    await expect(unknownActivation).rejects.toThrow(NotFoundError);

    activationIs(anActivation());
    drafteeIs(undefined);
    const notDrafted = checkIn.manual(commander, ACTIVATION, { memberId: MEMBER, status: 'arrived' });
    await expect(notDrafted).rejects.toThrow(NotFoundError);
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('409 INVALID_TRANSITION from arrived to confirmed, naming where the person stands', async () => {
    activationIs(anActivation());
    drafteeIs(aDraftee({ status: 'arrived' }));

    const error = await checkIn
      .manual(commander, ACTIVATION, { memberId: MEMBER, status: 'confirmed' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({
      code: 'INVALID_TRANSITION',
      details: [expect.objectContaining({ from: 'arrived' })],
    });
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('409 ACTIVATION_CLOSED after stand-down', async () => {
    activationIs(anActivation({ status: 'stoodDown', endedAt: NOW }));

    await expect(
      checkIn.manual(commander, ACTIVATION, { memberId: MEMBER, status: 'confirmed' }),
    ).rejects.toMatchObject({ status: 409, code: 'ACTIVATION_CLOSED' });
  });

  it('409 CONCURRENT_UPDATE when a reply made the change impossible meanwhile', async () => {
    activationIs(anActivation());
    drafteeIs(aDraftee(), aDraftee({ status: 'arrived' }), aDraftee({ status: 'arrived' }));
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));

    await expect(
      checkIn.manual(commander, ACTIVATION, { memberId: MEMBER, status: 'declined' }),
    ).rejects.toMatchObject({ status: 409, code: 'CONCURRENT_UPDATE' });
    expect(transactions()).toHaveLength(1);
  });
});
