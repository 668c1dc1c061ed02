import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { drafteeItem } from '../../../../shared/adapters/activation-records';
import { DynamoCheckInRepository } from '../../../../shared/adapters/check-in-repository';
import { DynamoSmsReceiptRepository } from '../../../../shared/adapters/sms-receipt-repository';
import type { Draftee, OutboxMessage } from '../../../../shared/domain/activation';
import { keys } from '../../../../shared/table';

// The failure paths of the reply path's writes: which refused part means what.
const TABLE = 'pingji-test';
const ddb = mockClient(DynamoDBDocumentClient);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const repo = new DynamoCheckInRepository(doc, TABLE);
const receipts = new DynamoSmsReceiptRepository(doc, TABLE);

const NOW = '2025-11-22T08:20:00.000Z';
const inbound = { id: 'in-1', at: NOW };
const message: OutboxMessage = { kind: 'ack', body: '收到', state: 'queued', queuedAt: NOW, attempts: 0 };
const entry = { phone: '+8613800138000', memberId: 'm1', communityId: 'dongguan', smsOptOut: false };

const alertSent: OutboxMessage = {
  kind: 'alert',
  body: '【平急】…',
  state: 'sent',
  queuedAt: NOW,
  attempts: 1,
  messageId: 'p-1',
};
const draftee: Draftee = {
  activationId: 'a1',
  memberId: 'm1',
  communityId: 'dongguan',
  teamId: 'dg01',
  name: '王伟',
  phone: entry.phone,
  leader: false,
  source: 'grid',
  status: 'drafted',
  open: true,
  drill: false,
  locale: 'zh',
  musterPoint: '东门',
  draftedAt: NOW,
  alertedAt: NOW,
  outbox: {
    alert: alertSent,
    reminder: { kind: 'reminder', body: '【平急】…', state: 'queued', queuedAt: NOW, attempts: 0 },
  },
};

/** A transaction refused with these codes, one per item in order ('None' for those that held). */
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

const sent = () => ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);

beforeEach(() => ddb.reset());

describe('applying a status', () => {
  const args = {
    draftee,
    to: 'confirmed' as const,
    at: NOW,
    replyAt: NOW,
    inbound,
    ack: { key: 'ack-1', message },
  };

  it('a refused inbound id is a replay', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));
    expect(await repo.applyStatus(args)).toBe('replayed');
  });

  it('a refused draftee is stale: someone moved them since they were read', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'None'));
    expect(await repo.applyStatus(args)).toBe('stale');
  });

  it('without an inbound id the draftee is the first part, and its refusal still reads as stale', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));
    expect(await repo.applyStatus({ ...args, inbound: undefined })).toBe('stale');
  });

  it('refused counters are an error naming the part', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'None', 'ConditionalCheckFailed'));
    await expect(repo.applyStatus(args)).rejects.toThrow(/check-in failed.*counters/);
  });

  it('queues the acknowledgement on the draftee in the same update', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await repo.applyStatus(args);
    const update = sent()[0]?.[1]?.Update;
    expect(update?.Key).toEqual(keys.draftee('a1', 'm1'));
    expect(update?.UpdateExpression).toContain('outbox.#ack = :ack');
    expect(update?.ExpressionAttributeNames).toMatchObject({ '#ack': 'ack-1' });
    expect(update?.ExpressionAttributeValues).toMatchObject({ ':ack': message, ':from': 'drafted' });
  });

  it('holds only while the alert has not failed meanwhile, which would count the person in failed too', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await repo.applyStatus(args);
    const [, update, counters] = (sent()[0] ?? []).map((i) => i.Update);
    expect(update?.ConditionExpression).toContain('outbox.#alert.#alerts <> :alerts');
    expect(update?.ExpressionAttributeValues).toMatchObject({ ':alerts': 'failed' });
    expect(Object.values(counters?.ExpressionAttributeNames ?? {})).toEqual(['confirmed']);
  });

  it('takes someone whose alert failed out of failed when they answer all the same, once', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const failedAlert = { ...alertSent, state: 'failed' as const, error: 'refused: blacklist' };
    const unreached = { ...draftee, outbox: { alert: failedAlert } };
    await repo.applyStatus({ ...args, draftee: unreached });
    await repo.applyStatus({
      ...args,
      draftee: { ...unreached, status: 'confirmed', respondedAt: NOW },
      to: 'arrived',
    });
    const [first, second] = sent().map((items) => items.map((i) => i.Update));
    expect(first?.[1]?.ConditionExpression).toContain('attribute_not_exists(respondedAt)');
    const moved = (u: (typeof first & object)[number]) =>
      Object.values(u?.ExpressionAttributeNames ?? {}).sort();
    expect(moved(first?.[2])).toEqual(['confirmed', 'failed']);
    // Already answered: the failed alert no longer counts, and only the status moves.
    expect(moved(second?.[2])).toEqual(['arrived', 'confirmed']);
    expect(second?.[1]?.ConditionExpression).not.toContain('alerts');
  });
});

