/**
 * Route schemas compile on first use (start-up speed), so nothing at start proves they compile:
 * this compiles every one of them, and checks that a validator and a serializer compiled late
 * behave as Fastify's own (coercion, defaults, refusal, response shaping).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { compileAllSchemas } from '../../appliance/src/http/lazy-schema-compilers.js';
import { HealthReportSchema } from '../../appliance/src/http/routes/health.js';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { crewFor, type Crew } from '../support/workflow-driver.js';

/** The schema with additionalProperties: false on every object that lists its properties. */
function strictly(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictly);
  if (typeof schema !== 'object' || schema === null) return schema;
  const s = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, strictly(v)]));
  return 'properties' in s ? { ...s, additionalProperties: false } : s;
}

describe('lazily compiled route schemas', () => {
  let t: TestApp;
  let crew: Crew;
  beforeAll(async () => {
    t = await buildTestApp();
    crew = await crewFor(t);
  });
  afterAll(async () => t.dispose());

  it('coerces and checks a query, refuses unknown body fields, and shapes responses', async () => {
    const list = await t.call({
      method: 'GET',
      url: '/api/requests?limit=2',
      cookie: crew.officer.cookie,
    });
    expect(list.statusCode).toBe(200);
    const bad = await t.call({
      method: 'GET',
      url: '/api/requests?limit=many',
      cookie: crew.officer.cookie,
    });
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json()).sort()).toEqual(['error', 'message']);
    const unknownField = await t.call({
      method: 'POST',
      url: '/api/session',
      payload: { username: 'otto', passcode: 'x', extra: true },
    });
    expect(unknownField.statusCode).toBe(400);
    // /health is sent as JSON.stringify wrote it, not through its schema's serializer: it must
    // hold the schema's fields and no others, as the serializer would have made it.
    const healthReply = await t.call({ method: 'GET', url: '/health' });
    expect(healthReply.headers['content-type']).toBe('application/json; charset=utf-8');
    const health = healthReply.json();
    // Ajv (Fastify's validator, which reads OpenAPI's `nullable`), not TypeBox's Value.Check.
    const validate = new Ajv({ strict: false }).compile(strictly(HealthReportSchema) as object);
    expect(validate(health), JSON.stringify(validate.errors)).toBe(true);
    expect(Object.keys(health)).toEqual([
      'status',
      'version',
      'database',
      'devices',
      'production',
      'outbox',
      'sync',
    ]);
  });

  it('compiles every route schema without an error', () => {
    expect(compileAllSchemas(t.appliance.app)).toBeGreaterThan(40);
    expect(compileAllSchemas(t.appliance.app)).toBe(0);
  });
});
