/**
 * Malformed requests generated from an OpenAPI document, for the bad-input sweep over every
 * operation: for each operation, a valid request is built from its schemas and then broken in
 * one place at a time (a wrong type, a missing required field, an unknown field, a string far
 * over its limit, a value outside its pattern, format or enum, an infinite or NaN number, a
 * bad path parameter), plus what breaks any request (an undecodable URL, a body nested far
 * too deep, a body over the size limit, a body that is not JSON, a malformed
 * Idempotency-Key). Every case is bad input by construction: the answer must be a 4xx.
 *
 * Only the schemas are read, never the route code, so an operation someone adds is swept
 * as soon as it is in the document.
 */
import type { InjectOptions } from 'fastify';

type Schema = Record<string, any>;

export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, Schema> };
}

interface ParameterObject {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema: Schema;
}

interface OperationObject {
  parameters?: ParameterObject[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
}

export interface Operation {
  /** "POST /api/requests/{id}/approve" */
  id: string;
  method: string;
  path: string;
  pathParams: ParameterObject[];
  query: ParameterObject[];
  /** The application/json body schema, or null when the operation declares no body. */
  body: Schema | null;
}

export interface BadInputCase {
  operation: string;
  what: string;
  request: InjectOptions;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Longer than any string the API takes; strings without a maxLength must still refuse it. */
const HUGE_STRING_LENGTH = 100_000;
/** Over the app's 1 MiB body limit. */
const OVERSIZED_BODY_BYTES = 1_100_000;
/** Far beyond any recursion a parser, fingerprint or logger survives. */
const DEEP_NESTING = 100_000;
/** Fastify's router refuses longer path parameters. */
const PATH_PARAM_LIMIT = 100;

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(item)) {
      if (!METHODS.includes(m)) continue;
      const method = m.toUpperCase();
      const params = op.parameters ?? [];
      const json = op.requestBody?.content['application/json']?.schema;
      ops.push({
        id: `${method} ${path}`,
        method,
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => resolved(doc, p)),
        query: params.filter((p) => p.in === 'query').map((p) => resolved(doc, p)),
        body: json ? resolve(doc, json) : null,
      });
    }
  }
  return ops;
}

function resolved(doc: OpenApiDocument, p: ParameterObject): ParameterObject {
  return { ...p, schema: resolve(doc, p.schema) };
}

/** Inline local `$ref`s (the document's input schemas are small and not recursive). */
function resolve(doc: OpenApiDocument, schema: Schema, depth = 0): Schema {
  if (depth > 20) throw new Error('schema nests too deep to generate from');
  if (typeof schema !== 'object' || schema === null) return schema;
  if (Array.isArray(schema)) return schema.map((s) => resolve(doc, s, depth + 1)) as never;
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = doc.components?.schemas?.[name];
    if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
    return resolve(doc, target, depth + 1);
  }
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) out[k] = resolve(doc, v, depth + 1);
  return out;
}

// ---------------------------------------------------------------- valid values

const VALID_UUID = '00000000-0000-4000-8000-000000000000';
const FORMAT_EXAMPLES: Record<string, string> = {
  uuid: VALID_UUID,
  email: 'someone@example.test',
  date: '2027-01-31',
  'date-time': '2027-01-31T10:00:00.000Z',
  uri: 'https://example.test/',
};
/** Tried in order for a string with a pattern; the schema's own `examples` come first. */
const PATTERN_CANDIDATES = [
  'ABCD2345',
  '2027-01-31',
  '12345678',
  'abcd',
  'Monday run',
  'aGVsbG8gd29ybGQ=',
  'ABCD-2345',
];

function types(schema: Schema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (typeof schema.type === 'string') return [schema.type];
  if (schema.properties) return ['object'];
  return [];
}

const branches = (schema: Schema): Schema[] | null => schema.anyOf ?? schema.oneOf ?? null;

function fitsLength(schema: Schema, s: string): boolean {
  return s.length >= (schema.minLength ?? 0) && s.length <= (schema.maxLength ?? Infinity);
}

