import type { Group } from './types';

/** Which ID-token claims carry the groups and the communities (Cognito's names by default). */
export type ClaimNames = { groups: string; communities: string };
export const DEFAULT_CLAIM_NAMES: ClaimNames = {
  groups: 'cognito:groups',
  communities: 'custom:communities',
};

/** A demo user the local stack offers on the sign-in page. */
export type DemoUser = { sub: string; groups: Group[]; communities: string[] };

/** `config.json` as the local stack serves it. */
export type LocalConfig = { mode: 'local'; apiUrl: string; demoUsers: DemoUser[] };

/**
 * `config.json` as the CDK deployment writes it: where the API is and how to sign in, with the
 * authorization code flow and PKCE, at Cognito's managed login or at the OpenID Connect provider
 * of the office's own (the AWS China regions, where Cognito user pools are not offered).
 */
export type AwsConfig = {
  mode: 'aws';
  apiUrl: string;
  region: string;
  /** Cognito's user pool; null with an OpenID Connect provider of the office's own. */
  userPoolId: string | null;
  /** That provider's issuer: its discovery document names the endpoints. Null with Cognito. */
  issuer: string | null;
  clientId: string;
  /** `https://<prefix>.auth.<region>.amazoncognito.com` or a custom domain; null until it is wired. */
  cognitoDomain: string | null;
  /** Where Cognito sends the browser back to; defaults to this page. */
  redirectUri: string | null;
  scopes: string[];
  /** The ID-token claims that carry the groups and the communities. */
  claims: ClaimNames;
};

export type RuntimeConfig = LocalConfig | AwsConfig;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

const GROUPS: readonly string[] = ['admin', 'planner', 'dutyOfficer', 'commander'];
const isGroup = (value: string): value is Group => GROUPS.includes(value);

const optionalString = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : null;

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');

/** Reads `config.json`; throws with a message a person can act on when it is missing or wrong. */
export function parseConfig(raw: unknown): RuntimeConfig {
  if (!isRecord(raw)) throw new Error('config.json is not a JSON object');
  if (raw.mode === 'local') {
    const users = Array.isArray(raw.demoUsers) ? raw.demoUsers : [];
    const demoUsers: DemoUser[] = users.flatMap((user) => {
      if (!isRecord(user) || typeof user.sub !== 'string') return [];
      if (!isStringList(user.groups) || !isStringList(user.communities)) return [];
      return [{ sub: user.sub, groups: user.groups.filter(isGroup), communities: user.communities }];
    });
    return { mode: 'local', apiUrl: withoutTrailingSlash(optionalString(raw.apiUrl) ?? ''), demoUsers };
  }
  if (raw.mode === 'aws') {
    const missing = ['apiUrl', 'region', 'clientId'].filter((key) => optionalString(raw[key]) === null);
    const userPoolId = optionalString(raw.userPoolId);
    const issuer = optionalString(raw.issuer);
    if (userPoolId === null && issuer === null) missing.push('userPoolId or issuer');
    if (missing.length) throw new Error(`config.json lacks ${missing.join(', ')}`);
    const domain = optionalString(raw.cognitoDomain);
    return {
      mode: 'aws',
      apiUrl: withoutTrailingSlash(String(raw.apiUrl)),
      region: String(raw.region),
      userPoolId,
      issuer: issuer === null ? null : withoutTrailingSlash(issuer),
      clientId: String(raw.clientId),
      cognitoDomain:
        domain === null
          ? null
          : // A bare host name (`pingji.auth.<region>.amazoncognito.com`) is taken as https.
            withoutTrailingSlash(/^https?:\/\//.test(domain) ? domain : `https://${domain}`),
      redirectUri: optionalString(raw.redirectUri),
      scopes: isStringList(raw.scopes) && raw.scopes.length ? raw.scopes : ['openid', 'email', 'profile'],
      claims: {
        groups: optionalString(raw.groupsClaim) ?? DEFAULT_CLAIM_NAMES.groups,
        communities: optionalString(raw.communitiesClaim) ?? DEFAULT_CLAIM_NAMES.communities,
      },
    };
  }
  throw new Error('config.json must say "mode": "local" or "aws"');
}

/** Fetches and parses `config.json`, which sits next to `index.html`. */
export async function loadConfig(): Promise<RuntimeConfig> {
  const response = await fetch('config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  return parseConfig(await response.json());
}
