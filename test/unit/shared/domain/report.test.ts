import { describe, expect, it } from 'vitest';
import type { Activation, Draftee } from '../../../../shared/domain/activation';
import { afterActionReport, spread } from '../../../../shared/domain/report';

const activation: Activation = {
  activationId: 'a1',
  communityId: 'dongguan',
  communityName: '东关社区',
  kind: 'flood',
  level: 'III',
  drill: true,
  locale: 'zh',
  status: 'stoodDown',
  startedAt: '2026-11-22T10:00:00.000Z',
  startedBy: 'officer',
  endedAt: '2026-11-22T11:00:00.000Z',
  teams: [
    {
      teamId: 'g1',
      gridId: 'g1',
      gridName: '一网格',
      musterPoint: '广场',
      quota: 2,
      missingSkills: [],
      reserves: 3,
    },
    {
      teamId: 'g2',
      gridId: 'g2',
      gridName: '二网格',
      musterPoint: '学校',
      quota: 2,
      missingSkills: ['rescue'],
      reserves: 0,
    },
  ],
  unitIds: [],
  drafted: 4,
  reserves: 3,
};

let n = 0;
function draftee(teamId: string, patch: Partial<Draftee>): Draftee {
  n++;
  return {
    activationId: 'a1',
    memberId: `m${n}`,
    communityId: 'dongguan',
    teamId,
    name: `人${n}`,
    phone: `+86138000000${String(n).padStart(2, '0')}`,
    leader: false,
    source: 'grid',
    status: 'drafted',
    open: false,
    drill: true,
    locale: 'zh',
    musterPoint: '广场',
    draftedAt: '2026-11-22T10:00:00.000Z',
    outbox: {},
    ...patch,
  };
}

const at = (minutes: number) =>
  new Date(Date.parse('2026-11-22T10:00:00.000Z') + minutes * 60_000).toISOString();

describe('afterActionReport', () => {
  const draftees = [
    draftee('g1', {
      status: 'arrived',
      alertedAt: at(1),
      confirmedAt: at(4),
      arrivedAt: at(21),
      respondedAt: at(21),
    }),
    draftee('g1', { status: 'confirmed', alertedAt: at(1), respondedAt: at(6) }),
    draftee('g1', {
      status: 'declined',
      alertedAt: at(2),
      respondedAt: at(3),
      reason: '在外地',
      source: 'reserve',
    }),
    draftee('g2', { status: 'noResponse', alertedAt: at(2), remindedAt: at(12) }),
    draftee('g2', { status: 'declined', alertedAt: at(2), respondedAt: at(4), reason: '在外地' }),
    draftee('g2', { status: 'released', reason: 'opted out of SMS' }),
  ];

  it('counts the people as their statuses stand', () => {
    const report = afterActionReport(activation, draftees, at(90));

    expect(report.counts).toMatchObject({
      drafted: 5,
      alerted: 5,
      confirmed: 1,
      arrived: 1,
      declined: 2,
      noResponse: 1,
      released: 1,
    });
    expect(report.reminded).toBe(1);
    expect(report.backfilled).toBe(1);
  });

  it('measures how fast people were reached and answered', () => {
    const report = afterActionReport(activation, draftees, at(90));

    expect(report.durationSeconds).toBe(3600);
    expect(report.timeToAlert).toEqual({ count: 5, p50: 120, p90: 120, max: 120 });
    expect(report.timeToConfirm).toEqual({ count: 2, p50: 180, p90: 300, max: 300 });
    expect(report.timeToArrive).toEqual({ count: 1, p50: 1200, p90: 1200, max: 1200 });
    expect(report.responseRate).toBe(0.8);
  });

  it('says which teams met their quota and which are short', () => {
    const report = afterActionReport(activation, draftees, at(90));
    const [g1, g2] = report.teams;

    expect(g1).toMatchObject({
      teamId: 'g1',
      filled: 2,
      met: true,
      shortfall: 0,
      firstArrivalAt: at(21),
      backfilled: 1,
    });
    expect(g2).toMatchObject({
      teamId: 'g2',
      filled: 0,
      met: false,
      shortfall: 2,
      missingSkills: ['rescue'],
    });
    expect(report.fillRate).toBe(0.5);
  });

  it('groups the reasons people gave and lists who stayed silent', () => {
    const report = afterActionReport(activation, draftees, at(90));

    expect(report.declineReasons).toEqual([{ reason: '在外地', count: 2 }]);
    expect(report.silent.map((s) => s.teamId)).toEqual(['g2']);
  });

  it('runs an open activation up to now', () => {
    const open = { ...activation, status: 'active' as const, endedAt: undefined };

    expect(afterActionReport(open, [], at(30)).durationSeconds).toBe(1800);
    expect(afterActionReport(open, [], at(30)).responseRate).toBeNull();
  });
});

describe('spread', () => {
  it('gives nulls for nobody and nearest-rank quantiles otherwise', () => {
    expect(spread([])).toEqual({ count: 0, p50: null, p90: null, max: null });
    expect(spread([5, undefined, 1, 3, 2, 4])).toEqual({ count: 5, p50: 3, p90: 5, max: 5 });
  });
});
