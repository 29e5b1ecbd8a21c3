/**
 * Every one of the 16 processes walked from request to collected through the HTTP API, with
 * the simulated devices and the appliance's own CA; and Digital ID without a CA failing
 * clearly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_PROCESSES } from '../../appliance/src/core/workflow/processes.js';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import type { FakePivEncoder } from '../support/fake-devices.js';
import {
  addPerson,
  crewFor,
  getRequest,
  ok,
  post,
  produceCard,
  type Crew,
} from '../support/workflow-driver.js';
import { X509Certificate } from 'node:crypto';
import { isValidCardNumber } from '../../appliance/src/core/card/card-number.js';

describe('every process, request to collected', () => {
  let t: TestApp;
  let crew: Crew;
  beforeAll(async () => {
    t = await buildTestApp();
    crew = await crewFor(t);
  });
  afterAll(async () => t.dispose());

  it.each(BUILT_IN_PROCESSES.map((p) => [p.name, p] as const))('%s', async (_name, process) => {
    const personId = await addPerson(t, crew.officer, process.cardType);
    let request = await produceCard(t, crew.officer, personId, process.name);
    if (process.approval) {
      expect(request.state).toBe('awaiting_approval');
      request = (await ok(post(t, crew.approver, `/api/requests/${request.id}/approve`))).request;
    }
    expect(request.state).toBe('card_generated');
    const history = (await getRequest(t, crew.officer, request.id)).transitions.map(
      (x: { event: string }) => x.event,
    );
    expect(history).toEqual(
      process.approval
        ? ['create', 'submit', 'approve', 'generate_card']
        : ['create', 'submit', 'generate_card'],
    );

    await ok(post(t, crew.producer, `/api/requests/${request.id}/production`, { mode: 'single' }));
    await t.appliance.services.production.whenIdle();
    const produced = await getRequest(t, crew.officer, request.id);
    expect(produced.request.state, produced.request.stateReason).toBe('produced');
    expect(isValidCardNumber(produced.card.cardNumber)).toBe(true);
    expect(produced.card.chipSerial).toBeTruthy();
    expect(produced.card.hasCertificate).toBe(process.idType === 'digital');
    expect(produced.attempts).toHaveLength(1);

    const chip = (t.encoder as FakePivEncoder).chips.at(-1)!;
    expect(chip.cardNumber).toBe(produced.card.cardNumber);
    expect(Boolean(chip.digital)).toBe(process.idType === 'digital');

    const collected = await ok(post(t, crew.guard, `/api/requests/${request.id}/collect`));
    expect(collected.pin).toBe(chip.pin);
    expect(collected.request.state).toBe('collected');
    const card = await ok(
      t.call({ method: 'GET', url: `/api/cards/${produced.card.id}`, cookie: crew.guard.cookie }),
    );
    expect(card.status).toBe('collected');
    expect(card.pinRevealedAt).toBeTruthy();
    // The PIN is shown once: a second collection is refused and reveals nothing.
    const again = await post(t, crew.guard, `/api/requests/${request.id}/collect`);
    expect(again.statusCode).toBe(409);
    expect(again.body).not.toContain(chip.pin);
  });

  it('stores a Digital ID certificate that certifies the key generated on the card', async () => {
    const process = BUILT_IN_PROCESSES.find(
      (p) => p.name === 'PcmProcEmployeeCardWithoutApproval',
    )!;
    const personId = await addPerson(t, crew.officer, 'employee');
    const request = await produceCard(t, crew.officer, personId, process.name);
    await ok(post(t, crew.producer, `/api/requests/${request.id}/production`, { mode: 'single' }));
    await t.appliance.services.production.whenIdle();
    const chip = (t.encoder as FakePivEncoder).chips.at(-1)!;
    const stored = await t.store.read((tx) => tx.cards.getByRequest(request.id));
    const cert = new X509Certificate(Buffer.from(stored!.certificateDer!));
    expect(cert.subject).toContain('Person');
    expect(cert.subjectAltName).toContain('@example.test');
    expect(chip.cardNumber).toBe(stored!.cardNumber);
  });

  it('gives every card a different number', async () => {
    const cards = await t.store.read((tx) => tx.cards.list({ limit: 500, offset: 0 }));
    expect(new Set(cards.map((c) => c.cardNumber)).size).toBe(cards.length);
  });
});

describe('Digital ID without a certificate authority', () => {
  it('fails production of every card with "no certificate authority configured" and spoils no card', async () => {
    const t = await buildTestApp({ certificates: null });
    try {
      const crew = await crewFor(t);
      const personId = await addPerson(t, crew.officer, 'visitor');
      const request = await produceCard(
        t,
        crew.officer,
        personId,
        'PcmProcVisitorCardWithoutApproval',
      );
      await ok(
        post(t, crew.producer, `/api/requests/${request.id}/production`, { mode: 'single' }),
      );
      await t.appliance.services.production.whenIdle();
      const after = await getRequest(t, crew.officer, request.id);
      expect(after.request.state).toBe('production_failed');
      expect(after.request.stateReason).toBe('no certificate authority configured');
      expect(after.attempts[0]).toMatchObject({ outcome: 'failed', spoiledCards: 0 });
      // Physical ID needs the CA too: its CHUID is signed by the CA's content signer.
      const physical = await produceCard(
        t,
        crew.officer,
        personId,
        'CCProcVisitorCardWithoutApproval',
      );
      await ok(
        post(t, crew.producer, `/api/requests/${physical.id}/production`, { mode: 'single' }),
      );
      await t.appliance.services.production.whenIdle();
      const refused = await getRequest(t, crew.officer, physical.id);
      expect(refused.request.state).toBe('production_failed');
      expect(refused.request.stateReason).toBe('no certificate authority configured');
      expect(refused.attempts[0]).toMatchObject({ outcome: 'failed', spoiledCards: 0 });
    } finally {
      await t.dispose();
    }
  });
});
