import fc from 'fast-check';
import * as z from 'zod';

/** The part of JSON Schema that `z.toJSONSchema` writes for the API's input schemas. */
export type JsonSchema = {
  type?: string | undefined;
  properties?: Record<string, JsonSchema> | undefined;
  required?: string[] | undefined;
  enum?: (string | number | boolean | null)[] | undefined;
  pattern?: string | undefined;
  minLength?: number | undefined;
  maxLength?: number | undefined;
  items?: JsonSchema | undefined;
  minItems?: number | undefined;
  maxItems?: number | undefined;
  anyOf?: JsonSchema[] | undefined;
};

const jsonSchema: z.ZodType<JsonSchema> = z.lazy(() =>
  z
    .object({
      type: z.string().optional(),
      properties: z.record(z.string(), jsonSchema).optional(),
      required: z.array(z.string()).optional(),
      enum: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
      pattern: z.string().optional(),
      minLength: z.number().optional(),
      maxLength: z.number().optional(),
      items: jsonSchema.optional(),
      minItems: z.number().optional(),
      maxItems: z.number().optional(),
      anyOf: z.array(jsonSchema).optional(),
    })
    .loose(),
);

/** A zod schema's input side as JSON Schema: what a client may send. */
export function inputSchemaOf(schema: z.ZodType): JsonSchema {
  return jsonSchema.parse(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }));
}

/** Arbitraries for fields the fixture knows good values for, by property name (`name[]` for items). */
export type Hints = Readonly<Record<string, fc.Arbitrary<unknown>>>;

const TEXT = [...'王李张网格社区广场一二三abcXYZ019 -·（）'];
const text = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...TEXT), minLength, maxLength });

/**
 * Values that satisfy a JSON Schema (mostly: refinements such as "no repeats" are not in it),
 * built from the schema itself, with `hints` for named fields.
 */
export function arbitraryOf(schema: JsonSchema, hints: Hints = {}, name?: string): fc.Arbitrary<unknown> {
  const hint = name === undefined ? undefined : hints[name];
  if (hint) return hint;
  if (schema.anyOf?.length) return fc.oneof(...schema.anyOf.map((s) => arbitraryOf(s, hints, name)));
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'object': {
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, property] of Object.entries(schema.properties ?? {}))
        model[key] = arbitraryOf(property, hints, key);
      return fc.record(model, { requiredKeys: schema.required ?? [] });
    }
    case 'array': {
      const items = arbitraryOf(schema.items ?? {}, hints, name === undefined ? undefined : `${name}[]`);
      const constraints = { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, 4) };
      // Lists of named values are sets in this API: mostly without repeats, so most bodies pass.
      return schema.items?.enum ? fc.uniqueArray(items, constraints) : fc.array(items, constraints);
    }
    case 'string':
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
      return text(schema.minLength ?? 0, Math.min(schema.maxLength ?? 40, 200));
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'integer':
    case 'number':
      return fc.integer();
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Long strings of one, three and four UTF-8 bytes a character. */
export const hugeString: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(1_000, 20_000, 60_000), fc.constantFrom('x', '网', '😀'))
  .map(([n, c]) => c.repeat(n));

/** An object whose own keys are `__proto__` and `constructor`, as `JSON.parse` builds it. */
const PROTOTYPE_KEYS: unknown = JSON.parse(
  '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}',
);

/** Values nobody should send: wrong types, odd text, deep nesting, prototype keys. */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\u202e逆',
    '💥',
    '𠜎',
    'null',
    '<script>alert(1)</script>',
    "' OR 1=1 --",
    '{{7*7}}',
    '__proto__',
    '13800138000',
  ),
  hugeString,
  fc.jsonValue({ maxDepth: 4 }),
  fc.integer({ min: 50, max: 3_000 }).map((depth) => {
    let value: unknown = 'bottom';
    for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { deeper: value };
    return value;
  }),
  fc.constant(PROTOTYPE_KEYS),
);

const omit = (body: Record<string, unknown>, key: string) =>
  Object.fromEntries(Object.entries(body).filter(([k]) => k !== key));

/**
 * A body that is right, or wrong in one of the usual ways: a field missing, of the wrong type,
 * huge or odd; a field too many; or no object at all.
 */
