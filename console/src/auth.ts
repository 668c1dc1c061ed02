import {
  type AwsConfig,
  type ClaimNames,
  DEFAULT_CLAIM_NAMES,
  type DemoUser,
  type LocalConfig,
} from './config';
import type { Group } from './types';

/** Who is signed in, as the ID token says. */
export type Session = {
  token: string;
  sub: string;
  name: string;
  groups: Group[];
  /** `'*'` for every community. */
  communities: '*' | string[];
  /** Epoch seconds. */
  expiresAt: number;
};

const SESSION_KEY = 'pingji.session';
const CLAIMS_KEY = 'pingji.claims';
const PKCE_KEY = 'pingji.pkce';

/** A list claim as an array, or as one string of names separated by spaces or commas. */
function listOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value !== 'string') return [];
  return value
    .split(/[\s,]+/)
    .map((v) => v.trim())
    .filter(Boolean);
}

function storedClaimNames(): ClaimNames {
  try {
    const raw: unknown = JSON.parse(sessionStorage.getItem(CLAIMS_KEY) ?? 'null');
    if (typeof raw !== 'object' || raw === null) return DEFAULT_CLAIM_NAMES;
    const { groups, communities } = raw as Record<string, unknown>;
    return typeof groups === 'string' && typeof communities === 'string'
      ? { groups, communities }
      : DEFAULT_CLAIM_NAMES;
  } catch {
    return DEFAULT_CLAIM_NAMES;
  }
}
const GROUPS: readonly string[] = ['admin', 'planner', 'dutyOfficer', 'commander'];

function base64UrlDecode(part: string): string {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

function base64UrlEncode(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Reads the claims of an ID token. The signature is not checked here: the API checks it on
 * every call, and the page only uses the claims to decide what to show.
 */
export function sessionFromToken(token: string, names: ClaimNames = DEFAULT_CLAIM_NAMES): Session {
  const payloadPart = token.split('.')[1];
  if (!payloadPart) throw new Error('not a JWT');
  const claims: unknown = JSON.parse(base64UrlDecode(payloadPart));
  if (typeof claims !== 'object' || claims === null) throw new Error('not a JWT');
  const get = (key: string): unknown => (claims as Record<string, unknown>)[key];
  const groups = listOf(get(names.groups)).filter((g): g is Group => GROUPS.includes(g));
  const list = listOf(get(names.communities));
  const sub = String(get('sub') ?? '');
  const name = [get('name'), get('email'), get('cognito:username'), sub].find(
    (v): v is string => typeof v === 'string' && v !== '',
  );
  return {
    token,
    sub,
    name: name ?? sub,
    groups,
    communities: list.includes('*') ? '*' : list,
    expiresAt: Number(get('exp') ?? 0),
  };
}

/** The session kept in this tab, unless it has expired. */
export function storedSession(now = Date.now()): Session | undefined {
  const token = sessionStorage.getItem(SESSION_KEY);
  if (!token) return undefined;
  try {
    const session = sessionFromToken(token, storedClaimNames());
    if (session.expiresAt * 1000 <= now + 30_000) {
      sessionStorage.removeItem(SESSION_KEY);
      return undefined;
    }
    return session;
  } catch {
    sessionStorage.removeItem(SESSION_KEY);
    return undefined;
  }
}

function keep(token: string, names: ClaimNames = DEFAULT_CLAIM_NAMES): Session {
  const session = sessionFromToken(token, names);
  sessionStorage.setItem(SESSION_KEY, token);
  sessionStorage.setItem(CLAIMS_KEY, JSON.stringify(names));
  return session;
}

/** Local stack: a token for a demo user from `POST /dev/tokens`. */
export async function signInLocal(config: LocalConfig, user: DemoUser): Promise<Session> {
  const response = await fetch(`${config.apiUrl}/dev/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub: user.sub, roles: user.groups, communities: user.communities }),
  });
  const body: unknown = await response.json().catch(() => undefined);
  const token = typeof body === 'object' && body !== null ? (body as { token?: unknown }).token : undefined;
  if (!response.ok || typeof token !== 'string') throw new Error(`POST /dev/tokens: HTTP ${response.status}`);
  return keep(token);
}

const redirectUriOf = (config: AwsConfig) => config.redirectUri ?? `${location.origin}${location.pathname}`;

function randomToken(bytes: number): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The PKCE challenge of a verifier: base64url(SHA-256(verifier)). */
export async function pkceChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64UrlEncode(new Uint8Array(digest));
}

/** Where the browser signs in, trades the code for tokens, and signs out. */
type Endpoints = { authorize: string; token: string; logout: ((returnTo: string) => string) | undefined };

const discovered = new Map<string, Promise<Endpoints>>();

/**
 * The endpoints of the identity provider: Cognito's managed login under its domain, or those an
 * OpenID Connect issuer names in its discovery document (read once per page load). Undefined
 * when `config.json` names neither.
 */
async function endpointsOf(config: AwsConfig): Promise<Endpoints | undefined> {
  const domain = config.cognitoDomain;
  if (domain) {
    return {
      authorize: `${domain}/oauth2/authorize`,
      token: `${domain}/oauth2/token`,
      logout: (returnTo) =>
        `${domain}/logout?${new URLSearchParams({ client_id: config.clientId, logout_uri: returnTo })}`,
    };
  }
  const issuer = config.issuer;
  if (!issuer) return undefined;
  let found = discovered.get(issuer);
  if (!found) {
    found = discover(issuer, config.clientId);
    discovered.set(issuer, found);
    found.catch(() => discovered.delete(issuer));
  }
  return found;
}

async function discover(issuer: string, clientId: string): Promise<Endpoints> {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`);
  const body: unknown = await response.json().catch(() => undefined);
  const field = (name: string): string | undefined => {
    const value =
      typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
    return typeof value === 'string' && value.startsWith('https://') ? value : undefined;
  };
  const authorize = field('authorization_endpoint');
  const token = field('token_endpoint');
  if (!response.ok || !authorize || !token)
    throw new Error(`the identity provider's discovery document (${issuer}): HTTP ${response.status}`);
  const endSession = field('end_session_endpoint');
  return {
    authorize,
    token,
    logout: endSession
      ? (returnTo) =>
          `${endSession}?${new URLSearchParams({ client_id: clientId, post_logout_redirect_uri: returnTo })}`
      : undefined,
  };
}

/** Whether `config.json` says where to sign in. */
export const signInConfigured = (config: AwsConfig): boolean =>
  config.cognitoDomain !== null || config.issuer !== null;

/**
 * AWS: sends the browser to the identity provider's sign-in (authorization code with PKCE). The
 * verifier and state stay in this tab's sessionStorage until the provider sends the browser back.
 */
export async function beginSignIn(config: AwsConfig): Promise<void> {
  const endpoints = await endpointsOf(config);
  if (!endpoints) throw new Error('config.json has no cognitoDomain or issuer');
  const verifier = randomToken(48);
  const state = randomToken(24);
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, hash: location.hash }));
  const url = new URL(endpoints.authorize);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUriOf(config),
    scope: config.scopes.join(' '),
    state,
    code_challenge_method: 'S256',
    code_challenge: await pkceChallenge(verifier),
  }).toString();
  location.assign(url.toString());
}

