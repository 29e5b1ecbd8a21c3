/**
 * Encoder benchmark: APDUs exchanged and bytes on the wire per personalization (Physical
 * ID; Digital ID with ECC P-256 and RSA-2048), in-process against SimulatedPivCard,
 * compared with the minimum the writes need. The minimum counts only the exchanges no
 * personalization can do without — SELECT, the management-key authentication, the PIN
 * verification, SET PIN RETRIES, SET MANAGEMENT KEY, the PUT DATA chains, CHANGE
 * REFERENCE DATA ×2, and for Digital ID the key generation and the card signature (with
 * their GET RESPONSE pieces) — measured on the same run. The rest is the read-back
 * verification and the serial number read. `payloadBytes` is the PUT DATA command data:
 * the data objects written (CHUID, CCC, certificate container) with their 5C/53 wrappers.
 *
 * Per emulated card generation (simulated-card-profiles.ts): every card's CHUID is signed
 * and it gets a Security Object (both CMS SignedData, so they dominate the payload), and
 * for Digital ID the CA asks the card to attest its key (ATTEST + the F9 certificate) where
 * the card can. Learning the card (GET VERSION, GET METADATA) and attestation count as
 * overhead above the minimum: a card with a known 3DES key and no CA check would not need them.
 */
import { performance } from 'node:perf_hooks';
import type { ApduTransport } from '../../drivers/encoder/apdu-channel.js';
import { personalizePivCard } from '../../drivers/encoder/piv-personalization.js';
import type {
  DigitalIdPersonalization,
  KeyAlgorithm,
  PersonalizationRequest,
} from '../../drivers/encoder/piv-encoder.js';
import { SimulatedPivCard } from '../../drivers/encoder/simulated-piv-card.js';
import {
  SIMULATED_CARD_PROFILE_NAMES,
  type SimulatedCardProfileName,
} from '../../drivers/encoder/simulated-card-profiles.js';
import { createSimulatedAttestationAuthority } from '../../drivers/encoder/simulated-attestation.js';
import { TestCertificateAuthority } from '../support/test-certificate-authority.js';

interface Exchange {
  command: Uint8Array;
  response: Uint8Array;
}

/** Which exchanges a minimal personalization needs (see the module comment). */
function necessary(exchanges: readonly Exchange[]): boolean[] {
  let managementAuthPairs = 0;
  let pinVerifications = 0;
  let previousNecessary = false;
  return exchanges.map(({ command, response }) => {
    const [cla, ins, , p2] = [command[0]!, command[1]!, command[2]!, command[3]!];
    const sw1 = response[response.length - 2];
    let keep: boolean;
    switch (ins) {
      case 0xa4: // SELECT
      case 0xfa: // SET PIN RETRIES
      case 0xff: // SET MANAGEMENT KEY
      case 0xdb: // PUT DATA
      case 0x24: // CHANGE REFERENCE DATA
      case 0x47: // GENERATE ASYMMETRIC KEY PAIR
        keep = true;
        break;
      case 0x87:
        if (p2 === 0x9b) {
          // Only the first witness/challenge pair authenticates; a second one checks the new key.
          keep = managementAuthPairs < 2;
          managementAuthPairs += 1;
        } else keep = true; // signature for the CA
        break;
      case 0x20:
        // VERIFY with a PIN before SET PIN RETRIES and before signing; not the read-back ones.
        keep = command.length > 5 && pinVerifications < 2 && (cla & 0x10) === 0;
        if (command.length > 5) pinVerifications += 1;
        break;
      case 0xc0: // GET RESPONSE belongs to whatever it continues
        keep = previousNecessary;
        break;
      default: // GET SERIAL, GET DATA read-back, VERIFY status
        keep = false;
    }
    if (ins !== 0xc0) previousNecessary = keep && (ins === 0x47 || ins === 0x87);
    else previousNecessary = keep && sw1 === 0x61;
    return keep;
  });
}

const attestationAuthority = createSimulatedAttestationAuthority('bench');

async function measure(
  kind: 'physical' | KeyAlgorithm,
  ca: TestCertificateAuthority,
  profile: SimulatedCardProfileName = 'yubikey-5.4',
): Promise<Record<string, unknown>> {
  const card = new SimulatedPivCard({ profile, attestationCa: attestationAuthority.issuer });
  card.powerOn();
  const exchanges: Exchange[] = [];
  const transport: ApduTransport = {
    async transmit(command) {
      const response = card.process(command);
      exchanges.push({ command, response });
      return response;
    },
  };
  const request: PersonalizationRequest = {
    cardNumber: '12345674',
    guid: Uint8Array.from({ length: 16 }, (_, i) => i + 1),
    expiryDate: '2030-12-31',
    pin: '583920',
    puk: '19283746',
    pinRetries: 5,
    pukRetries: 3,
    managementKey: Uint8Array.from({ length: 24 }, (_, i) => 0x40 + i),
    contentSigner: ca.contentSigner(),
    ...(kind === 'physical' ? {} : { digital: attesting(ca.digital('Bench Holder', kind)) }),
  };
  const started = performance.now();
  const result = await personalizePivCard(transport, request);
  const elapsedMs = performance.now() - started;
  const keep = necessary(exchanges);
  const size = (e: Exchange): number => e.command.length + e.response.length;
  const minimum = exchanges.filter((_, i) => keep[i]);
  const payloadBytes = exchanges
    .filter((e) => e.command[1] === 0xdb)
    .reduce((n, e) => n + e.command.length - 5, 0);
  return {
    managementKeyAlgorithm: result.managementKeyAlgorithm,
    apdusExchanged: result.apdusExchanged,
    bytesOnWire: result.bytesOnWire,
    minimumApdus: minimum.length,
    minimumBytes: minimum.reduce((n, e) => n + size(e), 0),
    readBackApdus: exchanges.length - minimum.length,
    readBackBytes: exchanges.filter((_, i) => !keep[i]).reduce((n, e) => n + size(e), 0),
    payloadBytes,
    overheadRatio: Number(
      (result.bytesOnWire / minimum.reduce((n, e) => n + size(e), 0)).toFixed(3),
    ),
    elapsedMs: Number(elapsedMs.toFixed(1)),
  };
}

/** The CA's side of attestation: ask the card for its statement before certifying. */
function attesting(digital: DigitalIdPersonalization): DigitalIdPersonalization {
  return {
    algorithm: digital.algorithm,
    issueCertificate: async (request) => {
      await request.attest?.();
      return digital.issueCertificate(request);
    },
  };
}

export async function runEncoderBench(): Promise<Record<string, unknown>> {
  const ca = new TestCertificateAuthority();
  const perProfile: Record<string, unknown> = {};
  for (const profile of SIMULATED_CARD_PROFILE_NAMES) {
    perProfile[profile] = {
      physicalId: await measure('physical', ca, profile),
      digitalIdEccP256: await measure('ECCP256', ca, profile),
    };
  }
  return {
    encoderPhysicalId: await measure('physical', ca),
    encoderDigitalIdEccP256: await measure('ECCP256', ca),
    encoderDigitalIdRsa2048: await measure('RSA2048', ca),
    encoderPerCardGeneration: perProfile,
  };
}