export function mutated(valid: fc.Arbitrary<unknown>, fields: readonly string[]): fc.Arbitrary<unknown> {
  const asObject = valid.map((b) =>
    typeof b === 'object' && b !== null && !Array.isArray(b) ? Object.fromEntries(Object.entries(b)) : {},
  );
  const field = fields.length ? fc.constantFrom(...fields) : fc.constant('name');
  return fc.oneof(
    { weight: 6, arbitrary: valid },
    { weight: 2, arbitrary: fc.tuple(asObject, field).map(([b, f]) => omit(b, f)) },
    { weight: 3, arbitrary: fc.tuple(asObject, field, junk).map(([b, f, v]) => ({ ...b, [f]: v })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          asObject,
          fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor')),
          junk,
        )
        .map(([b, k, v]) => ({ ...b, [k]: v })),
    },
    { weight: 1, arbitrary: valid.map((b) => [b]) },
    { weight: 2, arbitrary: junk },
  );
}

/** What goes on the wire: body bytes (or none) and a content type (or none). */
export type Wire = { body?: Uint8Array<ArrayBuffer> | undefined; contentType?: string | undefined };

/** Text as UTF-8, or bytes as they are, in the form `fetch` sends as a body. */
export const bytesOf = (data: string | Uint8Array): Uint8Array<ArrayBuffer> =>
  new Uint8Array(typeof data === 'string' ? Buffer.from(data) : data);

const CONTENT_TYPES = [
  'text/plain',
  'text/csv',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'application/json;;;',
  'application/octet-stream',
  ';',
];
export const contentType: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...CONTENT_TYPES),
  fc.string({ unit: fc.constantFrom(...'abcjson/+-.;= '), maxLength: 30 }),
);

/** JSON bodies as a client might send them: mostly well-formed JSON, sometimes not JSON at all. */
export function jsonWire(body: fc.Arbitrary<unknown>): fc.Arbitrary<Wire> {
  const text = body.map((b) => JSON.stringify(b) ?? 'null');
  return fc.oneof(
    { weight: 8, arbitrary: text.map((t) => ({ body: bytesOf(t), contentType: 'application/json' })) },
    {
      weight: 1,
      arbitrary: text.chain((t) =>
        fc.nat({ max: Math.max(0, t.length - 1) }).map((cut) => ({
          body: bytesOf(t.slice(0, cut)),
          contentType: 'application/json',
        })),
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ minLength: 1, maxLength: 300 })
        .map((bytes) => ({ body: bytesOf(bytes), contentType: 'application/json' })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(text, contentType).map(([t, type]) => ({ body: bytesOf(t), contentType: type })),
    },
    { weight: 1, arbitrary: text.map((t) => ({ body: bytesOf(t) })) },
    { weight: 1, arbitrary: fc.constant({}) },
  );
}

/** A mainland mobile number (valid, mostly unused), in one of the notations people write. */
export const mobile: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('138', '139', '186', '150', '177', '199'),
    fc.integer({ min: 0, max: 99_999_999 }),
    fc.constantFrom('plain', 'e164', 'spaced', 'dashed', '86'),
  )
  .map(([prefix, n, notation]) => {
    const rest = String(n).padStart(8, '0');
    const national = `${prefix}${rest}`;
    switch (notation) {
      case 'e164':
        return `+86${national}`;
      case 'spaced':
        return `+86 ${prefix} ${rest.slice(0, 4)} ${rest.slice(4)}`;
      case 'dashed':
        return `${prefix}-${rest.slice(0, 4)}-${rest.slice(4)}`;
      case '86':
        return `86${national}`;
      default:
        return national;
    }
  });

/** A path segment as a client might write it: the fixture's ids, other ids, or rubbish. */
export function pathId(known: readonly string[], pattern: RegExp): fc.Arbitrary<string> {
  const encoded = fc
    .oneof(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
      fc.constantFrom('a/b', '?x=1', '#frag', ' ', 'UPPER', '-lead', 'a'.repeat(64), 'a'.repeat(3_000)),
    )
    .map((id) => encodeURIComponent(id))
    // `.` and `..` are resolved away by every URL parser: they would name another path.
    .map((id) => (/^(\.|%2e)+$/i.test(id) ? 'dots' : id));
  return fc.oneof(
    { weight: 12, arbitrary: known.length ? fc.constantFrom(...known) : fc.stringMatching(pattern) },
    { weight: 2, arbitrary: fc.stringMatching(pattern) },
    { weight: 2, arbitrary: encoded },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', 'a%2', '%C0%AF', '%FF%FE', '%00') },
  );
}
