/**
 * "I'm leaving" with the badge in the encoder's reader, on the real PC/SC path (pcsclite →
 * pcscd → vpcd → the PIV emulator): a visitor's Digital ID is produced, collected, and put
 * back in the reader; the kiosk's sign-out reads its CHUID GUID and ends the visit (card
 * returned, certificate revoked). yubico-piv-tool, which nobody here wrote, reads the same
 * CHUID GUID. An empty reader (what a badge without a chip looks like) and a chip this kiosk never
 * personalised get 422 CARD_NOT_READABLE and change nothing. Run under
 * `flock /tmp/cardkiosk-pcscd.lock`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PcscPivEncoder } from '../../../drivers/encoder/pcsc-piv-encoder.js';
import { SimulatedPivCard } from '../../../drivers/encoder/simulated-piv-card.js';
import { VpcdClient } from '../../../drivers/encoder/vpcd-client.js';
import { createSimulatedCardPrinter } from '../../../drivers/printer/index.js';
import {
  normalizeStatusCode,
  statusCodeHash,
} from '../../../appliance/src/services/status-code.js';
import { readServedCrl } from '../../support/served-crl.js';
import { buildTestApp, type TestApp } from '../../support/build-test-app.js';
import { VPCD_PORTS, ensurePcscd, requireTools, runTool, stopPcscd } from '../../support/pcscd.js';
import { addPerson, crewFor, ok, post, type Crew } from '../../support/workflow-driver.js';

const READER = 'Virtual PCD 00 01';
const CARD_EVENT_TIMEOUT_MS = 8_000;
const unavailable = requireTools(['pcscd', 'vpcd', 'yubico-piv-tool', 'openssl']);

describe.skipIf(Boolean(unavailable))("I'm leaving with the card in the reader (PC/SC)", () => {
  let started = false;
  let client: VpcdClient;
  let encoder: PcscPivEncoder;
  let t: TestApp;
  let crew: Crew;
  let hostId: string;

  beforeAll(async () => {
    started = (await ensurePcscd()).started;
    client = new VpcdClient({ card: new SimulatedPivCard(), port: VPCD_PORTS[READER] });
    // A short wait for a card: the kiosk answers "no chip card" promptly.
    encoder = await PcscPivEncoder.create({
      readerName: READER,
      reconnectIntervalMs: 200,
      cardWaitMs: 500,
    });
    await client.insert(CARD_EVENT_TIMEOUT_MS);
    await encoder.waitForReader(CARD_EVENT_TIMEOUT_MS, true);
    t = await buildTestApp({
      encoder,
      printer: createSimulatedCardPrinter({ device: { timeScale: 0 } }),
      config: {
        walkUp: {
          visitor: 'PcmProcVisitorCardWithoutApproval',
          contractor: 'CCProcContractorCardWithoutApproval',
        },
      },
    });
    crew = await crewFor(t);
    hostId = await addPerson(t, crew.officer, 'employee', { name: 'Hanna Host' });
  }, 60_000);

  afterAll(async () => {
    await t?.dispose();
    await encoder?.close();
    await client?.close();
    if (started) await stopPcscd();
  });

  async function onSiteVisitor(): Promise<{ requestId: string; cardId: string; guid: string }> {
    const receipt = await ok(
      post(t, null, '/api/self-service/requests', {
        kind: 'visitor',
        name: 'Vera Visitor',
        hostPersonId: hostId,
        acceptTerms: true,
      }),
      201,
    );
    const request = await t.store.read((tx) =>
      tx.requests.getByStatusCodeHash(
        statusCodeHash(normalizeStatusCode(receipt.statusCode) as string),
      ),
    );
    const requestId = request!.id;
    await ok(post(t, crew.producer, `/api/requests/${requestId}/production`, { mode: 'single' }));
    await t.appliance.services.production.whenIdle();
    await ok(post(t, crew.guard, `/api/requests/${requestId}/collect`));
    const card = await t.store.read((tx) => tx.cards.getByRequest(requestId));
    return { requestId, cardId: card!.id, guid: card!.guid };
  }

  const visitState = (requestId: string) =>
    t.store.read(async (tx) => (await tx.visits.getByRequest(requestId))?.state);

  it('ends the visit of the Digital ID in the reader; yubico-piv-tool reads the same GUID', async () => {
    const { requestId, cardId, guid } = await onSiteVisitor();
    expect(await visitState(requestId)).toBe('on_site');

    // The CHUID as yubico-piv-tool reads it: the GUID (tag 34, 16 bytes) the appliance stored.
    const chuid = await runTool('yubico-piv-tool', [
      '-r',
      READER,
      '-a',
      'read-object',
      '--id=0x5fc102',
      '--format=hex',
    ]);
    expect(chuid.status, chuid.stderr).toBe(0);
    expect(chuid.stdout.replace(/\s+/g, '').toLowerCase()).toContain(`3410${guid}`);

    const res = await post(t, null, '/api/self-service/sign-out/card-in-reader');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ state: 'left' });
    expect(await visitState(requestId)).toBe('left');
    const card = await t.store.read((tx) => tx.cards.get(cardId));
    expect(card?.status).toBe('returned');
    // Its certificate is on the CRL as no longer in use (openssl reads the CRL).
    const dir = mkdtempSync(join(tmpdir(), 'cardkiosk-sign-out-'));
    try {
      const crl = await readServedCrl(t, dir);
      expect(crl.serials).toContain(card!.certificateSerial!.toUpperCase().replace(/^0+/, ''));
      expect(crl.text).toMatch(/Cessation Of Operation/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // The same badge again: no longer on site, the same 404 as a typed number.
    const again = await post(t, null, '/api/self-service/sign-out/card-in-reader');
    expect(again.statusCode).toBe(404);
  }, 180_000);

  it('says a card cannot be read when the reader is empty or holds a chip that is not ours', async () => {
    // A new blank for this visitor's badge.
    await client.remove();
    await encoder.waitForCardRemoval(CARD_EVENT_TIMEOUT_MS);
    client.swapCard(new SimulatedPivCard());
    await client.insert(CARD_EVENT_TIMEOUT_MS);
    await encoder.waitForReader(CARD_EVENT_TIMEOUT_MS, true);
    const { requestId } = await onSiteVisitor();
    await client.remove();
    await encoder.waitForCardRemoval(CARD_EVENT_TIMEOUT_MS);
    const empty = await post(t, null, '/api/self-service/sign-out/card-in-reader');
    expect(empty.statusCode).toBe(422);
    expect(empty.json()).toMatchObject({ error: 'CARD_NOT_READABLE' });

    // A blank PIV card: no CHUID, so not a badge of this kiosk.
    client.swapCard(new SimulatedPivCard());
    await client.insert(CARD_EVENT_TIMEOUT_MS);
    await encoder.waitForReader(CARD_EVENT_TIMEOUT_MS, true);
    const blank = await post(t, null, '/api/self-service/sign-out/card-in-reader');
    expect(blank.statusCode, blank.body).toBe(422);
    expect(blank.json()).toMatchObject({ error: 'CARD_NOT_READABLE' });
    expect(await visitState(requestId)).toBe('on_site');
  }, 180_000);
});
