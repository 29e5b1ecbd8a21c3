/**
 * The real PC/SC path: PcscPivEncoder → pcsclite → pcscd → vpcd → SimulatedPivCard, plus
 * conformance with tools nobody here wrote (OpenSC, yubico-piv-tool). Everything shares
 * one pcscd and the vpcd ports, so it all lives in this one file and runs in order.
 * The contract and failure tests use "Virtual PCD 00 01"; the tool conformance tests use
 * "Virtual PCD 00 00".
 *
 * In CI (CI=true) missing tools fail these tests; elsewhere they are skipped.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { DeviceError } from '../../../drivers/errors.js';
import { PcscPivEncoder } from '../../../drivers/encoder/pcsc-piv-encoder.js';
import {
  DIGITAL_ONLY_STEPS,
  PERSONALIZATION_STEPS,
  type PersonalizationStep,
} from '../../../drivers/encoder/piv-personalization.js';
import {
  SimulatedNonPivCard,
  SimulatedPivCard,
} from '../../../drivers/encoder/simulated-piv-card.js';
import { VpcdClient } from '../../../drivers/encoder/vpcd-client.js';
import {
  chuidSignedContent,
  encodeFascn,
  nonFederalFascn,
} from '../../../drivers/encoder/piv-objects.js';
import { toHex } from '../../../drivers/encoder/apdu-codec.js';
import { describePivEncoderContract, testRequest } from '../../contract/piv-encoder.contract.js';
import {
  VPCD_PORTS,
  ensurePcscd,
  openscPkcs11Module,
  openscReaderIndex,
  ownsPcscd,
  requireTools,
  restartPcscd,
  runTool,
  stopPcscd,
} from '../../support/pcscd.js';
import { TestCertificateAuthority } from '../../support/test-certificate-authority.js';

const STACK_TOOLS = ['pcscd', 'vpcd'] as const;
const CONFORMANCE_TOOLS = [
  'pcscd',
  'vpcd',
  'opensc-tool',
  'pkcs15-tool',
  'pkcs11-tool',
  'yubico-piv-tool',
  'openssl',
] as const;
const CONTRACT_READER = 'Virtual PCD 00 01';
const TOOL_READER = 'Virtual PCD 00 00';
const CARD_EVENT_TIMEOUT_MS = 8_000;

/** undefined when the stack can run; else a reason to skip (outside CI only). */
const unavailable = requireTools(STACK_TOOLS);
let pcscdStarted = false;

function needStack(ctx: TestContext, tools: readonly string[] = STACK_TOOLS): void {
  const reason = requireTools(tools);
  if (reason) ctx.skip(reason);
}

async function expectDeviceError(
  promise: Promise<unknown>,
  codes: readonly string[],
): Promise<DeviceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeviceError);
  expect(codes).toContain((error as DeviceError).code);
  return error as DeviceError;
}

/** A vpcd-attached card slot and a PcscPivEncoder on the same reader. */
interface Station {
  encoder: PcscPivEncoder;
  client: VpcdClient;
  insert(card?: SimulatedPivCard | SimulatedNonPivCard): Promise<void>;
  remove(): Promise<void>;
  dispose(): Promise<void>;
}

async function openStation(
  reader: keyof typeof VPCD_PORTS,
  beforeStep?: (step: PersonalizationStep) => void | Promise<void>,
): Promise<Station> {
  const client = new VpcdClient({ card: new SimulatedPivCard(), port: VPCD_PORTS[reader] });
  const encoder = await PcscPivEncoder.create({
    readerName: reader,
    reconnectIntervalMs: 200,
    ...(beforeStep ? { beforeStep } : {}),
  });
  const remove = async (): Promise<void> => {
    await client.remove();
    const status = await encoder.waitForCardRemoval(CARD_EVENT_TIMEOUT_MS);
    if (status.cardPresent) throw new Error('pcscd did not report the card removal');
  };
  const insert = async (
    card: SimulatedPivCard | SimulatedNonPivCard = new SimulatedPivCard(),
  ): Promise<void> => {
    if (client.connected) await remove();
    client.swapCard(card);
    await client.insert(CARD_EVENT_TIMEOUT_MS);
    const status = await encoder.waitForReader(CARD_EVENT_TIMEOUT_MS, true);
    if (!status.cardPresent) throw new Error('pcscd did not report the card insertion');
  };
  return {
    encoder,
    client,
    insert,
    remove,
    dispose: async () => {
      await encoder.close();
      await client.close();
    },
  };
}

