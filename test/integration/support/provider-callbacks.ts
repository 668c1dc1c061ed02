import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeProvider } from '../../../local/fake-provider';
import { reportView } from '../../../shared/http/schemas';
import type { Api } from './http-client';
import { startTestApi, type TestApi } from './local-api';
import { oneGridCommunity, PhoneBook } from './roster';
import { boardMembers, boardOf, pressOk, waitForBoard } from './switch-api';

/**
 * Receipts and replies by callback through a fake provider and its official SDK. One provider per
 * test file: a worker loads each handler module once, with the provider it was started for.
 */
export function providerCallbackSuite(kind: 'tencent' | 'aliyun', seed: number): void {
  describe(`${kind}: receipts and replies by callback, through the fake provider and the official SDK`, () => {
    let api: TestApi;
    let admin: Api;
    let fake: FakeProvider;
    const phoneBook = new PhoneBook(seed);

    beforeAll(async () => {
      api = await startTestApi({
        smsProvider: kind,
        smsRate: 500,
        fakeProvider: { manualReceipts: true, duplicates: true, outOfOrder: true },
      });
      admin = await api.as(['admin'], ['*']);
      const provider = api.stack.provider;
      if (!provider) throw new Error('no fake provider');
      fake = provider;
    });
    afterAll(async () => {
      await api?.stop();
    });

    it('batches a team, counts receipts once each, fails the undelivered and takes a reply once', async () => {
      const communityId = `cb-${kind}`;
      const phones = Array.from({ length: 6 }, () => phoneBook.next());
      await oneGridCommunity(admin, { streetId: `st-${kind}`, communityId }, phones);
      const undelivered = phones[5] ?? '';
      fake.failures.undeliverable.add(undelivered);
      const capped = phones[4] ?? '';
      fake.failures.frequencyLimit.add(capped);

      const activation = await pressOk(admin, communityId, { kind: 'flood', level: 'I' });
      const drafted = activation.drafted;
      await waitForBoard(
        admin,
        activation.activationId,
        'every alert handed over, but the capped one',
        (b) => b.counts.alerted === drafted - 1 && b.counts.failed === 1,
      );
      // Tencent answers each number of a call; Alibaba answers the call as a whole, so a call
      // refused for the capped number's sake is sent again number by number.
      if (kind === 'tencent') expect(fake.apiCalls).toBeLessThan(fake.messages);
      else expect(fake.apiCalls).toBeLessThanOrEqual(drafted + 1);

      const texts = await api.anonymous.get<{ body: string }[]>(
        `/dev/sms/outbox?phone=${encodeURIComponent(phones[1] ?? '')}`,
      );
      expect(texts.body[0]?.body).toMatch(/^【平急】.+响应：/);

      // Each receipt twice, a batch's receipts in reverse order.
      await fake.flushReceipts();
      const board = await boardOf(admin, activation.activationId);
      const failedOnes = fake.sent.filter((s) => s.phone === undelivered).length;
      expect(fake.sent.filter((s) => s.phone === capped)).toEqual([]);
      expect(board.counts).toMatchObject({
        delivered: drafted - failedOnes - 1,
        failed: failedOnes + 1,
      });
      // Each line says what became of its alert; both failures count in the team's shortfall.
      const lines = new Map(boardMembers(board).map((m) => [m.name, m]));
      expect(lines.get('队员5')).toMatchObject({ delivery: 'failed', deliveryReason: expect.any(String) });
      expect(lines.get('队员4')).toMatchObject({
        delivery: 'frequencyLimited',
        deliveryReason: expect.stringMatching(/Limit|LIMIT/),
        frequencyLimited: ['alert'],
      });
      expect(lines.get('队员1')).toMatchObject({ delivery: 'delivered' });
      const team = board.teams[0];
      const c = team?.counts;
      expect(team?.shortfall).toBe(
        Math.max(0, (team?.quota ?? 0) - ((c?.drafted ?? 0) - (c?.declined ?? 0) - (c?.noResponse ?? 0) - 2)),
      );
      const report = reportView.parse(
        (await admin.get(`/activations/${activation.activationId}/report`)).body,
      );
      expect(report.frequencyLimited).toMatchObject({ messages: 1, people: 1, byKind: { alert: 1 } });

      const inbound = { from: phones[1] ?? '', body: '1', inboundMessageId: 'reply-0001' };
      expect((await api.anonymous.post('/dev/sms/inbound', inbound)).status).toBe(202);
      expect((await api.anonymous.post('/dev/sms/inbound', inbound)).status).toBe(202);
      const confirmed = await waitForBoard(
        admin,
        activation.activationId,
        'the reply',
        (b) => b.counts.confirmed >= 1,
      );
      expect(confirmed.counts.confirmed).toBe(1);

      const counts = await api.anonymous.get<{ provider: string; apiCalls: number; messages: number }>(
        '/dev/sms/provider',
      );
      expect(counts.body).toMatchObject({ provider: kind });
      expect(counts.body.messages).toBeGreaterThanOrEqual(drafted - 1);
      expect(fake.badSignatures).toBe(0);
    });

    it('answers a wrong or missing token with 401, changes nothing and echoes nothing', async () => {
      const phone = phoneBook.next();
      const body =
        kind === 'tencent'
          ? [{ mobile: phone.slice(3), nationcode: '86', text: '1', time: 1 }]
          : [{ phone_number: phone.slice(3), content: '1', sequence_id: 1 }];
      for (const query of ['?token=wrong-token-wrong-token', '']) {
        const reply = await api.anonymous.raw(`/sms/${kind}/replies${query}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(reply.status).toBe(401);
        expect(JSON.stringify(reply.body)).not.toContain(phone.slice(3));
      }
    });
  });
}
