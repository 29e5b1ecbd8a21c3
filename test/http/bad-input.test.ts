/**
 * Bad input: each case gets a 4xx with a message that says what is wrong, and the database is
 * unchanged (row counts of every table, request states and the audit chain's head).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { dbSnapshot } from '../support/db-snapshot.js';
import {
  addPerson,
  crewFor,
  ok,
  post,
  produceCard,
  type Crew,
} from '../support/workflow-driver.js';

/** A JSON value nested `levels` deep: [[[…"x"…]]]. */
const nested = (levels: number): unknown => (levels === 0 ? 'x' : [nested(levels - 1)]);

describe('bad input changes nothing', () => {
  let t: TestApp;
  let crew: Crew;
  let personId: string;
  let generatedId: string;
  const visitor = { kind: 'visitor', name: 'Grace Hopper', company: 'Navy', acceptTerms: true };

  beforeAll(async () => {
    t = await buildTestApp({
      config: {
        enabledProcesses: [
          'CCProcVisitorCardWithApproval',
          'CCProcVisitorCardWithoutApproval',
          'CCProcContractorCardWithApproval',
        ],
      } as never,
    });
    crew = await crewFor(t);
    personId = await addPerson(t, crew.officer, 'visitor');
    generatedId = (await produceCard(t, crew.officer, personId, 'CCProcVisitorCardWithoutApproval'))
      .id;
  });
  afterAll(async () => t.dispose());

  const cases: Array<[string, () => Parameters<TestApp['call']>[0], number, RegExp]> = [
    [
      'malformed JSON',
      () => ({
        method: 'POST',
        url: '/api/self-service/requests',
        headers: { 'content-type': 'application/json' },
        payload: '{"kind": "visitor", ',
      }),
      400,
      /not valid JSON/,
    ],
    [
      'an empty JSON body',
      () => ({
        method: 'POST',
        url: '/api/self-service/requests',
        headers: { 'content-type': 'application/json' },
        payload: '',
      }),
      400,
      /empty/,
    ],
    [
      'a body that is not JSON',
      () => ({
        method: 'POST',
        url: '/api/self-service/requests',
        headers: { 'content-type': 'text/plain' },
        payload: 'name=x',
      }),
      415,
      /application\/json/,
    ],
    [
      'a missing name',
      () => ({
        method: 'POST',
        url: '/api/self-service/requests',
        payload: { ...visitor, name: undefined },
      }),
      400,
      /name/,
    ],
    [
      'a blank name',
      () => ({
        method: 'POST',
        url: '/api/self-service/requests',
        payload: { ...visitor, name: '   ' },
      }),
      400,
      /body\.name/,
    ],
    [
      'an oversized name',
      () => ({
        method: 'POST',
        url: '/api/self-service/requests',
        payload: { ...visitor, name: 'x'.repeat(500) },
      }),
      400,
      /body\.name must NOT have more than 120/,
    ],
    [
      'an unknown field',
      () => ({
        method: 'POST',
        url: '/api/self-service/requests',
        payload: { ...visitor, pin: '123456' },
      }),
      400,
      /additional properties \(pin\)/,
    ],
    [
      'terms not accepted',
      () => ({
        method: 'POST',
        url: '/api/self-service/requests',
        payload: { ...visitor, acceptTerms: false },
      }),
      400,
      /acceptTerms/,
    ],
    [
      'an unknown card kind',
      () => ({
        method: 'POST',
        url: '/api/self-service/requests',
        payload: { ...visitor, kind: 'astronaut' },
      }),
      400,
      /kind/,
    ],
    [
      'a kind this kiosk does not offer',
      () => ({
        method: 'POST',
        url: '/api/self-service/requests',
        payload: { ...visitor, kind: 'employee' },
      }),
      400,
      /does not take walk-up requests for employee/,
    ],
    [
      'a contractor without an end date',
      () => ({
        method: 'POST',
        url: '/api/self-service/requests',
        payload: { ...visitor, kind: 'contractor' },
      }),
      400,
      /end date/,
    ],
    [
      'a bad e-mail',
      () => ({
        method: 'POST',
        url: '/api/self-service/requests',
        payload: { ...visitor, email: 'not-an-address' },
      }),
      400,
      /email/,
    ],
    [
      'a photo that is not a JPEG',
      () => ({
        method: 'POST',
        url: '/api/self-service/requests',
        payload: {
          ...visitor,
          photo: { mimeType: 'image/jpeg', base64: Buffer.from('hello world').toString('base64') },
        },
      }),
      400,
      /not a JPEG/,
    ],
    [
      'a host that does not exist',
      () => ({
        method: 'POST',
        url: '/api/self-service/requests',
        payload: { ...visitor, hostPersonId: '00000000-0000-4000-8000-000000000000' },
      }),
      400,
      /host/,
    ],
    [
      'a body over 1 MiB',
      () => ({
        method: 'POST',
        url: '/api/self-service/requests',
        payload: { ...visitor, purpose: 'x'.repeat(1_100_000) },
      }),
      413,
      /too large/,
    ],
    [
      'a malformed status code',
      () => ({
        method: 'POST',
        url: '/api/self-service/status',
        payload: { statusCode: '!!!!!!!!' },
      }),
      400,
      /8 letters and digits/,
    ],
    [
      'an unknown status code',
      () => ({
        method: 'POST',
        url: '/api/self-service/status',
        payload: { statusCode: 'ZZZZ-ZZZZ' },
      }),
      404,
      /not found/,
    ],
    [
      'a body nested deeper than 16 levels, even anonymous with an Idempotency-Key',
      () => ({
        method: 'POST',
        url: '/api/session/sign-out',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'deep-0001' },
        // Deep enough that any recursive walk of the parsed value overflows the stack.
        payload: `{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}`,
      }),
      400,
      /nests deeper than 16 levels/,
    ],
    [
      'a walk-up nested one level too deep',
      () => ({
        method: 'POST',
        url: '/api/self-service/requests',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ ...visitor, purpose: nested(16) }),
      }),
      400,
      /nests deeper than 16 levels/,
    ],
    [
      'a malformed percent-encoding in the path',
      () => ({ method: 'GET', url: '/api/self-service/%ZZ' }),
      400,
      /not valid percent-encoded UTF-8/,
    ],
    [
      'an overlong UTF-8 sequence in the path',
      () => ({ method: 'POST', url: '/api/self-service/%C0%AFstatus', payload: {} }),
      400,
      /not valid percent-encoded UTF-8/,
    ],
  ];

  for (const [what, build, status, message] of cases) {
    it(`refuses ${what} with ${status}`, async () => {
      const before = await dbSnapshot(t);
      const res = await t.call(build());
      expect(res.statusCode, res.body).toBe(status);
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(['error', 'message']);
      expect(body.message).toMatch(message);
      expect(await dbSnapshot(t)).toEqual(before);
    });
  }

  const staffCases: Array<[string, () => [keyof Crew, string, unknown], number, RegExp]> = [
    [
      'an unknown process name',
      () => ['officer', '/api/requests', { personId, processName: 'CCProcAstronautCard' }],
      400,
      /unknown process CCProcAstronautCard/,
    ],
    [
      'a process not enabled here',
      () => [
        'officer',
        '/api/requests',
        { personId, processName: 'PcmProcVisitorCardWithApproval' },
      ],
      422,
      /not enabled/,
    ],
    [
      'a process for another kind of person',
      () => [
        'officer',
        '/api/requests',
        { personId, processName: 'CCProcContractorCardWithApproval' },
      ],
      400,
      /makes contractor cards/,
    ],
    [
      'an unknown person',
      () => [
        'officer',
        '/api/requests',
        {
          personId: '00000000-0000-4000-8000-000000000000',
          processName: 'CCProcVisitorCardWithApproval',
        },
      ],
      404,
      /person .* not found/,
    ],
    [
      'a path id that is not a UUID',
      () => ['approver', '/api/requests/123/approve', undefined],
      400,
      /params\.id/,
    ],
    [
      'an approval from the wrong state',
      () => ['approver', `/api/requests/${generatedId}/approve`, undefined],
      409,
      /not possible while the request is card generated/,
    ],
    [
      'a collection before production',
      () => ['guard', `/api/requests/${generatedId}/collect`, undefined],
      409,
      /not possible/,
    ],
    [
      'a rejection without a reason',
      () => ['approver', `/api/requests/${generatedId}/reject`, {}],
      400,
      /reason/,
    ],
    [
      'a reason that is too long',
      () => ['producer', `/api/requests/${generatedId}/cancel`, { reason: 'r'.repeat(501) }],
      400,
      /reason/,
    ],
    [
      'mass production without a batch name',
      () => ['producer', `/api/requests/${generatedId}/production`, { mode: 'mass' }],
      400,
      /body/,
    ],
    [
      'an unknown production mode',
      () => ['producer', `/api/requests/${generatedId}/production`, { mode: 'bulk' }],
      400,
      /body/,
    ],
    [
      'a retry of a request that has not failed',
      () => ['producer', `/api/requests/${generatedId}/retry`, undefined],
      409,
      /not possible/,
    ],
  ];

  for (const [what, build, status, message] of staffCases) {
    it(`refuses ${what} with ${status}`, async () => {
      const [who, url, payload] = build();
      const before = await dbSnapshot(t);
      const res = await post(t, crew[who], url, payload);
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().message).toMatch(message);
      expect(await dbSnapshot(t)).toEqual(before);
    });
  }

  it('takes a body nested 16 levels deep, and brackets inside strings are not nesting', async () => {
    const res = await t.call({
      method: 'POST',
      url: '/api/self-service/requests',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        ...visitor,
        purpose: '[[[[[[[[[[[[[[[[[[[[{{{{{{{{{{{{{{{{{{{{"\\',
        photo: nested(15),
      }),
    });
    // Refused by the schema (photo is an object), not by the depth limit.
    expect(res.json()).toEqual({ error: 'INVALID_INPUT', message: 'body.photo must be object' });
  });

  it('refuses an infinite, NaN or out-of-range limit or offset on every list with 400', async () => {
    const admin = await t.staff('lists-admin', [
      'registration_officer',
      'card_production_admin',
      'device_admin',
    ]);
    const lists = ['/api/requests', '/api/persons', '/api/cards', '/api/batches', '/api/audit'];
    const values = ['1e309', '-1e309', 'Infinity', 'NaN', '1.5', '-1', '99999999999'];
    const before = await dbSnapshot(t);
    for (const list of lists) {
      for (const param of ['limit', 'offset']) {
        for (const value of values) {
          const res = await t.call({
            method: 'GET',
            url: `${list}?${param}=${value}`,
            cookie: admin.cookie,
          });
          expect(res.statusCode, `${list}?${param}=${value}: ${res.body}`).toBe(400);
          expect(res.json().message).toMatch(new RegExp(`^querystring\\.${param} must`));
        }
      }
    }
    expect(await dbSnapshot(t)).toEqual(before);
  });

  it('answers a path parameter over 100 characters with 400 and {error, message}', async () => {
    const res = await post(t, crew.approver, `/api/requests/${'a'.repeat(101)}/approve`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'INVALID_INPUT',
      message: 'a path parameter is longer than 100 characters',
    });
  });

  it('refuses a reused Idempotency-Key with another body, and replays the same one without change', async () => {
    const key = 'walk-up-0001';
    const first = await t.call({
      method: 'POST',
      url: '/api/self-service/requests',
      headers: { 'idempotency-key': key },
      payload: visitor,
    });
    expect(first.statusCode).toBe(201);
    const before = await dbSnapshot(t);
    const replay = await t.call({
      method: 'POST',
      url: '/api/self-service/requests',
      headers: { 'idempotency-key': key },
      payload: visitor,
    });
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());
    const other = await t.call({
      method: 'POST',
      url: '/api/self-service/requests',
      headers: { 'idempotency-key': key },
      payload: { ...visitor, name: 'Someone Else' },
    });
    expect(other.statusCode).toBe(422);
    expect(other.json().message).toMatch(/different request/);
    expect(await dbSnapshot(t)).toEqual(before);
  });

  it('replays a staff transition by its Idempotency-Key instead of failing or repeating it', async () => {
    const id = (await produceCard(t, crew.officer, personId, 'CCProcVisitorCardWithApproval')).id;
    const headers = { 'idempotency-key': `approve-${id}` };
    const first = await post(t, crew.approver, `/api/requests/${id}/approve`, undefined, headers);
    expect(first.statusCode).toBe(200);
    const before = await dbSnapshot(t);
    const replay = await post(t, crew.approver, `/api/requests/${id}/approve`, undefined, headers);
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toEqual(first.json());
    expect(await dbSnapshot(t)).toEqual(before);
    // Without the key, the same call is a real second attempt, and the state machine refuses it.
    expect((await post(t, crew.approver, `/api/requests/${id}/approve`)).statusCode).toBe(409);
  });

  it('never stores a collected PIN for replay', async () => {
    const id = (await produceCard(t, crew.officer, personId, 'CCProcVisitorCardWithoutApproval'))
      .id;
    await ok(post(t, crew.producer, `/api/requests/${id}/production`, { mode: 'single' }));
    await t.appliance.services.production.whenIdle();
    const headers = { 'idempotency-key': `collect-${id}` };
    const first = await ok(post(t, crew.guard, `/api/requests/${id}/collect`, undefined, headers));
    const replay = await post(t, crew.guard, `/api/requests/${id}/collect`, undefined, headers);
    expect(replay.statusCode).toBe(409);
    expect(replay.body).not.toContain(first.pin);
    const stored = await t.store.exclusive(false, (db) =>
      db.all<{ body: string }>('SELECT body FROM idempotency_keys'),
    );
    expect(stored.some((r) => r.body.includes(first.pin))).toBe(false);
  });
});
