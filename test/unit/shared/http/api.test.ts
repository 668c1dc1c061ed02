import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  type AppError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from '../../../../shared/domain/errors';
import {
  type ApiEvent,
  type ApiResult,
  apiHandler,
  CSV_BODY_LIMIT,
  created,
  JSON_BODY_LIMIT,
  noContent,
  ok,
  routedHandler,
} from '../../../../shared/http/api';
import { routes } from '../../../../shared/http/routes';
import { errorBody } from '../../../../shared/http/schemas';
import fixture from '../../../fixtures/events/http-api-v2-jwt.json';
import { fakeContext } from '../../support/lambda-context';

/** The saved HTTP API (payload 2.0) event: POST /communities/dongguan/members by a planner. */
const recorded: ApiEvent = fixture;
const REQUEST_ID = fixture.requestContext.requestId;

/** A fresh copy of the recorded event, changed by `edit`. */
function anEvent(edit: (event: ApiEvent) => void = () => undefined): ApiEvent {
  const event = structuredClone(recorded);
  edit(event);
  return event;
}

const jsonOf = (result: ApiResult): unknown => JSON.parse(result.body ?? '');

/** The error body of a result, checked against the contract's error shape. */
const errorOf = (result: ApiResult) => errorBody.parse(jsonOf(result)).error;

/** Echoes what the handler received, so tests can see what the middleware made of the event. */
const echoCreate = apiHandler(routes.createMember, async ({ params, body, principal, requestId }) =>
  created({ params, body, principal, requestId }),
);
const echoImport = apiHandler(routes.importMembers, async ({ body }) => ok({ text: body }));
const throwing = (error: unknown) =>
  apiHandler(routes.createMember, async () => {
    throw error;
  });

describe('apiHandler on the recorded HTTP API event', () => {
  it('parses path, body and claims and answers with the handler’s reply', async () => {
    const result = await echoCreate(anEvent(), fakeContext());

    expect(result.statusCode).toBe(201);
    expect(result.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-request-id': REQUEST_ID,
    });
    expect(jsonOf(result)).toEqual({
      params: { communityId: 'dongguan' },
      body: {
        name: '王伟',
        phone: '+8613800138000',
        roles: ['volunteer'],
        partyMember: false,
        gridId: 'dg01',
        skills: ['firstAid'],
        available: true,
      },
      principal: {
        sub: fixture.requestContext.authorizer.jwt.claims.sub,
        groups: ['planner'],
        communities: ['dongguan', 'xijie'],
      },
      requestId: REQUEST_ID,
    });
  });

  it('answers 204 with an empty body', async () => {
    const handler = apiHandler(routes.deleteMember, async () => noContent());

    const result = await handler(
      anEvent((e) => {
        e.pathParameters = { communityId: 'dongguan', memberId: '01jd0000000000000000000001' };
        e.body = undefined;
      }),
      fakeContext(),
    );

    expect(result).toMatchObject({ statusCode: 204, body: '' });
  });

  it('parses and coerces the query string with the route’s schema', async () => {
    const handler = apiHandler(routes.listMembers, async ({ query }) => ok(query));

    const result = await handler(
      anEvent((e) => {
        e.queryStringParameters = { limit: '20', role: 'volunteer', gridId: 'dg01' };
        e.body = undefined;
      }),
      fakeContext(),
    );

    expect(jsonOf(result)).toEqual({ limit: 20, role: 'volunteer', gridId: 'dg01' });
  });
});

