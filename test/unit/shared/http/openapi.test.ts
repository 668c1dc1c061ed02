import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { openApiDocument } from '../../../../shared/http/openapi';
import { allRoutes, routes } from '../../../../shared/http/routes';

const jsonSchema = z.record(z.string(), z.unknown());
const media = z.record(z.string(), z.object({ schema: jsonSchema }));
const operation = z.object({
  operationId: z.string(),
  summary: z.string(),
  tags: z.array(z.string()),
  security: z.array(z.record(z.string(), z.array(z.string()))),
  parameters: z.array(
    z.object({ name: z.string(), in: z.enum(['path', 'query']), required: z.boolean(), schema: jsonSchema }),
  ),
  requestBody: z.object({ required: z.literal(true), content: media }).optional(),
  responses: z.record(z.string(), z.object({ description: z.string(), content: media.optional() })),
});
const openApi = z.object({
  openapi: z.string(),
  info: z.object({ title: z.string(), version: z.string() }),
  components: z.object({
    securitySchemes: z.record(z.string(), jsonSchema),
    schemas: z.record(z.string(), jsonSchema),
  }),
  paths: z.record(z.string(), z.record(z.string(), operation)),
});

/** The document as a client reads it: serialised, parsed back, checked against the shape above. */
const document = openApi.parse(JSON.parse(JSON.stringify(openApiDocument())));
const operationOf = (route: { path: string; method: string }) =>
  document.paths[route.path]?.[route.method.toLowerCase()];

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1.0 with a title and version', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.title).toContain('Pingji');
    expect(document.info.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.each(allRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))('documents %s', (_name, route) => {
    const op = operationOf(route);

    expect(op).toBeDefined();
    expect(op?.summary).toBe(route.summary);
    expect(op?.tags).toEqual([route.tag]);
    expect(op?.responses[String(route.success.status)]?.description).toBe(route.success.description);
  });

  it('has exactly the routes of allRoutes, each with a unique operation id', () => {
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        key: `${method.toUpperCase()} ${path}`,
        id: op.operationId,
      })),
    );

    expect(operations.map((o) => o.key).sort()).toEqual(allRoutes.map((r) => `${r.method} ${r.path}`).sort());
    expect(new Set(operations.map((o) => o.id)).size).toBe(operations.length);
  });

  it('secures every route but /health and the provider callbacks (token in the query) with the bearer JWT scheme', () => {
    const open = ['/health', '/sms/{provider}/{kind}'];
    const unsecured = allRoutes
      .filter((r) => (operationOf(r)?.security ?? []).length === 0)
      .map((r) => r.path);
    const secured = allRoutes.filter((r) => !open.includes(r.path));

    expect(unsecured.sort()).toEqual([...open].sort());
    for (const route of secured) expect(operationOf(route)?.security, route.path).toEqual([{ bearer: [] }]);
    expect(document.components.securitySchemes.bearer).toEqual({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
  });

  it('documents 401 and 403 only on secured routes', () => {
    expect(Object.keys(operationOf(routes.health)?.responses ?? {})).not.toContain('401');
    expect(Object.keys(operationOf(routes.createMember)?.responses ?? {})).toEqual(
      expect.arrayContaining(['401', '403']),
    );
  });

  it('gives every JSON body route a JSON request body schema', () => {
    const jsonRoutes = allRoutes.filter((r) => r.body && r.bodyType !== 'csv');

    expect(jsonRoutes.length).toBeGreaterThan(0);
    for (const route of jsonRoutes) {
      const schema = operationOf(route)?.requestBody?.content['application/json']?.schema;
      // Provider callbacks come in the provider's own format: a JSON array, or Tencent's one object.
      const types = schema?.type
        ? [schema.type]
        : ((schema?.anyOf ?? []) as { type?: string }[]).map((s) => s.type);
      expect(types, `${route.method} ${route.path}`).toEqual(
        route.path.startsWith('/sms/') ? ['array', 'object'] : ['object'],
      );
    }
  });

  it('describes the member body as the API takes it: required fields, enums, no extra fields', () => {
    const schema = operationOf(routes.createMember)?.requestBody?.content['application/json']?.schema;

    expect(schema).toMatchObject({
      type: 'object',
      required: ['name', 'phone', 'roles'],
      additionalProperties: false,
      properties: {
        phone: { type: 'string' },
        roles: { type: 'array', items: { enum: expect.arrayContaining(['gridLeader', 'volunteer']) } },
        available: { type: 'boolean', default: true },
      },
    });
  });

  it('documents the import route’s body as text/csv, and no JSON', () => {
    const body = operationOf(routes.importMembers)?.requestBody;

    expect(Object.keys(body?.content ?? {})).toEqual(['text/csv']);
    expect(body?.content['text/csv']?.schema).toMatchObject({
      type: 'string',
      description: expect.stringContaining('name,phone,roles,partyMember,gridId,unitId,skills,available'),
    });
  });

  it('gives routes without a body no request body', () => {
    for (const route of allRoutes.filter((r) => !r.body && r.bodyType !== 'csv'))
      expect(operationOf(route)?.requestBody, `${route.method} ${route.path}`).toBeUndefined();
  });

  it('declares every {placeholder} of a path as a required path parameter', () => {
    for (const route of allRoutes) {
      const placeholders = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (operationOf(route)?.parameters ?? []).filter((p) => p.in === 'path');
      expect(declared.map((p) => p.name).sort(), route.path).toEqual(placeholders.sort());
      expect(declared.every((p) => p.required)).toBe(true);
    }
  });

  it('lists the member list’s filters as optional query parameters', () => {
    const query = (operationOf(routes.listMembers)?.parameters ?? []).filter((p) => p.in === 'query');

    expect(query.map((p) => p.name).sort()).toEqual(['cursor', 'gridId', 'limit', 'role', 'skill', 'unitId']);
    expect(query.some((p) => p.required)).toBe(false);
  });

  it('points every error response at the shared Error schema, which exists', () => {
    const refs = Object.values(document.paths)
      .flatMap((methods) => Object.values(methods))
      .flatMap((op) => Object.entries(op.responses).filter(([status]) => Number(status) >= 400))
      .map(([, response]) => response.content?.['application/json']?.schema.$ref);

    expect(refs.length).toBeGreaterThan(0);
    expect(new Set(refs)).toEqual(new Set(['#/components/schemas/Error']));
    expect(document.components.schemas.Error).toMatchObject({
      type: 'object',
      properties: { error: { type: 'object' } },
    });
  });

  it('documents the errors the middleware produces: 413, 415 and 503', () => {
    expect(Object.keys(operationOf(routes.importMembers)?.responses ?? {})).toEqual(
      expect.arrayContaining(['400', '413', '415', '500', '503']),
    );
  });
});
