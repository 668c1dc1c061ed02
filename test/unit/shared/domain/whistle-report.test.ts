import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RESPONDER_STATUSES } from '../../../../shared/adapters/whistle-repository';
import {
  addTallies,
  histogramMedian,
  rankUnits,
  summariseWhistle,
  unitStandingOf,
} from '../../../../shared/domain/ranking';
import {
  duringActivation,
  filledInTime,
  type RecordedResponder,
  type RecordedWhistle,
  whistleSection,
} from '../../../../shared/domain/whistle-report';

const T0 = Date.parse('2026-12-07T01:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function whistle(overrides: Partial<RecordedWhistle> = {}): RecordedWhistle {
  return {
    whistleId: 'w1',
    code: 'A1',
    communityId: 'c1',
    gridId: 'g1',
    gridName: '一网格',
    reason: '电路起火',
    category: 'electric',
    status: 'resolved',
    people: 2,
    respondWithinMinutes: 15,
    openedAt: at(0),
    responders: [],
    ...overrides,
  };
}

const units = [
  { unitId: 'power', name: '供电所', kind: 'unit' as const },
  { unitId: 'fire', name: '消防救援站', kind: 'department' as const },
];

describe('the report’s 吹哨报到 section', () => {
  it('counts per grid and per unit, with times from the raise and from each unit’s call', () => {
    const filled = whistle({
      firstAnswerAt: at(3),
      filledAt: at(6),
      closedAt: at(40),
      responders: [
        { memberId: 'a', unitId: 'power', status: 'declined', calledAt: at(0), respondedAt: at(3) },
        { memberId: 'b', unitId: 'power', status: 'arrived', calledAt: at(0), respondedAt: at(4) },
        { memberId: 'c', unitId: 'fire', status: 'coming', calledAt: at(2), respondedAt: at(6) },
        { memberId: 'd', status: 'notNeeded', calledAt: at(0) },
      ],
    });
    const late = whistle({
      whistleId: 'w2',
      code: 'A2',
      gridId: 'g2',
      gridName: '二网格',
      status: 'cancelled',
      openedAt: at(10),
      firstAnswerAt: at(40),
      filledAt: at(40),
      closedAt: at(50),
      people: 1,
      responders: [
        { memberId: 'e', unitId: 'fire', status: 'arrived', calledAt: at(26), respondedAt: at(40) },
        { memberId: 'f', unitId: 'power', status: 'called', calledAt: at(10) },
      ],
    });

    const section = whistleSection([late, filled], units);

    expect(section).toMatchObject({
      raised: 2,
      filled: 2,
      filledInTime: 1,
      resolved: 1,
      cancelled: 1,
      open: 0,
    });
    expect(section.whistles.map((w) => [w.code, w.filledInTime, w.called, w.came])).toEqual([
      ['A1', true, 4, 2],
      ['A2', false, 2, 1],
    ]);
    expect(section.whistles[0]).toMatchObject({
      toFirstAnswerSeconds: 180,
      toFilledSeconds: 360,
      toResolvedSeconds: 2400,
    });
    // A cancelled whistle was never resolved.
    expect(section.whistles[1]?.toResolvedSeconds).toBeNull();
    expect(section.timeToFirstAnswer).toEqual({ count: 2, p50: 180, p90: 1800, max: 1800 });
    expect(section.grids).toEqual([
      { gridId: 'g1', gridName: '一网格', raised: 1, filled: 1, filledInTime: 1 },
      { gridId: 'g2', gridName: '二网格', raised: 1, filled: 1, filledInTime: 0 },
    ]);
    expect(section.units).toEqual([
      {
        unitId: 'fire',
        name: '消防救援站',
        kind: 'department',
        called: 2,
        answered: 2,
        filledInTime: 1,
        timeToFirstAnswer: { count: 2, p50: 240, p90: 840, max: 840 },
      },
      {
        unitId: 'power',
        name: '供电所',
        kind: 'unit',
        called: 2,
        answered: 1,
        filledInTime: 1,
        // Declining is an answer to the whistle but not turning up: the clock runs to the arrival.
        timeToFirstAnswer: { count: 1, p50: 240, p90: 240, max: 240 },
      },
    ]);
  });

  it('is empty, not an error, when no whistle was raised', () => {
    const section = whistleSection([], units);

    expect(section.raised).toBe(0);
    expect(section.timeToFilled).toEqual({ count: 0, p50: null, p90: null, max: null });
    expect(section.units).toEqual([]);
  });

  it('takes the whistles blown for the activation, or raised in its community while it ran', () => {
    const activation = { activationId: 'a1', communityId: 'c1', startedAt: at(0), endedAt: at(60) };

    expect(duringActivation(whistle({ openedAt: at(30) }), activation, at(90))).toBe(true);
    expect(duringActivation(whistle({ openedAt: at(61) }), activation, at(90))).toBe(false);
    expect(duringActivation(whistle({ openedAt: at(30), communityId: 'c2' }), activation, at(90))).toBe(
      false,
    );
    expect(duringActivation(whistle({ openedAt: at(30), activationId: 'a0' }), activation, at(90))).toBe(
      false,
    );
    expect(duringActivation(whistle({ openedAt: at(61), activationId: 'a1' }), activation, at(90))).toBe(
      true,
    );
    expect(
      duringActivation(whistle({ openedAt: at(80) }), { ...activation, endedAt: undefined }, at(90)),
    ).toBe(true);
  });

  it('calls a whistle filled in time only when filled within its time to answer from the raise', () => {
    expect(filledInTime({ openedAt: at(0), filledAt: at(15), respondWithinMinutes: 15 })).toBe(true);
    expect(filledInTime({ openedAt: at(0), filledAt: at(15.1), respondWithinMinutes: 15 })).toBe(false);
    expect(filledInTime({ openedAt: at(0), respondWithinMinutes: 15 })).toBe(false);
  });
});

