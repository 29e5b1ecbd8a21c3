import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';

describe('smoke', () => {
  let t: TestApp;
  afterEach(async () => t?.dispose());

  it('walk-up visitor to collected', async () => {
    t = await buildTestApp();
    const submit = await t.call({ method: 'POST', url: '/api/self-service/requests', payload: { kind: 'visitor', name: 'Ada Lovelace', company: 'Analytical', acceptTerms: true } });
    expect(submit.statusCode, submit.body).toBe(201);
    const { statusCode } = submit.json();
    const approver = await t.staff('ann', ['approver']);
    const officer = await t.staff('otto', ['registration_officer']);
    const guard = await t.staff('sam', ['security_staff']);
    const list = await t.call({ method: 'GET', url: '/api/requests?state=awaiting_approval', cookie: approver.cookie });
    expect(list.statusCode, list.body).toBe(200);
    const id = list.json().items[0].id;
    const ap = await t.call({ method: 'POST', url: `/api/requests/${id}/approve`, cookie: approver.cookie });
    expect(ap.statusCode, ap.body).toBe(200);
    await new Promise((r) => setImmediate(r));
    const det = await t.call({ method: 'GET', url: `/api/requests/${id}`, cookie: officer.cookie });
    expect(det.json().request.state).toBe('card_generated');
    const prod = await t.call({ method: 'POST', url: `/api/requests/${id}/production`, cookie: officer.cookie, payload: { mode: 'single' } });
    expect(prod.statusCode, prod.body).toBe(200);
    await t.appliance.services.production.whenIdle();
    const st = await t.call({ method: 'POST', url: '/api/self-service/status', payload: { statusCode } });
    expect(st.json().state).toBe('produced');
    const col = await t.call({ method: 'POST', url: `/api/requests/${id}/collect`, cookie: guard.cookie });
    expect(col.statusCode, col.body).toBe(200);
    expect(col.json().pin).toMatch(/^\d{6}$/);
    const h = await t.call({ method: 'GET', url: '/health' });
    expect(h.statusCode, h.body).toBe(200);
    const docs = await t.call({ method: 'GET', url: '/docs/json' });
    expect(docs.statusCode).toBe(200);
  });
});
