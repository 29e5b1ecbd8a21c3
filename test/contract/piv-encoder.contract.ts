/**
 * The PivEncoder contract: what every encoder (the in-process simulator, the PC/SC
 * encoder through pcscd and vpcd) must do, run by each implementation's test file.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeviceError } from '../../drivers/errors.js';
import type {
  PersonalizationRequest,
  PivEncoder,
  EncoderStatus,
} from '../../drivers/encoder/piv-encoder.js';
import { TestCertificateAuthority } from '../support/test-certificate-authority.js';

export interface PivEncoderRig {
  encoder: PivEncoder;
  /** Take out whatever card is in the reader and put in a factory-fresh PIV card. */
  insertFreshCard(): Promise<void>;
  /** Take the card out; resolves once the encoder has seen the removal. */
  removeCard(): Promise<void>;
  /** Put in a card without a PIV application. */
  insertNonPivCard(): Promise<void>;
  dispose(): Promise<void>;
}

let sequence = 0;
const contractContentSigner = new TestCertificateAuthority(
  'contract content signer',
).contentSigner();

export function testRequest(
  overrides: Partial<PersonalizationRequest> = {},
): PersonalizationRequest {
  sequence += 1;
  const guid = new Uint8Array(16);
  guid[0] = 0xc4;
  guid[15] = sequence & 0xff;
  return {
    cardNumber: String(40_000_000 + sequence),
    guid,
    expiryDate: '2030-06-30',
    pin: '482915',
    puk: '73910264',
    pinRetries: 5,
    pukRetries: 3,
    managementKey: Uint8Array.from({ length: 24 }, (_, i) => (i * 7 + sequence) & 0xff),
    contentSigner: contractContentSigner,
    ...overrides,
  };
}

async function expectDeviceError(promise: Promise<unknown>, code: string): Promise<DeviceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeviceError);
  expect((error as DeviceError).code).toBe(code);
  return error as DeviceError;
}

/**
 * `makeRig` may answer `{ unavailable }` (a tool is missing outside CI): every test then
 * skips with that reason. In CI the rig itself must throw instead, so the suite fails.
 */
export function describePivEncoderContract(
  label: string,
  makeRig: () => Promise<PivEncoderRig | { unavailable: string }>,
): void {
  describe.sequential(`PivEncoder contract: ${label}`, () => {
    let rig: PivEncoderRig;
    let unavailable: string | undefined;
    const ca = new TestCertificateAuthority();

    beforeAll(async () => {
      const made = await makeRig();
      if ('unavailable' in made) unavailable = made.unavailable;
      else rig = made;
    }, 30_000);
    afterAll(async () => {
      await rig?.dispose();
    });
    beforeEach((ctx) => {
      if (unavailable) ctx.skip(unavailable);
    });

    it('reports a reader with a card in it', async () => {
      await rig.insertFreshCard();
      const status = await rig.encoder.status();
      expect(status.readerPresent).toBe(true);
      expect(status.cardPresent).toBe(true);
    });

    it('personalises a Physical ID card and reports its serial and traffic', async () => {
      await rig.insertFreshCard();
      const result = await rig.encoder.personalize(testRequest());
      expect(result.chipSerial).toMatch(/^\d+$/);
      expect(result.certificateDer).toBeUndefined();
      expect(result.apdusExchanged).toBeGreaterThan(10);
      expect(result.bytesOnWire).toBeGreaterThan(300);
    });

    it.each(['ECCP256', 'RSA2048'] as const)(
      'personalises a %s Digital ID card with a CA-issued certificate',
      async (algorithm) => {
        await rig.insertFreshCard();
        const result = await rig.encoder.personalize(
          testRequest({ digital: ca.digital(`holder-${algorithm}`, algorithm) }),
        );
        expect(result.certificateDer).toBeDefined();
        expect(ca.signed(result.certificateDer!)).toBe(true);
        const key = new X509Certificate(Buffer.from(result.certificateDer!)).publicKey;
        expect(key.asymmetricKeyType).toBe(algorithm === 'ECCP256' ? 'ec' : 'rsa');
      },
    );

    it('refuses a personalised card it does not hold the keys for', async () => {
      await rig.insertFreshCard();
      await rig.encoder.personalize(testRequest());
      await expectDeviceError(rig.encoder.personalize(testRequest()), 'CARD_ERROR');
    });

    it('rejects a request with factory-default secrets before touching the card', async () => {
      await rig.insertFreshCard();
      await expect(rig.encoder.personalize(testRequest({ pin: '123456' }))).rejects.toBeInstanceOf(
        RangeError,
      );
      // The card is still factory-fresh: a proper request succeeds on it.
      await expect(rig.encoder.personalize(testRequest())).resolves.toMatchObject({
        chipSerial: expect.any(String),
      });
    });

    it('fails with CARD_REMOVED when no card is in the reader, then works with a fresh card', async () => {
      await rig.removeCard();
      expect((await rig.encoder.status()).cardPresent).toBe(false);
      await expectDeviceError(rig.encoder.personalize(testRequest()), 'CARD_REMOVED');
      await rig.insertFreshCard();
      await expect(rig.encoder.personalize(testRequest())).resolves.toMatchObject({
        chipSerial: expect.any(String),
      });
    });

    it('fails with CARD_NOT_SUPPORTED for a card without a PIV application', async () => {
      await rig.insertNonPivCard();
      await expectDeviceError(rig.encoder.personalize(testRequest()), 'CARD_NOT_SUPPORTED');
    });

    it('tells status listeners about removal and insertion', async () => {
      const seen: EncoderStatus[] = [];
      const stop = rig.encoder.onStatus((s) => seen.push(s));
      await rig.removeCard();
      await rig.insertFreshCard();
      stop();
      expect(seen.some((s) => !s.cardPresent)).toBe(true);
      expect(seen.at(-1)?.cardPresent).toBe(true);
    });

    it('serialises concurrent personalizations on one queue', async () => {
      await rig.insertFreshCard();
      const first = rig.encoder.personalize(testRequest());
      const second = rig.encoder.personalize(testRequest());
      await expect(first).resolves.toMatchObject({ chipSerial: expect.any(String) });
      // The second runs after the first finished: the same card is now personalised for another key.
      await expectDeviceError(second, 'CARD_ERROR');
    });
  });
}
