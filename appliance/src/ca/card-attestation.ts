// Key attestation before certification: proof that the key the CA is asked to certify was
// generated on a genuine card and never left it. A card that can attest (YubiKey 4.3+, slot
// F9) returns a statement for the slot: an X.509 certificate for the slot's public key,
// signed by the card's attestation key, whose certificate (data object 5F FF 01) is issued
// under the card maker's attestation root (Yubico's format: developers.yubico.com/PIV/
// Introduction/PIV_attestation.html). The verifier accepts a statement only when
//   1. statement → F9 certificate → (intermediates from the configured bundle) → a
//      configured root verifies signature by signature (path built with @peculiar/x509's
//      X509ChainBuilder, every link verified again here, each valid at the CA's clock);
//   2. the statement certifies the very public key the card returned from GENERATE;
//   3. the serial-number extension (1.3.6.1.4.1.41482.3.7, YubiKey 5.0+) names the chip
//      serial the encoder read; statements without it (YubiKey 4) are accepted and the
//      record says the serial was not attested.
// Yubico's F9 certificates on YubiKey 4 carry no basicConstraints, so CA flags are not
// required of the F9 link (a relying party verifying with OpenSSL needs `-partial_chain` or
// `-x509_strict` off for the same reason).

import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPublicKey, webcrypto } from 'node:crypto';
import { AttestationRefusedError } from './ca-errors.js';

const crypto = webcrypto as unknown as Crypto;

export const YUBICO_ATTESTATION_OID = {
  FIRMWARE_VERSION: '1.3.6.1.4.1.41482.3.3',
  SERIAL_NUMBER: '1.3.6.1.4.1.41482.3.7',
} as const;

/** How a certificate profile treats attestation (see README "Attestation"). */
export type AttestationPolicy = 'required' | 'when-supported' | 'off';

/**
 * What was found out about a card key before it was certified:
 * `verified` the statement chains to a configured root and names the key (and serial);
 * `not_supported` the card cannot attest, and the profile accepts that;
 * `unverified` the card attested but no attestation root is configured to check it against;
 * `not_checked` the profile turns attestation off.
 */
export type AttestationOutcome = 'verified' | 'not_supported' | 'unverified' | 'not_checked';

export interface AttestationRecord {
  readonly outcome: AttestationOutcome;
  /** Plain words: the root's subject, firmware, whether the serial was attested. */
  readonly detail: string;
}

export { AttestationRefusedError };

export interface AttestationEvidence {
  readonly statementDer: Uint8Array;
  readonly attestationCertificateDer: Uint8Array;
  /** SPKI (DER) of the key the card returned from GENERATE. */
  readonly publicKeySpkiDer: Uint8Array;
  /** Decimal chip serial the encoder read, when it read one. */
  readonly chipSerial?: string;
}

function normalizedSpki(der: Uint8Array): Buffer {
  return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }).export({
    type: 'spki',
    format: 'der',
  });
}

/** DER INTEGER → non-negative bigint; undefined when it is not one. */
function derIntegerValue(bytes: Uint8Array): bigint | undefined {
  if (bytes.length < 3 || bytes[0] !== 0x02 || bytes[1] !== bytes.length - 2) return undefined;
  let value = 0n;
  for (const b of bytes.subarray(2)) value = (value << 8n) | BigInt(b);
  return value;
}

export function parsePemBundle(pem: string): x509.X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new x509.X509Certificate(block));
}

export class CardAttestationVerifier {
  private readonly anchors: x509.X509Certificate[];
  private readonly intermediates: x509.X509Certificate[];

  /**
   * `bundle`: the configured attestation roots (self-signed) and any intermediates between
   * them and the cards' F9 certificates (Yubico's "PIV Attestation" CAs on 5.7.4+).
   */
  constructor(
    bundle: readonly x509.X509Certificate[],
    private readonly clock: () => Date,
  ) {
    const selfSigned = (c: x509.X509Certificate): boolean => c.subject === c.issuer;
    this.anchors = bundle.filter(selfSigned);
    this.intermediates = bundle.filter((c) => !selfSigned(c));
  }

  get hasRoots(): boolean {
    return this.anchors.length > 0;
  }

  /** Resolves with the record of a verified statement; throws AttestationRefusedError. */
  async verify(evidence: AttestationEvidence): Promise<AttestationRecord> {
    let statement: x509.X509Certificate;
    let deviceCertificate: x509.X509Certificate;
    try {
      statement = new x509.X509Certificate(Buffer.from(evidence.statementDer));
      deviceCertificate = new x509.X509Certificate(Buffer.from(evidence.attestationCertificateDer));
    } catch {
      throw new AttestationRefusedError('the attestation statement does not parse as X.509');
    }
    const builder = new x509.X509ChainBuilder({
      certificates: [deviceCertificate, ...this.intermediates, ...this.anchors],
    });
    const chain = await builder.build(statement, crypto);
    const top = chain[chain.length - 1]!;
    const anchor = this.anchors.find((a) =>
      Buffer.from(a.rawData).equals(Buffer.from(top.rawData)),
    );
    if (!anchor || chain.length < 2) {
      throw new AttestationRefusedError(
        'the attestation statement does not chain to a configured attestation root',
      );
    }
    const now = this.clock();
    for (let i = 0; i < chain.length; i++) {
      const certificate = chain[i]!;
      const issuer = chain[Math.min(i + 1, chain.length - 1)]!;
      const ok = await certificate.verify({ publicKey: issuer.publicKey, date: now }, crypto);
      if (!ok) {
        throw new AttestationRefusedError(
          `attestation chain link ${i} (${certificate.subject}) fails its signature or validity check`,
        );
      }
    }
    if (
      !normalizedSpki(new Uint8Array(statement.publicKey.rawData)).equals(
        normalizedSpki(evidence.publicKeySpkiDer),
      )
    ) {
      throw new AttestationRefusedError(
        'the attestation statement is for another key than the one the card generated',
      );
    }
    const serialExtension = statement.getExtension(YUBICO_ATTESTATION_OID.SERIAL_NUMBER);
    let serialNote = 'serial not attested (card predates the serial extension)';
    if (serialExtension) {
      const attested = derIntegerValue(new Uint8Array(serialExtension.value));
      if (attested === undefined)
        throw new AttestationRefusedError('the attested serial number is malformed');
      if (evidence.chipSerial === undefined || BigInt(evidence.chipSerial) !== attested) {
        throw new AttestationRefusedError(
          `the attestation statement names chip serial ${attested}, not the card in the encoder`,
        );
      }
      serialNote = `serial ${attested} attested`;
    }
    const firmware = statement.getExtension(YUBICO_ATTESTATION_OID.FIRMWARE_VERSION);
    const version =
      firmware && firmware.value.byteLength === 3
        ? `, firmware ${[...new Uint8Array(firmware.value)].join('.')}`
        : '';
    return { outcome: 'verified', detail: `${anchor.subject}; ${serialNote}${version}` };
  }
}
