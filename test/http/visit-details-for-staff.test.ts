/**
 * What staff see of a walk-up before letting them in or handing them a card: the approver the
 * host, company and purpose; approver and guard the photo. Only staff who read persons get the
 * photo; a walk-up and a device administrator do not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { addPerson, crewFor, ok, type Crew } from '../support/workflow-driver.js';

// A JPEG as far as the API checks one (its magic bytes), with a marker to recognise it by.
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('visit-photo')]);

describe('visit details for staff', () => {
  let t: TestApp;
  let crew: Crew;
  let hostId: string;
  beforeAll(async () => {
    t = await buildTestApp();
    crew = await crewFor(t);
    hostId = await addPerson(t, crew.officer, 'employee', { name: 'Helen Host' });
  });
  afterAll(async () => t.dispose());

  async function walkUp(extra: Record<string, unknown>): Promise<{ id: string; personId: string }> {
    const { statusCode } = await ok<{ statusCode: string }>(
      t.call({
        method: 'POST',
        url: '/api/self-service/requests',
        payload: { kind: 'visitor', name: 'Vera Visitor', acceptTerms: true, ...extra },
      }),
      201,
    );
    const { requestId } = await t.appliance.services.requests.walkUpStatus(statusCode);
    const detail = await ok(
      t.call({ method: 'GET', url: `/api/requests/${requestId}`, cookie: crew.approver.cookie }),
    );
    return { id: requestId, personId: detail.person.id };
  }

  it('shows the approver whom a visitor visits, from which company and why', async () => {
    const { id } = await walkUp({
      company: 'Acme',
      hostPersonId: hostId,
      purpose: 'quarterly review',
    });
    const detail = await ok(
      t.call({ method: 'GET', url: `/api/requests/${id}`, cookie: crew.approver.cookie }),
    );
    expect(detail.host).toEqual({ id: hostId, name: 'Helen Host' });
    expect(detail.person.company).toBe('Acme');
    expect(detail.request.purpose).toBe('quarterly review');
    // The host's own record stays with the host: only its id and name come along.
    expect(Object.keys(detail.host).sort()).toEqual(['id', 'name']);

    const { id: alone } = await walkUp({});
    const bare = await ok(
      t.call({ method: 'GET', url: `/api/requests/${alone}`, cookie: crew.approver.cookie }),
    );
    expect(bare.host).toBeNull();
  });

  it('serves the photo to the approver and the guard, and to nobody else', async () => {
    const { personId } = await walkUp({
      photo: { mimeType: 'image/jpeg', base64: JPEG.toString('base64') },
    });
    const url = `/api/persons/${personId}/photo`;
    for (const who of [crew.approver, crew.guard]) {
      const res = await t.call({ method: 'GET', url, cookie: who.cookie });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('image/jpeg');
      expect(res.headers['cache-control']).toBe('private, no-store');
      expect(res.rawPayload.equals(JPEG)).toBe(true);
    }
    expect((await t.call({ method: 'GET', url })).statusCode).toBe(401);
    const admin = await t.staff('dora', ['device_admin']);
    const refused = await t.call({ method: 'GET', url, cookie: admin.cookie });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: expect.any(String) });
  });

  it('answers 404 for a person without a photo, and for no such person', async () => {
    const { personId } = await walkUp({});
    const none = await t.call({
      method: 'GET',
      url: `/api/persons/${personId}/photo`,
      cookie: crew.guard.cookie,
    });
    expect(none.statusCode).toBe(404);
    expect(none.json()).toMatchObject({ error: 'NOT_FOUND' });
    const missing = await t.call({
      method: 'GET',
      url: '/api/persons/00000000-0000-4000-8000-000000000000/photo',
      cookie: crew.guard.cookie,
    });
    expect(missing.statusCode).toBe(404);
  });
});
