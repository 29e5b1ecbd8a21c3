/**
 * The CA certifies a card key only after the card's attestation statement verifies to a
 * configured root and names the same key and chip serial. Statements come from the PIV card
 * emulator (its attestation CA chains to a TEST root made here), so the verifier sees the
 * bytes a card sends, not a fixture written for it.
 */
import 'reflect-metadata';
import { X509Certificate } from '@peculiar/x509';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApduChannel } from '../../../drivers/encoder/apdu-channel.js';
import {
  FACTORY_MANAGEMENT_KEY,
  attestKey,
  generateKeyPair,
  getData,
  parseGetDataReply,
  publicKeyToSpki,
  selectPiv,
} from '../../../drivers/encoder/piv-commands.js';
import {
  ALGORITHM,
  OBJECT_TAG,
  decodeCertificateContainer,
} from '../../../drivers/encoder/piv-objects.js';
import { authenticateManagementKey } from '../../../drivers/encoder/piv-personalization.js';
import {
  buildAttestationStatement,
  createCardAttestationKey,
  createSimulatedAttestationAuthority,
} from '../../../drivers/encoder/simulated-attestation.js';
import { SimulatedPivCard } from '../../../drivers/encoder/simulated-piv-card.js';
import {
  AttestationRefusedError,
  CardAttestationVerifier,
  configuredProfiles,
  type AttestationEvidence,
} from '../../../appliance/src/ca/index.js';
import { CaCertificateIssuer } from '../../../appliance/src/services/ca-certificate-issuer.js';
import type { CardCertificateRequest } from '../../../appliance/src/services/ports.js';
import { createTestCa, scratchDir } from './ca-test-support.js';
import { sign } from 'node:crypto';
import { join } from 'node:path';

const authority = createSimulatedAttestationAuthority('attestation test');
const bundle = [
  new X509Certificate(Buffer.from(authority.root.certificateDer)),
  new X509Certificate(Buffer.from(authority.issuer.certificateDer)),
];
const YEAR_MS = 365.25 * 86_400_000;

/** A card of `profile` with a fresh key in 9A; what the encoder would hand the CA. */
async function attestedCard(profile = 'yubikey-5.7'): Promise<{
  card: SimulatedPivCard;
  evidence: AttestationEvidence;
}> {
  const card = new SimulatedPivCard({ profile, attestationCa: authority.issuer });
  card.powerOn();
  const channel = new ApduChannel(card);
  await channel.call(selectPiv(), 'select');
  expect(await authenticateManagementKey(channel, FACTORY_MANAGEMENT_KEY)).toBe(true);
  const spki = publicKeyToSpki(
    await channel.call(generateKeyPair(0x9a, ALGORITHM.ECC_P256), 'generate'),
    ALGORITHM.ECC_P256,
  );
  const statementDer = await channel.call(attestKey(0x9a), 'attest');
  const attestationCertificateDer = decodeCertificateContainer(
    parseGetDataReply(await channel.call(getData(OBJECT_TAG.ATTESTATION_CERTIFICATE), 'F9')),
  ).certificateDer;
  return {
    card,
    evidence: {
      statementDer,
      attestationCertificateDer,
      publicKeySpkiDer: spki,
      chipSerial: String(card.serial),
    },
  };
}

