/**
 * Same-chip renewal on the emulated PIV card (the routine the PC/SC encoder runs too): it
 * refuses another card, a wrong management key and a wrong PIN before any certificate is
 * written, and otherwise leaves a new 9A key whose certificate is the one the CA issued.
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeviceError } from '../../../drivers/errors.js';
import { createSimulatedPivEncoder } from '../../../drivers/encoder/simulated-piv-encoder.js';
import { testRequest } from '../../contract/piv-encoder.contract.js';
import { TestCertificateAuthority } from '../../support/test-certificate-authority.js';

const codeOf = (promise: Promise<unknown>): Promise<string | undefined> =>
  promise.then(
    () => undefined,
    (e: unknown) => (e instanceof DeviceError ? e.code : `not a DeviceError: ${String(e)}`),
  );

const keyOf = (der: Uint8Array): string =>
  new X509Certificate(Buffer.from(der)).publicKey
    .export({ type: 'spki', format: 'der' })
    .toString('hex');

describe('same-chip renewal on the emulated card', () => {
  it('refuses another card, a wrong key or PIN; then puts a new key and certificate in 9A', async () => {
    const ca = new TestCertificateAuthority();
    const encoder = createSimulatedPivEncoder({ autoFeed: false });
    const request = testRequest({ digital: ca.digital('renewed holder') });
    const produced = await encoder.personalize(request);
    const guid = Buffer.from(request.guid).toString('hex');
    // The CA is told the chip serial, as at production: an attesting card's statement names it.
    const serials: (string | undefined)[] = [];
    const digital = ca.digital('renewed holder');
    const renewal = {
      expectedGuid: guid,
      managementKey: request.managementKey,
      pin: request.pin,
      digital: {
        ...digital,
        issueCertificate: (req: Parameters<typeof digital.issueCertificate>[0]) => {
          serials.push(req.chipSerial);
          return digital.issueCertificate(req);
        },
      },
      contentSigner: request.contentSigner!,
      expiryDate: '2036-05-31',
    };
    const issuedBefore = ca.issued.length;

    expect(
      await codeOf(encoder.renewDigitalId({ ...renewal, expectedGuid: '00'.repeat(16) })),
    ).toBe('CARD_MISMATCH');
    expect(
      await codeOf(
        encoder.renewDigitalId({ ...renewal, managementKey: new Uint8Array(24).fill(9) }),
      ),
    ).toBe('CARD_ERROR');
    expect(ca.issued.length).toBe(issuedBefore);
    // A wrong PIN is refused before the old key is replaced.
    expect(await codeOf(encoder.renewDigitalId({ ...renewal, pin: '000000' }))).toBe(
      'CARD_WRONG_SECRET',
    );
    expect(ca.issued.length).toBe(issuedBefore);

    const renewed = await encoder.renewDigitalId(renewal);
    expect(ca.issued.length).toBe(issuedBefore + 1);
    expect(serials).toEqual([produced.chipSerial]);
    expect(produced.chipSerial).toMatch(/^\d+$/);
    expect(Buffer.from(renewed.certificateDer).equals(Buffer.from(produced.certificateDer!))).toBe(
      false,
    );
    expect(keyOf(renewed.certificateDer)).not.toBe(keyOf(produced.certificateDer!));
    // The PIN and the CHUID's GUID stay: the card still names itself (now with the renewed
    // expiry date) and a PIN change still works.
    expect(request.expiryDate).not.toBe('2036-05-31');
    await expect(encoder.readCardIdentity()).resolves.toMatchObject({
      guid,
      expiry: '2036-05-31',
    });
    await expect(
      encoder.changePin({ expectedGuid: guid, currentPin: request.pin, newPin: '135790' }),
    ).resolves.toMatchObject({ apdusExchanged: expect.any(Number) });
    await encoder.close();
  });
});
