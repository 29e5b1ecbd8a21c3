/**
 * Sync with the central Identity Manager over SCIM with mutual TLS, through a fault proxy:
 * everything reaches the centre exactly once in effect and in order per object, and it
 * survives a centre that is down, answers 500/503, times out, resets mid-answer, is slow, or
 * answers malformed. The appliance runs in-process with the real SQLite store.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SCIM } from '../../../../appliance/src/central/scim-protocol.js';
import { openEscrow } from '../../../../appliance/src/crypto/ecies-escrow.js';
import { pukEscrowContext } from '../../../../appliance/src/core/secret-escrow.js';
import { readFileSync } from 'node:fs';
import type { TestApp } from '../../../support/build-test-app.js';
import { startCentral, waitUntil, type CentralFixture } from '../../../support/central-fixture.js';
import type { FakePivEncoder } from '../../../support/fake-devices.js';
import {
  expectAllDelivered,
  outboxRows,
  runWorkload,
  syncedApp,
} from '../../../support/sync-scenario.js';
import { ok } from '../../../support/workflow-driver.js';

let fx: CentralFixture;
let t: TestApp | null = null;

beforeAll(async () => {
  fx = await startCentral();
});
afterAll(async () => {
  await fx.close();
});
afterEach(async () => {
  fx.proxy.set({ kind: 'pass' });
  fx.central.faults.status = undefined;
  fx.central.faults.malformed = undefined;
  await t?.dispose();
  t = null;
});

const drained = async (app: TestApp) => {
  await waitUntil('the outbox to drain', async () => {
    const rows = await outboxRows(app);
    return rows.every((r) => r.sent_at !== null || r.rejected_at !== null);
  });
};

describe('sync with the central Identity Manager', () => {
  it('delivers every event once, in order per object, with the PUK escrowed to the centre only', async () => {
    t = await syncedApp(fx);
    const work = await runWorkload(t);
    await drained(t);
    await expectAllDelivered(t, fx);

    // The card object at the centre carries the PUK sealed to the centre's key; the device
    // destroyed its own copy once the card was produced.
    const cardId = work.collected[0] as string;
    const card = fx.central.byExternalId('Cards', cardId)!;
    expect(card.status).toBe('collected');
    const escrow = card.pukEscrow as { value: string; keyId: string };
    expect(escrow.keyId).toBe(fx.escrow.keyId);
    const chip = (t.encoder as FakePivEncoder).chips.find((c) => c.cardNumber === card.cardNumber)!;
    const privateKey = readFileSync(fx.pki.escrowPrivateKey, 'utf8');
    expect(
      openEscrow(privateKey, escrow.value, pukEscrowContext(cardId, String(card.cardNumber))),
    ).toBe(chip.puk);
    const local = await t.store.read((tx) => tx.cards.get(cardId));
    expect(local?.pukSealed).toBe('');
    expect(local?.pukEscrow).toBe(escrow.value);

    // Person links: the centre's ids are stored on the device.
    const person = await t.store.read((tx) => tx.requests.get(work.waiting[0] as string));
    const p = await t.store.read((tx) => tx.persons.get(person!.personId));
    expect(p?.centralId).toBe(fx.central.byExternalId('Users', p!.id)?.id);

    const status = await ok(t.call({ method: 'GET', url: '/health' }));
    expect(status.sync).toMatchObject({
      connected: true,
      pending: 0,
      rejected: 0,
      lastError: null,
    });
    // Staff see the same on GET /api/sync; nobody else does.
    expect((await t.call({ method: 'GET', url: '/api/sync' })).statusCode).toBe(401);
    const staffView = await ok(
      t.call({ method: 'GET', url: '/api/sync', cookie: work.crew.guard.cookie }),
    );
    expect(staffView).toMatchObject({ enabled: true, connected: true, pending: 0 });
    expect(staffView.delivered).toBeGreaterThan(0);
  });

  it('describes its resource types and schemas through /ResourceTypes and /Schemas', async () => {
    // inject() has no client certificate: an administrator's token opens the routes.
    const authorization = `Bearer ${await fx.central.issueAdminToken('schema-reader')}`;
    const res = await fx.central.app.inject({
      method: 'GET',
      url: '/scim/v2/ResourceTypes',
      headers: { authorization },
    });
    const types = (res.json() as { Resources: Array<{ name: string; schema: string }> }).Resources;
    expect(types.map((r) => [r.name, r.schema])).toEqual(
      expect.arrayContaining([
        ['User', SCIM.user],
        ['Card', SCIM.card],
        ['CardRequest', SCIM.cardRequest],
        ['CardBatch', SCIM.cardBatch],
        ['CardNumberRange', SCIM.numberRange],
      ]),
    );
    const schemas = (
      await fx.central.app.inject({
        method: 'GET',
        url: '/scim/v2/Schemas',
        headers: { authorization },
      })
    ).json() as {
      Resources: Array<{ id: string }>;
    };
    expect(schemas.Resources.map((s) => s.id)).toEqual(
      expect.arrayContaining([SCIM.card, SCIM.cardRequest, SCIM.userExtension]),
    );
  });
});

describe('bad conditions, then the network heals', () => {
  const status = async (app: TestApp) => app.appliance.services.sync!.status();

  it('centre down: waits with backoff, shows offline, then delivers everything once', async () => {
    fx.proxy.set({ kind: 'refuse' });
    t = await syncedApp(fx);
    await runWorkload(t);
    await waitUntil('two failed attempts', async () => (await status(t!)).consecutiveFailures >= 2);
    const down = await status(t);
    expect(down).toMatchObject({ connected: false, lastError: { code: 'CENTRAL_UNREACHABLE' } });
    expect(down.pending).toBeGreaterThan(0);
    // Unreachable for longer than offlineAfterMs: the LEDs say offline when nothing else is due.
    t.clock.advance(61_000);
    await t.appliance.services.status.refreshLeds();
    expect(t.leds.current()).toBe('offline');
    const health = await ok(t.call({ method: 'GET', url: '/health' }));
    expect(health.sync).toMatchObject({ connected: false, offline: true });
    expect(health.sync.oldestPendingAgeMs).toBeGreaterThanOrEqual(61_000);

    fx.proxy.set({ kind: 'pass' });
    await drained(t);
    await expectAllDelivered(t, fx);
    expect(await status(t)).toMatchObject({ connected: true, offline: false });
  });

  it('answers 503 before applying and 500 after applying: retried, applied once', async () => {
    t = await syncedApp(fx);
    fx.central.faults.status = { code: 503, count: 3, when: 'before' };
    await runWorkload(t, 2, 1);
    await drained(t);
    expect(fx.central.faults.status.count).toBe(0);
    await expectAllDelivered(t, fx);

    const duplicatesBefore = fx.central.stats.duplicates;
    fx.central.faults.status = { code: 500, count: 2, when: 'after' };
    await runWorkload(t, 1, 1);
    await drained(t);
    await expectAllDelivered(t, fx);
    // The centre had applied what it answered 500 to; the retry found the keys.
    expect(fx.central.stats.duplicates).toBeGreaterThan(duplicatesBefore);
  });

  it('times out on a centre that never answers, then delivers', async () => {
    fx.proxy.set({ kind: 'hang' });
    t = await syncedApp(fx, {}, { requestTimeoutMs: 300 });
    await runWorkload(t, 1, 1);
    await waitUntil(
      'a timeout',
      async () => (await status(t!)).lastError?.code === 'CENTRAL_TIMEOUT',
    );
    fx.proxy.set({ kind: 'pass' });
    await drained(t);
    await expectAllDelivered(t, fx);
  });

  it('survives the connection being reset in the middle of the answer', async () => {
    fx.proxy.set({ kind: 'refuse' });
    t = await syncedApp(fx);
    await runWorkload(t, 2, 1);
    const applied = fx.central.stats.applied;
    // Past the TLS handshake a Bulk request is several kB; the answer is cut after 40 bytes.
    fx.proxy.set({ kind: 'reset', afterClientBytes: 4_000, passBytes: 40 });
    await waitUntil(
      'a reset after the centre applied',
      () => fx.proxy.resets > 0 && fx.central.stats.applied > applied,
    );
    expect((await outboxRows(t)).some((r) => r.sent_at === null)).toBe(true);
    fx.proxy.set({ kind: 'pass' });
    await drained(t);
    await expectAllDelivered(t, fx);
    expect((await status(t)).duplicates).toBeGreaterThan(0);
  });

  it('waits for a slow centre and applies nothing twice', async () => {
    fx.proxy.set({ kind: 'slow', chunkBytes: 256, delayMs: 2 });
    t = await syncedApp(fx, {}, { requestTimeoutMs: 10_000 });
    await runWorkload(t, 2, 1);
    await drained(t);
    await expectAllDelivered(t, fx);
  });

  it.each(['not-json', 'wrong-bulkid', 'truncated'] as const)(
    'marks nothing sent on a malformed answer (%s), then delivers',
    async (kind) => {
      fx.proxy.set({ kind: 'refuse' });
      t = await syncedApp(fx);
      await runWorkload(t, 1, 1);
      const pendingBefore = (await outboxRows(t)).filter((r) => r.sent_at === null).length;
      fx.central.faults.malformed = { kind, count: 1 };
      fx.proxy.set({ kind: 'pass' });
      await waitUntil(
        'a malformed answer',
        async () => (await status(t!)).lastError?.code === 'CENTRAL_BAD_RESPONSE',
      );
      // The centre applied the batch; the device did not believe the answer and kept it all.
      expect(fx.central.faults.malformed.count).toBe(0);
      expect(pendingBefore).toBeGreaterThan(0);
      await drained(t);
      await expectAllDelivered(t, fx);
      expect((await status(t)).duplicates).toBeGreaterThan(0);
    },
  );

  it('treats corrupted bytes as a broken connection (TLS refuses them), then delivers', async () => {
    fx.proxy.set({ kind: 'corrupt' });
    t = await syncedApp(fx);
    await runWorkload(t, 1, 1);
    await waitUntil('a failed attempt', async () => (await status(t!)).consecutiveFailures >= 1);
    expect((await status(t)).lastError?.code).toMatch(/CENTRAL_UNREACHABLE|CENTRAL_TIMEOUT/);
    fx.proxy.set({ kind: 'pass' });
    await drained(t);
    await expectAllDelivered(t, fx);
  });
});

describe('learning from the centre', () => {
  const PULL_OFTEN = { pullIntervalMs: 50 };

  it('imports the person directory: employees to pick as hosts and produce cards for', async () => {
    t = await syncedApp(fx, PULL_OFTEN);
    const centralId = await fx.central.addEmployee({
      userName: 'jdoe',
      name: 'Juno Directory',
      email: 'juno@example.test',
      company: 'Acme',
    });
    await waitUntil('the directory entry on the device', async () =>
      Boolean(await t!.store.read((tx) => tx.persons.getByCentralId(centralId))),
    );
    const person = await t.store.read((tx) => tx.persons.getByCentralId(centralId));
    expect(person).toMatchObject({ kind: 'employee', name: 'Juno Directory', company: 'Acme' });
    const hosts = await ok(t.call({ method: 'GET', url: '/api/self-service/hosts?q=juno' }));
    expect(hosts.items).toEqual([{ id: person!.id, name: 'Juno Directory' }]);
  });

  it('applies approvals and rejections given centrally through the workflow', async () => {
    t = await syncedApp(fx, PULL_OFTEN);
    const work = await runWorkload(t, 0, 2);
    await drained(t);
    const [approve, reject] = work.waiting as [string, string];
    await fx.central.decide(approve, 'approve', 'known visitor', 'central-approver');
    await fx.central.decide(reject, 'reject', 'not expected today', 'central-approver');
    await waitUntil('both decisions applied', async () => {
      const [a, r] = await Promise.all(
        [approve, reject].map((id) => t!.store.read((tx) => tx.requests.get(id))),
      );
      return a?.state === 'card_generated' && r?.state === 'rejected';
    });
    const history = await t.store.read((tx) => tx.requests.transitions(approve));
    expect(history.find((h) => h.event === 'approve')?.actor).toBe('central:central-approver');
    // The centre learns the outcome the usual way, through the outbox.
    await drained(t);
    await expectAllDelivered(t, fx);
    expect(fx.central.byExternalId('CardRequests', reject)?.state).toBe('rejected');
  });

  it('revokes a card revoked centrally, and tells the centre it did', async () => {
    t = await syncedApp(fx, PULL_OFTEN);
    const work = await runWorkload(t, 2, 0);
    await drained(t);
    const cardId = work.collected[0] as string;
    await fx.central.revoke(cardId, 'stolen', 'central-security');
    await waitUntil('the central revocation on the device', async () => {
      const card = await t!.store.read((tx) => tx.cards.get(cardId));
      return card?.status === 'revoked';
    });
    const rows = await outboxRows(t);
    const revocation = rows.find((r) => r.aggregate_id === cardId && r.priority === 0);
    expect(revocation).toBeDefined();
    await drained(t);
    await expectAllDelivered(t, fx);
    expect(fx.central.byExternalId('Cards', cardId)).toMatchObject({
      status: 'revoked',
      revocationReason: 'stolen',
    });
  });

  it('leases a new card-number range from the centre before the local one runs out', async () => {
    t = await buildAppWithSmallRange();
    await runWorkload(t, 3, 0);
    await waitUntil('a leased range', async () =>
      (await t!.store.read((tx) => tx.numberRanges.all())).some((r) => r.id.startsWith('central-')),
    );
    const ranges = await t.store.read((tx) => tx.numberRanges.all());
    expect(ranges.map((r) => r.id)).toEqual(['local-1', expect.stringMatching(/^central-/)]);
    const leased = ranges[1]!;
    expect(leased.last - leased.first + 1).toBe(100);
    // One lease, however often the relay looked: the key makes it idempotent.
    expect(
      fx.central.store.list('CardNumberRanges').filter((r) => r.data.first === leased.first),
    ).toHaveLength(1);
  });

  async function buildAppWithSmallRange(): Promise<TestApp> {
    const { buildTestApp } = await import('../../../support/build-test-app.js');
    const { FAST_SYNC } = await import('../../../support/sync-scenario.js');
    return buildTestApp({
      centralClient: fx.client(),
      escrow: fx.escrow,
      config: {
        numberRanges: [{ id: 'local-1', first: 1000, last: 1003 }],
        sync: { enabled: true, ...FAST_SYNC, numberRanges: { lowWater: 2, leaseSize: 100 } },
      },
    });
  }
});

describe('the ordering of the outbox', () => {
  it('sends a revocation first, after the earlier events of its own card only', async () => {
    fx.proxy.set({ kind: 'refuse' });
    t = await syncedApp(fx, { batchSize: 1000 });
    const work = await runWorkload(t, 3, 1);
    const rows = await outboxRows(t);
    const next = await t.store.read((tx) => tx.outbox.nextForDelivery(1000));
    const revokedCard = work.revoked[0] as string;
    const own = rows.filter((r) => r.aggregate_id === revokedCard).map((r) => r.id);
    expect(next.slice(0, own.length).map((e) => e.id)).toEqual(own);
    expect(next.slice(own.length).map((e) => e.seq)).toEqual(
      rows.filter((r) => r.aggregate_id !== revokedCard).map((r) => r.seq),
    );
  });
});

describe('PUK escrow for cards made before the escrow key was configured', () => {
  it('escrows their PUKs at the next start, sends them, and destroys the device copy', async () => {
    const { buildTestApp } = await import('../../../support/build-test-app.js');
    const { FAST_SYNC } = await import('../../../support/sync-scenario.js');
    const before = await buildTestApp();
    const work = await runWorkload(before, 2, 0);
    // Not provisioned: no sync, and staff are told so.
    expect(
      await ok(before.call({ method: 'GET', url: '/api/sync', cookie: work.crew.guard.cookie })),
    ).toEqual({ enabled: false });
    expect((await ok(before.call({ method: 'GET', url: '/health' }))).sync).toBeNull();
    const cardId = work.collected[0] as string;
    const unescrowed = await before.store.read((tx) => tx.cards.get(cardId));
    expect(unescrowed?.pukEscrow).toBeNull();
    expect(unescrowed?.pukSealed).not.toBe('');
    const chip = (before.encoder as FakePivEncoder).chips.find(
      (c) => c.cardNumber === unescrowed!.cardNumber,
    )!;
    await before.stop();

    t = await buildTestApp({
      stateDir: before.stateDir,
      centralClient: fx.client(),
      escrow: fx.escrow,
      config: { sync: { enabled: true, ...FAST_SYNC } },
    });
    await drained(t);
    await expectAllDelivered(t, fx);
    const card = await t.store.read((tx) => tx.cards.get(cardId));
    expect(card?.pukSealed).toBe('');
    const atCentre = fx.central.byExternalId('Cards', cardId)!.pukEscrow as { value: string };
    expect(atCentre.value).toBe(card?.pukEscrow);
    const privateKey = readFileSync(fx.pki.escrowPrivateKey, 'utf8');
    expect(openEscrow(privateKey, atCentre.value, pukEscrowContext(cardId, card!.cardNumber))).toBe(
      chip.puk,
    );
  });
});
