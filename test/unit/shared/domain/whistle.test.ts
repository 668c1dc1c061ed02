import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unitInput } from '../../../../shared/domain/roster';
import type { Candidate } from '../../../../shared/domain/team-formation';
import { ROLES, SKILLS } from '../../../../shared/domain/vocabulary';
import {
  applyAnswer,
  type CallInput,
  isOverdue,
  nextLevel,
  parseSmsWhistle,
  respondWithin,
  WHISTLE_CATEGORIES,
  WHISTLE_LEVELS,
  type WhistleState,
  type WhistleUnit,
  whistleInput,
  whoIsCalled,
} from '../../../../shared/domain/whistle';

const GRIDS = ['g1', 'g2', 'g3'];
const UNITS = ['u1', 'u2', 'u3', 'd1', 'd2'];

const candidate = fc.record({
  memberId: fc.constantFrom(...Array.from({ length: 30 }, (_, i) => `m${i}`)),
  communityId: fc.constantFrom('c1', 'c2'),
  name: fc.constant('x'),
  gridId: fc.option(fc.constantFrom(...GRIDS), { nil: undefined }),
  unitId: fc.option(fc.constantFrom(...UNITS), { nil: undefined }),
  roles: fc.uniqueArray(fc.constantFrom(...ROLES), { minLength: 1, maxLength: 3 }),
  partyMember: fc.boolean(),
  skills: fc.uniqueArray(fc.constantFrom(...SKILLS), { maxLength: 3 }),
  available: fc.boolean(),
  smsOptOut: fc.boolean(),
}) satisfies fc.Arbitrary<Candidate>;

const unit = (unitId: string): fc.Arbitrary<WhistleUnit> =>
  fc.record({
    unitId: fc.constant(unitId),
    kind: fc.constant(unitId.startsWith('d') ? ('department' as const) : ('unit' as const)),
    serves: fc.uniqueArray(fc.constantFrom(...WHISTLE_CATEGORIES), { maxLength: 3 }),
    pairedGrids: fc.uniqueArray(
      fc.record({ communityId: fc.constantFrom('c1', 'c2'), gridId: fc.constantFrom(...GRIDS) }),
      { maxLength: 3, selector: (g) => `${g.communityId}/${g.gridId}` },
    ),
  });

const callInput: fc.Arbitrary<CallInput> = fc
  .record({
    candidates: fc.array(candidate, { maxLength: 40 }),
    units: fc.tuple(...UNITS.map(unit)),
    category: fc.constantFrom(...WHISTLE_CATEGORIES),
    level: fc.constantFrom(...WHISTLE_LEVELS),
    skills: fc.uniqueArray(fc.constantFrom(...SKILLS), { maxLength: 2 }),
    engaged: fc.uniqueArray(fc.constantFrom(...Array.from({ length: 30 }, (_, i) => `m${i}`)), {
      maxLength: 10,
    }),
    called: fc.uniqueArray(fc.constantFrom(...Array.from({ length: 30 }, (_, i) => `m${i}`)), {
      maxLength: 10,
    }),
  })
  .map((r) => ({
    communityId: 'c1',
    gridId: 'g1',
    category: r.category,
    skills: r.skills,
    level: r.level,
    neighbours: ['g2'],
    units: r.units,
    candidates: r.candidates,
    engaged: new Set(r.engaged),
    alreadyCalled: new Set(r.called),
  }));

describe('whoIsCalled', () => {
  it('never calls anyone twice, anyone on an open activation, or anyone already called', () => {
    fc.assert(
      fc.property(callInput, (input) => {
        const calls = whoIsCalled(input);
        const ids = calls.map((c) => c.memberId);
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of ids) {
          expect(input.engaged.has(id)).toBe(false);
          expect(input.alreadyCalled.has(id)).toBe(false);
        }
      }),
    );
  });

  it('across the three levels nobody is called twice when each level excludes the earlier calls', () => {
    fc.assert(
      fc.property(callInput, (input) => {
        const called = new Set<string>();
        const all: string[] = [];
        for (const level of WHISTLE_LEVELS) {
          const calls = whoIsCalled({ ...input, level, alreadyCalled: called });
          for (const c of calls) {
            all.push(c.memberId);
            called.add(c.memberId);
          }
        }
        expect(new Set(all).size).toBe(all.length);
      }),
    );
  });

  it('calls departments only at street level, and only for their categories', () => {
    fc.assert(
      fc.property(callInput, (input) => {
        for (const call of whoIsCalled(input)) {
          if (call.reason !== 'department') continue;
          expect(input.level).toBe('street');
          const dept = input.units.find((u) => u.unitId === call.unitId);
          expect(dept?.serves).toContain(input.category);
        }
      }),
    );
  });

  const base: Candidate = {
    memberId: 'a',
    communityId: 'c1',
    name: 'A',
    unitId: 'u1',
    roles: ['volunteer'],
    partyMember: true,
    skills: [],
    available: true,
    smsOptOut: false,
  };
  const input: CallInput = {
    communityId: 'c1',
    gridId: 'g1',
    category: 'electric',
    skills: ['electrician'],
    level: 'grid',
    neighbours: ['g2'],
    units: [
      { unitId: 'u1', kind: 'unit', serves: [], pairedGrids: [{ communityId: 'c1', gridId: 'g1' }] },
      { unitId: 'd1', kind: 'department', serves: ['electric'], pairedGrids: [] },
    ],
    candidates: [
      base,
      { ...base, memberId: 'b', skills: ['electrician'] },
      { ...base, memberId: 'dept', unitId: 'd1', partyMember: false },
    ],
    engaged: new Set(['x']),
    alreadyCalled: new Set(),
  };

  it('calls the paired unit party members at grid level, those with the skills first', () => {
    expect(whoIsCalled(input).map((c) => c.memberId)).toEqual(['b', 'a']);
  });

  it('calls the serving department at street level', () => {
    expect(whoIsCalled({ ...input, level: 'street' }).map((c) => c.memberId)).toEqual(['dept']);
  });
});

