import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeProvider } from '../../local/fake-provider';
import { documentClient } from '../../shared/adapters/dynamo';
import type { Settlement } from '../../shared/outbox/port';
import { keys } from '../../shared/table';
import { makeSweeper } from '../../shared/use-cases/sweep';
import { tablePorts } from '../../shared/wiring';
import {
  type Board,
  named,
  onBoard,
  placed,
  readBoard,
  rosterCommunity,
  switchOn,
  waitForBoard,
  waitUntilAlerted,
} from './support/check-in-world';
import type { Client, TestApi } from './support/local-api';
import { startTestApi } from './support/local-api';
import { PhoneBook } from './support/roster';
import { waitFor } from './support/wait-for';

let api: TestApi;
let admin: Client;
let fake: FakeProvider;

beforeAll(async () => {
  // Receipts wait until the test posts them; the sweep runs only when the test calls it.
  api = await startTestApi({ smsProvider: 'tencent', smsRate: 500, fakeProvider: { manualReceipts: true } });
  admin = await api.as(['admin'], ['*']);
  const provider = api.stack.provider;
  if (!provider) throw new Error('no fake provider');
  fake = provider;
});
afterAll(async () => {
  await api?.stop();
});

/** Posts one Tencent status callback for a sent message, as the provider would. */
async function postReceipt(phone: string, sid: string, delivered: boolean): Promise<void> {
  const token = process.env.PINGJI_SMS_CALLBACK_TOKEN ?? '';
  const reply = await api.anonymous.post(`/sms/tencent/receipts?token=${token}`, [
    {
      user_receive_time: '2026-12-07 10:00:30',
      nationcode: '86',
      mobile: phone.replace(/^\+86/, ''),
      report_status: delivered ? 'SUCCESS' : 'FAIL',
      errmsg: delivered ? 'DELIVRD' : 'MK:0001',
      description: delivered ? '用户短信送达成功' : '空号',
      sid,
    },
  ]);
  expect(reply.status).toBe(200);
}

const sentTo = (phone: string) => fake.sent.filter((s) => s.phone === phone);

