import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeProvider } from '../../local/fake-provider';
import type { Api } from './support/http-client';
import { startTestApi, type TestApi } from './support/local-api';
import { oneGridCommunity, PhoneBook } from './support/roster';
import { boardMembers, boardOf, pressOk, waitForBoard } from './support/switch-api';

// The handlers read these when first loaded, which starting the stack does: reminded after 2 s,
// rung midway to noResponse (7 s), noResponse after 12 s.
process.env.PINGJI_REALERT_AFTER_SECONDS = '2';
process.env.PINGJI_NO_RESPONSE_AFTER_SECONDS = '12';
process.env.PINGJI_VOICE = 'on';

/**
 * The voice call for the silent, end to end: the sweep rings through Tencent's client and the fake
 * VMS, whose call reports (each posted twice, in reverse order) come back by the voice callback.
 */
describe('tencent: a voice call for the silent, through the fake provider and its client', () => {
  let api: TestApi;
  let admin: Api;
  let fake: FakeProvider;

  beforeAll(async () => {
    api = await startTestApi({
      smsProvider: 'tencent',
      smsRate: 500,
      sweepSeconds: 1,
      fakeProvider: { duplicates: true, outOfOrder: true },
    });
    admin = await api.as(['admin'], ['*']);
    if (!api.stack.provider) throw new Error('no fake provider');
    fake = api.stack.provider;
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('rings each silent person once; the key 1 is a reply counted once; who answered by SMS is not rung', async () => {
    const communityId = 'voice-tc';
    const phoneBook = new PhoneBook(5301);
    const phones = Array.from({ length: 4 }, () => phoneBook.next());
    await oneGridCommunity(admin, { streetId: 'st-voice', communityId }, phones);

    const activation = await pressOk(admin, communityId, { kind: 'flood', level: 'I' });
    const drafted = activation.drafted;
    await waitForBoard(
      admin,
      activation.activationId,
      'every alert sent',
      (b) => b.counts.alerted === drafted,
    );
    const replier = phones[0] ?? '';
    expect(
      (await api.anonymous.post('/dev/sms/inbound', { from: replier, body: '1', inboundMessageId: 'v-1' }))
        .status,
    ).toBe(202);

    const board = await waitForBoard(
      admin,
      activation.activationId,
      'everyone confirmed, the silent by a key',
      (b) => b.counts.confirmed === drafted,
      30_000,
    );
    const rung = boardMembers(board).filter((m) => m.voice);
    expect(rung).toHaveLength(drafted - 1);
    for (const member of rung)
      expect(member.voice).toMatchObject({ status: 'answered', keypress: '1', durationSeconds: 18 });
    expect(boardMembers(board).find((m) => m.phone === replier)?.voice).toBeUndefined();

    // Later sweeps ring nobody again, and the repeated reports counted once.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const later = await boardOf(admin, activation.activationId);
    expect(later.counts.confirmed).toBe(drafted);
    expect(fake.voiceCalls.map((c) => c.phone).sort()).toEqual(rung.map((m) => m.phone).sort());
    expect(new Set(fake.voiceCalls.map((c) => c.templateId))).toEqual(new Set(['2100001']));
    expect(fake.badSignatures).toBe(0);
  });

  it('answers a voice report without the token with 401 and changes nothing', async () => {
    const before = fake.voiceCalls.length;
    const reply = await api.anonymous.raw('/sms/tencent/voice?token=wrong-token-wrong-token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ voicekey_callback: { callid: 'x', mobile: '13800138000', keypress: '1' } }),
    });
    expect(reply.status).toBe(401);
    expect(JSON.stringify(reply.body)).not.toContain('13800138000');
    expect(fake.voiceCalls).toHaveLength(before);
  });
});
