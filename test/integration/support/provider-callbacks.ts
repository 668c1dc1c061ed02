import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeProvider } from '../../../local/fake-provider';
import type { Api } from './http-client';
import { startTestApi, type TestApi } from './local-api';
import { buildCommunity, CSV_HEADER, importCsv, importResult, PhoneBook } from './roster';
import { boardOf, pressOk, waitForBoard } from './switch-api';

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
      await buildCommunity(admin, { streetId: `st-${kind}`, communityId, grids: ['g1'] });
      const phones = Array.from({ length: 6 }, () => phoneBook.next());
      const rows = phones.map((phone, i) => `队员${i},${phone},volunteer,${i === 0},g1,,,true`);
      const imported = await importCsv(admin, communityId, [CSV_HEADER, ...rows].join('\n'));
      expect(importResult.parse(imported.body).created).toBe(6);
      const undelivered = phones[5] ?? '';
      fake.failures.undeliverable.add(undelivered);

      const activation = await pressOk(admin, communityId, { kind: 'flood', level: 'I' });
      const drafted = activation.drafted;
      await waitForBoard(
        admin,
        activation.activationId,
        'every alert handed over',
        (b) => b.counts.alerted === drafted,
      );
      expect(fake.apiCalls).toBeLessThan(fake.messages);

      const texts = await api.anonymous.get<{ body: string }[]>(
        `/dev/sms/outbox?phone=${encodeURIComponent(phones[1] ?? '')}`,
      );
      expect(texts.body[0]?.body).toMatch(/^【平急】.+响应：/);

      // Each receipt twice, a batch's receipts in reverse order.
      await fake.flushReceipts();
      const board = await boardOf(admin, activation.activationId);
      const failedOnes = fake.sent.filter((s) => s.phone === undelivered).length;
      expect(board.counts).toMatchObject({
        alerted: drafted,
        delivered: drafted - failedOnes,
        failed: failedOnes,
      });

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
      expect(counts.body.messages).toBeGreaterThanOrEqual(drafted);
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
