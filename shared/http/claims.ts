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

/** Builds the caller from verified JWT claims; 401 when there are none to read. */
export function principalFromClaims(claims: Record<string, ClaimValue> | undefined): Principal {
  const sub = claims?.sub;
  if (!claims || typeof sub !== 'string' || sub === '')
    throw new UnauthorizedError('a valid bearer token is required');
  const groups = claimList(claims['cognito:groups']).filter((g): g is Group =>
    (GROUPS as readonly string[]).includes(g),
  );
  const listed = claimList(claims['custom:communities']);
  return { sub, groups, communities: listed.includes('*') ? '*' : listed };
}
