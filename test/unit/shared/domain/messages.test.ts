import { describe, expect, it } from 'vitest';
import type { Activation, Draftee, OutboxMessage } from '../../../../shared/domain/activation';
import {
  ackFor,
  alertFor,
  helpFor,
  noCallOutNotice,
  optOutNoticeFor,
  reminderFor,
  shortfallFor,
  standDownFor,
} from '../../../../shared/domain/messages';
import { render } from '../../../../shared/domain/sms';

const activation: Activation = {
  activationId: 'a1',
  communityId: 'dongguan',
  communityName: '东关社区',
  kind: 'flood',
  level: 'III',
  drill: false,
  locale: 'zh',
  status: 'active',
  startedAt: '2026-11-22T10:00:00.000Z',
  startedBy: 'officer',
  teams: [
    {
      teamId: 'g1',
      gridId: 'g1',
      gridName: '一网格',
      musterPoint: '广场',
      quota: 2,
      leaderName: '李强',
      missingSkills: [],
      reserves: 3,
    },
  ],
  unitIds: [],
  drafted: 2,
  reserves: 3,
};

const sending: OutboxMessage = {
  kind: 'alert',
  body: 'x',
  state: 'sending',
  queuedAt: '2026-11-22T10:00:00.000Z',
  attempts: 1,
};

function person(patch: Partial<Draftee> = {}): Pick<Draftee, 'alertedAt' | 'status' | 'source' | 'outbox'> {
  return { status: 'drafted', source: 'grid', outbox: {}, ...patch };
}

describe('which message a situation sends', () => {
  it('alerts a team member with the team, its leader and its muster point', () => {
    const { kind, message } = alertFor(activation, 'g1', false);
    expect(kind).toBe('alert');
    expect(message).toMatchObject({
      type: 'alert',
      teamName: '一网格',
      leaderName: '李强',
      musterPoint: '广场',
      isLeader: false,
      backfill: false,
    });
  });

  it('tells a reserve called in that they fill a place, and a leader that they lead', () => {
    expect(alertFor(activation, 'g1', false, true).message).toMatchObject({ backfill: true });
    expect(alertFor(activation, 'g1', true).message).toMatchObject({ isLeader: true });
  });

  it('falls back to the team id when the team is not on the activation', () => {
    expect(alertFor(activation, 'gone', false).message).toMatchObject({ teamName: 'gone', musterPoint: '' });
  });

  it('reminds with the muster point the person was first sent to', () => {
    const out = reminderFor(activation, { teamId: 'g1', leader: false, musterPoint: '旧址' });
    expect(out.kind).toBe('reminder');
    expect(out.message).toMatchObject({ type: 'reminder', musterPoint: '旧址' });
  });

  it('at stand-down, tells those who know they were called out, and nobody else', () => {
    expect(standDownFor(activation, person({ alertedAt: '2026-11-22T10:01:00.000Z' }))?.kind).toBe(
      'standDown',
    );
    expect(standDownFor(activation, person({ status: 'declined' }))?.kind).toBe('standDown');
    expect(standDownFor(activation, person({ outbox: { alert: sending } }))?.kind).toBe('standDown');
    expect(standDownFor(activation, person())).toBeUndefined();
    expect(
      standDownFor(activation, person({ outbox: { alert: { ...sending, state: 'queued' } } })),
    ).toBeUndefined();
  });

  it('thanks a confirmed reserve rather than standing them down', () => {
    const out = standDownFor(activation, person({ source: 'reserve', status: 'confirmed' }));
    expect(out).toEqual({
      kind: 'notNeeded',
      message: { type: 'notNeeded', drill: false, communityName: '东关社区' },
    });
    expect(standDownFor(activation, person({ source: 'grid', status: 'confirmed' }))?.kind).toBe('standDown');
  });

  it('tells a leader what the backfill left missing', () => {
    expect(shortfallFor(activation, '一网格', { missing: 1, called: 2, left: 0 })).toEqual({
      kind: 'shortfall',
      message: {
        type: 'shortfall',
        drill: false,
        teamName: '一网格',
        missing: 1,
        backfilled: 2,
        reservesLeft: 0,
      },
    });
  });

  it('acknowledges each status with its own template, the arrival time only when given', () => {
    const d = { drill: true, musterPoint: '广场' };
    expect(ackFor(d, 'confirmed', 20).message).toEqual({
      type: 'ackConfirmed',
      drill: true,
      musterPoint: '广场',
      etaMinutes: 20,
    });
    expect(ackFor(d, 'confirmed', undefined).message).not.toHaveProperty('etaMinutes');
    expect(ackFor(d, 'arrived', undefined).message.type).toBe('ackArrived');
    expect(ackFor(d, 'declined', undefined)).toEqual({
      kind: 'ack',
      message: { type: 'ackDeclined', drill: true },
    });
  });

  it('answers noise, opt-outs and phones with no call-out with notices', () => {
    expect(helpFor({ drill: false })).toEqual({ kind: 'help', message: { type: 'help', drill: false } });
    expect(optOutNoticeFor(true).message.type).toBe('optedOut');
    expect(optOutNoticeFor(false).message.type).toBe('optedIn');
    expect(noCallOutNotice()).toEqual({ kind: 'notice', message: { type: 'noActiveCallout' } });
  });

  it('builds messages that render in both languages', () => {
    const alert = alertFor(activation, 'g1', false).message;
    expect(render(alert, 'zh')).toContain('广场');
    expect(render(alert, 'en')).toContain('广场');
  });
});
