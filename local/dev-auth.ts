import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';

export const DEV_AUDIENCE = 'pingji-local';
const KEY_ID = 'pingji-dev-1';

/** Mints and verifies the local stack's tokens, the way Cognito and the HTTP API's JWT authorizer do. */
export type DevAuth = {
  issuer: string;
  audience: string;
  jwks: JSONWebKeySet;
  mint(input: {
    sub: string;
    groups: readonly string[];
    communities: readonly string[];
    ttlSeconds?: number;
  }): Promise<string>;
  /** Verifies signature, issuer, audience and expiry; throws when any fails. */
  verify(token: string): Promise<JWTPayload>;
};

/**
 * Builds the dev token service. With a key file the signing key survives restarts, so tokens
 * printed yesterday still work; without one a fresh key is made.
 */
export async function makeDevAuth(options: {
  issuer: string;
  keyFile?: string | undefined;
}): Promise<DevAuth> {
  let privateJwk: JWK;
  if (options.keyFile && existsSync(options.keyFile)) {
    privateJwk = JSON.parse(readFileSync(options.keyFile, 'utf8')) as JWK;
  } else {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    privateJwk = { ...(await exportJWK(privateKey)), kid: KEY_ID, alg: 'RS256', use: 'sig' };
    if (options.keyFile) {
      mkdirSync(dirname(options.keyFile), { recursive: true });
      writeFileSync(options.keyFile, JSON.stringify(privateJwk), { mode: 0o600 });
    }
  }
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;
  const signingKey = await importJWK(privateJwk, 'RS256');
  const jwks: JSONWebKeySet = { keys: [publicJwk] };
  const keySet = createLocalJWKSet(jwks);

  return {
    issuer: options.issuer,
    audience: DEV_AUDIENCE,
    jwks,
    async mint({ sub, groups, communities, ttlSeconds = 12 * 3600 }) {
      return new SignJWT({
        'cognito:groups': [...groups],
        'custom:communities': communities.join(','),
        token_use: 'id',
      })
        .setProtectedHeader({ alg: 'RS256', kid: publicJwk.kid ?? KEY_ID, typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(options.issuer)
        .setAudience(DEV_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(signingKey);
    },
    async verify(token) {
      const { payload } = await jwtVerify(token, keySet, {
        issuer: options.issuer,
        audience: DEV_AUDIENCE,
        algorithms: ['RS256'],
        clockTolerance: 5,
      });
      return payload;
    },
  };
}

/**
 * Claims as the HTTP API's JWT authorizer hands them to Lambda: every value a string, arrays in
 * the bracketed, space-separated form `[a b]`.
 */
export function gatewayClaims(payload: JWTPayload): Record<string, string> {
  return Object.fromEntries(
    Object.entries(payload).map(([key, value]) => [
      key,
      Array.isArray(value)
        ? `[${value.join(' ')}]`
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value),
    ]),
  );
}
