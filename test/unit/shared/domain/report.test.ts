import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { type Activation, type Draftee, zeroCounts } from '../../../../shared/domain/activation';
import { afterActionReport, historyEntry, spread } from '../../../../shared/domain/report';
import { BOM, reportCsv } from '../../../../shared/domain/report-csv';

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

describe('the response curve and the distribution of time to confirm', () => {
  const draftees = [
    // Alerted at 1, confirmed at 4 (3 minutes), arrived at 21.
    draftee('g1', { status: 'arrived', alertedAt: at(1), confirmedAt: at(4), arrivedAt: at(21) }),
    // Alerted at 1, said yes at 6 (5 minutes).
    draftee('g1', { status: 'confirmed', alertedAt: at(1), respondedAt: at(6) }),
    // Arrived at 40 without saying yes first: that counts as confirming at 40 (38 minutes).
    draftee('g2', { status: 'arrived', alertedAt: at(2), respondedAt: at(40) }),
    draftee('g2', { status: 'declined', alertedAt: at(2), respondedAt: at(3) }),
  ];

  it('counts confirmed and arrived up minute by minute, overall and per team', () => {
    const report = afterActionReport(activation, draftees, at(90));
    const overall = report.curve.overall;

    expect(overall).toHaveLength(61);
    expect(overall[3]).toEqual({ minute: 3, confirmed: 0, arrived: 0 });
    expect(overall[4]).toEqual({ minute: 4, confirmed: 1, arrived: 0 });
    expect(overall[21]).toEqual({ minute: 21, confirmed: 2, arrived: 1 });
    expect(overall[60]).toEqual({ minute: 60, confirmed: 3, arrived: 2 });
    const g2 = report.curve.teams.find((t) => t.teamId === 'g2');
    expect(g2?.points[39]).toEqual({ minute: 39, confirmed: 0, arrived: 0 });
    expect(g2?.points[40]).toEqual({ minute: 40, confirmed: 1, arrived: 1 });
  });

  it('buckets minutes to confirm one minute at a time, with a last open bucket', () => {
    const buckets = afterActionReport(activation, draftees, at(90)).confirmDistribution;

    expect(buckets).toHaveLength(31);
    expect(buckets[3]).toEqual({ fromMinute: 3, toMinute: 4, count: 1 });
    expect(buckets[5]).toEqual({ fromMinute: 5, toMinute: 6, count: 1 });
    expect(buckets.at(-1)).toEqual({ fromMinute: 30, toMinute: null, count: 1 });
    expect(buckets.reduce((n, b) => n + b.count, 0)).toBe(3);
  });

  it('stops the curve at its cap for an activation left open for days', () => {
    const open = { ...activation, status: 'active' as const, endedAt: undefined };
    expect(afterActionReport(open, draftees, at(60 * 24 * 3)).curve.overall).toHaveLength(241);
  });
});

describe('the report as CSV', () => {
  const draftees = [
    draftee('g1', {
      name: '张三',
      status: 'arrived',
      alertedAt: at(1),
      confirmedAt: at(4),
      arrivedAt: at(21),
    }),
    draftee('g2', {
      name: '李四',
      status: 'declined',
      alertedAt: at(2),
      respondedAt: at(3),
      reason: '在外地, 明天回',
    }),
  ];

  it('starts with a byte order mark and Chinese headers, one row per person', async () => {
    const csv = reportCsv(activation, draftees);
    expect(csv.startsWith(BOM)).toBe(true);
    const rows: string[][] = parse(csv.slice(1));

    expect(rows[0]?.slice(0, 5)).toEqual(['姓名', '队伍', '队长', '来源', '状态']);
    expect(rows).toHaveLength(3);
    const zhang = rows.find((r) => r[0] === '张三');
    expect(zhang?.slice(1, 5)).toEqual(['一网格', '', '网格', '已到场']);
    expect(zhang?.slice(8, 10)).toEqual(['3', '20']);
    // A comma inside a field is quoted, not a new column.
    expect(rows.find((r) => r[0] === '李四')?.at(-1)).toBe('在外地, 明天回');
  });
});

describe('a line of history', () => {
  it('gives the rates of the drafted who confirmed and arrived', () => {
    const counts = { ...zeroCounts(), drafted: 8, alerted: 8, confirmed: 3, arrived: 3, declined: 1 };
    const entry = historyEntry(activation, counts, at(90));
    expect(entry).toMatchObject({ durationSeconds: 3600, confirmedRate: 0.75, arrivedRate: 0.375 });
    expect(historyEntry(activation, zeroCounts(), at(90)).confirmedRate).toBeNull();
  });
});