describe('card attestation verifier', () => {
  // Any day: the emulator's attestation certificates never expire (RFC 5280 99991231235959Z).
  for (const [label, offset] of [
    ['today', 0],
    ['ten years ahead', 10 * YEAR_MS],
  ] as const) {
    it(`verifies a genuine statement (${label})`, async () => {
      const verifier = new CardAttestationVerifier(bundle, () => new Date(Date.now() + offset));
      const { card, evidence } = await attestedCard();
      const record = await verifier.verify(evidence);
      expect(record.outcome).toBe('verified');
      expect(record.detail).toContain(`serial ${card.serial} attested`);
      expect(record.detail).toContain('firmware 5.7.1');
    });
  }

  it('verifies a YubiKey 4 statement without a serial and says so', async () => {
    const verifier = new CardAttestationVerifier(bundle, () => new Date());
    const { evidence } = await attestedCard('yubikey-4.3');
    expect((await verifier.verify(evidence)).detail).toContain('serial not attested');
  });

  const refused = async (evidence: AttestationEvidence, message: RegExp): Promise<void> => {
    const verifier = new CardAttestationVerifier(bundle, () => new Date());
    const error = await verifier.verify(evidence).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AttestationRefusedError);
    expect((error as Error).message).toMatch(message);
  };

  it('refuses a statement for another key', async () => {
    const { evidence } = await attestedCard();
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    await refused(
      {
        ...evidence,
        publicKeySpkiDer: new Uint8Array(other.publicKey.export({ type: 'spki', format: 'der' })),
      },
      /another key/,
    );
  });

  it('refuses a statement naming another chip serial', async () => {
    const { card, evidence } = await attestedCard();
    await refused({ ...evidence, chipSerial: String(card.serial + 1) }, /names chip serial/);
  });

  it('refuses a statement forged under an attestation CA of another root', async () => {
    const { card, evidence } = await attestedCard();
    const rogue = createSimulatedAttestationAuthority('rogue');
    const rogueKey = createCardAttestationKey(rogue.issuer, card.serial);
    const forged = buildAttestationStatement(rogueKey, {
      slot: 0x9a,
      slotPublicKey: createPublicKey({
        key: Buffer.from(evidence.publicKeySpkiDer),
        format: 'der',
        type: 'spki',
      }),
      firmware: [5, 7, 1],
      serial: card.serial,
      pinPolicy: 2,
      touchPolicy: 1,
    });
    await refused(
      { ...evidence, statementDer: forged, attestationCertificateDer: rogueKey.certificateDer },
      /does not chain to a configured attestation root/,
    );
  });

  it('refuses a statement whose signature was tampered with', async () => {
    const { evidence } = await attestedCard();
    const tampered = new Uint8Array(evidence.statementDer);
    tampered[tampered.length - 5]! ^= 0x01;
    await refused({ ...evidence, statementDer: tampered }, /chain/);
  });
});

describe('the CA certifies only after attestation', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    dir = await scratchDir();
  });
  afterEach(async () => dir.cleanup());

  let caCount = 0;
  async function issue(
    policy: 'required' | 'when-supported' | 'off',
    evidence: AttestationEvidence | undefined,
    cardKey: ReturnType<typeof generateKeyPairSync>,
    verifier: CardAttestationVerifier | null = new CardAttestationVerifier(
      bundle,
      () => new Date(),
    ),
    signatures: { count: number } = { count: 0 },
  ) {
    const ca = await createTestCa(join(dir.path, `ca-${(caCount += 1)}`));
    const issuer = new CaCertificateIssuer(
      ca,
      configuredProfiles({ visitor: { attestation: policy } }),
      verifier,
    );
    const request: CardCertificateRequest = {
      cardNumber: '1000017',
      cardType: 'visitor',
      holder: { name: 'Vera Visitor', company: 'V Co' },
      algorithm: 'ECCP256',
      publicKeySpkiDer: new Uint8Array(cardKey.publicKey.export({ type: 'spki', format: 'der' })),
      signWithCardKey: async (data) => {
        signatures.count += 1;
        return new Uint8Array(sign('sha256', data, cardKey.privateKey));
      },
      ...(evidence ? { chipSerial: evidence.chipSerial!, attest: async () => evidence } : {}),
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 3_600_000),
    };
    return issuer.issue(request);
  }

  it('refuses a mismatched statement and issues nothing', async () => {
    const { evidence } = await attestedCard();
    const cardKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const signatures = { count: 0 };
    const verifier = new CardAttestationVerifier(bundle, () => new Date());
    const error = await issue('when-supported', evidence, cardKey, verifier, signatures).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AttestationRefusedError);
    // Refused before the card was even asked for its proof of possession: nothing certified.
    expect(signatures.count).toBe(0);
  });

  it('records not_supported for a card that cannot attest, or refuses it when required', async () => {
    const cardKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect((await issue('when-supported', undefined, cardKey)).attestation).toMatchObject({
      outcome: 'not_supported',
    });
    await expect(issue('required', undefined, cardKey)).rejects.toBeInstanceOf(
      AttestationRefusedError,
    );
    expect((await issue('off', undefined, cardKey)).attestation.outcome).toBe('not_checked');
  });

  it('records unverified when no attestation root is configured', async () => {
    const { evidence } = await attestedCard();
    const cardKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const issued = await issue('when-supported', evidence, cardKey, null);
    expect(issued.attestation.outcome).toBe('unverified');
  });
});
