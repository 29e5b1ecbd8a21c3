/**
 * The centre knows whose card it is and takes orders only from its administrators: a card for
 * an imported employee and a walk-up's host resolve to the centre's own Users; a device's
 * certificate cannot decide, revoke centrally, or write another device's object (403, nothing
 * changes, the refusal is audited), while an administrator's bearer token can; PATCH on a
 * single resource round-trips (RFC 7644 §3.5.2).
 */
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SCIM } from '../../../../appliance/src/central/scim-protocol.js';
import {
  issueDeviceCertificate,
  type DeviceCredentials,
} from '../../../../provisioning/central/dev-pki.js';
import type { TestApp } from '../../../support/build-test-app.js';
import { startCentral, waitUntil, type CentralFixture } from '../../../support/central-fixture.js';
import { outboxRows, runWorkload, syncedApp } from '../../../support/sync-scenario.js';
import { crewFor, ok, post, produceCard } from '../../../support/workflow-driver.js';

let fx: CentralFixture;
let other: DeviceCredentials;
let adminToken: string;
let t: TestApp | null = null;

beforeAll(async () => {
  fx = await startCentral('kiosk-test');
  other = await issueDeviceCertificate(fx.pki, 'kiosk-other', join(fx.dir, 'other'));
  adminToken = await fx.central.issueAdminToken('alice');
});
afterAll(async () => {
  await fx.close();
});
afterEach(async () => {
  await t?.dispose();
  t = null;
});

interface Caller {
  device?: DeviceCredentials;
  token?: string;
}

