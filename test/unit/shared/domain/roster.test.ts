import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  applyMemberPatch,
  chinaDay,
  communityInput,
  gridInput,
  isAvailableOn,
  LIMITS,
  memberInput,
  memberPatch,
  memberRuleIssues,
  slug,
  streetInput,
  unitInput,
} from '../../../../shared/domain/roster';
import { issuesOf } from '../../../../shared/domain/validation';
import { aMember } from '../../support/members';

const minimal = { name: '王伟', phone: '13800138000', roles: ['volunteer'] };

/** The API's field issues for an input a schema refuses (empty when it accepts it). */
function issues(schema: z.ZodType, value: unknown) {
  const result = schema.safeParse(value);
  return result.success ? [] : issuesOf(result.error);
}

describe('memberInput', () => {
  it('accepts the required fields and fills the defaults', () => {
    const parsed = memberInput.parse(minimal);

    expect(parsed).toEqual({
      name: '王伟',
      phone: '+8613800138000',
      roles: ['volunteer'],
      partyMember: false,
      skills: [],
      available: true,
    });
  });

  it('keeps every optional field it is given', () => {
    const parsed = memberInput.parse({
      ...minimal,
      partyMember: true,
      gridId: 'dg01',
      unitId: 'county-hospital',
      skills: ['firstAid', 'driving'],
      available: false,
    });

    expect(parsed).toMatchObject({
      partyMember: true,
      gridId: 'dg01',
      unitId: 'county-hospital',
      skills: ['firstAid', 'driving'],
      available: false,
    });
  });

  it.each(['name', 'phone', 'roles'])('requires %s', (field) => {
    const input: Record<string, unknown> = { ...minimal };
    delete input[field];

    expect(issues(memberInput, input).map((i) => i.path)).toEqual([field]);
  });

  it('normalises the phone to E.164 and refuses a landline', () => {
    expect(memberInput.parse({ ...minimal, phone: '138 0013 8000' }).phone).toBe('+8613800138000');
    expect(issues(memberInput, { ...minimal, phone: '02012345678' })).toEqual([
      { path: 'phone', message: expect.stringMatching(/mobile/) },
    ]);
  });

  it('refuses an empty role list, an unknown role and a repeated role', () => {
    expect(issues(memberInput, { ...minimal, roles: [] })).toEqual([
      { path: 'roles', message: 'must name at least one role' },
    ]);
    expect(issues(memberInput, { ...minimal, roles: ['volunteer', 'mayor'] }).map((i) => i.path)).toEqual([
      'roles[1]',
    ]);
    expect(issues(memberInput, { ...minimal, roles: ['volunteer', 'volunteer'] })).toEqual([
      { path: 'roles', message: 'must not repeat an entry' },
    ]);
  });

  it('refuses an unknown skill and a repeated skill', () => {
    expect(issues(memberInput, { ...minimal, skills: ['juggling'] }).map((i) => i.path)).toEqual([
      'skills[0]',
    ]);
    expect(issues(memberInput, { ...minimal, skills: ['driving', 'driving'] })).toEqual([
      { path: 'skills', message: 'must not repeat an entry' },
    ]);
  });

  it('refuses a serving party member who is said not to be a party member, at partyMember', () => {
    const result = issues(memberInput, { ...minimal, roles: ['servingPartyMember'], partyMember: false });

    expect(result).toEqual([
      { path: 'partyMember', message: 'a servingPartyMember is a party member: partyMember must be true' },
    ]);
  });

  it('accepts a serving party member who is a party member', () => {
    const parsed = memberInput.parse({ ...minimal, roles: ['servingPartyMember'], partyMember: true });

    expect(parsed.partyMember).toBe(true);
  });

  it('accepts a party member who does not serve', () => {
    expect(memberInput.parse({ ...minimal, partyMember: true }).partyMember).toBe(true);
  });

  it('trims the name and accepts one at the limit', () => {
    const atLimit = '王'.repeat(LIMITS.memberName);

    expect(memberInput.parse({ ...minimal, name: `  ${atLimit}  ` }).name).toBe(atLimit);
  });

  it.each([
    ['empty', '', 'must not be empty'],
    ['only spaces', '   ', 'must not be empty'],
    ['too long', '王'.repeat(LIMITS.memberName + 1), `must be at most ${LIMITS.memberName} characters`],
    ['with a newline', '王\n伟', 'must not contain control characters'],
    ['with a tab', '王\t伟', 'must not contain control characters'],
    ['with a NUL', '王\u0000伟', 'must not contain control characters'],
    ['with DEL', '王\u007f伟', 'must not contain control characters'],
  ])('refuses a name that is %s', (_label, name, message) => {
    expect(issues(memberInput, { ...minimal, name })).toEqual([{ path: 'name', message }]);
  });

  it.each(['Dg01', 'dg_01', '-dg01', 'dg 01', 'a'.repeat(64), ''])('refuses the grid id %j', (gridId) => {
    expect(issues(memberInput, { ...minimal, gridId }).map((i) => i.path)).toEqual(['gridId']);
  });

  it.each(['a', '0', 'dg-01', 'a'.repeat(63)])('accepts the slug %j', (id) => {
    expect(slug.safeParse(id).success).toBe(true);
  });

  it('refuses a field it does not know', () => {
    expect(issues(memberInput, { ...minimal, age: 70 })).toEqual([{ path: 'age', message: 'unknown field' }]);
  });

  it('refuses text where it expects a boolean', () => {
    expect(issues(memberInput, { ...minimal, available: 'yes' }).map((i) => i.path)).toEqual(['available']);
  });
});

