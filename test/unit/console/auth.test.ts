import { describe, expect, it } from 'vitest';
import { sessionFromToken } from '../../../console/src/auth';

/** An unsigned JWT with these claims: the page reads claims only, the API checks signatures. */
const tokenOf = (claims: Record<string, unknown>) =>
  ['e30', Buffer.from(JSON.stringify(claims)).toString('base64url'), 'sig'].join('.');

describe('the session the console reads from an ID token', () => {
  it('reads Cognito’s groups and communities', () => {
    const session = sessionFromToken(
      tokenOf({
        sub: 'u-1',
        'cognito:groups': ['planner', 'x'],
        'custom:communities': 'dongguan, xijie',
        exp: 9,
      }),
    );

    expect(session).toMatchObject({ sub: 'u-1', groups: ['planner'], communities: ['dongguan', 'xijie'] });
  });

  it('reads them from the claims an office’s own provider uses, as an array or as one string', () => {
    const names = { groups: 'groups', communities: 'pingji_communities' };
    const session = sessionFromToken(
      tokenOf({ sub: 'u-2', groups: 'dutyOfficer commander', pingji_communities: ['*'], exp: 9 }),
      names,
    );

    expect(session).toMatchObject({ groups: ['dutyOfficer', 'commander'], communities: '*' });
  });
});