describe('help, loose SMS and remembered ids', () => {
  it('help: a refused inbound id is a replay, a refused draftee means help was sent before', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('ConditionalCheckFailed', 'None'))
      .rejectsOnce(cancelled('None', 'ConditionalCheckFailed'));
    expect(await repo.sendHelp(draftee, inbound, message)).toBe('replayed');
    expect(await repo.sendHelp(draftee, inbound, message)).toBe('alreadyHelped');
  });

  it('loose SMS: a refused inbound id is a replay, a refused SMS was queued before under its id', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('ConditionalCheckFailed', 'None'))
      .rejectsOnce(cancelled('None', 'ConditionalCheckFailed'));
    expect(await repo.queueLoose('noactive-1', entry.phone, message, inbound)).toBe('replayed');
    expect(await repo.queueLoose('noactive-1', entry.phone, message, inbound)).toBe('exists');
    expect(sent()[1]?.[1]?.Put).toMatchObject({
      Item: { ...keys.looseSms('noactive-1'), phone: entry.phone, outbox: { reply: message } },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('an inbound id seen before is not remembered twice', async () => {
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    expect(await repo.recordInbound(inbound)).toBe(false);
  });
});

describe('opting out', () => {
  const confirmation = { id: 'optout-1', message };

  it('a refused release is stale, a refused inbound id a replay, a refused phone an error', async () => {
    // inbound, phone, member, confirmation, release, counters
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('None', 'None', 'None', 'None', 'ConditionalCheckFailed', 'None'))
      .rejectsOnce(cancelled('ConditionalCheckFailed', 'None', 'None', 'None', 'None', 'None'))
      .rejectsOnce(cancelled('None', 'ConditionalCheckFailed', 'None', 'None'));
    const release = { entry, optOut: true, inbound, confirmation, release: draftee };
    expect(await repo.setOptOut(release)).toBe('stale');
    expect(await repo.setOptOut(release)).toBe('replayed');
    await expect(repo.setOptOut({ entry, optOut: false, inbound, confirmation })).rejects.toThrow(
      /opt-out failed.*phone/,
    );
  });

  it('the release cancels queued messages and holds only while the alert is as read', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await repo.setOptOut({ entry, optOut: true, inbound, confirmation, release: draftee });
    const release = sent()[0]?.[4]?.Update;
    expect(release?.Key).toEqual(keys.draftee('a1', 'm1'));
    expect(release?.UpdateExpression).toMatch(/outbox\.#x0\.#xs = :xcancelled.* REMOVE gsi1pk, gsi1sk$/);
    expect(release?.ExpressionAttributeNames).toMatchObject({ '#x0': 'reminder' });
    expect(release?.ConditionExpression).toContain('attribute_exists(alertedAt)');
    expect(release?.ConditionExpression).toContain('outbox.#alert.#alerts = :alerts');
    expect(release?.ExpressionAttributeValues).toMatchObject({ ':alerts': 'sent' });
  });
});

describe('delivery receipts', () => {
  const receipt = { draftee, messageKey: 'alert', messageId: 'p-1', delivered: true, at: NOW };
  const storedAs = (over: Partial<Draftee>) => ({ Item: drafteeItem({ ...draftee, ...over }, NOW) });
  const counterNames = (items: ReturnType<typeof sent>[number]) =>
    Object.values(items[1]?.Update?.ExpressionAttributeNames ?? {});

  it('a refused receipt whose message has one already is a duplicate', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));
    ddb
      .on(GetCommand)
      .resolves(storedAs({ outbox: { alert: { ...alertSent, receipt: 'failed', state: 'failed' } } }));
    expect(await receipts.apply(receipt)).toBe('duplicate');
    expect(sent()).toHaveLength(1);
  });

  it('a refused receipt for someone who replied meanwhile reads them again and lands with their new status', async () => {
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled('ConditionalCheckFailed', 'None')).resolves({});
    ddb.on(GetCommand).resolves(storedAs({ status: 'confirmed' }));
    expect(await receipts.apply({ ...receipt, delivered: false })).toBe('applied');
    const [first, second] = sent();
    expect(first?.[0]?.Update?.ExpressionAttributeValues).toMatchObject({ ':seen': 'drafted' });
    expect(second?.[0]?.Update?.ExpressionAttributeValues).toMatchObject({ ':seen': 'confirmed' });
  });

  it('refused counters are an error naming the part', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed'));
    await expect(receipts.apply(receipt)).rejects.toThrow(/receipt failed.*counters/);
  });

  it('a failed delivery fails the message with the reason and counts in the team', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await receipts.apply({ ...receipt, delivered: false, reason: 'MK:0012' });
    const [items = []] = sent();
    expect(items[0]?.Update?.ExpressionAttributeValues).toMatchObject({
      ':failed': 'failed',
      ':error': 'undelivered: MK:0012',
    });
    expect(items[1]?.Update?.Key).toEqual(keys.team('a1', 'dg01'));
    expect(counterNames(items)).toEqual(['failed']);
  });

  it('someone marked silent whose alert proves undelivered is unreached, not silent: counted out once', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await receipts.apply({ ...receipt, draftee: { ...draftee, status: 'noResponse' }, delivered: false });
    const [items = []] = sent();
    expect(items[0]?.Update?.UpdateExpression).toContain('#status = :unreached');
    expect(items[0]?.Update?.ExpressionAttributeValues).toMatchObject({
      ':unreached': 'drafted',
      ':seen': 'noResponse',
    });
    expect(counterNames(items).sort()).toEqual(['failed', 'noResponse']);
    const values = Object.values(items[1]?.Update?.ExpressionAttributeValues ?? {});
    expect(values.sort()).toEqual([-1, 1]);
  });

  it('a receipt for a message other than the alert moves no counter and uses only the values it names', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await receipts.apply({ ...receipt, messageKey: 'reminder' });
    const [items = []] = sent();
    expect(items).toHaveLength(1);
    const update = items[0]?.Update;
    const used = `${update?.UpdateExpression} ${update?.ConditionExpression}`;
    for (const name of Object.keys(update?.ExpressionAttributeValues ?? {})) expect(used).toContain(name);
  });
});