describe('memberPatch', () => {
  it('refuses an empty patch', () => {
    expect(issues(memberPatch, {})).toEqual([{ path: '(body)', message: 'must change at least one field' }]);
  });

  it('accepts null for gridId and unitId, which clears them', () => {
    expect(memberPatch.parse({ gridId: null, unitId: null })).toEqual({ gridId: null, unitId: null });
  });

  it('validates the fields it is given with the create rules', () => {
    const result = issues(memberPatch, { phone: '12345', roles: [], name: '王\n伟' });

    expect(result.map((i) => i.path).sort()).toEqual(['name', 'phone', 'roles']);
  });

  it('normalises a new phone', () => {
    expect(memberPatch.parse({ phone: '13900139000' })).toEqual({ phone: '+8613900139000' });
  });

  it('refuses a field it does not know, such as the member id', () => {
    expect(issues(memberPatch, { memberId: 'x' })).toContainEqual({
      path: 'memberId',
      message: 'unknown field',
    });
  });
});

describe('applyMemberPatch', () => {
  const now = '2025-11-23T09:00:00.000Z';

  it('changes only the fields in the patch and stamps updatedAt', () => {
    const member = aMember({ unitId: 'county-hospital' });

    const next = applyMemberPatch(member, { name: '李娜', available: false, skills: [] }, now);

    expect(next).toEqual({ ...member, name: '李娜', available: false, skills: [], updatedAt: now });
  });

  it('clears the grid and the unit on null', () => {
    const member = aMember({ gridId: 'dg01', unitId: 'county-hospital' });

    const next = applyMemberPatch(member, { gridId: null, unitId: null }, now);

    expect(next.gridId).toBeUndefined();
    expect(next.unitId).toBeUndefined();
  });

  it('moves the grid and sets the phone, roles and party membership', () => {
    const member = aMember();

    const next = applyMemberPatch(
      member,
      { gridId: 'dg02', phone: '+8613900139000', roles: ['gridLeader'], partyMember: true },
      now,
    );

    expect(next).toMatchObject({
      gridId: 'dg02',
      phone: '+8613900139000',
      roles: ['gridLeader'],
      partyMember: true,
    });
  });

  it('does not change the member it was given', () => {
    const member = aMember();
    const before = structuredClone(member);

    applyMemberPatch(member, { name: '李娜', gridId: null }, now);

    expect(member).toEqual(before);
  });
});

