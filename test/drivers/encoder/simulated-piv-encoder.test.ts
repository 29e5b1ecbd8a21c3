import { describe, expect, it } from 'vitest';
import { DeviceError } from '../../../drivers/errors.js';
import { PERSONALIZATION_STEPS } from '../../../drivers/encoder/piv-personalization.js';
import { createSimulatedPivEncoder } from '../../../drivers/encoder/simulated-piv-encoder.js';
import type { SimulatedPivCard } from '../../../drivers/encoder/simulated-piv-card.js';
import { testRequest } from '../../contract/piv-encoder.contract.js';
import { TestCertificateAuthority } from '../../support/test-certificate-authority.js';

const codeOf = (promise: Promise<unknown>): Promise<string | undefined> =>
  promise.then(
    () => undefined,
    (e: unknown) => (e instanceof DeviceError ? e.code : `not a DeviceError: ${String(e)}`),
  );

describe('simulated encoder', () => {
  const ca = new TestCertificateAuthority();

  it.for(PERSONALIZATION_STEPS)(
    'ends with CARD_REMOVED when the card is pulled before %s, and a fresh card then works',
    async (step) => {
      const encoder = createSimulatedPivEncoder({ autoFeed: false });
      encoder.removeCardAtStep(step);
      const request = testRequest({ digital: ca.digital('pulled') });
      expect(await codeOf(encoder.personalize(request))).toBe('CARD_REMOVED');
      expect((await encoder.status()).cardPresent).toBe(false);
      encoder.insertCard();
      await expect(encoder.personalize(testRequest())).resolves.toMatchObject({
        chipSerial: expect.any(String),
      });
      await encoder.close();
    },
  );

  it('picks up a card left half-done by the same request (same key, same PIN)', async () => {
    const encoder = createSimulatedPivEncoder({ autoFeed: false });
    const card = encoder.card as SimulatedPivCard;
    const request = testRequest();
    encoder.removeCardAtStep('change-puk');
    expect(await codeOf(encoder.personalize(request))).toBe('CARD_REMOVED');
    encoder.insertCard(card);
    await expect(encoder.personalize(request)).resolves.toMatchObject({
      chipSerial: String(card.serial),
    });
    expect(card.snapshot()).toMatchObject({
      pinIsDefault: false,
      pukIsDefault: false,
      managementKeyIsDefault: false,
      pinRetriesRemaining: 5,
    });
  });

  it('times out with DEVICE_TIMEOUT when the card stops answering, and the queue keeps going', async () => {
    const encoder = createSimulatedPivEncoder({ autoFeed: true, apduTimeoutMs: 50 });
    encoder.muteCard();
    const stuck = encoder.personalize(testRequest());
    const next = encoder.personalize(testRequest());
    expect(await codeOf(stuck)).toBe('DEVICE_TIMEOUT');
    await expect(next).resolves.toMatchObject({ chipSerial: expect.any(String) });
  });

  it('feeds a fresh factory card after every attempt when autoFeed is on', async () => {
    const encoder = createSimulatedPivEncoder();
    const first = await encoder.personalize(testRequest());
    const second = await encoder.personalize(testRequest());
    expect(first.chipSerial).not.toBe(second.chipSerial);
  });

  it('refuses work after close with DEVICE_CLOSED', async () => {
    const encoder = createSimulatedPivEncoder();
    await encoder.close();
    expect(await codeOf(encoder.personalize(testRequest()))).toBe('DEVICE_CLOSED');
    expect((await encoder.status()).readerPresent).toBe(false);
  });
});
