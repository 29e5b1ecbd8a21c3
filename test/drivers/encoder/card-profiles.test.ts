/**
 * Every emulated card generation, through the one personalization routine in-process: the
 * encoder learns the card, produces it, leaves the strongest management-key algorithm the
 * card takes, and the card then refuses the factory key in both algorithms.
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ApduChannel } from '../../../drivers/encoder/apdu-channel.js';
import { learnCardCapabilities } from '../../../drivers/encoder/card-capabilities.js';
import { MANAGEMENT_KEY_ALGORITHM as ALG } from '../../../drivers/encoder/management-key-algorithm.js';
import {
  FACTORY_MANAGEMENT_KEY,
  attestKey,
  generateKeyPair,
  getData,
  parseGetDataReply,
  selectPiv,
} from '../../../drivers/encoder/piv-commands.js';
import {
  authenticateManagementKey,
  personalizePivCard,
} from '../../../drivers/encoder/piv-personalization.js';
import {
  ALGORITHM,
  OBJECT_TAG,
  decodeCertificateContainer,
  decodeChuid,
  decodeSecurityObject,
} from '../../../drivers/encoder/piv-objects.js';
import { SIMULATED_CARD_PROFILES } from '../../../drivers/encoder/simulated-card-profiles.js';
import { createSimulatedAttestationAuthority } from '../../../drivers/encoder/simulated-attestation.js';
import { SimulatedPivCard } from '../../../drivers/encoder/simulated-piv-card.js';
import { testRequest } from '../../contract/piv-encoder.contract.js';
import { TestCertificateAuthority } from '../../support/test-certificate-authority.js';

const authority = createSimulatedAttestationAuthority('card-profiles test');
const ca = new TestCertificateAuthority();

const expected = {
  'yubikey-4.3': { factory: ALG.TDEA_3KEY, perCard: '3DES', metadata: false, attests: true },
  'yubikey-5.4': { factory: ALG.TDEA_3KEY, perCard: 'AES-192', metadata: true, attests: true },
  'yubikey-5.7': { factory: ALG.AES_192, perCard: 'AES-192', metadata: true, attests: true },
  'piv-applet': { factory: ALG.TDEA_3KEY, perCard: 'AES-192', metadata: false, attests: false },
} as const;

function cardOf(profile: keyof typeof expected): { card: SimulatedPivCard; channel: ApduChannel } {
  const card = new SimulatedPivCard({ profile, attestationCa: authority.issuer });
  card.powerOn();
  return { card, channel: new ApduChannel(card) };
}

describe('emulated card generations', () => {
  it('has a test expectation for every profile', () => {
    expect(Object.keys(expected).sort()).toEqual(Object.keys(SIMULATED_CARD_PROFILES).sort());
  });

  it.for(Object.keys(expected) as (keyof typeof expected)[])(
    '%s: the encoder learns its factory key algorithm',
    async (profile) => {
      const { channel } = cardOf(profile);
      await channel.call(selectPiv(), 'select');
      const caps = await learnCardCapabilities(
        channel,
        SIMULATED_CARD_PROFILES[profile].advertisedAlgorithms,
      );
      expect(caps.managementKeyAlgorithm).toBe(expected[profile].factory);
      expect(caps.metadata).toBe(expected[profile].metadata);
      if (expected[profile].metadata) expect(caps.managementKeyIsDefault).toBe(true);
    },
  );

  it.for(Object.keys(expected) as (keyof typeof expected)[])(
    '%s: produces a Digital ID card; the factory key no longer works in either algorithm',
    async (profile) => {
      const { card, channel } = cardOf(profile);
      const request = testRequest({ digital: ca.digital(`profile ${profile}`) });
      const result = await personalizePivCard(card, request);
      expect(result.managementKeyAlgorithm).toBe(expected[profile].perCard);
      expect(result.signedObjects).toBe(true);
      expect(card.snapshot().managementKeyIsDefault).toBe(false);

      await channel.call(selectPiv(), 'select');
      for (const alg of [ALG.TDEA_3KEY, ALG.AES_192]) {
        expect(await authenticateManagementKey(channel, FACTORY_MANAGEMENT_KEY, alg)).toBe(false);
      }
      // The per-card key answers in its algorithm. Without one given, the card is asked: a card
      // without GET METADATA is taken as 3DES, which is why the card record keeps the algorithm.
      const perCard = expected[profile].perCard === '3DES' ? ALG.TDEA_3KEY : ALG.AES_192;
      expect(await authenticateManagementKey(channel, request.managementKey, perCard)).toBe(true);
      expect(await authenticateManagementKey(channel, request.managementKey)).toBe(
        expected[profile].metadata || perCard === ALG.TDEA_3KEY,
      );

      const chuid = decodeChuid(
        parseGetDataReply(await channel.call(getData(OBJECT_TAG.CHUID), 'CHUID')),
      );
      expect(chuid.issuerSignature.length).toBeGreaterThan(100);
      const so = decodeSecurityObject(
        parseGetDataReply(await channel.call(getData(OBJECT_TAG.SECURITY_OBJECT), 'SO')),
      );
      expect(so.mapping).toEqual([
        { dataGroup: 1, containerId: 0x3000 },
        { dataGroup: 2, containerId: 0xdb00 },
        { dataGroup: 3, containerId: 0x0101 },
      ]);
    },
  );

  it('attests a generated key with a statement that chains to the test root, and names the serial', async () => {
    const { card, channel } = cardOf('yubikey-5.7');
    await channel.call(selectPiv(), 'select');
    expect(await authenticateManagementKey(channel, FACTORY_MANAGEMENT_KEY)).toBe(true);
    await channel.call(generateKeyPair(0x9a, ALGORITHM.ECC_P256), 'generate');
    const statement = new X509Certificate(await channel.call(attestKey(0x9a), 'attest'));
    const f9 = new X509Certificate(
      decodeCertificateContainer(
        parseGetDataReply(
          await channel.call(getData(OBJECT_TAG.ATTESTATION_CERTIFICATE), 'F9 certificate'),
        ),
      ).certificateDer,
    );
    const issuer = new X509Certificate(authority.issuer.certificateDer);
    const root = new X509Certificate(authority.root.certificateDer);
    expect(statement.verify(f9.publicKey)).toBe(true);
    expect(f9.verify(issuer.publicKey)).toBe(true);
    expect(issuer.verify(root.publicKey)).toBe(true);
    expect(statement.subject).toContain('YubiKey PIV Attestation 9a');
    expect(card.serial).toBeGreaterThan(0);
  });

  it('a card without attestation answers ATTEST with 6D00', async () => {
    const { channel } = cardOf('piv-applet');
    await channel.call(selectPiv(), 'select');
    expect((await channel.send(attestKey(0x9a))).sw).toBe(0x6d00);
  });

  it('refuses a card whose management key is of an algorithm the encoder cannot use', async () => {
    const odd = { ...SIMULATED_CARD_PROFILES['yubikey-5.7'], name: 'odd' };
    const card = new SimulatedPivCard({ profile: odd, attestationCa: authority.issuer });
    // A card that reports an unknown algorithm for 9B: patch its GET METADATA answer.
    const process = card.process.bind(card);
    card.process = (apdu: Uint8Array): Uint8Array =>
      apdu[1] === 0xf7 && apdu[3] === 0x9b
        ? Uint8Array.of(0x01, 0x01, 0x0e, 0x90, 0x00)
        : process(apdu);
    await expect(personalizePivCard(card, testRequest())).rejects.toMatchObject({
      code: 'CARD_NOT_SUPPORTED',
      message: expect.stringMatching(/algorithm 0x0E/),
    });
  });
});