/** One HTTPS call straight to the centre (not through the fault proxy). */
function scim(
  caller: Caller,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: fx.centralPort,
        method,
        path: `/scim/v2${path}`,
        ca: readFileSync(fx.pki.caCert),
        ...(caller.device
          ? { cert: readFileSync(caller.device.certFile), key: readFileSync(caller.device.keyFile) }
          : {}),
        headers: {
          accept: 'application/scim+json',
          ...(payload ? { 'content-type': 'application/scim+json' } : {}),
          ...(caller.token ? { authorization: `Bearer ${caller.token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const me = (): DeviceCredentials => fx.device;
const patchOp = (value: Record<string, unknown>) => ({
  schemas: [SCIM.patchOp],
  Operations: [{ op: 'replace', value }],
});
const bulk = (caller: Caller, Operations: unknown[]) =>
  scim(caller, 'POST', '/Bulk', { schemas: [SCIM.bulkRequest], failOnErrors: 1, Operations });

const drained = async (app: TestApp) =>
  waitUntil('the outbox to drain', async () =>
    (await outboxRows(app)).every((r) => r.sent_at !== null || r.rejected_at !== null),
  );

/** The centre's stored copy, compared before and after a refused write. */
const snapshot = (type: string, externalId: string) =>
  JSON.stringify(fx.central.byExternalId(type, externalId));

describe('the centre knows whose card it is', () => {
  it("names an imported employee's card holder and request person by the centre's User", async () => {
    t = await syncedApp(fx, { pullIntervalMs: 50 });
    const centralId = await fx.central.addEmployee({
      userName: 'ehart',
      name: 'Emil Hart',
      email: 'emil@example.test',
    });
    await waitUntil('the directory entry on the device', async () =>
      Boolean(await t!.store.read((tx) => tx.persons.getByCentralId(centralId))),
    );
    const person = (await t.store.read((tx) => tx.persons.getByCentralId(centralId)))!;
    expect(person.id).not.toBe(centralId);
    const crew = await crewFor(t);
    const request = await produceCard(
      t,
      crew.officer,
      person.id,
      'CCProcEmployeeCardWithoutApproval',
    );
    await ok(post(t, crew.producer, `/api/requests/${request.id}/production`, { mode: 'single' }));
    await t.appliance.services.production.whenIdle();
    await drained(t);
    const card = (
      await ok(
        t.call({ method: 'GET', url: `/api/requests/${request.id}`, cookie: crew.officer.cookie }),
      )
    ).card;

    const atCentre = fx.central.byExternalId('Cards', card.id)!;
    expect(atCentre.holder).toMatchObject({
      value: centralId,
      externalId: person.id,
      display: 'Emil Hart',
    });
    expect(fx.central.byExternalId('CardRequests', request.id)!.person).toMatchObject({
      value: centralId,
    });
  });

  it("names a walk-up's host by the centre's User, and the visitor's card by the visitor's", async () => {
    t = await syncedApp(fx, { pullIntervalMs: 50 });
    const hostId = await fx.central.addEmployee({ userName: 'hhost', name: 'Hanna Host' });
    await waitUntil('the host on the device', async () =>
      Boolean(await t!.store.read((tx) => tx.persons.getByCentralId(hostId))),
    );
    const host = (await t.store.read((tx) => tx.persons.getByCentralId(hostId)))!;
    await ok(
      t.call({
        method: 'POST',
        url: '/api/self-service/requests',
        payload: {
          acceptTerms: true,
          kind: 'visitor',
          name: 'Vera Visitor',
          hostPersonId: host.id,
        },
      }),
      201,
    );
    const stored = (
      await t.store.read((tx) =>
        tx.requests.list({ state: 'awaiting_approval', limit: 10, offset: 0 }),
      )
    )[0]!;
    const requestId = stored.id;
    const crew = await crewFor(t);
    await ok(post(t, crew.approver, `/api/requests/${requestId}/approve`));
    await drained(t);

    const visitor = fx.central.byExternalId('Users', stored.personId)!;
    const extension = visitor[SCIM.userExtension] as { host?: Record<string, unknown> };
    expect(extension.host).toMatchObject({
      value: hostId,
      externalId: host.id,
      display: 'Hanna Host',
    });
    const [card] = await t.store.read((tx) => tx.cards.list({ requestId, limit: 1, offset: 0 }));
    expect(fx.central.byExternalId('Cards', card!.id)!.holder).toMatchObject({
      value: visitor.id,
      externalId: stored.personId,
    });
  });
});

describe('the centre takes orders only from its administrators', () => {
  let work: Awaited<ReturnType<typeof runWorkload>>;
  let app: TestApp;
  beforeAll(async () => {
    app = await syncedApp(fx);
    work = await runWorkload(app, 2, 1);
    await drained(app);
  });
  afterAll(async () => {
    await app.dispose();
  });

  const requestAtCentre = () => fx.central.byExternalId('CardRequests', work.waiting[0]!)!;
  const cardAtCentre = () => fx.central.byExternalId('Cards', work.collected[0]!)!;

  it('refuses a device deciding its own request or revoking its own card centrally, whatever the case of the name', async () => {
    const request = requestAtCentre();
    const card = cardAtCentre();
    const before = [
      snapshot('CardRequests', work.waiting[0]!),
      snapshot('Cards', work.collected[0]!),
    ];
    const attempts = [
      { path: `/CardRequests/${request.id}`, value: { decision: { value: 'approve', by: 'me' } } },
      { path: `/CardRequests/${request.id}`, value: { Decision: { value: 'approve', by: 'me' } } },
      { path: `/Cards/${card.id}`, value: { centralRevocation: { reason: 'stolen', by: 'me' } } },
    ];
    for (const a of attempts) {
      const viaBulk = await bulk({ device: me() }, [
        { method: 'PATCH', path: a.path, data: patchOp(a.value) },
      ]);
      expect(viaBulk.status).toBe(200);
      expect(viaBulk.body.Operations[0].status).toBe('403');
      expect(viaBulk.body.Operations[0].response.detail).toMatch(/central administrator/);
      const direct = await scim({ device: me() }, 'PATCH', a.path, patchOp(a.value));
      expect(direct.status).toBe(403);
      expect(direct.body.schemas).toEqual([SCIM.error]);
    }
    const byPath = await scim({ device: me() }, 'PATCH', `/CardRequests/${request.id}`, {
      schemas: [SCIM.patchOp],
      Operations: [{ op: 'add', path: 'decision.value', value: 'approve' }],
    });
    expect(byPath.status).toBe(403);
    const created = await bulk({ device: me() }, [
      {
        method: 'POST',
        path: '/Cards',
        bulkId: 'forged-card',
        data: { schemas: [SCIM.card], cardNumber: '1', centralRevocation: { reason: 'x' } },
      },
    ]);
    expect(created.body.Operations[0].status).toBe('403');
    expect([
      snapshot('CardRequests', work.waiting[0]!),
      snapshot('Cards', work.collected[0]!),
    ]).toEqual(before);
    expect(fx.central.store.list('Cards').some((c) => c.data.cardNumber === '1')).toBe(false);
  });

  it("refuses a device writing another device's object or a directory User", async () => {
    const card = cardAtCentre();
    const before = snapshot('Cards', work.collected[0]!);
    const status = await scim(
      { device: other },
      'PATCH',
      `/Cards/${card.id}`,
      patchOp({ status: 'revoked' }),
    );
    expect(status.status).toBe(403);
    expect(status.body.detail).toMatch(/only its own objects/);
    const viaBulk = await bulk({ device: other }, [
      { method: 'PATCH', path: `/Cards/${card.id}`, data: patchOp({ status: 'revoked' }) },
    ]);
    expect(viaBulk.body.Operations[0].status).toBe('403');
    expect(snapshot('Cards', work.collected[0]!)).toBe(before);

    const employee = await fx.central.addEmployee({ userName: 'dir1', name: 'Dora Directory' });
    const user = await scim(
      { device: me() },
      'PATCH',
      `/Users/${employee}`,
      patchOp({ displayName: 'Mallory' }),
    );
    expect(user.status).toBe(403);
    expect(fx.central.store.get('Users', employee)?.data.displayName).toBe('Dora Directory');
    const audit = await fx.central.store.auditLog();
    expect(audit.filter((a) => a.outcome === 'refused').map((a) => a.actor)).toEqual(
      expect.arrayContaining(['device:kiosk-test', 'device:kiosk-other']),
    );
  });

  it('takes a decision from an administrator token, audited, and the device applies it', async () => {
    const requestId = work.waiting[0]!;
    const request = requestAtCentre();
    const res = await scim({ token: adminToken }, 'PATCH', `/CardRequests/${request.id}`, {
      schemas: [SCIM.patchOp],
      Operations: [
        {
          op: 'replace',
          path: 'decision',
          value: { value: 'approve', reason: 'expected', by: 'alice' },
        },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.decision).toMatchObject({ value: 'approve', by: 'alice' });
    const read = await scim({ token: adminToken }, 'GET', `/CardRequests/${request.id}`);
    expect(read.body.decision).toMatchObject({ value: 'approve' });
    const audit = await fx.central.store.auditLog();
    expect(audit).toContainEqual(
      expect.objectContaining({
        actor: 'admin:alice',
        action: 'PATCH',
        endpoint: 'CardRequests',
        resourceId: request.id,
        outcome: 'applied',
      }),
    );
    await app.appliance.services.sync?.pull();
    await waitUntil(
      'the central decision on the device',
      async () =>
        (await app.store.read((tx) => tx.requests.get(requestId)))?.state === 'card_generated',
    );
  });

  it('lets a device PATCH its own object, and refuses callers with no or a wrong credential', async () => {
    const request = requestAtCentre();
    const own = await scim(
      { device: me() },
      'PATCH',
      `/CardRequests/${request.id}`,
      patchOp({ stateReason: 'seen' }),
    );
    expect(own.status).toBe(200);
    expect(own.body.stateReason).toBe('seen');
    expect((await scim({}, 'GET', '/Cards')).status).toBe(401);
    expect(
      (
        await scim(
          { token: 'ckadm_not-a-token' },
          'PATCH',
          `/CardRequests/${request.id}`,
          patchOp({ decision: { value: 'reject' } }),
        )
      ).status,
    ).toBe(401);
    expect(
      (
        await scim(
          { token: adminToken },
          'PATCH',
          '/CardRequests/nope',
          patchOp({ stateReason: 'x' }),
        )
      ).status,
    ).toBe(404);
    expect(
      (await scim({ token: adminToken }, 'PATCH', `/CardRequests/${request.id}`, { value: 1 }))
        .status,
    ).toBe(400);
  });
});
