import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '../../../../shared/domain/errors';
import { claimList, claimNamesFromEnv, principalFromClaims } from '../../../../shared/http/claims';

describe('claimList', () => {
  it.each([
    ['a JSON array', ['admin', 'planner'], ['admin', 'planner']],
    ['an array with a blank entry', ['admin', ''], ['admin']],
    ['API Gateway’s bracketed form', '[admin planner]', ['admin', 'planner']],
    ['the bracketed form with one group', '[dutyOfficer]', ['dutyOfficer']],
    ['the bracketed form, empty', '[]', []],
    ['a comma-separated list', 'dongguan,xijie', ['dongguan', 'xijie']],
    ['a comma-separated list with spaces', ' dongguan , xijie ,', ['dongguan', 'xijie']],
    ['a single value', 'dongguan', ['dongguan']],
    ['the wildcard', '*', ['*']],
    ['an empty string', '', []],
    ['nothing', undefined, []],
  ] as [string, Parameters<typeof claimList>[0], string[]][])('reads %s', (_label, value, expected) => {
    expect(claimList(value)).toEqual(expected);
  });

  it('reads a number or boolean claim as its text', () => {
    expect(claimList(42)).toEqual(['42']);
    expect(claimList(true)).toEqual(['true']);
  });
});

describe('principalFromClaims', () => {
  it('builds the caller from Cognito claims as the HTTP API passes them', () => {
    const principal = principalFromClaims({
      sub: 'u-1',
      'cognito:groups': '[planner dutyOfficer]',
      'custom:communities': 'dongguan,xijie',
    });

    expect(principal).toEqual({
      sub: 'u-1',
      groups: ['planner', 'dutyOfficer'],
      communities: ['dongguan', 'xijie'],
    });
  });

  it('builds the caller from a decoded token’s arrays', () => {
    const principal = principalFromClaims({
      sub: 'u-1',
      'cognito:groups': ['admin'],
      'custom:communities': '*',
    });

    expect(principal).toEqual({ sub: 'u-1', groups: ['admin'], communities: '*' });
  });

  it('drops groups the service does not know', () => {
    const principal = principalFromClaims({
      sub: 'u-1',
      'cognito:groups': '[superuser planner Admin]',
      'custom:communities': 'dongguan',
    });

    expect(principal.groups).toEqual(['planner']);
  });

  it('reads "*" anywhere in the community list as every community', () => {
    expect(principalFromClaims({ sub: 'u-1', 'custom:communities': 'dongguan,*' }).communities).toBe('*');
  });

  it('gives a caller without groups or communities empty lists', () => {
    expect(principalFromClaims({ sub: 'u-1' })).toEqual({ sub: 'u-1', groups: [], communities: [] });
  });

  it.each([
    ['no claims', undefined],
    ['claims without sub', { 'cognito:groups': '[admin]' }],
    ['an empty sub', { sub: '' }],
    ['a sub that is not text', { sub: 7 }],
  ] as [string, Parameters<typeof principalFromClaims>[0]][])('refuses %s with a 401', (_label, claims) => {
    expect(() => principalFromClaims(claims)).toThrow(UnauthorizedError);
    expect(() => principalFromClaims(claims)).toThrow(expect.objectContaining({ status: 401 }));
  });
});

describe('claim names of an identity provider of the office’s own', () => {
  it('reads groups and communities from the claims the deployment names', () => {
    const names = claimNamesFromEnv({
      PINGJI_GROUPS_CLAIM: 'groups',
      PINGJI_COMMUNITIES_CLAIM: 'pingji_communities',
    });
    const claims = {
      sub: 'u-9',
      groups: ['dutyOfficer', 'not-a-group'],
      pingji_communities: 'dongguan',
      'cognito:groups': '[admin]',
    };

    expect(principalFromClaims(claims, names)).toEqual({
      sub: 'u-9',
      groups: ['dutyOfficer'],
      communities: ['dongguan'],
    });
  });

  it('keeps Cognito’s names when none are set', () => {
    expect(claimNamesFromEnv({})).toEqual({ groups: 'cognito:groups', communities: 'custom:communities' });
  });

  it('fails the start on a malformed name, naming the variable', () => {
    expect(() => claimNamesFromEnv({ PINGJI_GROUPS_CLAIM: 'groups, roles' })).toThrow(/PINGJI_GROUPS_CLAIM/);
  });
});
