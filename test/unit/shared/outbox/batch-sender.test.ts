import { describe, expect, it } from 'vitest';
import {
  type OutgoingSms,
  type SentCheck,
  type SentSms,
  type SmsGateway,
  SmsRejectedError,
  SmsThrottledError,
  SmsUncertainError,
} from '../../../../shared/adapters/sms-gateway';
import { SmsFrequencyLimitedError } from '../../../../shared/adapters/sms-providers/provider-gateway';
import { dedupeKeyOf } from '../../../../shared/outbox/port';
import {
  at,
  dispatcher,
  drafteeItem as draftee,
  io,
  keyOf,
  queuedMessage as message,
  phoneOf,
} from '../../support/dispatch-world';
import { FakeOutbox } from '../../support/fake-outbox';

/** What a scripted call answers for one message: a result, an error, or undefined for success. */
type Answer = (sms: OutgoingSms, call: number) => SentSms | Error | undefined;

/** A gateway that takes many messages per call and answers each as its script says. */
class BatchGateway implements SmsGateway {
  readonly calls: OutgoingSms[][] = [];
  readonly checks: SentCheck[] = [];
  constructor(
    readonly batchLimit: number,
    private readonly answer: Answer = () => undefined,
    private readonly knows: 'yes' | 'unknown' | ((check: SentCheck) => 'yes' | 'unknown') = 'unknown',
  ) {}
  async send(): Promise<SentSms> {
    throw new Error('a batch gateway is handed lists');
  }
  async sendMany(list: readonly OutgoingSms[]): Promise<(SentSms | Error)[]> {
    await io();
    const call = this.calls.push([...list]);
    return list.map((sms, i) => this.answer(sms, call) ?? { messageId: `c${call}-${i}` });
  }
  async wasSent(_dedupeKey: string, check?: SentCheck): Promise<'yes' | 'unknown'> {
    if (!check) return 'unknown';
    this.checks.push(check);
    return typeof this.knows === 'function' ? this.knows(check) : this.knows;
  }
  /** Each call's numbers. */
  phones(): string[][] {
    return this.calls.map((c) => c.map((s) => s.to));
  }
}

const members = (n: number) => Array.from({ length: n }, (_, i) => `m${String(i + 1).padStart(2, '0')}`);

