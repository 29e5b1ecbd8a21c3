/**
 * A Digital ID visitor card end to end on the real PC/SC path: requested at the kiosk,
 * approved, produced by the appliance through PcscPivEncoder → pcscd → vpcd → the PIV card
 * emulator (key generated on the card, proof of possession, certificate from the device's CA
 * written to 9A), read back from the card by OpenSC, the PIN handed over at collection
 * verified on the card, then the card revoked and the CRL served by the appliance listing it.
 *
 * Shares pcscd and the vpcd ports with pcsc-vpcd.test.ts: the vitest config runs the files of
 * the device suites one at a time. In CI missing tools fail; elsewhere the test is skipped.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PcscPivEncoder } from '../../../drivers/encoder/pcsc-piv-encoder.js';
import { SimulatedPivCard } from '../../../drivers/encoder/simulated-piv-card.js';
import { VpcdClient } from '../../../drivers/encoder/vpcd-client.js';
import { createSimulatedCardPrinter } from '../../../drivers/printer/index.js';
import { buildTestApp, type TestApp } from '../../support/build-test-app.js';
import {
  VPCD_PORTS,
  ensurePcscd,
  openscReaderIndex,
  requireTools,
  runTool,
  stopPcscd,
} from '../../support/pcscd.js';
import { crewFor, ok, post } from '../../support/workflow-driver.js';
import { readServedCrl } from '../../support/served-crl.js';

const READER = 'Virtual PCD 00 00';
const CARD_EVENT_TIMEOUT_MS = 8_000;
const unavailable = requireTools(['pcscd', 'vpcd', 'opensc-tool', 'pkcs15-tool', 'openssl']);

describe.skipIf(Boolean(unavailable))(
  'Digital ID visitor card, kiosk to CRL, on the real PC/SC path',
  () => {
    let started = false;
    let client: VpcdClient;
    let encoder: PcscPivEncoder;
    let t: TestApp;
    const dir = mkdtempSync(join(tmpdir(), 'cardkiosk-e2e-'));

    beforeAll(async () => {
      started = (await ensurePcscd()).started;
      client = new VpcdClient({ card: new SimulatedPivCard(), port: VPCD_PORTS[READER] });
      encoder = await PcscPivEncoder.create({ readerName: READER, reconnectIntervalMs: 200 });
      await client.insert(CARD_EVENT_TIMEOUT_MS);
      await encoder.waitForReader(CARD_EVENT_TIMEOUT_MS, true);
      t = await buildTestApp({
        encoder,
        printer: createSimulatedCardPrinter({ device: { timeScale: 0 } }),
        config: { walkUp: { visitor: 'PcmProcVisitorCardWithApproval' } } as never,
      });
    }, 60_000);

    afterAll(async () => {
      await t?.dispose();
      await encoder?.close();
      await client?.close();
      if (started) await stopPcscd();
      rmSync(dir, { recursive: true, force: true });
    });

    it('issues, stores, reads back, hands over and revokes', async () => {
      const crew = await crewFor(t);
      const submitted = await ok(
        t.call({
          method: 'POST',
          url: '/api/self-service/requests',
          payload: {
            kind: 'visitor',
            name: 'Eve Endtoend',
            company: 'Visiting Co',
            email: 'eve@example.test',
            acceptTerms: true,
          },
        }),
        201,
      );
      expect(submitted.processLabel).toMatch(/Digital ID/);
      const pending = await ok(
        t.call({
          method: 'GET',
          url: '/api/requests?state=awaiting_approval',
          cookie: crew.approver.cookie,
        }),
      );
      const id = pending.items[0].id as string;
      await ok(post(t, crew.approver, `/api/requests/${id}/approve`));
      await ok(post(t, crew.producer, `/api/requests/${id}/production`, { mode: 'single' }));
      await t.appliance.services.production.whenIdle();
      const produced = await ok(
        t.call({ method: 'GET', url: `/api/requests/${id}`, cookie: crew.officer.cookie }),
      );
      expect(produced.request.state, produced.request.stateReason).toBe('produced');
      expect(produced.card.hasCertificate).toBe(true);
      const stored = await t.store.read((tx) => tx.cards.get(produced.card.id));

      // OpenSC reads the certificate back from the card: the one the CA issued and the device stored.
      const index = String(await openscReaderIndex(READER));
      const read = await runTool('pkcs15-tool', ['-r', index, '--read-certificate', '01']);
      expect(read.status, read.stderr).toBe(0);
      const fromCard = new X509Certificate(read.stdout);
      expect(fromCard.raw.equals(Buffer.from(stored!.certificateDer!))).toBe(true);
      expect(fromCard.subject).toContain('CN=Eve Endtoend');
      expect(fromCard.serialNumber.toLowerCase().replace(/^0+/, '')).toBe(
        stored!.certificateSerial!.replace(/^0+/, ''),
      );

      // The PIN handed over at collection is the card's PIN.
      const collected = await ok(post(t, crew.guard, `/api/requests/${id}/collect`));
      const verify = await runTool('pkcs15-tool', [
        '-r',
        index,
        '--verify-pin',
        '--auth-id',
        '01',
        '--pin',
        collected.pin,
      ]);
      expect(verify.status, verify.stderr + verify.stdout).toBe(0);

      // Revoked at once; the CRL the appliance serves lists it and verifies against the chain.
      await ok(post(t, crew.guard, `/api/cards/${produced.card.id}/revoke`, { reason: 'lost' }));
      const crl = await readServedCrl(t, dir);
      expect(crl.verified).toBe(true);
      expect(crl.serials).toContain(stored!.certificateSerial!.toUpperCase());
    }, 120_000);
  },
);

// In CI a missing tool is a failure, not a skip (requireTools throws there at import).
it('has the tools it needs, or is skipped outside CI', () => {
  expect(unavailable === undefined || process.env.CI !== 'true').toBe(true);
});
