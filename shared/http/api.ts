import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { z } from 'zod';
import { auditLog } from '../adapters/audit-log';
import { ulidIds } from '../adapters/clock';
import type { Principal } from '../domain/access';
import { AppError, PayloadTooLargeError, ValidationError } from '../domain/errors';
import { parseWith } from '../domain/validation';
import { logger, metrics, tracer } from '../observability';
import { claimNamesFromEnv, principalFromClaims } from './claims';
import type { AuditInput, AuditSpec, RouteDef } from './routes';

/** The HTTP API's event, with what the middleware adds to it. */
export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer & {
  /** The decoded body text, set by `bodyReader`. */
  bodyText?: string;
  /** The verified caller, set by `authenticate`. */
  principal?: Principal;
};
export type ApiResult = APIGatewayProxyStructuredResultV2;

type Out<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

/** What a handler receives: the route's input, parsed by its schemas, and the caller. */
export type ApiRequest<R extends RouteDef> = {
  params: Out<R['params']>;
  query: Out<R['query']>;
  body: R['bodyType'] extends 'csv' | 'xml'
    ? string
    : R['body'] extends z.ZodType
      ? z.output<R['body']>
      : undefined;
  principal: R['auth'] extends true ? Principal : Principal | undefined;
  headers: Record<string, string | undefined>;
  requestId: string;
  event: ApiEvent;
};

/** A handler's answer: a status and a JSON body, or a status alone. */
export type Reply = {
  status: number;
  body?: unknown;
  /** A body sent as it is (CSV), instead of as JSON; set its content type in `headers`. */
  text?: string;
  headers?: Record<string, string>;
  /** The communities an audited write concerns, when the use case knows better than the route. */
  auditScopes?: string[];
  /** The write changed nothing (a replay): no audit entry. */
  replayed?: boolean;
  /** A body that is not JSON (a CAP document), sent as is under its own media type. */
  raw?: { contentType: string; text: string };
};

export const JSON_BODY_LIMIT = 256 * 1024;
export const CSV_BODY_LIMIT = 5 * 1024 * 1024;
/** XML bodies are CAP alerts: a few kilobytes in practice. */
export const XML_BODY_LIMIT = 1024 * 1024;

const MEDIA_TYPES = {
  json: ['application/json'],
  csv: ['text/csv', 'text/plain', 'application/csv'],
  xml: ['application/cap+xml', 'application/xml', 'text/xml'],
} as const;

class UnsupportedMediaTypeError extends AppError {
  readonly status = 415;
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
}

const baseHeaders = (requestId: string) => ({
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-request-id': requestId,
});

/** Serialises a reply as API Gateway expects it. */
export function toResult(reply: Reply, requestId: string): ApiResult {
  return {
    statusCode: reply.status,
    headers: {
      ...baseHeaders(requestId),
      ...(reply.raw ? { 'content-type': reply.raw.contentType } : {}),
      ...reply.headers,
    },
    body: reply.raw
      ? reply.raw.text
      : (reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body))),
  };
}

const THROTTLED = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionConflictException',
]);

/**
 * The one error mapper: an `AppError` becomes its status and code; a throttled dependency a 503
 * the client may retry; anything else a 500 with the request id and nothing more.
 */
export function errorMapper(): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    onError: (request) => {
      const error = request.error;
      const requestId = request.event.requestContext?.requestId ?? 'unknown';
      if (error instanceof AppError) {
        if (error.status >= 500) logger.warn('request failed', { code: error.code, error });
        request.response = toResult(
          {
            status: error.status,
            body: { error: { code: error.code, message: error.message, details: error.details } },
          },
          requestId,
        );
        return;
      }
      if (error && THROTTLED.has(error.name)) {
        logger.warn('dependency throttled', { error });
        request.response = toResult(
          {
            status: 503,
            headers: { 'retry-after': '1' },
            body: {
              error: {
                code: 'TEMPORARILY_UNAVAILABLE',
                message: 'busy; retry shortly',
                details: [{ requestId }],
              },
            },
          },
          requestId,
        );
        return;
      }
      logger.error('unhandled error', { error });
      request.response = toResult(
        {
          status: 500,
          body: { error: { code: 'INTERNAL', message: 'internal error', details: [{ requestId }] } },
        },
        requestId,
      );
    },
  };
}