beforeAll(async () => {
  if (unavailable) return;
  pcscdStarted = (await ensurePcscd()).started;
}, 30_000);

afterAll(async () => {
  if (pcscdStarted) await stopPcscd();
});

describePivEncoderContract('PC/SC through pcscd and vpcd', async () => {
  if (unavailable) return { unavailable };
  if (!pcscdStarted) await ensurePcscd();
  const station = await openStation(CONTRACT_READER);
  await station.encoder.waitForReader(CARD_EVENT_TIMEOUT_MS);
  return {
    encoder: station.encoder,
    insertFreshCard: () => station.insert(),
    removeCard: () => station.remove(),
    insertNonPivCard: () => station.insert(new SimulatedNonPivCard()),
    dispose: () => station.dispose(),
  };
});

describe.sequential('PcscPivEncoder failures end in a defined DeviceError', () => {
  it.for(PERSONALIZATION_STEPS)('card pulled before step %s → CARD_REMOVED', async (step, ctx) => {
    needStack(ctx);
    const pullAt = { step, client: undefined as VpcdClient | undefined };
    const station = await openStation(CONTRACT_READER, async (current) => {
      if (current === pullAt.step) await pullAt.client?.remove();
    });
    pullAt.client = station.client;
    try {
      await station.insert();
      const digital = DIGITAL_ONLY_STEPS.has(step)
        ? new TestCertificateAuthority().digital('pulled')
        : undefined;
      const started = Date.now();
      await expectDeviceError(
        station.encoder.personalize(testRequest(digital ? { digital } : {})),
        ['CARD_REMOVED'],
      );
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await station.dispose();
    }
  });

  it('card pulled in the middle of a command (no reply) → CARD_REMOVED, and a fresh card then works', async (ctx) => {
    needStack(ctx);
    let pullOnPutData = true;
    const station = await openStation(CONTRACT_READER);
    const client = new VpcdClient({
      card: new SimulatedPivCard(),
      port: VPCD_PORTS[CONTRACT_READER],
      onApdu: (apdu) => (pullOnPutData && apdu[1] === 0xdb ? 'remove' : undefined),
    });
    try {
      await client.insert(CARD_EVENT_TIMEOUT_MS);
      await station.encoder.waitForReader(CARD_EVENT_TIMEOUT_MS, true);
      await expectDeviceError(station.encoder.personalize(testRequest()), ['CARD_REMOVED']);
      await station.encoder.waitForCardRemoval(CARD_EVENT_TIMEOUT_MS);
      pullOnPutData = false;
      client.swapCard(new SimulatedPivCard());
      await client.insert(CARD_EVENT_TIMEOUT_MS);
      await station.encoder.waitForReader(CARD_EVENT_TIMEOUT_MS, true);
      await expect(station.encoder.personalize(testRequest())).resolves.toMatchObject({
        chipSerial: expect.any(String),
      });
    } finally {
      await client.close();
      await station.dispose();
    }
  });

  it('a reader that is not there → READER_NOT_FOUND without hanging', async (ctx) => {
    needStack(ctx);
    const encoder = await PcscPivEncoder.create({
      readerName: 'No Such Reader 99',
      cardWaitMs: 300,
    });
    try {
      await expectDeviceError(encoder.personalize(testRequest()), ['READER_NOT_FOUND']);
      expect((await encoder.status()).readerPresent).toBe(false);
    } finally {
      await encoder.close();
    }
  });

  it('recovers from a pcscd restart without a new encoder, and a restart mid-personalization fails cleanly', async (ctx) => {
    needStack(ctx);
    if (!ownsPcscd()) {
      if (process.env.CI === 'true')
        throw new Error('pcscd was already running; the restart test needs to own it');
      ctx.skip('pcscd was started outside this test run');
    }
    let restartAt: PersonalizationStep | undefined;
    const station = await openStation(CONTRACT_READER, async (step) => {
      if (step === restartAt) {
        restartAt = undefined;
        await restartPcscd();
      }
    });
    try {
      await station.insert();
      await expect(station.encoder.personalize(testRequest())).resolves.toMatchObject({
        chipSerial: expect.any(String),
      });

      await restartPcscd();
      const seen = await station.encoder.waitForReader(CARD_EVENT_TIMEOUT_MS, true);
      expect(seen).toMatchObject({ readerPresent: true, cardPresent: true });
      await station.insert();
      await expect(station.encoder.personalize(testRequest())).resolves.toMatchObject({
        chipSerial: expect.any(String),
      });

      await station.insert();
      restartAt = 'write-chuid';
      await expectDeviceError(station.encoder.personalize(testRequest()), [
        'READER_NOT_FOUND',
        'CARD_REMOVED',
      ]);
      await station.encoder.waitForReader(CARD_EVENT_TIMEOUT_MS, true);
      await station.insert();
      await expect(station.encoder.personalize(testRequest())).resolves.toMatchObject({
        chipSerial: expect.any(String),
      });
    } finally {
      await station.dispose();
    }
  }, 60_000);
});

