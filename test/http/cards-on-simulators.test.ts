/**
 * Every process on the protocol-level simulators (the embedded default): the SerialCardPrinter
 * on the in-process printer simulator and the PIV personalisation against the simulated PIV
 * card, with the appliance's own CA. Each produced chip answers to none of the factory
 * defaults; Digital ID chips hold a key in 9A and the certificate the CA issued for it.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulatedPivEncoder } from '../../drivers/encoder/simulated-piv-encoder.js';
import { SimulatedNonPivCard, SimulatedPivCard } from '../../drivers/encoder/simulated-piv-card.js';
import { PERSONALIZATION_STEPS } from '../../drivers/encoder/piv-personalization.js';
import { createSimulatedCardPrinter } from '../../drivers/printer/index.js';
import { BUILT_IN_PROCESSES } from '../../appliance/src/core/workflow/processes.js';
import { buildTestApp, type TestApp } from '../support/build-test-app.js';
import {
  addPerson,
  crewFor,
  getRequest,
  ok,
  post,
  produceCard,
  type Crew,
} from '../support/workflow-driver.js';

const CHUID = 0x5fc102;
const CERT_9A = 0x5fc105;
const SLOT_9A = 0x9a;

describe('every process on the simulators', () => {
  let t: TestApp;
  let crew: Crew;
  const cards: SimulatedPivCard[] = [];

  beforeAll(async () => {
    t = await buildTestApp({
      printer: createSimulatedCardPrinter({ device: { timeScale: 0 } }),
      encoder: createSimulatedPivEncoder({
        newCard: () => {
          const card = new SimulatedPivCard();
          cards.push(card);
          return card;
        },
      }),
    });
    crew = await crewFor(t);
  });
  afterAll(async () => t.dispose());

  it.each(BUILT_IN_PROCESSES.map((p) => [p.name, p] as const))(
    '%s produces a working card',
    async (_n, process) => {
      const personId = await addPerson(t, crew.officer, process.cardType);
      const { id } = await produceCard(t, crew.officer, personId, process.name);
      if (process.approval) await ok(post(t, crew.approver, `/api/requests/${id}/approve`));
      await ok(post(t, crew.producer, `/api/requests/${id}/production`, { mode: 'single' }));
      await t.appliance.services.production.whenIdle();
      const produced = await getRequest(t, crew.officer, id);
      expect(produced.request.state, produced.request.stateReason).toBe('produced');

      const chip = cards.find(
        (c) =>
          String(c.serial) === produced.card.chipSerial ||
          c.serial.toString(16) === produced.card.chipSerial.toLowerCase(),
      );
      expect(chip, `a simulated card with serial ${produced.card.chipSerial}`).toBeTruthy();
      const snap = chip!.snapshot();
      expect(snap).toMatchObject({
        pinIsDefault: false,
        pukIsDefault: false,
        managementKeyIsDefault: false,
      });
      expect(snap.objectTags).toContain(CHUID);
      if (process.idType === 'digital') {
        expect(snap.keySlots).toContain(SLOT_9A);
        expect(snap.objectTags).toContain(CERT_9A);
        const stored = await t.store.read((tx) => tx.cards.get(produced.card.id));
        const cert = new X509Certificate(Buffer.from(stored!.certificateDer!));
        const chain = await t.appliance.services.cards.chainPem();
        const issuing = new X509Certificate(chain.split(/(?=-----BEGIN CERTIFICATE-----)/)[0]!);
        expect(cert.verify(issuing.publicKey)).toBe(true);
        expect(new Date(cert.validTo).getTime()).toBeLessThanOrEqual(
          new Date(`${produced.card.validUntil}T23:59:59Z`).getTime(),
        );
      } else {
        expect(snap.keySlots).not.toContain(SLOT_9A);
        expect(produced.card.hasCertificate).toBe(false);
      }
    },
  );
});

describe('encoder failures in production, on the simulators', () => {
  let t: TestApp;
  let crew: Crew;
  const encoder = createSimulatedPivEncoder({ apduTimeoutMs: 500 });

  beforeAll(async () => {
    t = await buildTestApp({
      printer: createSimulatedCardPrinter({ device: { timeScale: 0 } }),
      encoder,
    });
    crew = await crewFor(t);
  });
  afterAll(async () => t.dispose());

  async function digitalCard(): Promise<string> {
    const personId = await addPerson(t, crew.officer, 'employee');
    return (await produceCard(t, crew.officer, personId, 'PcmProcEmployeeCardWithoutApproval')).id;
  }

  async function run(id: string, how: 'production' | 'retry'): Promise<any> {
    await ok(
      post(
        t,
        crew.producer,
        `/api/requests/${id}/${how}`,
        how === 'production' ? { mode: 'single' } : undefined,
      ),
    );
    await t.appliance.services.production.whenIdle();
    return getRequest(t, crew.officer, id);
  }

  it.each(PERSONALIZATION_STEPS.map((s) => [s]))(
    'a card pulled before %s fails with a clear reason; a fresh card then works',
    async (step) => {
      const id = await digitalCard();
      encoder.removeCardAtStep(step);
      const failed = await run(id, 'production');
      expect(failed.request.state).toBe('production_failed');
      expect(failed.request.stateReason).toMatch(/^encoder: .*removed/);
      expect(failed.attempts[0].spoiledCards).toBe(1);
      const retried = await run(id, 'retry');
      expect(retried.request.state, retried.request.stateReason).toBe('produced');
    },
  );

  it('a card without PIV fails clearly', async () => {
    const id = await digitalCard();
    encoder.removeCard();
    encoder.insertCard(new SimulatedNonPivCard());
    const failed = await run(id, 'production');
    expect(failed.request.state).toBe('production_failed');
    expect(failed.request.stateReason).toMatch(/^encoder: /);
    expect((await run(id, 'retry')).request.state).toBe('produced');
  });

  it('a card that stops answering fails as not answering, with no hung job', async () => {
    const id = await digitalCard();
    encoder.muteCard();
    const failed = await run(id, 'production');
    expect(failed.request.state).toBe('production_failed');
    expect(failed.request.stateReason).toMatch(/^encoder: /);
    expect((await run(id, 'retry')).request.state).toBe('produced');
  });
});
