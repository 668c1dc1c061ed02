import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';

// The handler reads its site and settings at cold start, as in Lambda: set them before importing it.
const root = mkdtempSync(join(tmpdir(), 'pingji-console-site-'));
mkdirSync(join(root, 'assets'));
writeFileSync(join(root, 'index.html'), '<!doctype html><title>平急</title>');
writeFileSync(join(root, 'app.js'), 'console.log(1)');
writeFileSync(join(root, 'assets', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
process.env.PINGJI_CONSOLE_SITE = root;
process.env.PINGJI_CONSOLE_CONFIG = JSON.stringify({
  mode: 'aws',
  issuer: 'https://idp.example.cn',
  clientId: 'c',
});
process.env.PINGJI_CONSOLE_HEADERS = JSON.stringify({ 'x-frame-options': 'DENY' });
const { handler } = await import('../../../functions/console/serve');

const request = (rawPath: string, headers: Record<string, string> = {}): APIGatewayProxyEventV2 => ({
  version: '2.0',
  routeKey: 'GET /{file}',
  rawPath,
  rawQueryString: '',
  headers,
  isBase64Encoded: false,
  requestContext: {
    accountId: '111122223333',
    apiId: 'abc123',
    domainName: 'abc123.execute-api.cn-north-1.amazonaws.com.cn',
    domainPrefix: 'abc123',
    http: { method: 'GET', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 't' },
    requestId: 'r',
    routeKey: 'GET /{file}',
    stage: '$default',
    time: '07/Dec/2026:07:00:00 +0000',
    timeEpoch: 0,
  },
});

const text = (body: string | undefined) => Buffer.from(body ?? '', 'base64').toString('utf8');

describe('the console served by the API', () => {
  it('answers / with index.html, its type and the security headers, revalidated on each load', async () => {
    const response = await handler(request('/'));

    expect(response.statusCode).toBe(200);
    expect(text(response.body)).toContain('平急');
    expect(response.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'x-frame-options': 'DENY',
      'cache-control': 'no-cache',
    });
  });

  it('serves files in folders byte for byte, base64-encoded', async () => {
    const response = await handler(request('/assets/logo.png'));

    expect(response.isBase64Encoded).toBe(true);
    expect([...Buffer.from(response.body ?? '', 'base64')]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(response.headers?.['content-type']).toBe('image/png');
  });

  it('writes config.json with the API at the address the browser asked', async () => {
    const response = await handler(request('/config.json'));

    expect(JSON.parse(text(response.body))).toEqual({
      mode: 'aws',
      issuer: 'https://idp.example.cn',
      clientId: 'c',
      apiUrl: 'https://abc123.execute-api.cn-north-1.amazonaws.com.cn',
    });
  });

  it('answers 304 to a browser that holds the current file, and 404 for a file it does not have', async () => {
    const first = await handler(request('/app.js'));
    const etag = String(first.headers?.etag);

    expect((await handler(request('/app.js', { 'if-none-match': etag }))).statusCode).toBe(304);
    expect((await handler(request('/nothing.js'))).statusCode).toBe(404);
  });
});
