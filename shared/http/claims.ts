import { GROUPS, type Group, type Principal } from '../domain/access';
import { UnauthorizedError } from '../domain/errors';

type ClaimValue = string | number | boolean | string[] | undefined;

/**
 * Reads a list claim in each form it arrives in: a JSON array (a decoded token), API Gateway's
 * bracketed form `"[admin planner]"` (how the HTTP API JWT authorizer passes arrays), or a
 * comma-separated string (`custom:communities`).
 */
export function claimList(value: ClaimValue): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.map(String).filter(Boolean);
  const text = String(value).trim();
  const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return inner
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Which claims carry the caller's groups and communities. Cognito's names by default; an office's
 * own OpenID Connect provider may emit them under other names (`groups`, `pingji_communities`),
 * set per deployment with `PINGJI_GROUPS_CLAIM` and `PINGJI_COMMUNITIES_CLAIM`.
 */
export type ClaimNames = { groups: string; communities: string };

export const DEFAULT_CLAIM_NAMES: ClaimNames = {
  groups: 'cognito:groups',
  communities: 'custom:communities',
};

/** A claim name: the characters OIDC providers use in names, nothing that could be a path or a list. */
const CLAIM_NAME = /^[A-Za-z0-9_:.\-/]{1,128}$/;

/** The claim names of this deployment; a malformed name fails the cold start, naming the variable. */
export function claimNamesFromEnv(env: NodeJS.ProcessEnv = process.env): ClaimNames {
  const read = (variable: string, fallback: string): string => {
    const value = env[variable]?.trim();
    if (!value) return fallback;
    if (!CLAIM_NAME.test(value))
      throw new Error(`invalid configuration: ${variable}: not a claim name (${JSON.stringify(value)})`);
    return value;
  };
  return {
    groups: read('PINGJI_GROUPS_CLAIM', DEFAULT_CLAIM_NAMES.groups),
    communities: read('PINGJI_COMMUNITIES_CLAIM', DEFAULT_CLAIM_NAMES.communities),
  };
}

/** Builds the caller from verified JWT claims; 401 when there are none to read. */
export function principalFromClaims(
  claims: Record<string, ClaimValue> | undefined,
  names: ClaimNames = DEFAULT_CLAIM_NAMES,
): Principal {
  const sub = claims?.sub;
  if (!claims || typeof sub !== 'string' || sub === '')
    throw new UnauthorizedError('a valid bearer token is required');
  const groups = claimList(claims[names.groups]).filter((g): g is Group =>
    (GROUPS as readonly string[]).includes(g),
  );
  const listed = claimList(claims[names.communities]);
  return { sub, groups, communities: listed.includes('*') ? '*' : listed };
}
