/**
 * Retention on the durable scheduler: each kind of data is deleted exactly when its period
 * has passed since the last thing that happened to it, never while a visit is open; every
 * deletion is audited by kind and count only, the centre is told through the outbox, and
 * the audit chain still verifies after its oldest events are gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import { crewFor, ok, post, type Crew } from '../support/workflow-driver.js';
import { normalizeStatusCode, statusCodeHash } from '../../appliance/src/services/status-code.js';

const DAY_MS = 86_400_000;
const PNG_1PX =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('retention', () => {
  let t: TestApp;
  let crew: Crew;

  beforeAll(async () => {
    t = await buildTestApp({
      config: {
        retention: { visitorDetailsDays: 30, photosDays: 1, requestsDays: 60, auditDays: 90 },
      },
    });
    crew = await crewFor(t);
  });
  afterAll(() => t.dispose());

  async function walkUp(name: string): Promise<{ requestId: string; personId: string }> {
    const created = await ok(
      post(t, null, '/api/self-service/requests', {
        kind: 'visitor',
        name,
        acceptTerms: true,
        photo: { mimeType: 'image/png', base64: PNG_1PX },
      }),
      201,
    );
    const r = await t.store.read((tx) =>
      tx.requests.getByStatusCodeHash(
        statusCodeHash(normalizeStatusCode(created.statusCode) as string),
      ),
    );
    return { requestId: r!.id, personId: r!.personId };
  }

  const person = (id: string) => t.store.read((tx) => tx.persons.get(id));
  const retentionRun = async () => {
    const reports = await t.appliance.scheduler.runDue();
    return reports.find((r) => r.name === 'retention')?.summary;
  };
  const retentionAudit = () =>
    t.store.read((tx) => tx.audit.list({ action: 'retention.deleted', limit: 100, offset: 0 }));

  it('deletes each kind exactly when it is due, audits kind and count, and tells the centre', async () => {
    const done = await walkUp('Rita Rejected');
    const open = await walkUp('Otto Open');
    await ok(
      post(t, crew.approver, `/api/requests/${done.requestId}/reject`, { reason: 'no host' }),
    );

    // Day 2: the finished visitor's photo is past its day; the open visitor keeps theirs.
    t.clock.advance(2 * DAY_MS);
    expect(await retentionRun()).toEqual({ visitorDetails: 0, photos: 1, requests: 0, audit: 0 });
    expect((await person(done.personId))?.photo).toBeNull();
    expect((await person(open.personId))?.photo).not.toBeNull();
    expect((await person(done.personId))?.name).toBe('Rita Rejected');

    // Day 29: nothing more is due yet.
    t.clock.advance(27 * DAY_MS);
    expect(await retentionRun()).toEqual({ visitorDetails: 0, photos: 0, requests: 0, audit: 0 });

    // Day 31: the finished visitor's details go; the open one's stay.
    t.clock.advance(2 * DAY_MS);
    expect(await retentionRun()).toEqual({ visitorDetails: 1, photos: 0, requests: 0, audit: 0 });
    expect(await person(done.personId)).toMatchObject({
      name: 'erased',
      company: null,
      email: null,
    });
    expect((await person(open.personId))?.name).toBe('Otto Open');
    const outbox = await t.store.read((tx) => tx.outbox.pending(10_000));
    expect(
      outbox
        .filter((e) => e.type === 'person.erased')
        .map((e) => [e.aggregateId, e.payload.reason]),
    ).toEqual([[done.personId, 'retention']]);

    // Day 61: the finished request (and its history) goes; the open one stays.
    t.clock.advance(30 * DAY_MS);
    expect(await retentionRun()).toEqual({ visitorDetails: 0, photos: 0, requests: 1, audit: 0 });
    expect(await t.store.read((tx) => tx.requests.get(done.requestId))).toBeNull();
    expect(await t.store.read((tx) => tx.requests.get(open.requestId))).not.toBeNull();

    const audited = await retentionAudit();
    expect(audited.map((e) => e.details)).toEqual([
      { kind: 'requests', count: 1, olderThanDays: 60 },
      { kind: 'visitorDetails', count: 1, olderThanDays: 30 },
      { kind: 'photos', count: 1, olderThanDays: 1 },
    ]);
    expect(JSON.stringify(audited)).not.toMatch(/Rita|Otto/);
  });

  it('deletes audit events past their period and the chain still verifies', async () => {
    const before = await t.store.read((tx) => tx.audit.verify());
    // Day 95: everything written on day 0 to 4 is older than 90 days.
    t.clock.advance(34 * DAY_MS);
    const counts = await retentionRun();
    expect(counts?.audit).toBeGreaterThan(0);
    const after = await t.store.read((tx) => tx.audit.verify());
    expect(after.ok).toBe(true);
    expect(after.events).toBeLessThan(before.events);
    const oldest = await t.store.read((tx) => tx.audit.list({ limit: 1_000_000, offset: 0 }));
    const cutoff = new Date(t.clock.now().getTime() - 90 * DAY_MS).toISOString();
    expect(oldest.every((e) => e.at >= cutoff)).toBe(true);
  });
});