describe('the sender, through a gateway that takes many messages per call', () => {
  it("hands a claimed group over in one call, each person's messages in later calls in queued order", async () => {
    const outbox = new FakeOutbox();
    const changes = [
      outbox.add(
        draftee('m01', {
          alert: message('alert', 0),
          reminder: message('reminder', 1),
          notice: message('notice', 2),
        }),
      ),
      outbox.add(draftee('m02')),
      outbox.add(draftee('m03', { alert: message('alert', 0), reminder: message('reminder', 1) })),
    ];
    const sms = new BatchGateway(200);

    const { failedAt, stats } = await dispatcher(outbox, sms).handle(changes);

    expect(failedAt).toBeUndefined();
    expect(stats.sent).toBe(6);
    expect(sms.calls.map((c) => c.map((s) => s.dedupeKey))).toEqual([
      [
        dedupeKeyOf(keyOf('m01'), 'alert'),
        dedupeKeyOf(keyOf('m02'), 'alert'),
        dedupeKeyOf(keyOf('m03'), 'alert'),
      ],
      [dedupeKeyOf(keyOf('m01'), 'reminder'), dedupeKeyOf(keyOf('m03'), 'reminder')],
      [dedupeKeyOf(keyOf('m01'), 'notice')],
    ]);
    expect(outbox.message(keyOf('m01'), 'notice')).toMatchObject({ state: 'sent', messageId: 'c3-0' });
    expect(outbox.items.get('ACT#a1|MEMBER#m02')?.alertedAt).toBe(at(0));
  });

  it('claims and sends no more than the gateway takes per call, group after group', async () => {
    const outbox = new FakeOutbox();
    const changes = members(7).map((m) => outbox.add(draftee(m)));
    const sms = new BatchGateway(3);

    const { stats } = await dispatcher(outbox, sms).handle(changes);

    expect(stats.sent).toBe(7);
    expect(sms.calls.map((c) => c.length)).toEqual([3, 3, 1]);
    expect(outbox.claims).toBe(3);
    expect(sms.phones().flat().sort()).toEqual(members(7).map(phoneOf));
  });

  it('sends a throttled message again in a following call, and puts it back when the gateway stays busy', async () => {
    const outbox = new FakeOutbox();
    const changes = members(3).map((m) => outbox.add(draftee(m)));
    // m02 is throttled in every call, m03 in the first only.
    const sms = new BatchGateway(200, (s, call) =>
      s.to === phoneOf('m02') || (s.to === phoneOf('m03') && call === 1)
        ? new SmsThrottledError('busy')
        : undefined,
    );

    const { failedAt, stats } = await dispatcher(outbox, sms, { maxAttempts: 3 }).handle(changes);

    expect(sms.phones()).toEqual([
      [phoneOf('m01'), phoneOf('m02'), phoneOf('m03')],
      [phoneOf('m02'), phoneOf('m03')],
      [phoneOf('m02')],
    ]);
    expect(stats).toMatchObject({ sent: 2, requeued: 1 });
    expect(failedAt).toBe(changes[1]?.index);
    expect(outbox.message(keyOf('m02'))?.state).toBe('queued');
    expect(outbox.message(keyOf('m03'))?.state).toBe('sent');
  });

  it('records refused and frequency-limited numbers failed with the reason, and sends them no more', async () => {
    const outbox = new FakeOutbox();
    const changes = members(3).map((m) => outbox.add(draftee(m)));
    const sms = new BatchGateway(200, (s) =>
      s.to === phoneOf('m01')
        ? new SmsRejectedError('refused', 'refused: blacklist')
        : s.to === phoneOf('m02')
          ? new SmsFrequencyLimitedError('limited', 'frequencyLimited: daily limit')
          : undefined,
    );

    const { failedAt, stats } = await dispatcher(outbox, sms).handle(changes);

    expect(failedAt).toBeUndefined();
    expect(stats).toMatchObject({ sent: 1, failed: 2 });
    expect(sms.calls).toHaveLength(1);
    expect(outbox.message(keyOf('m01'))).toMatchObject({ state: 'failed', error: 'refused: blacklist' });
    expect(outbox.message(keyOf('m02'))).toMatchObject({
      state: 'failed',
      error: 'frequencyLimited: daily limit',
    });
    expect(outbox.items.get('ACT#a1|MEMBER#m01')?.alertedAt).toBeUndefined();
  });

  it('fails the alert of someone who answered before it was refused, as answered, and counts them nowhere', async () => {
    const outbox = new FakeOutbox();
    const answered = outbox.add({ ...draftee('m01'), respondedAt: at(-1_000), status: 'confirmed' });
    const silent = outbox.add(draftee('m02'));
    const sms = new BatchGateway(200, () => new SmsRejectedError('refused', 'refused: blacklist'));

    const { stats } = await dispatcher(outbox, sms).handle([answered, silent]);

    // The fake outbox, like the table, refuses a settlement whose view of the answer is wrong.
    expect(stats).toMatchObject({ failed: 2 });
    expect(outbox.message(keyOf('m01'))).toMatchObject({ state: 'failed', error: 'refused: blacklist' });
    expect(outbox.message(keyOf('m02'))).toMatchObject({ state: 'failed' });
  });

  it('tries every message of a call that failed as a whole again', async () => {
    const outbox = new FakeOutbox();
    const changes = members(2).map((m) => outbox.add(draftee(m)));
    let calls = 0;
    const sms = new BatchGateway(200);
    const flaky: SmsGateway = {
      batchLimit: 200,
      send: () => sms.send(),
      wasSent: () => sms.wasSent(''),
      sendMany: async (list) => {
        if (++calls === 1) throw new Error('connection reset');
        return sms.sendMany(list);
      },
    };

    const { stats } = await dispatcher(outbox, flaky).handle(changes);

    expect(stats.sent).toBe(2);
    expect(sms.phones()).toEqual([[phoneOf('m01'), phoneOf('m02')]]);
  });

  it('asks the gateway about a message whose sender died, with its number, content and first claim', async () => {
    const outbox = new FakeOutbox();
    const template = { message: { type: 'help' as const, drill: false }, locale: 'zh' as const };
    const died = {
      state: 'sending' as const,
      leaseUntil: at(-1_000),
      claimedAt: at(-61_000),
      attempts: 1,
      template,
    };
    const left = outbox.add(draftee('m01', { alert: message('alert', -62_000, died) }));
    const unknown = outbox.add(draftee('m02', { alert: message('alert', -62_000, died) }));
    const sms = new BatchGateway(200, undefined, 'yes');
    const unsure = new BatchGateway(200, undefined, 'unknown');

    await dispatcher(outbox, sms).handle([left]);
    await dispatcher(outbox, unsure).handle([unknown]);

    expect(sms.calls).toEqual([]);
    expect(sms.checks).toEqual([
      {
        to: phoneOf('m01'),
        body: '【平急】alert',
        dedupeKey: dedupeKeyOf(keyOf('m01'), 'alert'),
        template,
        since: at(-61_000),
      },
    ]);
    expect(outbox.message(keyOf('m01'))).toMatchObject({ state: 'sent', messageId: 'reconciled' });
    // Where the gateway cannot tell, the message is sent again: at least once.
    expect(unsure.phones()).toEqual([[phoneOf('m02')]]);
    expect(outbox.message(keyOf('m02'))).toMatchObject({
      state: 'sent',
      attempts: 2,
      claimedAt: at(-61_000),
    });
  });

  it('asks about a message whose call got no answer before sending it again, from the time of that call', async () => {
    const outbox = new FakeOutbox();
    const changes = members(3).map((m) => outbox.add(draftee(m)));
    // The first call is carried out for m01 and m02 but never answered; m03 was throttled outright.
    const sms = new BatchGateway(
      200,
      (s, call) =>
        call > 1
          ? undefined
          : s.to === phoneOf('m03')
            ? new SmsThrottledError('busy')
            : new SmsUncertainError('no answer: Timeout'),
      (check) => (check.to === phoneOf('m01') ? 'yes' : 'unknown'),
    );

    const { failedAt, stats } = await dispatcher(outbox, sms).handle(changes);

    expect(failedAt).toBeUndefined();
    expect(stats.sent).toBe(3);
    // m01 had left; m02's records could not tell, so it goes again (at least once); m03 is not asked.
    expect(sms.checks.map((c) => [c.to, c.since])).toEqual([
      [phoneOf('m01'), at(0)],
      [phoneOf('m02'), at(0)],
    ]);
    expect(sms.phones()).toEqual([
      [phoneOf('m01'), phoneOf('m02'), phoneOf('m03')],
      [phoneOf('m02'), phoneOf('m03')],
    ]);
    expect(outbox.message(keyOf('m01'))).toMatchObject({ state: 'sent', messageId: 'reconciled' });
    expect(outbox.message(keyOf('m02'))).toMatchObject({ state: 'sent', messageId: 'c2-0' });
  });

  it('asks once more before putting back a message whose calls went unanswered to the last try', async () => {
    const outbox = new FakeOutbox();
    const changes = members(2).map((m) => outbox.add(draftee(m)));
    let lastCall = 0;
    const sms = new BatchGateway(
      200,
      (_s, call) => {
        lastCall = call;
        return new SmsUncertainError('no answer: Timeout');
      },
      // m02's last unanswered call is the one that reached it.
      (check) => (check.to === phoneOf('m02') && lastCall === 2 ? 'yes' : 'unknown'),
    );

    const { failedAt, stats } = await dispatcher(outbox, sms, { maxAttempts: 2 }).handle(changes);

    expect(sms.calls).toHaveLength(2);
    expect(sms.checks.map((c) => c.to)).toEqual([
      phoneOf('m01'),
      phoneOf('m02'),
      phoneOf('m01'),
      phoneOf('m02'),
    ]);
    expect(stats).toMatchObject({ sent: 1, requeued: 1 });
    expect(failedAt).toBe(changes[0]?.index);
    expect(outbox.message(keyOf('m01'))?.state).toBe('queued');
    expect(outbox.message(keyOf('m02'))).toMatchObject({ state: 'sent', messageId: 'reconciled' });
  });
});