describe.sequential('conformance with OpenSC and yubico-piv-tool', () => {
  const work = mkdtempSync(join(tmpdir(), 'cardkiosk-piv-'));
  const yk = (...args: string[]): ReturnType<typeof runTool> =>
    runTool('yubico-piv-tool', ['-r', TOOL_READER, ...args]);

  it('a card personalised by the encoder reads back in OpenSC and yubico-piv-tool', async (ctx) => {
    needStack(ctx, CONFORMANCE_TOOLS);
    const ca = new TestCertificateAuthority();
    const station = await openStation(TOOL_READER);
    try {
      const card = new SimulatedPivCard({ serial: 31_415_926 });
      await station.insert(card);
      const request = testRequest({
        cardNumber: '12345678',
        pin: '591735',
        puk: '82640317',
        digital: ca.digital('Conformance Holder'),
      });
      const result = await station.encoder.personalize(request);
      expect(result.chipSerial).toBe('31415926');
      const index = String(await openscReaderIndex(TOOL_READER));

      const list = await runTool('pkcs15-tool', ['-r', index, '--list-certificates']);
      expect(list.status, list.stderr).toBe(0);
      expect(list.stdout).toContain('Certificate for PIV Authentication');

      const read = await runTool('pkcs15-tool', ['-r', index, '--read-certificate', '01']);
      expect(read.status, read.stderr).toBe(0);
      const fromCard = new X509Certificate(read.stdout);
      expect(fromCard.raw.equals(Buffer.from(result.certificateDer!))).toBe(true);
      expect(fromCard.subject).toContain('CN=Conformance Holder');

      const pin = await runTool('pkcs15-tool', [
        '-r',
        index,
        '--verify-pin',
        '--auth-id',
        '01',
        '--pin',
        request.pin,
      ]);
      expect(pin.status, pin.stderr + pin.stdout).toBe(0);

      const status = await yk('-a', 'status');
      expect(status.status, status.stderr).toBe(0);
      // The CHUID as written, up to its issuer signature (which follows, tag 3E).
      const signedPart = chuidSignedContent({
        fascn: encodeFascn(nonFederalFascn(request.cardNumber)),
        guid: request.guid,
        expiry: '20300630',
      });
      expect(status.stdout).toContain(`CHUID:\t${toHex(signedPart).toLowerCase()}3e`);
      expect(status.stdout).toContain('Serial Number:\t31415926');
      expect(status.stdout).toMatch(/Slot 9a:\s+Algorithm:\s+ECCP256/);
      expect(status.stdout).toContain('PIN tries left:\t5');

      expect((await yk('-a', 'verify-pin', '-P', request.pin)).status).toBe(0);
      // No produced card answers to the factory management key or PIN.
      const defaultKey = await yk(
        '--key=010203040506070801020304050607080102030405060708',
        '-a',
        'set-chuid',
      );
      expect(defaultKey.status).not.toBe(0);
      expect((await yk('-a', 'verify-pin', '-P', '123456')).status).not.toBe(0);
      expect(card.snapshot()).toMatchObject({
        pinIsDefault: false,
        pukIsDefault: false,
        managementKeyIsDefault: false,
      });
    } finally {
      await station.dispose();
    }
  });

  it('yubico-piv-tool and OpenSC personalise and use a fresh emulated card themselves', async (ctx) => {
    needStack(ctx, CONFORMANCE_TOOLS);
    const client = new VpcdClient({
      card: new SimulatedPivCard({ serial: 27_182_818 }),
      port: VPCD_PORTS[TOOL_READER],
    });
    try {
      await client.insert(CARD_EVENT_TIMEOUT_MS);
      // Poll (bounded) until pcscd reports the card, through the tool itself.
      const deadline = Date.now() + CARD_EVENT_TIMEOUT_MS;
      while ((await yk('-a', 'status')).status !== 0) {
        if (Date.now() > deadline) throw new Error('yubico-piv-tool never saw the card');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const key = '--key=1F2E3D4C5B6A79880123456789ABCDEFFEDCBA9876543210';
      const step = async (...args: string[]): Promise<string> => {
        const r = await yk(...args);
        expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
        return r.stdout + r.stderr;
      };
      await step('-a', 'set-mgm-key', '-n', key.slice('--key='.length));
      const ecPub = join(work, 'ec.pem');
      const rsaPub = join(work, 'rsa.pem');
      await step(key, '-a', 'generate', '-s', '9a', '-A', 'ECCP256', '-o', ecPub);
      await step(key, '-a', 'generate', '-s', '9c', '-A', 'RSA2048', '-o', rsaPub);
      await step(key, '-a', 'set-chuid', '-a', 'set-ccc');
      await step('-a', 'change-pin', '-P', '123456', '-N', '314159');
      await step('-a', 'change-puk', '-P', '12345678', '-N', '27182818');
      await step('-a', 'verify-pin', '-P', '314159');

      // A certificate for the card's 9A key, issued by openssl, imported by yubico-piv-tool.
      const caKey = join(work, 'ca.key');
      const caCert = join(work, 'ca.pem');
      const cardCert = join(work, 'card.pem');
      const made = await runTool('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        caKey,
        '-out',
        caCert,
        '-subj',
        '/CN=Tool CA',
        '-days',
        '30',
      ]);
      expect(made.status, made.stderr).toBe(0);
      const issued = await runTool('openssl', [
        'x509',
        '-new',
        '-subj',
        '/CN=Tool Holder',
        '-force_pubkey',
        ecPub,
        '-CA',
        caCert,
        '-CAkey',
        caKey,
        '-days',
        '30',
        '-out',
        cardCert,
      ]);
      expect(issued.status, issued.stderr).toBe(0);
      await step(key, '-a', 'import-certificate', '-s', '9a', '-i', cardCert);
      const status = await step('-a', 'status');
      expect(status).toContain('Serial Number:\t27182818');
      expect(status).toMatch(/Slot 9a:\s+Algorithm:\s+ECCP256\s+Subject DN:\s+CN=Tool Holder/);
      expect(status).toMatch(/CHUID:\t3019d4e739da739ced39ce739d836858210842108421c84210c3eb/);

      // OpenSC reads the certificate and signs with the card key through PKCS#11.
      const index = String(await openscReaderIndex(TOOL_READER));
      const read = await runTool('pkcs15-tool', ['-r', index, '--read-certificate', '01']);
      expect(read.status, read.stderr).toBe(0);
      expect(
        new X509Certificate(read.stdout).raw.equals(
          new X509Certificate(readFileSync(cardCert)).raw,
        ),
      ).toBe(true);
      const data = join(work, 'data.txt');
      const digest = join(work, 'data.sha256');
      const signature = join(work, 'data.sig');
      writeFileSync(data, 'sign me, card');
      writeFileSync(digest, createHash('sha256').update('sign me, card').digest());
      const signed = await runTool('pkcs11-tool', [
        '--module',
        openscPkcs11Module(),
        '--slot-index',
        index,
        '--login',
        '--pin',
        '314159',
        '--sign',
        '--mechanism',
        'ECDSA',
        '--id',
        '01',
        '-i',
        digest,
        '-o',
        signature,
        '--signature-format',
        'openssl',
      ]);
      expect(signed.status, signed.stderr).toBe(0);
      const verified = await runTool('openssl', [
        'dgst',
        '-sha256',
        '-verify',
        ecPub,
        '-signature',
        signature,
        data,
      ]);
      expect(verified.stdout).toContain('Verified OK');

      // Blocking and RESET: three wrong PINs, three wrong PUKs, then the card may be reset.
      for (let i = 0; i < 3; i++) await yk('-a', 'verify-pin', '-P', '000000');
      for (let i = 0; i < 3; i++) await yk('-a', 'unblock-pin', '-P', '00000000', '-N', '111111');
      await step('-a', 'reset');
      expect(await step('-a', 'verify-pin', '-P', '123456')).toContain('Successfully verified PIN');
    } finally {
      await client.close();
    }
  }, 60_000);
});