/** A value that satisfies `schema`, built from its keywords. */
export function validValue(schema: Schema): unknown {
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const options = branches(schema);
  if (options) return validValue(options[0]!);
  const [type] = types(schema);
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const name of schema.required ?? [])
        out[name] = validValue(schema.properties?.[name] ?? {});
      return out;
    }
    case 'array': {
      const item = validValue(schema.items ?? {});
      return Array.from({ length: schema.minItems ?? 0 }, () => item);
    }
    case 'integer':
    case 'number':
      return Math.min(Math.max(schema.minimum ?? 1, 1), schema.maximum ?? Infinity);
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'string': {
      if (schema.format && FORMAT_EXAMPLES[schema.format]) return FORMAT_EXAMPLES[schema.format];
      if (schema.pattern) {
        const re = new RegExp(schema.pattern, 'u');
        const hit = PATTERN_CANDIDATES.find((c) => re.test(c) && fitsLength(schema, c));
        if (hit === undefined)
          throw new Error(
            `no example fits pattern ${schema.pattern}: add "examples" to the schema`,
          );
        return hit;
      }
      return 'x'.repeat(Math.max(schema.minLength ?? 1, 1));
    }
    default:
      return 'x';
  }
}

// ---------------------------------------------------------------- broken values

/** A JSON number text that JSON.stringify cannot write (1e309 parses as Infinity). */
export class RawJson {
  constructor(readonly text: string) {}
}

interface Broken {
  what: string;
  value: unknown;
}

const huge = (schema: Schema) =>
  'x'.repeat(Math.max((schema.maxLength ?? 0) + 1, HUGE_STRING_LENGTH));

function violatingPattern(pattern: string): string | null {
  const re = new RegExp(pattern, 'u');
  return [' ', '!!!', '\u0000', '../..', 'ÿÿ'].find((c) => !re.test(c)) ?? null;
}

/** String-level breakages shared by JSON values and query or path text. */
function brokenStrings(schema: Schema): Broken[] {
  const out: Broken[] = [{ what: 'a string far over its length limit', value: huge(schema) }];
  if ((schema.minLength ?? 0) > 0) out.push({ what: 'an empty string', value: '' });
  if (schema.pattern) {
    const v = violatingPattern(schema.pattern);
    if (v !== null) out.push({ what: 'a string outside its pattern', value: v });
  }
  if (schema.format) out.push({ what: `not a ${schema.format}`, value: `not-a-${schema.format}` });
  return out;
}

function brokenNumbers(schema: Schema, text: boolean): Broken[] {
  const num = (n: string): unknown => (text ? n : new RawJson(n));
  const out: Broken[] = [
    { what: 'not a number', value: 'abc' },
    { what: 'Infinity as 1e309', value: num('1e309') },
    { what: '-Infinity as -1e309', value: num('-1e309') },
  ];
  if (text) {
    out.push({ what: 'the word Infinity', value: 'Infinity' }, { what: 'NaN', value: 'NaN' });
  }
  if (types(schema).includes('integer')) out.push({ what: 'a fraction', value: num('1.5') });
  if (typeof schema.minimum === 'number')
    out.push({ what: 'below its minimum', value: num(String(schema.minimum - 1)) });
  if (typeof schema.maximum === 'number')
    out.push({ what: 'above its maximum', value: num(String(schema.maximum + 1)) });
  return out;
}

/** Values that break `schema` when sent as query or path text. */
export function brokenText(schema: Schema): Broken[] {
  const t = types(schema);
  if (Array.isArray(schema.enum) || branches(schema)?.every((b) => Array.isArray(b.enum)))
    return [
      { what: 'a value not in its list', value: 'not-a-listed-value' },
      { what: 'a string far over any limit', value: huge(schema) },
    ];
  if (t.includes('integer') || t.includes('number')) return brokenNumbers(schema, true);
  if (t.includes('boolean')) return [{ what: 'not a boolean', value: 'maybe' }];
  return brokenStrings(schema);
}

/**
 * Values that break `schema` as JSON, each a whole value at this level: for an object, the
 * object with one property broken (recursively), one required property missing, or an
 * unknown property added.
 */
