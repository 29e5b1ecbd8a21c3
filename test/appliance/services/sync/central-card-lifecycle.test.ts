/**
 * Lifecycle decisions taken in the central Identity Manager (the SCIM test server over
 * mutual TLS): a central suspension puts the card on hold on the device like a central
 * revocation is applied today, a central resumption releases it, each decision is applied
 * once, and the centre sees the card's status, hold and links through the outbox.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../../support/build-test-app.js';
import { startCentral, waitUntil, type CentralFixture } from '../../../support/central-fixture.js';
import { outboxRows, runWorkload, syncedApp } from '../../../support/sync-scenario.js';
import { ok, post } from '../../../support/workflow-driver.js';
import type { FakePivEncoder } from '../../../support/fake-devices.js';

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
  await t?.dispose();
  t = null;
});

const drained = async (app: TestApp) =>
  waitUntil('the outbox to drain', async () =>
    (await outboxRows(app)).every((r) => r.sent_at !== null || r.rejected_at !== null),
  );

describe('central card lifecycle decisions', () => {
  it('applies a central suspension and resumption once each, and reports status and hold to the centre', async () => {
    t = await syncedApp(fx, { pullIntervalMs: 50 });
    const work = await runWorkload(t, 2, 0);
    await drained(t);
    const cardId = work.collected[0] as string;

    await fx.central.hold(cardId, 'suspend', 'under investigation', 'central-security');
    await waitUntil('the central suspension on the device', async () => {
      const card = await t!.store.read((tx) => tx.cards.get(cardId));
      return card?.status === 'suspended';
    });
    const hold = await t.store.read((tx) => tx.cardLifecycle.hold(cardId));
    expect(hold).toMatchObject({ kind: 'central', by: 'central:central-security' });
    await drained(t);
    expect(fx.central.byExternalId('Cards', cardId)).toMatchObject({
      status: 'suspended',
      hold: { active: true, kind: 'central', reason: 'under investigation' },
    });

    await fx.central.hold(cardId, 'resume', 'cleared', 'central-security');
    await waitUntil('the central resumption on the device', async () => {
      const card = await t!.store.read((tx) => tx.cards.get(cardId));
      return card?.status === 'active';
    });
    await drained(t);
    const rejected = (await outboxRows(t)).filter((r) => r.rejected_at !== null);
    expect(rejected).toEqual([]);
    expect(fx.central.byExternalId('Cards', cardId)).toMatchObject({
      status: 'active',
      hold: { active: false },
    });

    // Suspended at the desk afterwards: the centre's old "resume" is not applied again.
    const guard = work.crew.guard;
    await ok(post(t, guard, `/api/cards/${cardId}/suspend`, { reason: 'reported missing' }));
    await drained(t);
    // The centre still lists the card with its (old) resume decision: pull it again.
    await t.appliance.services.sync!.pull();
    await t.appliance.services.sync!.pull();
    const history = await t.store.read((tx) => tx.cardLifecycle.transitions(cardId));
    expect(history.map((h) => `${h.event}:${h.actor}`)).toEqual([
      'suspend:central:central-security',
      'resume:central:central-security',
      'suspend:staff:sam',
    ]);
    expect((await t.store.read((tx) => tx.cards.get(cardId)))!.status).toBe('suspended');
  });

  it('unblocks a PIN with a PUK the centre releases for that one card, and says why not when the centre is away', async () => {
    t = await syncedApp(fx);
    const work = await runWorkload(t, 2, 0);
    await drained(t);
    const cardId = work.collected[0] as string;
    // With the centre's escrow key configured the device kept no PUK of its own.
    const card = await t.store.read((tx) => tx.cards.get(cardId));
    expect(card!.pukSealed).toBe('');
    const guard = work.crew.guard;
    const source = await ok(
      t.call({ method: 'GET', url: `/api/cards/${cardId}/pin/puk-source`, cookie: guard.cookie }),
    );
    expect(source).toEqual({ source: 'central-release', reason: null, pinLength: 6 });

    // The centre is away: the unblock fails with a reason and changes nothing.
    fx.proxy.set({ kind: 'refuse' });
    const away = await post(t, guard, `/api/cards/${cardId}/pin/unblock`, { newPin: '864209' });
    expect(away.statusCode).toBe(503);
    expect(away.json()).toMatchObject({ error: 'PUK_UNAVAILABLE' });
    expect(await t.store.read((tx) => tx.cardLifecycle.transitions(cardId))).toEqual([]);
    fx.proxy.set({ kind: 'pass' });

    const done = await post(t, guard, `/api/cards/${cardId}/pin/unblock`, { newPin: '864209' });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.body).not.toMatch(/puk/i);
    // The chip got the PUK the card was made with, and the new PIN.
    const chips = (t.encoder as FakePivEncoder).chips;
    const chip = chips.find((c) => Buffer.from(c.guid).toString('hex') === card!.guid)!;
    expect(chip.pin).toBe('864209');
    // Recorded on both sides: the device's audit names the release, the centre's card lists it.
    const [audit] = await t.store.read((tx) =>
      tx.audit.list({ limit: 5, offset: 0, objectId: cardId, action: 'card.unblock_pin' }),
    );
    const releaseId = audit!.details.pukReleaseId as string;
    expect(audit!.details).toMatchObject({ pukSource: 'central-release' });
    const central = fx.central.byExternalId('Cards', cardId) as { pukReleases?: unknown[] };
    expect(central.pukReleases).toEqual([
      expect.objectContaining({ releaseId, device: 'kiosk-test', by: 'staff:sam' }),
    ]);
  });
});
