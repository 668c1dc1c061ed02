import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, SignJWT } from 'jose';
import { inject } from 'vitest';
import * as z from 'zod';
import { DEV_AUDIENCE } from '../../../local/dev-auth';
import { DEV_ISSUER, type LocalStack, startLocalStack } from '../../../local/stack';
import { type Api, httpClient } from './http-client';

/** The RSA private key the dev token service keeps in its key file. */
const privateJwk = z.object({
  kty: z.literal('RSA'),
  kid: z.string(),
  n: z.string(),
  e: z.string(),
  d: z.string(),
  p: z.string(),
  q: z.string(),
  dp: z.string(),
  dq: z.string(),
  qi: z.string(),
});

export type TokenClaims = {
  sub?: string;
  groups?: string[];
  communities?: string;
  issuer?: string;
  audience?: string;
  /** Seconds since the epoch. */
  expiresAt?: number;
  notBefore?: number;
};

export type KeyedStack = {
  stack: LocalStack;
  /** A caller with this token, or none. */
  client(token?: string): Api;
  /** A caller minted by the stack's own token service. */
  as(groups: string[], communities: string[], sub?: string): Promise<Api>;
  /** Signs a token with the stack's own key, every claim under the caller's control. */
  sign(claims: TokenClaims): Promise<string>;
  stop(): Promise<void>;
};

/**
 * The local API on a fresh table in the run's DynamoDB Local, with its signing key kept in a
 * temporary data dir so a test can sign tokens the stack trusts but would never mint itself:
 * the wrong audience, the wrong issuer, an expiry in the past.
 */
export async function startKeyedStack(): Promise<KeyedStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pingji-keyed-'));
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      endpoint: inject('dynamoEndpoint'),
      tableName: `test-${randomUUID()}`,
      seed: 'none',
      inMemory: false,
      dataDir,
      port: 0,
    });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const jwk = privateJwk.parse(JSON.parse(await readFile(join(dataDir, 'dev-signing-key.json'), 'utf8')));
  const key = await importJWK(jwk, 'RS256');
  const now = () => Math.floor(Date.now() / 1000);
  return {
    stack,
    client: (token) => httpClient(stack.url, token),
    async as(groups, communities, sub = `user-${groups.join('-')}`) {
      return httpClient(stack.url, await stack.auth.mint({ sub, groups, communities }));
    },
    sign(claims) {
      return new SignJWT({
        'cognito:groups': claims.groups ?? ['admin'],
        'custom:communities': claims.communities ?? '*',
        token_use: 'id',
      })
        .setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'JWT' })
        .setSubject(claims.sub ?? 'signed-by-test')
        .setIssuer(claims.issuer ?? DEV_ISSUER)
        .setAudience(claims.audience ?? DEV_AUDIENCE)
        .setIssuedAt()
        .setNotBefore(claims.notBefore ?? now() - 60)
        .setExpirationTime(claims.expiresAt ?? now() + 3600)
        .sign(key);
    },
    async stop() {
      try {
        await stack.stop();
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}