export function brokenJson(
  schema: Schema,
  base: unknown = validValue(schema),
  depth = 0,
): Broken[] {
  if (depth > 6) return [];
  const options = branches(schema);
  if (options) {
    if (options.every((b) => Array.isArray(b.enum) || b.const !== undefined))
      return [
        { what: 'a value not in its list', value: 'not-a-listed-value' },
        { what: 'an object instead of a value', value: { not: 'a value' } },
      ];
    // Break the first alternative; its breakages match none of the others either.
    const first = options[0]!;
    return brokenJson(first, validValue(first), depth);
  }
  if (Array.isArray(schema.enum))
    return [
      {
        what: 'a value not in its list',
        value: typeof schema.enum[0] === 'boolean' ? !schema.enum[0] : 'not-a-listed-value',
      },
      { what: 'an object instead of a value', value: { not: 'a value' } },
    ];
  const t = types(schema);
  if (t.includes('object')) {
    const obj = (base ?? {}) as Record<string, unknown>;
    const out: Broken[] = [
      { what: 'a string instead of an object', value: 'not an object' },
      { what: 'an array instead of an object', value: [] },
    ];
    for (const name of schema.required ?? []) {
      const { [name]: _dropped, ...rest } = obj;
      out.push({ what: `${name} missing`, value: rest });
    }
    if (schema.additionalProperties === false)
      out.push({ what: 'an unknown field', value: { ...obj, zzUnknownField: 'x' } });
    for (const [name, prop] of Object.entries(
      (schema.properties ?? {}) as Record<string, Schema>,
    )) {
      const propBase = obj[name] ?? validValue(prop);
      for (const b of brokenJson(prop, propBase, depth + 1))
        out.push({ what: `${name}: ${b.what}`, value: { ...obj, [name]: b.value } });
    }
    return out;
  }
  if (t.includes('array')) {
    const arr = (Array.isArray(base) ? base : []) as unknown[];
    const item = schema.items ?? {};
    const out: Broken[] = [{ what: 'an object instead of an array', value: { not: 'an array' } }];
    if ((schema.minItems ?? 0) > 0) out.push({ what: 'an empty array', value: [] });
    if (typeof schema.maxItems === 'number')
      out.push({
        what: 'too many items',
        value: Array.from({ length: schema.maxItems + 1 }, () => validValue(item)),
      });
    for (const b of brokenJson(item, arr[0] ?? validValue(item), depth + 1))
      out.push({ what: `item: ${b.what}`, value: [b.value, ...arr.slice(1)] });
    return out;
  }
  if (t.includes('integer') || t.includes('number')) return brokenNumbers(schema, false);
  if (t.includes('boolean'))
    return [
      { what: 'not a boolean', value: 'maybe' },
      { what: 'an object instead of a boolean', value: { not: 'a boolean' } },
    ];
  if (t.includes('string'))
    return [
      { what: 'an object instead of a string', value: { not: 'a string' } },
      ...brokenStrings(schema),
    ];
  return [];
}

/** JSON text for a value that may hold RawJson numbers. */
export function jsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `__raw_json_${raws.length - 1}__`;
    }
    return v;
  });
  return text.replace(/"__raw_json_(\d+)__"/g, (_m, i: string) => raws[Number(i)]!);
}

// ---------------------------------------------------------------- requests

function urlOf(op: Operation, pathValues: Record<string, string>, query: Record<string, string>) {
  let path = op.path;
  for (const p of op.pathParams) path = path.replace(`{${p.name}}`, pathValues[p.name]!);
  const qs = Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  return qs ? `${path}?${qs}` : path;
}

/** The valid request every case breaks in one place: path values, query and body. */
function unbroken(op: Operation) {
  const pathValues: Record<string, string> = {};
  for (const p of op.pathParams)
    pathValues[p.name] = encodeURIComponent(String(validValue(p.schema)));
  const query: Record<string, string> = {};
  for (const q of op.query)
    if (q.required && q.schema.default === undefined) query[q.name] = String(validValue(q.schema));
  const body = op.body ? validValue(op.body) : undefined;
  return { pathValues, query, body };
}

/** A malformed Idempotency-Key: refused before any handler, after schema validation. */
export const MALFORMED_IDEMPOTENCY_KEY = 'not a valid key';

/**
 * The unbroken request itself, to check that what the cases break really is valid: a write
 * carries a malformed Idempotency-Key, so it is refused after validation and changes nothing.
 */
export function unbrokenRequest(op: Operation): InjectOptions {
  const { pathValues, query, body } = unbroken(op);
  const request: InjectOptions = {
    method: op.method as InjectOptions['method'],
    url: urlOf(op, pathValues, query),
  };
  if (!BODY_METHODS.has(op.method)) return request;
  return {
    ...request,
    headers: {
      'idempotency-key': MALFORMED_IDEMPOTENCY_KEY,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { payload: jsonText(body) } : {}),
  };
}

