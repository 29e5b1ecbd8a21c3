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
  });

  it('describes its resource types and schemas through /ResourceTypes and /Schemas', async () => {
    const res = await fx.central.app.inject({ method: 'GET', url: '/scim/v2/ResourceTypes' });
    // inject() has no client certificate, so the device CN is unknown, but reads work.
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
      await fx.central.app.inject({ method: 'GET', url: '/scim/v2/Schemas' })
    ).json() as {
      Resources: Array<{ id: string }>;
    };
    expect(schemas.Resources.map((s) => s.id)).toEqual(
      expect.arrayContaining([SCIM.card, SCIM.cardRequest, SCIM.userExtension]),
    );
  });
});
