/** Walk-up requests and their status codes; staff lists and filters; health and API docs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import {
  addPerson,
  crewFor,
  ok,
  post,
  produceCard,
  type Crew,
} from '../support/workflow-driver.js';

describe('walk-up requests', () => {
  let t: TestApp;
  let crew: Crew;
  beforeAll(async () => {
    t = await buildTestApp();
    crew = await crewFor(t);
  });
  afterAll(async () => t.dispose());

  const submit = (payload: object) =>
    t.call({
      method: 'POST',
      url: '/api/self-service/requests',
      payload: { acceptTerms: true, ...payload },
    });
  const status = (statusCode: string) =>
    t.call({ method: 'POST', url: '/api/self-service/status', payload: { statusCode } });

  it('gives a walk-up a status code and QR payload that follow only its own request', async () => {
    const host = await addPerson(t, crew.officer, 'employee', { name: 'Helen Host' });
    const hosts = await ok(t.call({ method: 'GET', url: '/api/self-service/hosts?q=hel' }));
    expect(hosts.items).toEqual([{ id: host, name: 'Helen Host' }]);
    const a = await ok(
      submit({ kind: 'visitor', name: 'Vera Visitor', hostPersonId: host, purpose: 'meeting' }),
      201,
    );
    const b = await ok(
      submit({
        kind: 'contractor',
        name: 'Carl Contractor',
        company: 'Fixit',
        validUntil: '2027-02-28',
      }),
      201,
    );
    expect(a.statusCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(a.qrPayload).toBe(`http://127.0.0.1:8080/#/status/${a.statusCode}`);
    expect(a.state).toBe('awaiting_approval');
    expect((await ok(status(a.statusCode))).holderName).toBe('Vera Visitor');
    expect((await ok(status(b.statusCode))).holderName).toBe('Carl Contractor');
    // What people type: lower case, no dash, O for 0.
    const typed = a.statusCode.toLowerCase().replace('-', '').replace(/0/g, 'o');
    expect((await ok(status(typed))).holderName).toBe('Vera Visitor');
    // The walk-up's view carries nothing about the card object or other people.
    expect(Object.keys(await ok(status(a.statusCode))).sort()).toEqual([
      'holderName',
      'processLabel',
      'reason',
      'state',
      'updatedAt',
    ]);
  });

  it('follows the request to produced and says what went wrong in plain words', async () => {
    const a = await ok(submit({ kind: 'visitor', name: 'Rita Rejected' }), 201);
    const list = await ok(
      t.call({
        method: 'GET',
        url: '/api/requests?state=awaiting_approval&channel=self-service',
        cookie: crew.approver.cookie,
      }),
    );
    const details = await Promise.all(
      list.items.map((r: any) =>
        ok(t.call({ method: 'GET', url: `/api/requests/${r.id}`, cookie: crew.approver.cookie })),
      ),
    );
    const mine = details.find((d: any) => d.person.name === 'Rita Rejected').request;
    await ok(
      post(t, crew.approver, `/api/requests/${mine.id}/reject`, {
        reason: 'your host is not in today',
      }),
    );
    expect(await ok(status(a.statusCode))).toMatchObject({
      state: 'rejected',
      reason: 'your host is not in today',
    });
  });

  it('lets a walk-up withdraw its own request before approval, and only that', async () => {
    const a = await ok(submit({ kind: 'visitor', name: 'Walt Withdraw' }), 201);
    const cancelled = await ok(
      t.call({
        method: 'POST',
        url: '/api/self-service/cancel',
        payload: { statusCode: a.statusCode },
      }),
    );
    expect(cancelled.state).toBe('cancelled');
    const again = await t.call({
      method: 'POST',
      url: '/api/self-service/cancel',
      payload: { statusCode: a.statusCode },
    });
    expect(again.statusCode).toBe(409);
  });

  it('lists and filters requests, cards, batches and the audit trail', async () => {
    const personId = await addPerson(t, crew.officer, 'visitor');
    const r1 = await produceCard(t, crew.officer, personId, 'CCProcVisitorCardWithoutApproval');
    const r2 = await produceCard(t, crew.officer, personId, 'PcmProcVisitorCardWithoutApproval');
    await ok(
      post(t, crew.producer, `/api/requests/${r1.id}/production`, {
        mode: 'mass',
        batchName: 'filters',
      }),
    );
    const byPerson = await ok(
      t.call({
        method: 'GET',
        url: `/api/requests?personId=${personId}`,
        cookie: crew.officer.cookie,
      }),
    );
    expect(byPerson.total).toBe(2);
    expect(byPerson.items.map((r: any) => r.id).sort()).toEqual([r1.id, r2.id].sort());
    const byProcess = await ok(
      t.call({
        method: 'GET',
        url: `/api/requests?personId=${personId}&processName=PcmProcVisitorCardWithoutApproval`,
        cookie: crew.officer.cookie,
      }),
    );
    expect(byProcess.items.map((r: any) => r.id)).toEqual([r2.id]);
    const paged = await ok(
      t.call({
        method: 'GET',
        url: `/api/requests?personId=${personId}&limit=1&offset=1`,
        cookie: crew.officer.cookie,
      }),
    );
    expect(paged.items).toHaveLength(1);
    expect(paged.total).toBe(2);
    const batched = await ok(
      t.call({ method: 'GET', url: '/api/requests?state=batched', cookie: crew.officer.cookie }),
    );
    expect(batched.items.map((r: any) => r.id)).toContain(r1.id);
    const cards = await ok(
      t.call({ method: 'GET', url: '/api/cards?status=generated', cookie: crew.guard.cookie }),
    );
    const card = cards.items.find((c: any) => c.requestId === r1.id);
    expect(card).toBeTruthy();
    expect(Object.keys(card)).not.toContain('pinSealed');
    const byNumber = await ok(
      t.call({
        method: 'GET',
        url: `/api/cards?cardNumber=${card.cardNumber}`,
        cookie: crew.guard.cookie,
      }),
    );
    expect(byNumber.items).toHaveLength(1);
    const batches = await ok(
      t.call({ method: 'GET', url: '/api/batches?state=open', cookie: crew.producer.cookie }),
    );
    expect(batches.items.map((b: any) => b.name)).toContain('filters');
    const audit = await ok(
      t.call({
        method: 'GET',
        url: `/api/audit?objectType=request&objectId=${r1.id}`,
        cookie: crew.producer.cookie,
      }),
    );
    expect(audit.items.map((e: any) => e.action).reverse()).toEqual([
      'request.create',
      'request.submit',
      'request.generate_card',
      'request.choose_mass',
    ]);
    const chain = await ok(
      t.call({ method: 'GET', url: '/api/audit/verify', cookie: crew.producer.cookie }),
    );
    expect(chain).toMatchObject({ ok: true, brokenAt: null });
  });

  it('detects an edited audit event', async () => {
    await t.store.exclusive(true, (db) =>
      db.run("UPDATE audit_events SET actor = 'staff:mallory' WHERE seq = 3"),
    );
    const chain = await ok(
      t.call({ method: 'GET', url: '/api/audit/verify', cookie: crew.producer.cookie }),
    );
    expect(chain).toMatchObject({ ok: false, brokenAt: 3 });
  });

  it('reports health and serves the API description', async () => {
    const health = await ok(t.call({ method: 'GET', url: '/health' }));
    expect(health).toMatchObject({
      status: 'ok',
      database: { writable: true },
      devices: {
        printer: { driver: 'simulated' },
        encoder: { driver: 'simulated' },
        leds: { driver: 'simulated' },
      },
    });
    const docs = await ok(t.call({ method: 'GET', url: '/docs/json' }));
    expect(Object.keys(docs.paths)).toEqual(
      expect.arrayContaining([
        '/api/self-service/requests',
        '/api/requests/{id}/approve',
        '/api/requests/{id}/collect',
        '/health',
      ]),
    );
    expect((await t.call({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
  });
});