/** Decodes the body, refuses it when too large (413) or of the wrong media type (415). */
export function bodyReader(route: RouteDef): MiddlewareObj<ApiEvent, ApiResult> {
  const bodyType = route.bodyType ?? 'json';
  const limit = { json: JSON_BODY_LIMIT, csv: CSV_BODY_LIMIT, xml: XML_BODY_LIMIT }[bodyType];
  return {
    before: (request) => {
      const { event } = request;
      if (event.body === undefined || event.body === '') return;
      const bytes = event.isBase64Encoded
        ? Buffer.from(event.body, 'base64')
        : Buffer.from(event.body, 'utf8');
      if (bytes.length > limit) {
        throw new PayloadTooLargeError(`the body is ${bytes.length} bytes; at most ${limit} are accepted`, [
          { path: 'body', message: `at most ${limit} bytes` },
        ]);
      }
      const type = (event.headers?.['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      const expected: readonly string[] = MEDIA_TYPES[bodyType];
      const suffixed =
        (bodyType === 'json' && type.endsWith('+json')) || (bodyType === 'xml' && type.endsWith('+xml'));
      if (type !== '' && !expected.includes(type) && !suffixed) {
        throw new UnsupportedMediaTypeError(`expected ${expected[0]}, got ${type}`, [
          { path: 'content-type', message: `expected ${expected[0]}` },
        ]);
      }
      event.bodyText = bytes.toString('utf8');
    },
  };
}

/** Reads the claims API Gateway's JWT authorizer verified; 401 when a protected route has none. */
export function authenticate(route: RouteDef): MiddlewareObj<ApiEvent, ApiResult> {
  // Read at cold start: a malformed claim name fails the start, not the first request.
  const names = claimNamesFromEnv();
  return {
    before: (request) => {
      const claims = request.event.requestContext?.authorizer?.jwt?.claims;
      if (!route.auth && !claims) return;
      request.event.principal = principalFromClaims(claims, names);
    },
  };
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    // The parser's own message quotes the body back; only say where it went wrong.
    const position = error instanceof Error ? /position (\d+)/.exec(error.message)?.[1] : undefined;
    const message = position === undefined ? 'not valid JSON' : `not valid JSON at position ${position}`;
    throw new ValidationError('the body is not valid JSON', [{ path: 'body', message }], 'MALFORMED_JSON');
  }
}

/**
 * Builds a Lambda handler for a route: Powertools logging, the error mapper, body and auth
 * middleware, then zod parsing of path, query and body with the route's own schemas.
 */
export function apiHandler<R extends RouteDef>(route: R, fn: (request: ApiRequest<R>) => Promise<Reply>) {
  const handler = middy<ApiEvent, ApiResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(errorMapper())
    .use(bodyReader(route))
    .use(authenticate(route))
    .handler(async (event) => {
      const requestId = event.requestContext?.requestId ?? 'unknown';
      logger.appendKeys({ requestId, route: `${route.method} ${route.path}` });
      const params: unknown = route.params
        ? parseWith(route.params, event.pathParameters ?? {}, 'path parameters')
        : {};
      const query = route.query ? parseWith(route.query, event.queryStringParameters ?? {}, 'query') : {};
      let body: unknown;
      if (route.bodyType === 'csv' || route.bodyType === 'xml') {
        body = event.bodyText ?? '';
      } else if (route.body) {
        const json = parseJson(event.bodyText);
        if (json === undefined)
          throw new ValidationError('a JSON body is required', [{ path: 'body', message: 'required' }]);
        body = parseWith(route.body, json, 'body');
      }
      const reply = await fn({
        params,
        query,
        body,
        principal: event.principal,
        headers: event.headers ?? {},
        requestId,
        event,
      } as ApiRequest<R>);
      if (route.audit && reply.status < 300 && event.principal && !reply.replayed) {
        await recordAudit(
          route.audit,
          { params: asRecord(params), body, result: reply.body },
          reply.auditScopes,
          event,
          event.principal,
          reply.status,
        );
      }
      return toResult(reply, requestId);
    });
  return Object.assign(handler, { route });
}

type RouteHandler = ReturnType<typeof apiHandler>;

/**
 * One Lambda for several routes that do one thing (a proposal accepted by its community's path or
 * by its id alone): each request goes to the handler of the route API Gateway matched, by its
 * route key. Fewer functions keep the stack well inside CloudFormation's 500 resources.
 */
export function routedHandler(...handlers: RouteHandler[]) {
  const byKey = new Map(handlers.map((h) => [`${h.route.method} ${h.route.path}`, h]));
  return async (event: ApiEvent, context: Context): Promise<ApiResult> => {
    const handler = byKey.get(event.routeKey ?? '');
    if (!handler) throw new Error(`no handler here for route ${event.routeKey ?? '(none)'}`);
    return handler(event, context);
  };
}

/**
 * Records a successful write in the audit trail. The write itself has happened: if the trail
 * cannot be written the request still succeeds, and the failure is logged and counted.
 */
async function recordAudit(
  spec: AuditSpec,
  input: AuditInput,
  scopesGiven: string[] | undefined,
  event: ApiEvent,
  principal: Principal,
  status: number,
): Promise<void> {
  try {
    const log = auditLog();
    const scopes = (
      await Promise.all(
        (scopesGiven ?? spec.scopes(input)).map((scope) =>
          scope.startsWith('activation:')
            ? log.communityOfActivation(scope.slice('activation:'.length))
            : scope,
        ),
      )
    ).filter((scope): scope is string => typeof scope === 'string' && scope !== '');
    const idOf = (source: unknown) =>
      typeof source === 'object' && source !== null
        ? (source as Record<string, unknown>)[`${spec.target}Id`]
        : undefined;
    const targetId = idOf(input.params) ?? idOf(input.result);
    const at = new Date().toISOString();
    await log.record(
      scopes.map((scope) => ({
        auditId: ulidIds.next(),
        scope,
        at,
        action: spec.action,
        actor: principal.sub,
        groups: principal.groups,
        target: { type: spec.target, id: typeof targetId === 'string' ? targetId : '' },
        requestId: event.requestContext?.requestId ?? 'unknown',
        sourceIp: event.requestContext?.http?.sourceIp,
        userAgent: event.requestContext?.http?.userAgent,
        status,
        details: spec.details?.(input),
      })),
    );
  } catch (error) {
    logger.error('audit entry could not be written', { error, action: spec.action });
    metrics.addMetric('AuditWriteFailed', MetricUnit.Count, 1);
  }
}

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value)) : {};

export const ok = (body: unknown): Reply => ({ status: 200, body });
export const created = (body: unknown): Reply => ({ status: 201, body });
export const noContent = (): Reply => ({ status: 204 });
/** 201 when the PUT created the record, 200 when it changed one. */
export const upserted = (result: { value: unknown; created: boolean; communities?: string[] }): Reply => ({
  status: result.created ? 201 : 200,
  body: result.value,
  ...(result.communities ? { auditScopes: result.communities } : {}),
});
