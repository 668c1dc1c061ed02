import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildConsole } from '../../../console/build';

/** What the fake Cognito saw, for the test to check. */
export type CognitoLog = {
  authorize: URLSearchParams[];
  /** Token requests, with whether the PKCE verifier matched the challenge of its code. */
  token: Array<{ form: URLSearchParams; pkceVerified: boolean }>;
  logout: URLSearchParams[];
};

/** The console as CloudFront would serve it in AWS mode, and a stand-in for Cognito's managed login. */
export type AwsSite = { url: string; cognitoUrl: string; log: CognitoLog; stop(): Promise<void> };

const CLIENT_ID = 'console-client';

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

const base64Url = (bytes: Buffer) =>
  bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/**
 * Serves the built console with an AWS-mode `config.json` on one origin, passing every other
 * path through to the local API (as if the API were on that origin), and runs a minimal
 * authorization-code + PKCE server on another origin. The ID token it issues is minted by the
 * local stack, so the API accepts it as it would accept Cognito's.
 */
export async function startAwsSite(options: {
  apiUrl: string;
  mintIdToken: () => Promise<string>;
}): Promise<AwsSite> {
  const files = new Map((await buildConsole({ minify: true })).map((f) => [`/${f.path}`, f]));
  const log: CognitoLog = { authorize: [], token: [], logout: [] };
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  let siteUrl = '';
  let cognitoUrl = '';

  const site = createServer((req, res) => {
    void serveSite(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  const serveSite = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', siteUrl);
    if (req.method === 'GET' && url.pathname === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          mode: 'aws',
          apiUrl: siteUrl,
          region: 'ap-southeast-1',
          userPoolId: 'ap-southeast-1_test',
          clientId: CLIENT_ID,
          cognitoDomain: cognitoUrl,
          redirectUri: null,
          scopes: ['openid', 'email', 'profile'],
        }),
      );
      return;
    }
    const file =
      req.method === 'GET' ? files.get(url.pathname === '/' ? '/index.html' : url.pathname) : undefined;
    if (file) {
      res.writeHead(200, { 'content-type': file.type });
      res.end(file.body);
      return;
    }
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'content-type', 'idempotency-key']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const upstream = await fetch(`${options.apiUrl}${url.pathname}${url.search}`, {
      method: req.method ?? 'GET',
      headers,
      ...(body.length ? { body: new Uint8Array(body) } : {}),
    });
    res.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'application/json',
    });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  };

  const cognito = createServer((req, res) => {
    void serveCognito(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  const serveCognito = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', cognitoUrl);
    const cors = { 'access-control-allow-origin': siteUrl, 'access-control-allow-headers': 'content-type' };
    if (url.pathname === '/oauth2/authorize') {
      const params = url.searchParams;
      log.authorize.push(params);
      const redirectUri = params.get('redirect_uri') ?? '';
      if (
        params.get('response_type') !== 'code' ||
        params.get('client_id') !== CLIENT_ID ||
        params.get('code_challenge_method') !== 'S256' ||
        !params.get('code_challenge') ||
        !redirectUri.startsWith(siteUrl)
      ) {
        res.writeHead(400);
        res.end('bad authorize request');
        return;
      }
      const code = randomUUID();
      codes.set(code, { challenge: params.get('code_challenge') ?? '', redirectUri });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', params.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      res.end();
      return;
    }
    if (url.pathname === '/oauth2/token' && req.method === 'OPTIONS') {
      res.writeHead(204, cors);
      res.end();
      return;
    }
    if (url.pathname === '/oauth2/token' && req.method === 'POST') {
      const form = new URLSearchParams((await readBody(req)).toString('utf8'));
      const issued = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const pkceVerified =
        issued !== undefined &&
        base64Url(createHash('sha256').update(verifier).digest()) === issued.challenge;
      log.token.push({ form, pkceVerified });
      const ok =
        pkceVerified &&
        form.get('grant_type') === 'authorization_code' &&
        form.get('client_id') === CLIENT_ID &&
        form.get('redirect_uri') === issued?.redirectUri;
      res.writeHead(ok ? 200 : 400, { ...cors, 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          ok
            ? {
                id_token: await options.mintIdToken(),
                access_token: 'unused',
                token_type: 'Bearer',
                expires_in: 3600,
              }
            : { error: 'invalid_grant' },
        ),
      );
      return;
    }
    if (url.pathname === '/logout') {
      log.logout.push(url.searchParams);
      res.writeHead(302, { location: url.searchParams.get('logout_uri') ?? siteUrl });
      res.end();
      return;
    }
    res.writeHead(404);
    res.end();
  };

  siteUrl = await listen(site);
  cognitoUrl = await listen(cognito);
  return {
    url: siteUrl,
    cognitoUrl,
    log,
    async stop() {
      await Promise.all([close(site), close(cognito)]);
    },
  };
}
