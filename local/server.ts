import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { RouteDef } from '../shared/http/routes';
import { type DevAuth, gatewayClaims } from './dev-auth';

type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

/** A route of the local-only API: served here, never deployed. */
export type DevRoute = {
  method: string;
  path: string;
  handle(request: { body: unknown; query: URLSearchParams; params: Record<string, string> }): Promise<{
    status: number;
    body?: unknown;
    headers?: Record<string, string>;
    raw?: string | Buffer;
  }>;
};

type Compiled = { method: string; pattern: RegExp; names: string[]; statics: number };

function compile(method: string, path: string): Compiled {
  const names: string[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param[1]);
      return '([^/]+)';
    })
    .join('/');
  return {
    method,
    pattern: new RegExp(`^${source}$`),
    names,
    statics: path.split('/').length - names.length,
  };
}

function match(compiled: Compiled, method: string, path: string): Record<string, string> | undefined {
  if (compiled.method !== method) return undefined;
  const m = compiled.pattern.exec(path);
  if (!m) return undefined;
  return Object.fromEntries(compiled.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? '')]));
}

/** Any request body over API Gateway's own limit is refused before a handler sees it. */
const GATEWAY_BODY_LIMIT = 10 * 1024 * 1024;

/** How long a handler may run on the local stack. */
const LOCAL_TIMEOUT_MS = 5 * 60_000;

/** A fake Lambda context with the fields Powertools and handlers read. */
export function lambdaContext(functionName: string, requestId: string, timeoutMs = 29_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function errorBody(code: string, message: string, requestId: string) {
  return JSON.stringify({ error: { code, message, details: [{ requestId }] } });
}

/**
 * The local API: turns each HTTP request into the HTTP API's payload 2.0 event, verifies the
 * bearer token as the JWT authorizer would and puts its claims where the authorizer puts them,
 * then invokes the route's own Lambda handler.
 */
export class LocalApiServer {
  private readonly compiled: { route: RouteDef; compiled: Compiled }[];
  private readonly dev: { route: DevRoute; compiled: Compiled }[];
  private readonly handlers = new Map<string, Promise<LambdaHandler>>();
  private server: Server | undefined;

  constructor(
    private readonly options: {
      routes: readonly RouteDef[];
      devRoutes: readonly DevRoute[];
      auth: DevAuth;
      loadHandler: (fn: string) => Promise<LambdaHandler>;
      staticFiles?: (path: string) => Promise<{ body: Buffer; type: string } | undefined>;
    },
  ) {
    const bySpecificity = <T extends { compiled: Compiled }>(list: T[]) =>
      list.sort((a, b) => b.compiled.statics - a.compiled.statics);
    this.compiled = bySpecificity(
      options.routes.map((route) => ({ route, compiled: compile(route.method, route.path) })),
    );
    this.dev = bySpecificity(
      options.devRoutes.map((route) => ({ route, compiled: compile(route.method, route.path) })),
    );
  }

  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        console.error('local server error', error);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(errorBody('INTERNAL', 'internal error', 'local'));
      });
    });
    await new Promise<void>((accept, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(port, host, () => accept());
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((accept) => server.close(() => accept()));
  }

  private handler(fn: string): Promise<LambdaHandler> {
    let loaded = this.handlers.get(fn);
    if (!loaded) {
      loaded = this.options.loadHandler(fn);
      this.handlers.set(fn, loaded);
    }
    return loaded;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      // Over the limit the rest is read and dropped, not left unread: closing a socket with unread
      // data resets the connection, and the client would see a reset instead of the 413.
      if (size <= GATEWAY_BODY_LIMIT) chunks.push(chunk as Buffer);
    }
    if (size > GATEWAY_BODY_LIMIT) {
      res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
      res.end(errorBody('PAYLOAD_TOO_LARGE', 'request body too large', requestId));
      return;
    }
    const body = Buffer.concat(chunks);

    // A path that is not valid percent-encoding names no route; API Gateway answers it with 400.
    try {
      decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(errorBody('MALFORMED_PATH', 'the path is not valid percent-encoding', requestId));
      return;
    }

    for (const { route, compiled } of this.dev) {
      const params = match(compiled, method, url.pathname);
      if (!params) continue;
      let parsed: unknown;
      if (body.length) {
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(errorBody('MALFORMED_JSON', 'the body is not valid JSON', requestId));
          return;
        }
      }
      const out = await route.handle({ body: parsed, query: url.searchParams, params });
      res.writeHead(out.status, { 'content-type': 'application/json; charset=utf-8', ...out.headers });
      res.end(out.raw ?? (out.body === undefined ? '' : JSON.stringify(out.body)));
      return;
    }

    for (const { route, compiled } of this.compiled) {
      const params = match(compiled, method, url.pathname);
      if (!params) continue;
      await this.invoke(route, params, req, res, url, body, requestId);
      return;
    }

    if (method === 'GET' && this.options.staticFiles) {
      const file = await this.options.staticFiles(url.pathname);
      if (file) {
        res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' });
        res.end(file.body);
        return;
      }
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(errorBody('NOT_FOUND', `no route for ${method} ${url.pathname}`, requestId));
  }

  private async invoke(
    route: RouteDef,
    params: Record<string, string>,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    body: Buffer,
    requestId: string,
  ): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
    }
    let claims: Record<string, string> | undefined;
    if (route.auth) {
      const token = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
      try {
        if (!token) throw new Error('no token');
        claims = gatewayClaims(await this.options.auth.verify(token));
      } catch {
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
        res.end(errorBody('UNAUTHORIZED', 'a valid bearer token is required', requestId));
        return;
      }
    }
    const query: Record<string, string> = {};
    for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key).join(',');
    const now = new Date();
    const event = {
      version: '2.0',
      routeKey: `${route.method} ${route.path}`,
      rawPath: url.pathname,
      rawQueryString: url.search.replace(/^\?/, ''),
      headers,
      ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
      ...(Object.keys(params).length ? { pathParameters: params } : {}),
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: headers.host ?? 'localhost',
        domainPrefix: 'localhost',
        http: {
          method: route.method,
          path: url.pathname,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId,
        routeKey: `${route.method} ${route.path}`,
        stage: '$default',
        time: now.toISOString(),
        timeEpoch: now.getTime(),
        ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
      },
      ...(body.length ? { body: body.toString('utf8') } : {}),
      isBase64Encoded: false,
    } satisfies APIGatewayProxyEventV2 & { requestContext: { authorizer?: unknown } };

    const handler = await this.handler(route.fn);
    // DynamoDB Local on a busy laptop is many times slower than DynamoDB: handlers get room here,
    // and a request that would have outrun its Lambda timeout in AWS is reported instead.
    const limitMs = (route.lambda?.timeoutSeconds ?? 10) * 1000;
    const started = Date.now();
    const result = (await handler(
      event,
      lambdaContext(route.fn.replace('/', '-'), requestId, LOCAL_TIMEOUT_MS),
    )) as APIGatewayProxyStructuredResultV2 | string | undefined;
    const took = Date.now() - started;
    if (took > limitMs) {
      console.warn(
        `${route.method} ${route.path} took ${took} ms locally; its Lambda timeout is ${limitMs} ms`,
      );
    }
    if (typeof result === 'string' || result === undefined) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(result ?? '');
      return;
    }
    const outHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(result.headers ?? {})) outHeaders[k] = String(v);
    res.writeHead(result.statusCode ?? 200, outHeaders);
    res.end(result.isBase64Encoded && result.body ? Buffer.from(result.body, 'base64') : (result.body ?? ''));
  }
}
