import { describe, expect, it } from 'vitest';
import {
  bucketsOf,
  histogramMedian,
  minuteBucket,
  periodOf,
  rank,
  standingOf,
} from '../../../../shared/domain/ranking';
import { atExpression, scheduleOf } from '../../../../shared/domain/schedule';

describe('ranking periods', () => {
  it('cut ISO weeks, months and years, and a year-end week belongs to the year of its Thursday', () => {
    expect(periodOf('week', '2026-12-09')).toEqual({
      key: 'week#2026-W50',
      from: '2026-12-07',
      to: '2026-12-13',
    });
    expect(periodOf('week', '2027-01-01')).toEqual({
      key: 'week#2026-W53',
      from: '2026-12-28',
      to: '2027-01-03',
    });
    expect(periodOf('month', '2024-02-10')).toEqual({
      key: 'month#2024-02',
      from: '2024-02-01',
      to: '2024-02-29',
    });
    expect(periodOf('year', '2026-06-30')).toEqual({
      key: 'year#2026',
      from: '2026-01-01',
      to: '2026-12-31',
    });
  });

  it('put an activation in the buckets of its China Standard Time day', () => {
    // 23:30 UTC on Sunday 6 December is Monday 7 December in Beijing.
    expect(bucketsOf('2026-12-06T23:30:00Z')).toEqual(['week#2026-W50', 'month#2026-12', 'year#2026']);
    expect(bucketsOf('2026-12-06T15:00:00Z')).toEqual(['week#2026-W49', 'month#2026-12', 'year#2026']);
  });
});

describe('scores', () => {
  it('take the median from the minute histogram, rounding up and capping', () => {
    expect(minuteBucket(0)).toBe(0);
    expect(minuteBucket(45)).toBe(1);
    expect(minuteBucket(61)).toBe(2);
    expect(minuteBucket(99_999)).toBe(60);
    expect(histogramMedian([0, 1, 1, 5])).toBe(3);
    expect(histogramMedian([0, 2, 2])).toBe(1);
    expect(histogramMedian([])).toBeNull();
  });

  it('weigh confirmed, arrived, quota and speed as the formula says, and rank ties alike', () => {
    const histogram = [0, 0, 0, 0, 0, 0, 4];
    const perfect = standingOf({
      activations: 1,
      alerted: 4,
      confirmed: 4,
      arrived: 4,
      teams: 1,
      teamsMet: 1,
      histogram: [4],
      whistlesRaised: 0,
    });
    const slower = standingOf({
      activations: 1,
      alerted: 4,
      confirmed: 4,
      arrived: 2,
      teams: 1,
      teamsMet: 0,
      histogram,
      whistlesRaised: 0,
    });
    const silent = standingOf({
      activations: 1,
      alerted: 4,
      confirmed: 0,
      arrived: 0,
      teams: 1,
      teamsMet: 0,
      histogram: [],
      whistlesRaised: 0,
    });

    expect(perfect.score).toBe(100);
    expect(slower.score).toBe(40 + 15 + 0 + 8);
    expect(silent).toMatchObject({ score: 0, confirmedRate: 0, medianMinutesToConfirm: null });
    const ranked = rank(
      [
        { id: 'b', ...slower },
        { id: 'a', ...perfect },
        { id: 'c', ...slower },
      ],
      (r) => r.id,
    );
    expect(ranked.map((r) => [r.id, r.rank])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 2],
    ]);
  });
});

describe('schedules', () => {
  it('name the schedule that pressed, and give EventBridge its at() expression in UTC', () => {
    expect(scheduleOf('schedule:01abc')).toBe('01abc');
    expect(scheduleOf('demo-planner')).toBeUndefined();
    expect(atExpression('2026-12-08T09:00:00+08:00')).toBe('at(2026-12-08T01:00:00)');
  });
});
