import * as z from 'zod';
import { allRoutes, type RouteDef, routes } from './routes';
import { errorBody } from './schemas';

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

function parameters(route: RouteDef): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const json = toSchema(schema, 'input');
    const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((json.required ?? []) as string[]);
    for (const [name, property] of Object.entries(properties)) {
      out.push({ name, in: where, required: where === 'path' || required.has(name), schema: property });
    }
  }
  return out;
}

const ERRORS: Record<string, string> = {
  '400': 'Bad input: details name each wrong field',
  '401': 'No token, or a bad one',
  '403': 'The caller may not do this here',
  '404': 'Unknown id',
  '409': 'Conflict with the current state',
  '413': 'Body too large',
  '415': 'The body is not of the route’s media type',
  '500': 'A bug: a generic message and a request id',
  '503': 'A dependency is throttled: retry after the `retry-after` header’s seconds',
};

/** Builds the OpenAPI 3.1 document from the route list and its zod schemas. */
export function openApiDocument(): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const nameOf = new Map<RouteDef, string>(Object.entries(routes).map(([name, route]) => [route, name]));
  const entries = new Set<string>();
  for (const route of allRoutes) {
    // Named after the function that serves it; a second route of the same function by its own name.
    const shared = entries.has(route.fn);
    entries.add(route.fn);
    const operation: JsonSchema = {
      operationId: shared
        ? (nameOf.get(route) ?? route.path)
        : route.fn.replace(/[/-](\w)/g, (_m, c: string) => c.toUpperCase()),
      summary: route.summary,
      tags: [route.tag],
      parameters: parameters(route),
      security: route.auth ? [{ bearer: [] }] : [],
      responses: {
        [String(route.success.status)]: {
          description: route.success.description,
          ...(route.success.contentType
            ? { content: { [route.success.contentType]: { schema: { type: 'string' } } } }
            : route.success.schema
              ? { content: { 'application/json': { schema: toSchema(route.success.schema, 'output') } } }
              : {}),
        },
        ...Object.fromEntries(
          Object.entries(ERRORS)
            .filter(([code]) => route.auth || !['401', '403'].includes(code))
            .map(([code, description]) => [
              code,
              {
                description,
                content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
              },
            ]),
        ),
      },
    };
    if (route.bodyType === 'csv') {
      operation.requestBody = {
        required: true,
        content: {
          'text/csv': {
            schema: {
              type: 'string',
              description:
                'Header row name,phone,roles,partyMember,gridId,unitId,skills,available; lists separated by ;',
            },
          },
        },
      };
    } else if (route.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: toSchema(route.body, 'input') } },
      };
    }
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Pingji (平急) API',
      version: '1.0.0',
      description: 'One-key emergency mobilisation for community grids: rosters, the switch, the board.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: toSchema(errorBody, 'output') },
    },
    paths,
  };
}
