/** Serving the kiosk UI: cache headers, the single-page app's paths, and a missing build. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { uiRoutes } from '../../appliance/src/http/routes/ui.js';

describe('kiosk UI route', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cardkiosk-ui-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers 503 with what to run when the UI is not built', async () => {
    const app = Fastify();
    await app.register(uiRoutes, { uiDir: join(dir, 'missing') });
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build:ui');
    expect(res.headers['cache-control']).toBe('no-store');
    await app.close();
  });

  it('serves index.html uncached on every UI path and hashed assets for a year', async () => {
    const dist = join(dir, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>kiosk</title>');
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'export {};');
    const app = Fastify();
    await app.register(uiRoutes, { uiDir: dist });
    app.get('/api/ping', async () => ({ ok: true }));
    for (const url of ['/', '/staff', '/diagnostics']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<title>kiosk</title>');
    }
    const asset = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await app.inject({ method: 'GET', url: '/assets/nope.js' })).statusCode).toBe(404);
    // The API's paths stay the API's.
    expect((await app.inject({ method: 'GET', url: '/api/ping' })).json()).toEqual({ ok: true });
    await app.close();
  });
});