/**
 * AWS: when the identity provider has sent the browser back with `?code=…&state=…`, exchanges
 * the code for tokens and keeps the ID token (it carries `cognito:groups` and
 * `custom:communities`). Returns undefined when this page load is not such a return.
 */
export async function completeSignIn(config: AwsConfig): Promise<Session | undefined> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (!code && !error) return undefined;
  const pending = sessionStorage.getItem(PKCE_KEY);
  sessionStorage.removeItem(PKCE_KEY);
  const stored = pending ? (JSON.parse(pending) as { verifier?: string; state?: string; hash?: string }) : {};
  history.replaceState(null, '', `${location.pathname}${stored.hash ?? ''}`);
  if (error) throw new Error(`sign-in: ${params.get('error_description') ?? error}`);
  const endpoints = await endpointsOf(config);
  if (!endpoints) throw new Error('config.json has no cognitoDomain or issuer');
  if (!stored.verifier || stored.state !== params.get('state'))
    throw new Error('the sign-in answer does not match this tab; sign in again');
  const response = await fetch(endpoints.token, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code: code ?? '',
      redirect_uri: redirectUriOf(config),
      code_verifier: stored.verifier,
    }).toString(),
  });
  const body: unknown = await response.json().catch(() => undefined);
  const idToken =
    typeof body === 'object' && body !== null ? (body as { id_token?: unknown }).id_token : undefined;
  if (!response.ok || typeof idToken !== 'string') throw new Error(`token: HTTP ${response.status}`);
  return keep(idToken, config.claims);
}

/** Forgets the session; in AWS also ends the provider's session and comes back to this page. */
export function signOut(config: LocalConfig | AwsConfig): void {
  sessionStorage.removeItem(SESSION_KEY);
  sessionStorage.removeItem(CLAIMS_KEY);
  if (config.mode !== 'aws') return;
  void endpointsOf(config)
    .then((endpoints) => {
      const logout = endpoints?.logout;
      if (logout) location.assign(logout(redirectUriOf(config)));
      else location.reload();
    })
    .catch(() => location.reload());
}
