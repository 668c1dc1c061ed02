import { describe, expect, it } from 'vitest';
import {
  type Action,
  actsFor,
  authorize,
  can,
  GROUPS,
  type Group,
  type Principal,
  seesAll,
} from '../../../../shared/domain/access';
import { ForbiddenError } from '../../../../shared/domain/errors';

/**
 * The contract's "Who may do what" table (/work/shared/API.md), transcribed: `all` is "yes",
 * `own` is "only in the caller's communities", `none` is "no".
 */
type Grant = 'all' | 'own' | 'none';
const TABLE: Record<Action, Record<Group, Grant>> = {
  'structure:write': {
    admin: 'all',
    planner: 'own',
    dutyOfficer: 'none',
    commander: 'none',
    warningFeed: 'none',
  },
  'members:write': {
    admin: 'all',
    planner: 'own',
    dutyOfficer: 'none',
    commander: 'none',
    warningFeed: 'none',
  },
  'roster:read': { admin: 'all', planner: 'own', dutyOfficer: 'own', commander: 'own', warningFeed: 'none' },
  'emergency:switch': {
    admin: 'all',
    planner: 'none',
    dutyOfficer: 'own',
    commander: 'own',
    warningFeed: 'none',
  },
  'drill:switch': { admin: 'all', planner: 'own', dutyOfficer: 'own', commander: 'own', warningFeed: 'none' },
  'board:read': { admin: 'all', planner: 'own', dutyOfficer: 'own', commander: 'own', warningFeed: 'none' },
  'checkin:write': {
    admin: 'all',
    planner: 'none',
    dutyOfficer: 'own',
    commander: 'own',
    warningFeed: 'none',
  },
  // Reading the after-action report follows the board's row.
  'audit:read': { admin: 'all', planner: 'own', dutyOfficer: 'own', commander: 'own', warningFeed: 'none' },
  // The Whistle section: admin; the community's duty officers and commanders.
  'whistle:raise': {
    admin: 'all',
    planner: 'none',
    dutyOfficer: 'own',
    commander: 'own',
    warningFeed: 'none',
  },
  // An official warning feed (a machine client) posts CAP warnings and does nothing else.
  'warning:receive': {
    admin: 'all',
    planner: 'none',
    dutyOfficer: 'none',
    commander: 'none',
    warningFeed: 'own',
  },
};
const ACTIONS = Object.keys(TABLE) as Action[];

const principal = (groups: Group[], communities: Principal['communities']): Principal => ({
  sub: 'user-1',
  groups,
  communities,
});

const cases = ACTIONS.flatMap((action) =>
  GROUPS.flatMap((group) =>
    (['inside', 'outside'] as const).map((where) => {
      const grant = TABLE[action][group];
      const allowed = grant === 'all' || (grant === 'own' && where === 'inside');
      return { action, group, where, allowed };
    }),
  ),
);

describe('can: the contract table', () => {
  it('covers every action × group × place', () => {
    expect(cases).toHaveLength(ACTIONS.length * GROUPS.length * 2);
  });

  it.each(cases)(
    '$group $action $where their communities → $allowed',
    ({ action, group, where, allowed }) => {
      const caller = principal([group], ['dongguan']);
      const community = where === 'inside' ? 'dongguan' : 'xijie';

      expect(can(caller, action, [community])).toBe(allowed);
    },
  );

  it.each(
    ACTIONS.flatMap((action) =>
      GROUPS.map((group) => ({ action, group, allowed: TABLE[action][group] !== 'none' })),
    ),
  )('$group with communities "*" may $action anywhere: $allowed', ({ action, group, allowed }) => {
    const caller = principal([group], '*');

    expect(can(caller, action, ['dongguan', 'xijie', 'anywhere'])).toBe(allowed);
  });
});

describe('can: edge cases', () => {
  it('lets an admin act in a community not on their list', () => {
    expect(can(principal(['admin'], []), 'emergency:switch', ['xijie'])).toBe(true);
  });

  it('requires every community of a multi-community action to be the caller’s', () => {
    const planner = principal(['planner'], ['dongguan']);

    expect(can(planner, 'structure:write', ['dongguan'])).toBe(true);
    expect(can(planner, 'structure:write', ['dongguan', 'xijie'])).toBe(false);
  });

  it('allows an action without a community (a street) only to admins and callers acting for all', () => {
    expect(can(principal(['admin'], []), 'structure:write', [])).toBe(true);
    expect(can(principal(['planner'], '*'), 'structure:write', [])).toBe(true);
    expect(can(principal(['planner'], ['dongguan']), 'structure:write', [])).toBe(false);
  });

  it('refuses a caller without a group, even one acting for every community', () => {
    expect(can(principal([], '*'), 'roster:read', ['dongguan'])).toBe(false);
  });

  it('combines groups: a planner who is also a duty officer may switch their own community only', () => {
    const caller = principal(['planner', 'dutyOfficer'], ['dongguan']);

    expect(can(caller, 'emergency:switch', ['dongguan'])).toBe(true);
    expect(can(caller, 'emergency:switch', ['xijie'])).toBe(false);
    expect(can(caller, 'members:write', ['dongguan'])).toBe(true);
  });
});

describe('authorize', () => {
  it('returns quietly when allowed', () => {
    expect(() =>
      authorize(principal(['planner'], ['dongguan']), 'members:write', ['dongguan']),
    ).not.toThrow();
  });

  it('throws a 403 naming the action and the community', () => {
    const act = () => authorize(principal(['commander'], ['dongguan']), 'members:write', ['xijie']);

    expect(act).toThrow(ForbiddenError);
    expect(act).toThrow('not allowed to members write for community xijie');
  });

  it('carries status 403 and code FORBIDDEN', () => {
    let caught: unknown;
    try {
      authorize(principal(['dutyOfficer'], ['dongguan']), 'structure:write', []);
    } catch (error) {
      caught = error;
    }

    expect(caught).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });
});

describe('actsFor and seesAll', () => {
  it('acts for listed communities, for all with "*", and for all as admin', () => {
    expect(actsFor(principal(['planner'], ['dongguan']), 'dongguan')).toBe(true);
    expect(actsFor(principal(['planner'], ['dongguan']), 'xijie')).toBe(false);
    expect(actsFor(principal(['commander'], '*'), 'xijie')).toBe(true);
    expect(actsFor(principal(['admin'], []), 'xijie')).toBe(true);
  });

  it.each([
    [['admin'], [], true],
    [['admin'], ['dongguan'], true],
    [['planner'], '*', true],
    [['dutyOfficer'], ['dongguan', 'xijie'], false],
    [['commander'], [], false],
  ] as [Group[], Principal['communities'], boolean][])(
    '%j with communities %j sees all: %s',
    (groups, communities, expected) => {
      expect(seesAll(principal(groups, communities))).toBe(expected);
    },
  );
});