const responderArb: fc.Arbitrary<RecordedResponder> = fc.record({
  memberId: fc.string({ minLength: 1, maxLength: 3 }),
  unitId: fc.option(fc.constantFrom('power', 'fire', 'gas'), { nil: undefined }),
  status: fc.constantFrom(...RESPONDER_STATUSES),
  calledAt: fc.integer({ min: 0, max: 60 }).map(at),
  respondedAt: fc.option(fc.integer({ min: 0, max: 120 }).map(at), { nil: undefined }),
});

const whistleArb: fc.Arbitrary<RecordedWhistle> = fc
  .record({
    id: fc.nat(10_000),
    gridId: fc.constantFrom('g1', 'g2', 'g3'),
    opened: fc.integer({ min: 0, max: 30 }),
    filledAfter: fc.option(fc.integer({ min: 0, max: 90 }), { nil: undefined }),
    status: fc.constantFrom('open', 'filled', 'resolved', 'cancelled' as const),
    within: fc.integer({ min: 1, max: 60 }),
    responders: fc.uniqueArray(responderArb, { selector: (r) => r.memberId, maxLength: 8 }),
  })
  .map((r) =>
    whistle({
      whistleId: `w${r.id}`,
      gridId: r.gridId,
      gridName: r.gridId,
      openedAt: at(r.opened),
      filledAt: r.filledAfter === undefined ? undefined : at(r.opened + r.filledAfter),
      status: r.status,
      respondWithinMinutes: r.within,
      responders: r.responders,
    }),
  );

describe('whistles in the rankings', () => {
  it('add up, whistle by whistle, to what the report counts for the same whistles', () => {
    fc.assert(
      fc.property(fc.uniqueArray(whistleArb, { selector: (w) => w.whistleId, maxLength: 12 }), (whistles) => {
        const section = whistleSection(whistles, units);
        const summaries = whistles.map((w) => summariseWhistle(w, units));

        expect(addTallies(summaries.map((s) => s.grid)).whistlesRaised).toBe(section.raised);
        for (const line of section.units) {
          const mine = summaries.flatMap((s) => s.units.filter((u) => u.unitId === line.unitId));
          expect(mine.reduce((n, u) => n + u.whistlesCalled, 0)).toBe(line.called);
          expect(mine.reduce((n, u) => n + u.whistlesAnswered, 0)).toBe(line.answered);
          expect(mine.reduce((n, u) => n + u.whistlesFilledInTime, 0)).toBe(line.filledInTime);
          expect(line.answered).toBeLessThanOrEqual(line.called);
          expect(line.filledInTime).toBeLessThanOrEqual(line.answered);
        }
        expect(section.grids.reduce((n, g) => n + g.raised, 0)).toBe(section.raised);
        expect(section.filledInTime).toBeLessThanOrEqual(section.filled);
      }),
    );
  });

  it('give each unit a one-minute histogram of its first answer, and a median from it', () => {
    const closed = whistle({
      filledAt: at(5),
      responders: [
        { memberId: 'a', unitId: 'power', status: 'coming', calledAt: at(0), respondedAt: at(2.5) },
        { memberId: 'b', unitId: 'fire', status: 'declined', calledAt: at(0), respondedAt: at(1) },
      ],
    });
    const { grid, units: lines } = summariseWhistle(closed, units);

    expect(grid).toMatchObject({ gridId: 'g1', whistlesRaised: 1, activations: 0, alerted: 0 });
    const power = lines.find((u) => u.unitId === 'power');
    expect(power).toMatchObject({ unitName: '供电所', whistlesAnswered: 1, whistlesFilledInTime: 1 });
    expect(histogramMedian(power?.answerHistogram ?? [])).toBe(3);
    expect(lines.find((u) => u.unitId === 'fire')).toMatchObject({
      kind: 'department',
      whistlesCalled: 1,
      whistlesAnswered: 0,
    });
  });

  it('rank units by whistles answered, then share filled in time, then speed; equals share a rank', () => {
    const row = (unitId: string, answered: number, inTime: number, minute: number) => {
      const answerHistogram = Array.from({ length: 61 }, () => 0);
      answerHistogram[minute] = answered;
      return {
        unitId,
        ...unitStandingOf({
          whistlesCalled: 4,
          whistlesAnswered: answered,
          whistlesFilledInTime: inTime,
          answerHistogram,
        }),
      };
    };
    const ranked = rankUnits(
      [row('a', 2, 1, 5), row('b', 3, 1, 9), row('c', 2, 2, 5), row('d', 2, 1, 5)],
      (r) => r.unitId,
    );

    expect(ranked.map((r) => [r.unitId, r.rank])).toEqual([
      ['b', 1],
      ['c', 2],
      ['a', 3],
      ['d', 3],
    ]);
    expect(ranked[0]).toMatchObject({
      answeredRate: 0.75,
      filledInTimeRate: 0.333,
      medianMinutesToFirstAnswer: 9,
    });
  });
});