describe('a failed delivery is backfilled at the next sweep, once', () => {
  it('replaces the unreached person from the reserves, once for two racing sweeps, a late "delivered" changing nothing', async () => {
    // Arrange: level IV in a green grid is a team of three; the other four are reserves.
    const people = await rosterCommunity(admin, new PhoneBook(4242), {
      streetId: 'bf-st',
      communityId: 'bf-failed',
      grids: [{ gridId: 'bf1', level: 'green', people: [{ name: 'B0' }, ...named('b', 6)] }],
    });
    const phoneOf = new Map([...people.values()].map((p) => [p.memberId, p.phone]));
    const activation = await switchOn(admin, 'bf-failed', { kind: 'flood', level: 'IV' });
    const team = activation.teams[0];
    const leaderId = team?.leaderId;
    const unreachedId = team?.memberIds.find((id) => id !== leaderId);
    if (!team || !leaderId || !unreachedId) throw new Error('the team has no leader or no second member');
    const unreachedPhone = phoneOf.get(unreachedId) ?? '';
    const leaderPhone = phoneOf.get(leaderId) ?? '';
    await waitUntilAlerted(admin, activation.activationId);
    const [alert] = sentTo(unreachedPhone);
    if (!alert) throw new Error('the unreached person was sent no alert');

    // Act: the provider reports the alert undelivered, then (late) every queued receipt, this
    // one's "delivered" among them.
    await postReceipt(unreachedPhone, alert.messageId, false);
    const failed = await waitForBoard(
      admin,
      activation.activationId,
      'the failed receipt',
      (b) => b.counts.failed === 1,
    );
    expect(failed.teams[0]?.shortfall).toBe(1);
    await fake.flushReceipts();
    await postReceipt(unreachedPhone, alert.messageId, true);
    const sweeper = makeSweeper({ ...tablePorts(), realertAfterSeconds: 3600, noResponseAfterSeconds: 7200 });
    const [first, second] = await Promise.all([sweeper.sweep(), sweeper.sweep()]);
    const third = await sweeper.sweep();

    // Assert: one reserve called and alerted, the team whole, the leader told, nothing doubled.
    expect(first.backfilled + second.backfilled).toBe(1);
    expect(third.backfilled).toBe(0);
    const after: Board = await waitForBoard(admin, activation.activationId, 'the reserve alerted', (b) =>
      placed(b).some((m) => m.source === 'reserve' && m.alertedAt !== undefined),
    );
    const reserves = placed(after).filter((m) => m.source === 'reserve');
    expect(reserves).toHaveLength(1);
    expect(onBoard(after, unreachedId)).toMatchObject({ delivery: 'failed', status: 'alerted' });
    expect(after.teams[0]).toMatchObject({ shortfall: 0, counts: { drafted: 4, failed: 1 } });
    expect(after.counts.delivered).toBe(2);
    expect(sentTo(phoneOf.get(reserves[0]?.memberId ?? '') ?? '')).toHaveLength(1);
    // The leader's alert and one shortfall notice (the leader hears what is missing, once).
    await waitFor(
      'the leader’s shortfall notice',
      async () => (sentTo(leaderPhone).length >= 2 ? true : undefined),
      {
        timeoutMs: 30_000,
        intervalMs: 100,
      },
    );
    expect(sentTo(leaderPhone)).toHaveLength(2);

    // Later, past both timeouts, with everyone else answered: the unreached person is neither
    // reminded nor marked silent, and nobody more is called for them.
    for (const m of placed(after).filter((p) => p.memberId !== unreachedId))
      await fake.reply(phoneOf.get(m.memberId) ?? '', '1');
    await waitForBoard(admin, activation.activationId, 'three confirmed', (b) => b.counts.confirmed === 3);
    const later = makeSweeper({
      ...tablePorts(),
      clock: { now: () => new Date(Date.now() + 3 * 3600_000) },
      realertAfterSeconds: 3600,
      noResponseAfterSeconds: 7200,
    });
    expect(await later.sweep()).toMatchObject({ reminded: 0, silenced: 0, backfilled: 0 });
    const settled = await readBoard(admin, activation.activationId);
    expect(settled.teams[0]).toMatchObject({
      shortfall: 0,
      counts: { drafted: 4, failed: 1, noResponse: 0 },
    });
    // A sweep that read the person before the receipt landed cannot mark them silent either.
    const cutoff = new Date(Date.now() + 3600_000).toISOString();
    const silent = [{ memberId: unreachedId, teamId: team.teamId }];
    expect(await tablePorts().draftees.markNoResponse(activation.activationId, silent, cutoff)).toBe(0);
    // Nothing more went to the unreached number.
    expect(sentTo(unreachedPhone)).toHaveLength(1);
  });

  it('replaces the people whose numbers the provider refused at the send, once for two racing sweeps', async () => {
    // Arrange: every number but the leader's is refused, so both other members' alerts fail.
    const people = await rosterCommunity(admin, new PhoneBook(4343), {
      streetId: 'bf-st2',
      communityId: 'bf-refused',
      grids: [{ gridId: 'bf2', level: 'green', people: [{ name: 'R0' }, ...named('r', 6)] }],
    });
    const leader = people.get('R0');
    if (!leader) throw new Error('no leader');
    const refused = [...people.values()].filter((p) => p.memberId !== leader.memberId).map((p) => p.phone);
    for (const phone of refused) fake.failures.refuse.add(phone);
    const activation = await switchOn(admin, 'bf-refused', { kind: 'flood', level: 'IV' });
    const failed = await waitForBoard(
      admin,
      activation.activationId,
      'two alerts refused, the leader alerted',
      (b) => b.counts.failed === 2 && b.counts.alerted === 1,
    );
    expect(failed.teams[0]?.shortfall).toBe(2);
    for (const phone of refused) fake.failures.refuse.delete(phone);

    // Act
    const sweeper = makeSweeper({ ...tablePorts(), realertAfterSeconds: 3600, noResponseAfterSeconds: 7200 });
    const [first, second] = await Promise.all([sweeper.sweep(), sweeper.sweep()]);

    // Assert: two reserves called and alerted, nobody more.
    expect(first.backfilled + second.backfilled).toBe(2);
    expect((await sweeper.sweep()).backfilled).toBe(0);
    const after = await waitForBoard(
      admin,
      activation.activationId,
      'both reserves alerted',
      // The board reads the counters just before the people: wait until both say so.
      (b) =>
        b.counts.alerted === 3 &&
        placed(b).filter((m) => m.source === 'reserve' && m.alertedAt !== undefined).length === 2,
    );
    expect(after.teams[0]).toMatchObject({ shortfall: 0, counts: { drafted: 5, failed: 2, alerted: 3 } });
    expect(
      placed(after)
        .filter((m) => m.source !== 'reserve' && !m.leader)
        .map((m) => m.delivery),
    ).toEqual(['failed', 'failed']);
  });

  it('a failed receipt after the no-response timeout turns silence into unreached: replaced once, the board right', async () => {
    // Arrange: the leader and one member answer; the third stays silent past the timeout and is
    // replaced as silent.
    const people = await rosterCommunity(admin, new PhoneBook(4444), {
      streetId: 'bf-st3',
      communityId: 'bf-late',
      grids: [{ gridId: 'bf3', level: 'green', people: [{ name: 'L0' }, ...named('l', 6)] }],
    });
    const phoneOf = new Map([...people.values()].map((p) => [p.memberId, p.phone]));
    const activation = await switchOn(admin, 'bf-late', { kind: 'flood', level: 'IV' });
    const team = activation.teams[0];
    const [answering, silentId] = team?.memberIds.filter((id) => id !== team.leaderId) ?? [];
    if (!team?.leaderId || !answering || !silentId) throw new Error('the team is smaller than three');
    await waitUntilAlerted(admin, activation.activationId);
    for (const id of [team.leaderId, answering]) await fake.reply(phoneOf.get(id) ?? '', '1');
    await waitForBoard(admin, activation.activationId, 'two confirmed', (b) => b.counts.confirmed === 2);
    const later = makeSweeper({
      ...tablePorts(),
      clock: { now: () => new Date(Date.now() + 3 * 3600_000) },
      realertAfterSeconds: 3600,
      noResponseAfterSeconds: 7200,
    });
    // Other tests' activations are swept too: judge this one by its board.
    await later.sweep();
    const silenced = await readBoard(admin, activation.activationId);
    expect(onBoard(silenced, silentId).status).toBe('noResponse');
    expect(placed(silenced).filter((m) => m.source === 'reserve')).toHaveLength(1);
    const [alert] = sentTo(phoneOf.get(silentId) ?? '');
    if (!alert) throw new Error('no alert to the silent member');

    // Act: the provider's receipt comes at last: never delivered.
    await postReceipt(phoneOf.get(silentId) ?? '', alert.messageId, false);
    const board = await waitForBoard(
      admin,
      activation.activationId,
      'the late failure',
      (b) => b.counts.failed === 1,
    );
    const sweeper = makeSweeper({ ...tablePorts(), realertAfterSeconds: 3600, noResponseAfterSeconds: 7200 });
    await sweeper.sweep();

    // Assert: one person out, counted once, replaced once.
    expect(board.teams[0]).toMatchObject({ shortfall: 0, counts: { drafted: 4, noResponse: 0, failed: 1 } });
    expect(onBoard(board, silentId)).toMatchObject({ status: 'alerted', delivery: 'failed' });
    expect(
      placed(await readBoard(admin, activation.activationId)).filter((m) => m.source === 'reserve'),
    ).toHaveLength(1);
  });

  it('someone whose alert failed but who answers all the same counts by the answer alone', async () => {
    // Arrange: a team of three; one member's alert is reported undelivered.
    const people = await rosterCommunity(admin, new PhoneBook(4545), {
      streetId: 'bf-st4',
      communityId: 'bf-answered',
      grids: [{ gridId: 'bf4', level: 'green', people: [{ name: 'A0' }, ...named('a', 6)] }],
    });
    const phoneOf = new Map([...people.values()].map((p) => [p.memberId, p.phone]));
    const activation = await switchOn(admin, 'bf-answered', { kind: 'flood', level: 'IV' });
    const team = activation.teams[0];
    const [unreachedId, otherId] = team?.memberIds.filter((id) => id !== team.leaderId) ?? [];
    if (!team || !unreachedId || !otherId) throw new Error('the team is smaller than three');
    await waitUntilAlerted(admin, activation.activationId);
    const [alert] = sentTo(phoneOf.get(unreachedId) ?? '');
    const [otherAlert] = sentTo(phoneOf.get(otherId) ?? '');
    if (!alert || !otherAlert) throw new Error('an alert was not sent');
    await postReceipt(phoneOf.get(unreachedId) ?? '', alert.messageId, false);
    const failed = await waitForBoard(
      admin,
      activation.activationId,
      'the failure',
      (b) => b.counts.failed === 1,
    );
    expect(failed.teams[0]?.shortfall).toBe(1);

    // Act: the unreached person answers all the same (the grid leader phoned them); the other
    // answers, and only then does the provider say their alert was never delivered.
    await fake.reply(phoneOf.get(unreachedId) ?? '', '1');
    await fake.reply(phoneOf.get(otherId) ?? '', '1');
    await waitForBoard(admin, activation.activationId, 'both confirmed', (b) => b.counts.confirmed === 2);
    await postReceipt(phoneOf.get(otherId) ?? '', otherAlert.messageId, false);
    const board = await waitForBoard(
      admin,
      activation.activationId,
      'the late failure recorded',
      (b) => onBoard(b, otherId).delivery === 'failed',
    );

    // Assert: both count as confirmed and in no failure; nobody is short, nobody is replaced.
    expect(board.teams[0]).toMatchObject({ shortfall: 0, counts: { drafted: 3, confirmed: 2, failed: 0 } });
    expect(onBoard(board, unreachedId)).toMatchObject({ status: 'confirmed', delivery: 'failed' });
    const sweeper = makeSweeper({ ...tablePorts(), realertAfterSeconds: 3600, noResponseAfterSeconds: 7200 });
    await sweeper.sweep();
    expect(
      placed(await readBoard(admin, activation.activationId)).filter((m) => m.source === 'reserve'),
    ).toEqual([]);
  });

  it('a send refused after the person answered fails the alert without counting them unreached', async () => {
    // Arrange: a team of three, alerted; one member has answered, one has not. Both alerts are put
    // back in `sending`, as if their sends were still with the provider.
    const people = await rosterCommunity(admin, new PhoneBook(4646), {
      streetId: 'bf-st5',
      communityId: 'bf-settle',
      grids: [{ gridId: 'bf5', level: 'green', people: [{ name: 'S0' }, ...named('s', 6)] }],
    });
    const phoneOf = new Map([...people.values()].map((p) => [p.memberId, p.phone]));
    const activation = await switchOn(admin, 'bf-settle', { kind: 'flood', level: 'IV' });
    const team = activation.teams[0];
    const [answeredId, silentId] = team?.memberIds.filter((id) => id !== team.leaderId) ?? [];
    if (!team || !answeredId || !silentId) throw new Error('the team is smaller than three');
    await waitUntilAlerted(admin, activation.activationId);
    await fake.reply(phoneOf.get(answeredId) ?? '', '1');
    await waitForBoard(admin, activation.activationId, 'one confirmed', (b) => b.counts.confirmed === 1);
    const doc = documentClient();
    const table = process.env.TABLE_NAME ?? '';
    const leaseUntil = new Date(Date.now() + 600_000).toISOString();
    for (const id of [answeredId, silentId])
      await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: keys.draftee(activation.activationId, id),
          UpdateExpression: 'SET outbox.alert.#s = :sending, outbox.alert.leaseUntil = :lease',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':sending': 'sending', ':lease': leaseUntil },
        }),
      );
    const refused = (memberId: string, reached: boolean): Settlement => ({
      key: keys.draftee(activation.activationId, memberId),
      messageKey: 'alert',
      team: { activationId: activation.activationId, teamId: team.teamId },
      action: 'failed',
      error: 'refused: blacklist',
      firstAlert: true,
      reached,
    });
    const { outbox } = tablePorts();

    // Act: settlements read before the answer lose the race; read after it, they land.
    const lost = await outbox.settle([refused(answeredId, false)]);
    const landed = await outbox.settle([refused(answeredId, true), refused(silentId, false)]);

    // Assert: only the silent member counts as unreached.
    expect(lost).toHaveLength(1);
    expect(landed).toEqual([]);
    const board = await readBoard(admin, activation.activationId);
    expect(board.teams[0]).toMatchObject({ shortfall: 1, counts: { confirmed: 1, failed: 1 } });
    expect(onBoard(board, answeredId)).toMatchObject({ status: 'confirmed' });
  });
});
