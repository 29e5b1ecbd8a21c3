/**
 * /docs is set up on its first request (start-up speed): it must then serve what Swagger UI
 * served when registered at start, with the app's security headers and error shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';

describe('the API docs, set up on first use', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => t.dispose());

  it('serves Swagger UI, its files and the document as JSON and YAML', async () => {
    const redirect = await t.call({ method: 'GET', url: '/docs/static/index.html' });
    expect(redirect.headers.location).toBe('/docs/');
    const page = await t.call({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger-ui');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const script = await t.call({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(script.statusCode).toBe(200);
    const json = (await t.call({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(json.paths)).toContain('/api/requests');
    expect(Object.keys(json.paths)).not.toContain('/docs/*');
    const yaml = await t.call({ method: 'GET', url: '/docs/yaml' });
    expect(yaml.body).toContain('openapi:');
    expect((await t.call({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
  });

  it('answers a missing file in the API error shape', async () => {
    const missing = await t.call({ method: 'GET', url: '/docs/static/no-such-file.js' });
    expect(missing.statusCode).toBe(404);
    expect(Object.keys(missing.json()).sort()).toEqual(['error', 'message']);
  });
});
