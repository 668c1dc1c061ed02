import { ForbiddenError } from './errors';

/** `warningFeed` is a machine client: an official warning feed posting CAP alerts, nothing else. */
export const GROUPS = ['admin', 'planner', 'dutyOfficer', 'commander', 'warningFeed'] as const;
export type Group = (typeof GROUPS)[number];

/** The verified caller: who they are, their groups, and the communities they act for. */
export type Principal = {
  sub: string;
  groups: Group[];
  /** `'*'` for every community. */
  communities: '*' | string[];
};

export type Action =
  | 'structure:write'
  | 'members:write'
  | 'roster:read'
  | 'emergency:switch'
  | 'drill:switch'
  | 'board:read'
  | 'checkin:write'
  | 'audit:read'
  | 'whistle:raise'
  | 'warning:receive';

/**
 * Who may do what, as the contract's table says. Every group but admin is limited to its own
 * communities.
 */
const POLICY: Record<Action, readonly Group[]> = {
  'structure:write': ['admin', 'planner'],
  'members:write': ['admin', 'planner'],
  'roster:read': ['admin', 'planner', 'dutyOfficer', 'commander'],
  'emergency:switch': ['admin', 'dutyOfficer', 'commander'],
  'drill:switch': ['admin', 'planner', 'dutyOfficer', 'commander'],
  'board:read': ['admin', 'planner', 'dutyOfficer', 'commander'],
  'checkin:write': ['admin', 'dutyOfficer', 'commander'],
  'audit:read': ['admin', 'planner', 'dutyOfficer', 'commander'],
  /** Blowing, resolving and cancelling a whistle (吹哨). */
  'whistle:raise': ['admin', 'dutyOfficer', 'commander'],
  'warning:receive': ['admin', 'warningFeed'],
};

/** True when the principal acts for the community (admins act for all). */
export function actsFor(principal: Principal, communityId: string): boolean {
  if (principal.groups.includes('admin')) return true;
  return principal.communities === '*' || principal.communities.includes(communityId);
}

/**
 * True when one of the principal's groups allows the action in every one of the communities.
 * An empty community list means an action not tied to a community (a street): only admins and
 * callers acting for every community may take it.
 */
export function can(principal: Principal, action: Action, communityIds: readonly string[]): boolean {
  const allowed = POLICY[action];
  const groups = principal.groups.filter((g) => allowed.includes(g));
  if (groups.length === 0) return false;
  if (groups.includes('admin')) return true;
  if (communityIds.length === 0) return principal.communities === '*';
  return communityIds.every((id) => actsFor(principal, id));
}

/** Throws 403 unless `can` holds. */
export function authorize(principal: Principal, action: Action, communityIds: readonly string[]): void {
  if (!can(principal, action, communityIds)) {
    const where = communityIds.length ? ` for community ${communityIds.join(', ')}` : '';
    throw new ForbiddenError(`not allowed to ${action.replace(':', ' ')}${where}`);
  }
}

/** True when the principal may see every community, not only a listed few. */
export function seesAll(principal: Principal): boolean {
  return principal.groups.includes('admin') || principal.communities === '*';
}
