/**
 * Numbers in a request are finite. Ajv's type coercion turns the query string `1e309` (or
 * `Infinity`) into Infinity, which passes `type: integer`, and its `minimum`/`maximum` checks
 * then skip the value because they look at finite numbers only (ajv 8.20: the coerced value is
 * not checked again). The keyword `x-finite` refuses what coercion left infinite or NaN;
 * `requireFiniteNumbers` puts it on every number in every route's input schemas as routes are
 * added, so a new route cannot forget it. The `x-` prefix keeps the OpenAPI document valid.
 */
import type { FastifyInstance, FastifyServerOptions } from 'fastify';

export const FINITE_KEYWORD = 'x-finite';

type AjvPlugin = Extract<
  NonNullable<NonNullable<FastifyServerOptions['ajv']>['plugins']>[number],
  (...args: never[]) => unknown
>;
/** Fastify's Ajv instance, typed through Fastify (ajv is Fastify's dependency, not ours). */
type Ajv = Parameters<AjvPlugin>[0];

interface FiniteValidate {
  (enabled: boolean, data: unknown): boolean;
  errors?: Array<{ keyword: string; message: string; params: Record<string, unknown> }>;
}

/** An Ajv plugin for Fastify's `ajv.plugins` option. */
export const finiteNumbersAjvPlugin: AjvPlugin = (ajv: Ajv) => {
  const validate: FiniteValidate = (enabled, data) => {
    if (!enabled || typeof data !== 'number' || Number.isFinite(data)) return true;
    validate.errors = [{ keyword: FINITE_KEYWORD, message: 'must be a finite number', params: {} }];
    return false;
  };
  return ajv.addKeyword({ keyword: FINITE_KEYWORD, schemaType: 'boolean', errors: true, validate });
};

type SchemaNode = Record<string, unknown>;

const isNode = (v: unknown): v is SchemaNode => typeof v === 'object' && v !== null;

function isNumeric(node: SchemaNode): boolean {
  const types = Array.isArray(node.type) ? node.type : [node.type];
  return types.includes('integer') || types.includes('number');
}

/** Marks every numeric subschema of `schema` finite; returns how many it marked. */
export function markNumbersFinite(schema: unknown, seen = new WeakSet<object>()): number {
  if (!isNode(schema) || seen.has(schema)) return 0;
  seen.add(schema);
  let marked = 0;
  if (isNumeric(schema) && schema[FINITE_KEYWORD] === undefined) {
    schema[FINITE_KEYWORD] = true;
    marked++;
  }
  for (const key of ['properties', 'patternProperties', 'definitions', '$defs'] as const) {
    const children = schema[key];
    if (isNode(children))
      for (const child of Object.values(children)) marked += markNumbersFinite(child, seen);
  }
  for (const key of ['items', 'additionalProperties', 'not', 'if', 'then', 'else'] as const) {
    const child = schema[key];
    if (Array.isArray(child)) for (const c of child) marked += markNumbersFinite(c, seen);
    else marked += markNumbersFinite(child, seen);
  }
  for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const) {
    const list = schema[key];
    if (Array.isArray(list)) for (const c of list) marked += markNumbersFinite(c, seen);
  }
  return marked;
}

/** Every route added after this call gets `x-finite` on the numbers of its input schemas. */
export function requireFiniteNumbers(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    if (!schema) return;
    for (const part of ['body', 'querystring', 'params', 'headers'] as const)
      markNumbersFinite(schema[part]);
  });
}
