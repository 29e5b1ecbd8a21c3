/**
 * Same-chip renewal of a Digital ID through the appliance's API on the real PC/SC path
 * (pcsclite → pcscd → vpcd → the PIV emulator), checked with tools nobody here wrote:
 * yubico-piv-tool reads a different 9A certificate after the renewal and signs with the card's
 * new 9A key against it (test-signature), OpenSSL verifies it chains to the appliance's CA,
 * and the CRL lists the old serial as superseded. A card other than the one named is refused.
 * Run under `flock /tmp/cardkiosk-pcscd.lock`.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PcscPivEncoder } from '../../../drivers/encoder/pcsc-piv-encoder.js';
import { decodeChuid } from '../../../drivers/encoder/piv-objects.js';
import { SimulatedPivCard } from '../../../drivers/encoder/simulated-piv-card.js';
import { VpcdClient } from '../../../drivers/encoder/vpcd-client.js';
import { createSimulatedCardPrinter } from '../../../drivers/printer/index.js';
import { buildTestApp, type TestApp } from '../../support/build-test-app.js';
import { VPCD_PORTS, ensurePcscd, requireTools, runTool, stopPcscd } from '../../support/pcscd.js';
import {
  opensslSecurityObject,
  opensslVerifyChuid,
  sha256Upper,
} from '../../support/piv-object-checks.js';
import { readServedCrl } from '../../support/served-crl.js';
import { TestClock } from '../../support/test-clock.js';
import { collectedCard, crewFor, post, signedInAgain } from '../../support/workflow-driver.js';

const READER = 'Virtual PCD 00 01';
const CARD_EVENT_TIMEOUT_MS = 8_000;
const DAY_MS = 86_400_000;
const unavailable = requireTools(['pcscd', 'vpcd', 'yubico-piv-tool', 'openssl']);

const yk = (...args: string[]) => runTool('yubico-piv-tool', ['-r', READER, ...args]);

describe.skipIf(Boolean(unavailable))('same-chip renewal on the real PC/SC path', () => {
  let started = false;
  let client: VpcdClient;
  let encoder: PcscPivEncoder;
  let t: TestApp;
  let dir: string;
  const clock = new TestClock(new Date('2031-08-01T09:00:00.000Z'));

  beforeAll(async () => {
    started = (await ensurePcscd()).started;
    client = new VpcdClient({ card: new SimulatedPivCard(), port: VPCD_PORTS[READER] });
    encoder = await PcscPivEncoder.create({ readerName: READER, reconnectIntervalMs: 200 });
    await client.insert(CARD_EVENT_TIMEOUT_MS);
    await encoder.waitForReader(CARD_EVENT_TIMEOUT_MS, true);
    t = await buildTestApp({
      clock,
      encoder,
      printer: createSimulatedCardPrinter({ device: { timeScale: 0 } }),
      config: { lifecycle: { renewal: { employee: 'same-chip' } } },
    });
    dir = mkdtempSync(join(tmpdir(), 'cardkiosk-renew-pcsc-'));
  }, 60_000);

  afterAll(async () => {
    await t?.dispose();
    await encoder?.close();
    await client?.close();
    if (started) await stopPcscd();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('puts a new key and certificate on the chip; the tools agree', async () => {
    const crew = await crewFor(t);
    const collected = await collectedCard(t, crew, 'PcmProcEmployeeCardWithoutApproval');
    const pin = collected.pin as string;
    const cardId = collected.cardId;
    const before = (await t.store.read((tx) => tx.cards.get(cardId)))!;
    const oldRead = await yk('-a', 'read-certificate', '-s', '9a');
    expect(oldRead.status, oldRead.stderr).toBe(0);
    const oldCert = new X509Certificate(oldRead.stdout);

    // Ten days before the card expires: in the renewal window.
    clock.advance(
      new Date(`${before.validUntil}T09:00:00.000Z`).getTime() -
        10 * DAY_MS -
        clock.now().getTime(),
    );
    const officer = await signedInAgain(t, crew.officer);

    // Another card object's GUID: the encoder refuses before touching the card.
    await expect(
      encoder.renewDigitalId({
        expectedGuid: '00'.repeat(16),
        managementKey: new Uint8Array(24),
        pin,
        digital: {
          algorithm: 'ECCP256',
          issueCertificate: async () => {
            throw new Error('must not be reached');
          },
        },
      }),
    ).rejects.toMatchObject({ code: 'CARD_MISMATCH' });

    const renewed = await post(t, officer, `/api/cards/${cardId}/renew`, { pin });
    expect(renewed.statusCode, renewed.body).toBe(200);
    expect(renewed.json().card.status).toBe('active');
    const after = (await t.store.read((tx) => tx.cards.get(cardId)))!;
    expect(after.cardNumber).toBe(before.cardNumber);

    // yubico-piv-tool reads the new certificate from 9A: not the old one, the one recorded.
    const newRead = await yk('-a', 'read-certificate', '-s', '9a');
    expect(newRead.status, newRead.stderr).toBe(0);
    const newCert = new X509Certificate(newRead.stdout);
    expect(newCert.raw.equals(oldCert.raw)).toBe(false);
    expect(newCert.raw.equals(Buffer.from(after.certificateDer!))).toBe(true);
    expect(newCert.serialNumber.toLowerCase().replace(/^0+/, '')).toBe(
      after.certificateSerial!.replace(/^0+/, ''),
    );
    expect(newCert.subject).toBe(oldCert.subject);
    // The card's key in 9A is the certificate's: yubico-piv-tool signs with it and checks
    // the signature with the certificate's public key.
    const certFile = join(dir, 'new.pem');
    writeFileSync(certFile, newRead.stdout);
    const signed = await yk(
      '-a',
      'verify-pin',
      '-P',
      pin,
      '-a',
      'test-signature',
      '-s',
      '9a',
      '-i',
      certFile,
    );
    expect(signed.status, signed.stderr + signed.stdout).toBe(0);
    expect(signed.stderr + signed.stdout).toMatch(/success/i);

    // It chains to the appliance's CA (checked at the test clock's time).
    const chain = await t.call({ method: 'GET', url: '/ca/chain.pem' });
    writeFileSync(join(dir, 'chain.pem'), chain.body);
    const verified = await runTool('openssl', [
      'verify',
      '-attime',
      String(Math.floor(clock.now().getTime() / 1000)),
      '-CAfile',
      join(dir, 'chain.pem'),
      certFile,
    ]);
    expect(verified.status, verified.stderr + verified.stdout).toBe(0);
    expect(verified.stdout).toContain(': OK');

    // The CHUID now carries the renewed expiry date, its signature (made again over it)
    // verifies with OpenSSL, and the Security Object, signed again, hashes the CHUID, CCC and
    // 9A container the card now holds.
    const chainFile = join(dir, 'chain.pem');
    const readObject = async (id: string, name: string): Promise<Uint8Array> => {
      const read = await yk(
        '-a',
        'read-object',
        `--id=${id}`,
        '--format=binary',
        '-o',
        join(dir, name),
      );
      expect(read.status, read.stderr).toBe(0);
      return new Uint8Array(readFileSync(join(dir, name)));
    };
    const chuidContent = await readObject('0x5fc102', 'chuid.bin');
    const chuid = decodeChuid(chuidContent);
    expect(chuid.expiry).toBe(after.validUntil.replace(/-/g, ''));
    expect(after.validUntil > before.validUntil).toBe(true);
    const chuidVerified = await opensslVerifyChuid(dir, chuidContent, chainFile, clock.now());
    expect(chuidVerified.status, chuidVerified.stderr).toBe(0);
    const so = await opensslSecurityObject(
      dir,
      await readObject('0x5fc106', 'so.bin'),
      chainFile,
      clock.now(),
    );
    expect(so.verify.status, so.verify.stderr).toBe(0);
    expect(so.hashes).toEqual([
      sha256Upper(chuidContent),
      sha256Upper(await readObject('0x5fc107', 'ccc.bin')),
      sha256Upper(await readObject('0x5fc105', 'cert.bin')),
    ]);

    // The old certificate is on the CRL as superseded; the new one is not.
    const crl = await readServedCrl(t, dir);
    expect(crl.verified).toBe(true);
    const oldSerial = before.certificateSerial!.toUpperCase();
    const entry = crl.serials.slice(crl.serials.indexOf(oldSerial));
    expect(crl.serials).toContain(oldSerial);
    expect(entry.slice(0, 300)).toMatch(/SUPERSEDED/);
    expect(crl.serials).not.toContain(after.certificateSerial!.toUpperCase());
  }, 180_000);
});

// In CI a missing tool is a failure, not a skip (requireTools throws there at import).
it('has the tools it needs, or is skipped outside CI', () => {
  expect(unavailable === undefined || process.env.CI !== 'true').toBe(true);
});