describe('parseSmsWhistle', () => {
  it('reads people and words', () => {
    expect(parseSmsWhistle('吹哨 5 救援')).toEqual({ people: 5, reason: '救援', category: 'rescue' });
    expect(parseSmsWhistle('哨 电路起火')).toEqual({ reason: '电路起火', category: 'electric' });
    expect(parseSmsWhistle('吹哨')).toEqual({ reason: '吹哨', category: 'other' });
    expect(parseSmsWhistle('吹哨 ５')).toEqual({ people: 5, reason: '吹哨', category: 'people' });
  });

  it('rejects people out of range and ignores other texts', () => {
    expect(parseSmsWhistle('吹哨 0')).toEqual({ error: 'people' });
    expect(parseSmsWhistle('吹哨 501')).toEqual({ error: 'people' });
    expect(parseSmsWhistle('1')).toBeUndefined();
    // "哨子坏了" (the whistle is broken) talks about a whistle, it does not blow one.
    expect(parseSmsWhistle('哨子坏了')).toBeUndefined();
  });
});

describe('whistleInput', () => {
  it('names `people` when out of range', () => {
    for (const people of [0, -1, 501]) {
      const result = whistleInput.safeParse({ gridId: 'g1', reason: 'r', category: 'gas', people });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(['people']);
    }
  });

  it('defaults the time to answer by category', () => {
    expect(respondWithin({ category: 'gas' })).toBe(10);
    expect(respondWithin({ category: 'gas', respondWithinMinutes: 45 })).toBe(45);
  });
});

describe('applyAnswer', () => {
  const state: WhistleState = {
    status: 'open',
    people: 2,
    responders: ['a', 'b', 'c', 'd'].map((memberId) => ({ memberId, status: 'called' as const })),
  };

  it('fills when enough are coming and tells the rest they are not needed', () => {
    const one = applyAnswer(state, 'a', { kind: 'confirm', etaMinutes: 20 }, '2026-01-01T00:01:00Z');
    expect(one.state.status).toBe('open');
    expect(one.state.firstAnswerAt).toBe('2026-01-01T00:01:00Z');
    const declined = applyAnswer(one.state, 'b', { kind: 'decline' }, '2026-01-01T00:02:00Z');
    const two = applyAnswer(declined.state, 'c', { kind: 'arrived' }, '2026-01-01T00:03:00Z');
    expect(two.state.status).toBe('filled');
    expect(two.state.filledAt).toBe('2026-01-01T00:03:00Z');
    expect(two.notNeeded).toEqual(['d']);
    expect(two.state.responders.find((r) => r.memberId === 'a')?.etaMinutes).toBe(20);
    expect(two.state.firstAnswerAt).toBe('2026-01-01T00:01:00Z');
  });

  it('ignores strangers and closed whistles', () => {
    expect(applyAnswer(state, 'z', { kind: 'confirm' }, 't').state).toBe(state);
    const closed = { ...state, status: 'resolved' as const };
    expect(applyAnswer(closed, 'a', { kind: 'confirm' }, 't').state).toBe(closed);
  });
});

describe('levels and deadlines', () => {
  it('widens grid → community → street and stops', () => {
    expect(nextLevel('grid')).toBe('community');
    expect(nextLevel('community')).toBe('street');
    expect(nextLevel('street')).toBeUndefined();
  });

  it('flags only open whistles past the deadline', () => {
    expect(isOverdue('open', '2026-01-01T00:10:00Z', '2026-01-01T00:11:00Z')).toBe(true);
    expect(isOverdue('open', '2026-01-01T00:10:00Z', '2026-01-01T00:09:00Z')).toBe(false);
    expect(isOverdue('filled', '2026-01-01T00:10:00Z', '2026-01-01T00:11:00Z')).toBe(false);
  });
});

describe('unitInput', () => {
  it('takes serves and kind as optional fields, and names a bad one', () => {
    expect(unitInput.safeParse({ name: 'u', pairedGrids: [] }).success).toBe(true);
    const ok = unitInput.safeParse({ name: 'u', pairedGrids: [], serves: ['gas'], kind: 'department' });
    expect(ok.data).toEqual({ name: 'u', pairedGrids: [], serves: ['gas'], kind: 'department' });
    const bad = unitInput.safeParse({ name: 'u', pairedGrids: [], serves: ['fire'] });
    expect(bad.error?.issues[0]?.path).toEqual(['serves', 0]);
  });
});