describe('memberRuleIssues', () => {
  it('finds nothing wrong with a consistent member', () => {
    expect(memberRuleIssues(aMember({ roles: ['servingPartyMember'], partyMember: true }))).toEqual([]);
  });

  it('names partyMember when a serving party member is not a party member', () => {
    const member = aMember({ roles: ['volunteer', 'servingPartyMember'], partyMember: false });

    expect(memberRuleIssues(member)).toEqual([
      { path: 'partyMember', message: 'a servingPartyMember is a party member: partyMember must be true' },
    ]);
  });

  it('catches a patch that breaks the rule only once it is applied', () => {
    const member = aMember({ roles: ['servingPartyMember'], partyMember: true });
    const patch = memberPatch.parse({ partyMember: false });

    const next = applyMemberPatch(member, patch, '2025-11-23T09:00:00.000Z');

    expect(memberRuleIssues(next).map((i) => i.path)).toEqual(['partyMember']);
  });
});

describe('structure inputs', () => {
  it('accepts a street and a community', () => {
    expect(streetInput.parse({ name: ' 城关街道 ' })).toEqual({ name: '城关街道' });
    expect(communityInput.parse({ name: '东关社区', streetId: 'chengguan' })).toEqual({
      name: '东关社区',
      streetId: 'chengguan',
    });
  });

  it('refuses a community whose street id is not a slug', () => {
    expect(issues(communityInput, { name: '东关社区', streetId: 'Cheng Guan' }).map((i) => i.path)).toEqual([
      'streetId',
    ]);
  });

  it('accepts a grid and defaults its neighbours to none', () => {
    const parsed = gridInput.parse({ name: '东关一网格', level: 'red', musterPoint: '小学操场' });

    expect(parsed).toEqual({ name: '东关一网格', level: 'red', musterPoint: '小学操场', neighbours: [] });
  });

  it('refuses an unknown grade, a repeated neighbour and too many neighbours', () => {
    const grid = { name: '东关一网格', level: 'red', musterPoint: '小学操场' };
    const many = Array.from({ length: LIMITS.neighbours + 1 }, (_, i) => `g${i}`);

    expect(issues(gridInput, { ...grid, level: 'orange' }).map((i) => i.path)).toEqual(['level']);
    expect(issues(gridInput, { ...grid, neighbours: ['dg02', 'dg02'] })).toEqual([
      { path: 'neighbours', message: 'must not repeat an entry' },
    ]);
    expect(issues(gridInput, { ...grid, neighbours: many }).map((i) => i.path)).toEqual(['neighbours']);
  });

  it('refuses a grid name over its limit', () => {
    const result = issues(gridInput, {
      name: '网'.repeat(LIMITS.gridName + 1),
      level: 'green',
      musterPoint: '操场',
    });

    expect(result).toEqual([{ path: 'name', message: `must be at most ${LIMITS.gridName} characters` }]);
  });

  it('trims a trailing line break from a muster point but refuses an inner control character', () => {
    expect(gridInput.parse({ name: '一网格', level: 'green', musterPoint: '操场\r\n' }).musterPoint).toBe(
      '操场',
    );
    expect(issues(gridInput, { name: '一网格', level: 'green', musterPoint: '操\u0007场' })).toEqual([
      { path: 'musterPoint', message: 'must not contain control characters' },
    ]);
  });

  it('accepts a unit paired with grids in two communities', () => {
    const pairedGrids = [
      { communityId: 'dongguan', gridId: 'dg08' },
      { communityId: 'xijie', gridId: 'dg08' },
    ];

    expect(unitInput.parse({ name: '县消防救援大队', pairedGrids }).pairedGrids).toEqual(pairedGrids);
  });

  it('refuses a unit that names the same grid twice', () => {
    const grid = { communityId: 'dongguan', gridId: 'dg01' };

    expect(issues(unitInput, { name: '县人民医院', pairedGrids: [grid, { ...grid }] })).toEqual([
      { path: 'pairedGrids', message: 'must not repeat a grid' },
    ]);
  });

  it('refuses a pairing with a bad grid reference, at its index', () => {
    const result = issues(unitInput, {
      name: '县人民医院',
      pairedGrids: [
        { communityId: 'dongguan', gridId: 'dg01' },
        { communityId: 'dongguan', gridId: 'DG 02' },
      ],
    });

    expect(result.map((i) => i.path)).toEqual(['pairedGrids[1].gridId']);
  });
});

