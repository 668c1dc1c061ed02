import { beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../../../shared/domain/access';
import { type Activation, countsOf, type Draftee } from '../../../../shared/domain/activation';
import { ConflictError, ForbiddenError, NotFoundError } from '../../../../shared/domain/errors';
import { makeCheckInUseCases } from '../../../../shared/use-cases/check-in';
import { type CheckInWrite, FakeCheckIns } from '../../support/fake-check-ins';

const ACTIVATION = '01jd0000000000000000000aaa';
const PHONE = '+8613800138000';
const MEMBER = 'm1';
const NOW = '2025-11-22T08:20:00.000Z';
const SENT_AT = '2025-11-22T08:19:58.000Z';

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

let now: Date;
let checkIns: FakeCheckIns;
const activations = new Map<string, Activation>();
let activationReads = 0;
let checkIn: ReturnType<typeof makeCheckInUseCases>;

beforeEach(() => {
  now = new Date(NOW);
  checkIns = new FakeCheckIns();
  activations.clear();
  activationReads = 0;
  checkIn = makeCheckInUseCases({
    checkIns,
    activations: {
      get: async (id) => {
        activationReads++;
        return activations.get(id);
      },
    },
    clock: { now: () => now },
  });
});

const reply = (body: string, inboundMessageId = 'in-1', receivedAt: string | undefined = SENT_AT) =>
  checkIn.reply({ from: PHONE, body, inboundMessageId, receivedAt });

const phoneEntry = (smsOptOut = false) =>
  checkIns.withPhone({ phone: PHONE, memberId: MEMBER, communityId: 'dongguan', smsOptOut });

const stored = () => checkIns.draftee(ACTIVATION, MEMBER);
/** The team's counters as they stand for what is stored: what the port moves with each write. */
const counts = () => countsOf([...checkIns.draftees.values()]);
const writesOf = <K extends CheckInWrite['op']>(op: K) =>
  checkIns.writes.filter((w): w is Extract<CheckInWrite, { op: K }> => w.op === op);

describe('reply: a status reply', () => {
  it('"1 30" writes the inbound id, the draftee, the counters and the acknowledgement in one write', async () => {
    checkIns.withDraftees(aDraftee());

    const outcome = await reply('1 30');

    expect(outcome).toBe('applied');
    expect(checkIns.writes).toEqual([
      {
        op: 'status',
        memberId: MEMBER,
        from: 'drafted',
        to: 'confirmed',
        at: NOW,
        replyAt: SENT_AT,
        inbound: { id: 'in-1', at: NOW },
        etaMinutes: 30,
        reason: undefined,
        ack: {
          key: expect.stringMatching(/^ack-/),
          message: expect.objectContaining({
            kind: 'ack',
            state: 'queued',
            body: expect.stringContaining('您约30分钟后到'),
          }),
        },
      },
    ]);
    expect(checkIns.inbound.has('in-1')).toBe(true);
    expect(stored()).toMatchObject({
      status: 'confirmed',
      etaMinutes: 30,
      respondedAt: NOW,
      lastReplyAt: SENT_AT,
    });
    expect(counts()).toMatchObject({ confirmed: 1, declined: 0 });
  });

  it('"2 在外地" after a confirmation moves the person from confirmed to declined and keeps the reason', async () => {
    checkIns.withDraftees(
      aDraftee({ status: 'confirmed', etaMinutes: 10, lastReplyAt: '2025-11-22T08:10:00.000Z' }),
    );

    const outcome = await reply('2 在外地');

    expect(outcome).toBe('applied');
    const [write] = writesOf('status');
    expect(write).toMatchObject({
      from: 'confirmed',
      to: 'declined',
      reason: '在外地',
      etaMinutes: undefined,
      ack: { message: { body: expect.stringContaining('您本次不能参加') } },
    });
    expect(stored()).toMatchObject({ status: 'declined', reason: '在外地' });
    expect(stored()?.etaMinutes).toBeUndefined();
    expect(counts()).toMatchObject({ confirmed: 0, declined: 1 });
  });

  it('a replayed inbound id is refused whole: "replayed", nothing else written', async () => {
    checkIns.withDraftees(aDraftee());
    checkIns.inbound.add('in-1');

    const outcome = await reply('1');

    expect(outcome).toBe('replayed');
    expect(checkIns.attempts.applyStatus).toBe(1);
    expect(checkIns.writes).toEqual([]);
    expect(checkIns.reads.getDraftee).toBe(0);
    expect(stored()?.status).toBe('drafted');
  });

  it('when another reply moved the person first, reads them again and applies from where they now stand', async () => {
    checkIns.withDraftees(aDraftee());
    checkIns.beforeNextWrite(() =>
      checkIns.move(ACTIVATION, MEMBER, { status: 'declined', lastReplyAt: '2025-11-22T08:19:00.000Z' }),
    );

    const outcome = await reply('3');

    expect(outcome).toBe('applied');
    expect(checkIns.attempts.applyStatus).toBe(2);
    expect(checkIns.reads.getDraftee).toBe(1);
    expect(writesOf('status')).toEqual([expect.objectContaining({ from: 'declined', to: 'arrived' })]);
    expect(stored()?.status).toBe('arrived');
    expect(counts()).toMatchObject({ declined: 0, arrived: 1 });
  });

  it('when the person arrived meanwhile, a "1" is only remembered: "ignored"', async () => {
    checkIns.withDraftees(aDraftee());
    checkIns.beforeNextWrite(() => checkIns.move(ACTIVATION, MEMBER, { status: 'arrived' }));

    const outcome = await reply('1');

    expect(outcome).toBe('ignored');
    expect(checkIns.attempts.applyStatus).toBe(1);
    expect(checkIns.writes).toEqual([]);
    expect(checkIns.inbound.has('in-1')).toBe(true);
    expect(stored()?.status).toBe('arrived');
  });

  it('a late "1" after "3" writes nothing but the inbound id: "ignored"', async () => {
    checkIns.withDraftees(aDraftee({ status: 'arrived', lastReplyAt: '2025-11-22T08:15:00.000Z' }));

    const outcome = await reply('1');

    expect(outcome).toBe('ignored');
    expect(checkIns.attempts.applyStatus).toBe(0);
    expect(checkIns.attempts.recordInbound).toBe(1);
    expect(checkIns.inbound.has('in-1')).toBe(true);
  });

  it('the same late "1", delivered again, is "replayed"', async () => {
    checkIns.withDraftees(aDraftee({ status: 'arrived' }));
    checkIns.inbound.add('in-1');

    const outcome = await reply('1');

    expect(outcome).toBe('replayed');
  });

  it('a reply sent before the one already applied (older SNS timestamp) is "stale" and changes nothing', async () => {
    checkIns.withDraftees(aDraftee({ status: 'declined', lastReplyAt: '2025-11-22T08:19:59.000Z' }));

    const outcome = await reply('1', 'in-2', '2025-11-22T08:19:30.000Z');

    expect(outcome).toBe('stale');
    expect(checkIns.attempts.applyStatus).toBe(0);
    expect(checkIns.inbound.has('in-2')).toBe(true);
    expect(stored()?.status).toBe('declined');
  });

  it('without an SNS timestamp the reply is ordered by the time it is handled', async () => {
    checkIns.withDraftees(aDraftee());

    await checkIn.reply({ from: PHONE, body: '1', inboundMessageId: 'in-3' });

    expect(writesOf('status')).toEqual([expect.objectContaining({ replyAt: NOW })]);
  });
});

describe('reply: phones with nothing to answer', () => {
  it('a phone on no roster gets nothing and changes nothing', async () => {
    const outcome = await reply('1');

    expect(outcome).toBe('unknownPhone');
    expect(checkIns.writes).toEqual([]);
    expect(checkIns.inbound.size).toBe(0);
  });

  it('a sender that is not a phone number is "unknownPhone" without a read', async () => {
    const outcome = await checkIn.reply({ from: 'not-a-phone', body: '1', inboundMessageId: 'in-1' });

    expect(outcome).toBe('unknownPhone');
    expect(checkIns.reads).toEqual({ findOpenByPhone: 0, getPhone: 0, getDraftee: 0 });
  });

  it('a rostered phone with no open call-out gets one "no active call-out" SMS, under one id per day', async () => {
    phoneEntry();

    const first = await reply('1', 'in-1');
    const second = await reply('3', 'in-2');
    now = new Date('2025-11-23T08:20:00.000Z');
    await reply('1', 'in-3');

    expect([first, second]).toEqual(['noActiveCallout', 'noActiveCallout']);
    // The day's second answer goes under the first one's id, so it is not queued again.
    const [day1, again, day2] = checkIns.looseIds;
    expect(again).toBe(day1);
    expect(day2).not.toBe(day1);
    const loose = writesOf('loose');
    expect(loose.map((l) => l.id)).toEqual([day1, day2]);
    expect(loose[0]).toMatchObject({
      phone: PHONE,
      message: { body: expect.stringContaining('目前没有需要您回复的召集') },
    });
    expect(loose.map((l) => l.inbound.id)).toEqual(['in-1', 'in-3']);
    expect([...checkIns.inbound]).toEqual(['in-1', 'in-3']);
  });

  it('a phone that opted out and has no call-out gets no answer at all', async () => {
    phoneEntry(true);

    const outcome = await reply('1');

    expect(outcome).toBe('ignored');
    expect(checkIns.writes).toEqual([]);
    expect(checkIns.attempts.recordInbound).toBe(1);
    expect(checkIns.inbound.has('in-1')).toBe(true);
  });
});

describe('reply: noise', () => {
  it('queues the help text once, on the draftee, conditional on no help sent before', async () => {
    checkIns.withDraftees(aDraftee());

    const outcome = await reply('🙂');

    expect(outcome).toBe('help');
    expect(writesOf('help')).toEqual([
      expect.objectContaining({
        memberId: MEMBER,
        message: expect.objectContaining({ kind: 'help', body: expect.stringContaining('请回复数字') }),
      }),
    ]);
    expect(stored()?.helpSentAt).toBe(NOW);
  });

  it('after the help was sent, noise is only remembered: "helpAlreadySent"', async () => {
    checkIns.withDraftees(aDraftee({ helpSentAt: '2025-11-22T08:05:00.000Z' }));

    const outcome = await reply('12');

    expect(outcome).toBe('helpAlreadySent');
    expect(checkIns.writes).toEqual([]);
    expect(checkIns.attempts.recordInbound).toBe(1);
    expect(checkIns.inbound.has('in-1')).toBe(true);
  });
});

describe('reply: opting out and in', () => {
  it('"TD" while drafted: flags phone and member, confirms, releases, and takes the person out of every count', async () => {
    checkIns.withDraftees(aDraftee({ status: 'confirmed' }));
    phoneEntry();

    const outcome = await reply('TD');

    expect(outcome).toBe('optedOut');
    expect(writesOf('optOut')).toEqual([
      expect.objectContaining({
        optOut: true,
        inbound: { id: 'in-1', at: NOW },
        confirmation: {
          id: expect.stringMatching(/^optout-/),
          message: expect.objectContaining({ body: expect.stringContaining('已退订') }),
        },
        released: MEMBER,
      }),
    ]);
    expect(checkIns.phones.get(PHONE)?.smsOptOut).toBe(true);
    expect(checkIns.memberOptOut.get(MEMBER)).toBe(true);
    expect(stored()).toMatchObject({ status: 'released', open: false, reason: 'opted out of SMS' });
    expect(counts()).toMatchObject({ confirmed: 0, released: 1, drafted: 0, alerted: 0, delivered: 0 });
  });

  it('"TD" while the alert is being settled: reads the person again and releases them as they now are', async () => {
    checkIns.withDraftees(aDraftee({ alertedAt: undefined, deliveredAt: undefined }));
    phoneEntry();
    checkIns.beforeNextWrite(() =>
      checkIns.move(ACTIVATION, MEMBER, {
        alertedAt: '2025-11-22T08:00:05.000Z',
        deliveredAt: '2025-11-22T08:00:06.000Z',
      }),
    );

    const outcome = await reply('TD');

    expect(outcome).toBe('optedOut');
    expect(checkIns.attempts.setOptOut).toBe(2);
    expect(checkIns.reads.getDraftee).toBe(1);
    expect(writesOf('optOut')).toEqual([expect.objectContaining({ released: MEMBER })]);
    expect(stored()).toMatchObject({ status: 'released', alertedAt: '2025-11-22T08:00:05.000Z' });
    expect(counts()).toMatchObject({ released: 1, drafted: 0, alerted: 0, delivered: 0 });
  });

  it('"TD" from someone stood down meanwhile still opts them out, releasing nobody', async () => {
    checkIns.withDraftees(aDraftee());
    phoneEntry();
    checkIns.beforeNextWrite(() => checkIns.move(ACTIVATION, MEMBER, { open: false }));

    const outcome = await reply('TD');

    expect(outcome).toBe('optedOut');
    expect(checkIns.attempts.setOptOut).toBe(2);
    expect(writesOf('optOut')).toEqual([expect.objectContaining({ optOut: true, released: undefined })]);
    expect(checkIns.phones.get(PHONE)?.smsOptOut).toBe(true);
    expect(stored()?.status).toBe('drafted');
  });

  it('"START" clears the flag and confirms, releasing nobody', async () => {
    phoneEntry(true);

    const outcome = await reply('START');

    expect(outcome).toBe('optedIn');
    expect(writesOf('optOut')).toEqual([
      expect.objectContaining({
        optOut: false,
        confirmation: expect.objectContaining({
          message: expect.objectContaining({ body: expect.stringContaining('已恢复') }),
        }),
        released: undefined,
      }),
    ]);
    expect(checkIns.phones.get(PHONE)?.smsOptOut).toBe(false);
    expect(checkIns.reads.findOpenByPhone).toBe(0);
  });

  it('"退订" from a phone on no roster changes nothing', async () => {
    const outcome = await reply('退订');

    expect(outcome).toBe('unknownPhone');
    expect(checkIns.attempts.setOptOut).toBe(0);
    expect(checkIns.writes).toEqual([]);
  });
});

describe('manual check-in', () => {
  const commander: Principal = { sub: 'cmd-1', groups: ['commander'], communities: ['dongguan'] };
  const planner: Principal = { sub: 'pl-1', groups: ['planner'], communities: ['dongguan'] };

  const activationIs = (activation: Activation | undefined) => {
    if (activation) activations.set(ACTIVATION, activation);
    else activations.delete(ACTIVATION);
  };

  it('moves the person with the same write as a reply and returns them as the board shows them', async () => {
    activationIs(anActivation());
    checkIns.withDraftees(aDraftee());

    const member = await checkIn.manual(commander, ACTIVATION, { memberId: MEMBER, status: 'confirmed' });

    expect(member).toMatchObject({ memberId: MEMBER, name: '王伟', status: 'confirmed', respondedAt: NOW });
    expect(writesOf('status')).toEqual([
      expect.objectContaining({
        from: 'drafted',
        to: 'confirmed',
        inbound: undefined,
        ack: expect.objectContaining({ key: expect.stringMatching(/^manual-/) }),
      }),
    ]);
    expect(counts()).toMatchObject({ confirmed: 1 });
  });

  it('refuses a planner (403) before reading the person', async () => {
    activationIs(anActivation());
    checkIns.withDraftees(aDraftee());

    await expect(
      checkIn.manual(planner, ACTIVATION, { memberId: MEMBER, status: 'arrived' }),
    ).rejects.toThrow(ForbiddenError);
    expect(activationReads).toBe(1);
    expect(checkIns.reads.getDraftee).toBe(0);
  });

  it('404 for an unknown activation, and for a member not on it', async () => {
    activationIs(undefined);
    const unknownActivation = checkIn.manual(commander, ACTIVATION, { memberId: MEMBER, status: 'arrived' });
    await expect(unknownActivation).rejects.toThrow(NotFoundError);

    activationIs(anActivation());
    const notDrafted = checkIn.manual(commander, ACTIVATION, { memberId: MEMBER, status: 'arrived' });
    await expect(notDrafted).rejects.toThrow(NotFoundError);
    expect(checkIns.attempts.applyStatus).toBe(0);
  });

  it('409 INVALID_TRANSITION from arrived to confirmed, naming where the person stands', async () => {
    activationIs(anActivation());
    checkIns.withDraftees(aDraftee({ status: 'arrived' }));

    const error = await checkIn
      .manual(commander, ACTIVATION, { memberId: MEMBER, status: 'confirmed' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({
      code: 'INVALID_TRANSITION',
      details: [expect.objectContaining({ from: 'arrived' })],
    });
    expect(checkIns.attempts.applyStatus).toBe(0);
  });

  it('409 ACTIVATION_CLOSED after stand-down', async () => {
    activationIs(anActivation({ status: 'stoodDown', endedAt: NOW }));
    checkIns.withDraftees(aDraftee());

    await expect(
      checkIn.manual(commander, ACTIVATION, { memberId: MEMBER, status: 'confirmed' }),
    ).rejects.toMatchObject({ status: 409, code: 'ACTIVATION_CLOSED' });
    expect(checkIns.writes).toEqual([]);
  });

  it('409 CONCURRENT_UPDATE when a reply made the change impossible meanwhile', async () => {
    activationIs(anActivation());
    checkIns.withDraftees(aDraftee());
    checkIns.beforeNextWrite(() => checkIns.move(ACTIVATION, MEMBER, { status: 'arrived' }));

    await expect(
      checkIn.manual(commander, ACTIVATION, { memberId: MEMBER, status: 'declined' }),
    ).rejects.toMatchObject({ status: 409, code: 'CONCURRENT_UPDATE' });
    expect(checkIns.attempts.applyStatus).toBe(1);
    expect(stored()?.status).toBe('arrived');
  });
});