describe('apiHandler: bad input', () => {
  it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
    const result = await echoCreate(
      anEvent((e) => {
        e.body = '{"name": "王伟", ';
      }),
      fakeContext(),
    );

    expect(result.statusCode).toBe(400);
    expect(errorOf(result)).toMatchObject({ code: 'MALFORMED_JSON', details: [{ path: 'body' }] });
  });

  it('answers wrong types with 400 and the path of each wrong field', async () => {
    const result = await echoCreate(
      anEvent((e) => {
        e.body = JSON.stringify({
          name: 7,
          phone: '13800138000',
          roles: ['volunteer', 3],
          partyMember: 'no',
        });
      }),
      fakeContext(),
    );

    expect(result.statusCode).toBe(400);
    const error = errorOf(result);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details).toEqual([
      { path: 'name', message: expect.any(String) },
      { path: 'roles[1]', message: expect.any(String) },
      { path: 'partyMember', message: expect.any(String) },
    ]);
  });

  it('answers a missing JSON body with 400', async () => {
    const result = await echoCreate(
      anEvent((e) => {
        e.body = undefined;
      }),
      fakeContext(),
    );

    expect(result.statusCode).toBe(400);
    expect(errorOf(result).details).toEqual([{ path: 'body', message: 'required' }]);
  });

  it('answers a path parameter that is not a slug with 400 at its name', async () => {
    const result = await echoCreate(
      anEvent((e) => {
        e.pathParameters = { communityId: 'Dong Guan' };
      }),
      fakeContext(),
    );

    expect(result.statusCode).toBe(400);
    expect(errorOf(result).details).toEqual([
      { path: 'communityId', message: expect.stringContaining('slug') },
    ]);
  });

  it('answers a query value out of range with 400 at its name', async () => {
    const handler = apiHandler(routes.listMembers, async ({ query }) => ok(query));

    const result = await handler(
      anEvent((e) => {
        e.queryStringParameters = { limit: '0' };
      }),
      fakeContext(),
    );

    expect(result.statusCode).toBe(400);
    expect(errorOf(result).details).toEqual([{ path: 'limit', message: expect.any(String) }]);
  });

  it('answers a JSON body over the limit with 413', async () => {
    const result = await echoCreate(
      anEvent((e) => {
        e.body = JSON.stringify({ name: 'x'.repeat(JSON_BODY_LIMIT) });
      }),
      fakeContext(),
    );

    expect(result.statusCode).toBe(413);
    expect(errorOf(result)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: [{ path: 'body' }] });
  });

  it('counts bytes, not characters, against the limit', async () => {
    // Each 王 is three bytes in UTF-8: the text is under the limit in characters, over it in bytes.
    const name = '王'.repeat(Math.ceil(JSON_BODY_LIMIT / 3) + 1);

    const result = await echoCreate(
      anEvent((e) => {
        e.body = JSON.stringify({ name });
      }),
      fakeContext(),
    );

    expect(name.length).toBeLessThan(JSON_BODY_LIMIT);
    expect(result.statusCode).toBe(413);
  });

  it('allows a CSV body larger than the JSON limit, and refuses one over the CSV limit', async () => {
    const row = '王伟,13800138000,volunteer,,,,,\n';
    const big = row.repeat(Math.ceil(JSON_BODY_LIMIT / row.length) + 1);
    const tooBig = 'x'.repeat(CSV_BODY_LIMIT + 1);
    const csvEvent = (body: string) =>
      anEvent((e) => {
        e.headers['content-type'] = 'text/csv';
        e.body = body;
      });

    const accepted = await echoImport(csvEvent(big), fakeContext());
    const refused = await echoImport(csvEvent(tooBig), fakeContext());

    expect(accepted.statusCode).toBe(200);
    expect(refused.statusCode).toBe(413);
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'text/csv'])(
    'answers a JSON route sent %s with 415',
    async (type) => {
      const result = await echoCreate(
        anEvent((e) => {
          e.headers['content-type'] = type;
        }),
        fakeContext(),
      );

      expect(result.statusCode).toBe(415);
      expect(errorOf(result)).toMatchObject({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        details: [{ path: 'content-type' }],
      });
    },
  );

  it.each(['application/json; charset=utf-8', 'Application/JSON', 'application/merge-patch+json'])(
    'accepts a JSON route sent %s',
    async (type) => {
      const result = await echoCreate(
        anEvent((e) => {
          e.headers['content-type'] = type;
        }),
        fakeContext(),
      );

      expect(result.statusCode).toBe(201);
    },
  );

  it('answers the CSV route sent JSON with 415', async () => {
    const result = await echoImport(anEvent(), fakeContext());

    expect(result.statusCode).toBe(415);
    expect(errorOf(result).code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('apiHandler: bodies', () => {
  it('passes a CSV route the raw text, unparsed', async () => {
    const text =
      'name,phone,roles,partyMember,gridId,unitId,skills,available\n王伟,13800138000,volunteer,,,,,\n';

    const result = await echoImport(
      anEvent((e) => {
        e.headers['content-type'] = 'text/csv; charset=utf-8';
        e.body = text;
      }),
      fakeContext(),
    );

    expect(jsonOf(result)).toEqual({ text });
  });

  it('decodes a base64 CSV body', async () => {
    const text = 'name,phone\n李娜,13900139000\n';

    const result = await echoImport(
      anEvent((e) => {
        e.headers['content-type'] = 'text/csv';
        e.body = Buffer.from(text, 'utf8').toString('base64');
        e.isBase64Encoded = true;
      }),
      fakeContext(),
    );

    expect(jsonOf(result)).toEqual({ text });
  });

  it('decodes a base64 JSON body', async () => {
    const json = JSON.stringify({ name: '李娜', phone: '13900139000', roles: ['gridLeader'] });

    const result = await echoCreate(
      anEvent((e) => {
        e.body = Buffer.from(json, 'utf8').toString('base64');
        e.isBase64Encoded = true;
      }),
      fakeContext(),
    );

    expect(result.statusCode).toBe(201);
    expect(jsonOf(result)).toMatchObject({ body: { name: '李娜', phone: '+8613900139000' } });
  });

  it('gives a CSV route with no body an empty text', async () => {
    const result = await echoImport(
      anEvent((e) => {
        e.body = undefined;
      }),
      fakeContext(),
    );

    expect(jsonOf(result)).toEqual({ text: '' });
  });
});

describe('apiHandler: authentication', () => {
  it('answers an auth route reached without an authorizer with 401', async () => {
    const result = await echoCreate(
      anEvent((e) => {
        Reflect.deleteProperty(e.requestContext, 'authorizer');
      }),
      fakeContext(),
    );

    expect(result.statusCode).toBe(401);
    expect(errorOf(result).code).toBe('UNAUTHORIZED');
  });

  it('answers claims without a subject with 401', async () => {
    const result = await echoCreate(
      anEvent((e) => {
        e.requestContext.authorizer.jwt.claims = { 'cognito:groups': '[admin]' };
      }),
      fakeContext(),
    );

    expect(result.statusCode).toBe(401);
  });

  it('serves the open health route without claims', async () => {
    const handler = apiHandler(routes.health, async ({ principal }) =>
      ok({ status: 'ok', caller: principal ?? null }),
    );

    const result = await handler(
      anEvent((e) => {
        Reflect.deleteProperty(e.requestContext, 'authorizer');
        e.body = undefined;
        e.pathParameters = undefined;
      }),
      fakeContext(),
    );

    expect(result.statusCode).toBe(200);
    expect(jsonOf(result)).toEqual({ status: 'ok', caller: null });
  });
});

describe('apiHandler: the error mapper', () => {
  const appErrors: [string, AppError, number, string][] = [
    [
      'ValidationError',
      new ValidationError('bad', [{ path: 'gridId', message: 'unknown' }]),
      400,
      'VALIDATION_FAILED',
    ],
    ['UnauthorizedError', new UnauthorizedError('who are you'), 401, 'UNAUTHORIZED'],
    ['ForbiddenError', new ForbiddenError('not yours'), 403, 'FORBIDDEN'],
    ['NotFoundError', new NotFoundError('member', 'm1'), 404, 'NOT_FOUND'],
    ['ConflictError', new ConflictError('PHONE_TAKEN', 'taken', [{ path: 'phone' }]), 409, 'PHONE_TAKEN'],
    ['PayloadTooLargeError', new PayloadTooLargeError('big'), 413, 'PAYLOAD_TOO_LARGE'],
    ['UnavailableError', new UnavailableError('later'), 503, 'TEMPORARILY_UNAVAILABLE'],
  ];

  it.each(appErrors)('maps a %s to its status and code', async (_name, error, status, code) => {
    const result = await throwing(error)(anEvent(), fakeContext());

    expect(result.statusCode).toBe(status);
    expect(errorOf(result)).toEqual({ code, message: error.message, details: error.details });
    expect(result.headers?.['x-request-id']).toBe(REQUEST_ID);
  });

  it('maps a ThrottlingException to 503 with retry-after', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

    const result = await throwing(throttled)(anEvent(), fakeContext());

    expect(result.statusCode).toBe(503);
    expect(result.headers?.['retry-after']).toBe('1');
    expect(errorOf(result)).toEqual({
      code: 'TEMPORARILY_UNAVAILABLE',
      message: 'busy; retry shortly',
      details: [{ requestId: REQUEST_ID }],
    });
  });

  it('maps DynamoDB’s own ProvisionedThroughputExceededException to 503', async () => {
    const error = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });

    const result = await throwing(error)(anEvent(), fakeContext());

    expect(result.statusCode).toBe(503);
  });

  it('maps any other error to a generic 500 with the request id and nothing of the error', async () => {
    const error = new TypeError('secret: cannot read properties of undefined (reading +8613800138000)');

    const result = await throwing(error)(anEvent(), fakeContext());

    expect(result.statusCode).toBe(500);
    expect(jsonOf(result)).toEqual({
      error: { code: 'INTERNAL', message: 'internal error', details: [{ requestId: REQUEST_ID }] },
    });
    expect(result.body).not.toContain('secret');
    expect(result.body).not.toContain('TypeError');
    expect(result.body).not.toContain('api.test');
  });

  it('maps a thrown non-Error value to the same generic 500', async () => {
    const result = await throwing('a string')(anEvent(), fakeContext());

    expect(result.statusCode).toBe(500);
    expect(errorOf(result).code).toBe('INTERNAL');
  });
});

describe('routedHandler: one function for several routes', () => {
  const both = routedHandler(
    apiHandler(routes.createMember, async () => created({ served: 'create' })),
    apiHandler(routes.importMembers, async () => ok({ served: 'import' })),
  );

  it('hands each request to the handler of the route it came in on', async () => {
    const create = await both(
      anEvent((e) => {
        e.routeKey = 'POST /communities/{communityId}/members';
      }),
      fakeContext(),
    );
    const imported = await both(
      anEvent((e) => {
        e.routeKey = 'POST /communities/{communityId}/members/import';
        e.headers = { ...e.headers, 'content-type': 'text/csv' };
        e.body = 'name,phone';
      }),
      fakeContext(),
    );

    expect([create.statusCode, jsonOf(create)]).toEqual([201, { served: 'create' }]);
    expect([imported.statusCode, jsonOf(imported)]).toEqual([200, { served: 'import' }]);
  });

  it('refuses a route it does not serve, naming it', async () => {
    await expect(
      both(
        anEvent((e) => {
          e.routeKey = 'DELETE /elsewhere';
        }),
        fakeContext(),
      ),
    ).rejects.toThrow('DELETE /elsewhere');
  });
});
