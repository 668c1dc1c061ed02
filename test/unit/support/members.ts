import type { Member } from '../../../shared/domain/roster';

/** A valid member on the roster of `dongguan`, with any field overridden. */
export function aMember(overrides: Partial<Member> = {}): Member {
  return {
    memberId: '01jd0000000000000000000001',
    communityId: 'dongguan',
    name: '王伟',
    phone: '+8613800138000',
    roles: ['volunteer'],
    partyMember: false,
    gridId: 'dg01',
    unitId: undefined,
    skills: ['firstAid'],
    available: true,
    smsOptOut: false,
    createdAt: '2025-11-22T08:00:00.000Z',
    updatedAt: '2025-11-22T08:00:00.000Z',
    ...overrides,
  };
}