/** Every malformed request for one operation (without credentials; the caller adds those). */
export function badInputCases(op: Operation): BadInputCase[] {
  const { pathValues, query, body } = unbroken(op);
  const takesBody = BODY_METHODS.has(op.method);
  let n = 0;
  const cases: BadInputCase[] = [];
  const add = (what: string, request: Partial<InjectOptions> & { url: string }) => {
    const headers: Record<string, string> = { ...(request.headers as Record<string, string>) };
    // Every write carries an Idempotency-Key, so the replay machinery sees the bad input too.
    if (takesBody && headers['idempotency-key'] === undefined)
      headers['idempotency-key'] = `bad-input-${op.method}-${op.path}-${n++}`.slice(0, 200);
    cases.push({
      operation: op.id,
      what,
      request: { ...request, method: op.method as InjectOptions['method'], headers },
    });
  };
  const withBody = (payload: string, contentType = 'application/json') =>
    takesBody && payload !== undefined ? { payload, headers: { 'content-type': contentType } } : {};
  const validBody = body === undefined ? {} : withBody(jsonText(body));

  // The path: undecodable, over-long and malformed parameters.
  const badPaths: Array<[string, string]> = [
    ['an undecodable percent-escape', '%ZZ'],
    ['an overlong UTF-8 sequence', '%C0%AF'],
    ['a parameter over the router limit', 'a'.repeat(PATH_PARAM_LIMIT + 1)],
    ['an encoded NUL', '%00'],
  ];
  for (const p of op.pathParams) {
    for (const [what, raw] of badPaths)
      add(`path ${p.name}: ${what}`, {
        url: urlOf(op, { ...pathValues, [p.name]: raw }, query),
        ...validBody,
      });
    for (const b of brokenText(p.schema))
      add(`path ${p.name}: ${b.what}`, {
        url: urlOf(op, { ...pathValues, [p.name]: encodeURIComponent(String(b.value)) }, query),
        ...validBody,
      });
  }
  for (const [what, raw] of badPaths.slice(0, 2))
    add(`a URL with ${what}`, { url: `${urlOf(op, pathValues, {})}${raw}`, ...validBody });

  // The query string.
  for (const q of op.query) {
    if (q.required && q.schema.default === undefined) {
      const { [q.name]: _dropped, ...rest } = query;
      add(`query ${q.name} missing`, { url: urlOf(op, pathValues, rest), ...validBody });
    }
    for (const b of brokenText(q.schema))
      add(`query ${q.name}: ${b.what}`, {
        url: urlOf(op, pathValues, { ...query, [q.name]: String(b.value) }),
        ...validBody,
      });
  }

  if (!takesBody) return cases;
  const url = urlOf(op, pathValues, query);

  // The body, field by field.
  if (op.body) {
    for (const b of brokenJson(op.body, body))
      add(`body ${b.what}`, { url, ...withBody(jsonText(b.value)) });
  }
  // What breaks any body, declared or not.
  add('a body nested 100,000 levels deep', {
    url,
    ...withBody(`{"a":${'['.repeat(DEEP_NESTING)}${']'.repeat(DEEP_NESTING)}}`),
  });
  add('a body of objects nested 100,000 levels deep', {
    url,
    ...withBody(`${'{"a":'.repeat(DEEP_NESTING)}1${'}'.repeat(DEEP_NESTING)}`),
  });
  add('a body over the size limit', {
    url,
    ...withBody(
      jsonText({ ...(typeof body === 'object' ? body : {}), zz: 'x'.repeat(OVERSIZED_BODY_BYTES) }),
    ),
  });
  add('a body that is not JSON', { url, ...withBody('{"a": ', 'application/json') });
  add('an empty JSON body', { url, payload: '', headers: { 'content-type': 'application/json' } });
  add('a body sent as text/plain', { url, ...withBody('hello', 'text/plain') });
  add('a body sent as a form', { url, ...withBody('a=1', 'application/x-www-form-urlencoded') });
  for (const [what, key] of [
    ['an Idempotency-Key with spaces', MALFORMED_IDEMPOTENCY_KEY],
    ['an Idempotency-Key over 200 characters', 'k'.repeat(201)],
  ] as const) {
    const request = { url, ...validBody };
    add(`a valid request with ${what}`, {
      ...request,
      headers: {
        ...((request as { headers?: Record<string, string> }).headers ?? {}),
        'idempotency-key': key,
      },
    });
  }
  return cases;
}