describe('unavailableUntil', () => {
  it('is taken as a calendar date on create and patch, and null clears it', () => {
    expect(memberInput.parse({ ...minimal, unavailableUntil: '2026-12-10' }).unavailableUntil).toBe(
      '2026-12-10',
    );
    expect(memberPatch.parse({ unavailableUntil: null })).toEqual({ unavailableUntil: null });
    const member = aMember({ unavailableUntil: '2026-12-10' });
    expect(
      applyMemberPatch(member, { unavailableUntil: null }, '2026-12-01T00:00:00.000Z').unavailableUntil,
    ).toBeUndefined();
    expect(applyMemberPatch(member, { name: '李娜' }, '2026-12-01T00:00:00.000Z').unavailableUntil).toBe(
      '2026-12-10',
    );
  });

  it('refuses what is not a real day, at unavailableUntil', () => {
    for (const bad of ['2026-02-30', '10/12/2026', '2026-12-10T00:00:00Z', '']) {
      expect(issues(memberPatch, { unavailableUntil: bad }).map((i) => i.path)).toEqual(['unavailableUntil']);
    }
  });
});

describe('isAvailableOn', () => {
  it('is false for the standing unavailable, whatever the day', () => {
    expect(isAvailableOn({ available: false }, '2026-12-01')).toBe(false);
    expect(isAvailableOn({ available: false, unavailableUntil: '2000-01-01' }, '2026-12-01')).toBe(false);
  });

  it('is false up to and including the until-date, true from the day after', () => {
    const m = { available: true, unavailableUntil: '2026-12-10' };
    expect(isAvailableOn(m, '2026-12-09')).toBe(false);
    expect(isAvailableOn(m, '2026-12-10')).toBe(false);
    expect(isAvailableOn(m, '2026-12-11')).toBe(true);
    expect(isAvailableOn(m, '2027-01-01')).toBe(true);
  });

  it('is true with no until-date, and false for an until-date when the day is unknown', () => {
    expect(isAvailableOn({ available: true }, undefined)).toBe(true);
    expect(isAvailableOn({ available: true, unavailableUntil: '2000-01-01' }, undefined)).toBe(false);
  });
});

describe('chinaDay', () => {
  it('counts the day in UTC+8: 16:00 UTC is already the next day there', () => {
    expect(chinaDay('2026-12-10T15:59:59.999Z')).toBe('2026-12-10');
    expect(chinaDay('2026-12-10T16:00:00.000Z')).toBe('2026-12-11');
    expect(chinaDay(new Date('2026-12-31T20:00:00.000Z'))).toBe('2027-01-01');
  });
});

describe('unitInput: serves and kind', () => {
  it('takes the categories a unit serves and its kind, and leaves them out when not given', () => {
    const base = { name: '街道城管科', pairedGrids: [] };
    expect(unitInput.parse({ ...base, serves: ['cityManagement', 'water'], kind: 'department' })).toEqual({
      ...base,
      serves: ['cityManagement', 'water'],
      kind: 'department',
    });
    expect(unitInput.parse(base)).toEqual(base);
  });

  it('refuses an unknown category, a repeated one and an unknown kind, naming the field', () => {
    const base = { name: '街道城管科', pairedGrids: [] };
    expect(issues(unitInput, { ...base, serves: ['lawyer'] }).map((i) => i.path)).toEqual(['serves[0]']);
    expect(issues(unitInput, { ...base, serves: ['gas', 'gas'] }).map((i) => i.path)).toEqual(['serves']);
    expect(issues(unitInput, { ...base, kind: 'agency' }).map((i) => i.path)).toEqual(['kind']);
  });
});
