import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { loadConfig } from '../../shared/config';

/**
 * The command console, served by the HTTP API where CloudFront cannot be used (the AWS China
 * regions without an ICP-filed domain of the office's own): the built site travels in this
 * function's bundle (`site/` beside the handler), `config.json` is written per request with the
 * API at the address the browser asked, and every answer carries the console's security headers.
 */

const json = <T extends z.ZodType>(schema: T) =>
  z.string().transform((text, ctx): z.infer<T> => {
    try {
      const parsed = schema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
    return z.NEVER;
  });

const env = loadConfig(
  z.object({
    /** `config.json` but for `apiUrl`. */
    PINGJI_CONSOLE_CONFIG: json(z.record(z.string(), z.unknown())),
    PINGJI_CONSOLE_HEADERS: json(z.record(z.string(), z.string())),
    PINGJI_CONSOLE_SITE: z
      .string()
      .min(1)
      .default(join(dirname(fileURLToPath(import.meta.url)), 'site')),
  }),
);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

type SiteFile = { body: Buffer; type: string; etag: string };

function filesUnder(root: string, dir = root): Array<[string, SiteFile]> {
  return readdirSync(dir).flatMap((name): Array<[string, SiteFile]> => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(root, path);
    const body = readFileSync(path);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    return [
      [`/${relative(root, path)}`, { body, type: TYPES[extname(name)] ?? 'application/octet-stream', etag }],
    ];
  });
}

const site = new Map(filesUnder(env.PINGJI_CONSOLE_SITE));

function answer(
  status: number,
  body: Buffer,
  headers: Record<string, string>,
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: { ...env.PINGJI_CONSOLE_HEADERS, 'cache-control': 'no-cache', ...headers },
    body: body.toString('base64'),
    isBase64Encoded: true,
  };
}

/** `GET /` and `GET /{file}`: a file of the console, its `config.json`, or 404. */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const path = event.rawPath === '/' ? '/index.html' : event.rawPath;
  if (path === '/config.json') {
    const config = { ...env.PINGJI_CONSOLE_CONFIG, apiUrl: `https://${event.requestContext.domainName}` };
    return answer(200, Buffer.from(JSON.stringify(config)), { 'content-type': TYPES['.json'] ?? '' });
  }
  const file = site.get(path);
  if (!file) return answer(404, Buffer.from('not found'), { 'content-type': 'text/plain; charset=utf-8' });
  if (event.headers['if-none-match'] === file.etag) return answer(304, Buffer.alloc(0), { etag: file.etag });
  return answer(200, file.body, { 'content-type': file.type, etag: file.etag });
}
