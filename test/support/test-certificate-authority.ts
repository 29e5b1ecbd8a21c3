/**
 * A small certificate authority for encoder tests: it checks proof of possession (the card
 * signs a challenge with its new key, verified against the SPKI the card reported) and
 * issues an X.509 v3 certificate for that SPKI, signed with an in-memory P-256 CA key.
 * node:crypto cannot build certificates and node-forge cannot hold EC keys, so the DER is
 * assembled with forge's ASN.1 helpers around the card's own SPKI bytes.
 */
import {
  X509Certificate,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import forge from 'node-forge';
import type {
  CardObjectSigner,
  DigitalIdPersonalization,
  KeyAlgorithm,
} from '../../drivers/encoder/piv-encoder.js';
import { signChuid, signSecurityObject } from '../../appliance/src/ca/card-object-signing.js';

const { asn1 } = forge;

const fromDer = (bytes: Uint8Array): forge.asn1.Asn1 =>
  asn1.fromDer(forge.util.createBuffer(Buffer.from(bytes).toString('binary')));
const seq = (items: forge.asn1.Asn1[]): forge.asn1.Asn1 =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
const oid = (dotted: string): forge.asn1.Asn1 =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(dotted).getBytes());
const name = (commonName: string): forge.asn1.Asn1 =>
  seq([
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [
      seq([
        oid('2.5.4.3'),
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTF8, false, forge.util.encodeUtf8(commonName)),
      ]),
    ]),
  ]);

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const DAY_MS = 86_400_000;

export interface IssuedRecord {
  subject: string;
  algorithm: KeyAlgorithm;
  certificateDer: Uint8Array;
}

export class TestCertificateAuthority {
  private readonly keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  private serial = 1;
  readonly issued: IssuedRecord[] = [];
  readonly certificateDer: Uint8Array;

  constructor(readonly commonName = 'cardkiosk test CA') {
    const spki = new Uint8Array(this.keys.publicKey.export({ type: 'spki', format: 'der' }));
    this.certificateDer = this.build(commonName, spki);
  }

  /** The `digital` part of a PersonalizationRequest, issuing for `subject`. */
  digital(subject: string, algorithm: KeyAlgorithm = 'ECCP256'): DigitalIdPersonalization {
    return {
      algorithm,
      issueCertificate: async (request) => {
        const challenge = new Uint8Array(randomBytes(32));
        const signature = await request.signWithCardKey(challenge);
        const key = createPublicKey({
          key: Buffer.from(request.publicKeySpkiDer),
          format: 'der',
          type: 'spki',
        });
        if (!verify('sha256', challenge, key, signature))
          throw new Error('proof of possession failed');
        const certificateDer = this.build(subject, request.publicKeySpkiDer);
        this.issued.push({ subject, algorithm, certificateDer });
        return certificateDer;
      },
    };
  }

  private build(subject: string, spkiDer: Uint8Array): Uint8Array {
    const now = Date.now();
    const serialBytes = Uint8Array.of(0x01, (this.serial >> 8) & 0xff, this.serial & 0xff);
    this.serial += 1;
    const tbs = seq([
      asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, '\x02'),
      ]),
      asn1.create(
        asn1.Class.UNIVERSAL,
        asn1.Type.INTEGER,
        false,
        Buffer.from(serialBytes).toString('binary'),
      ),
      seq([oid(ECDSA_WITH_SHA256)]),
      name(this.commonName),
      seq([
        asn1.create(
          asn1.Class.UNIVERSAL,
          asn1.Type.UTCTIME,
          false,
          asn1.dateToUtcTime(new Date(now - DAY_MS)),
        ),
        asn1.create(
          asn1.Class.UNIVERSAL,
          asn1.Type.UTCTIME,
          false,
          asn1.dateToUtcTime(new Date(now + 365 * DAY_MS)),
        ),
      ]),
      name(subject),
      fromDer(spkiDer),
    ]);
    const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
    const signature = sign('sha256', tbsDer, this.keys.privateKey);
    const certificate = seq([
      tbs,
      seq([oid(ECDSA_WITH_SHA256)]),
      asn1.create(
        asn1.Class.UNIVERSAL,
        asn1.Type.BITSTRING,
        false,
        `\x00${signature.toString('binary')}`,
      ),
    ]);
    return new Uint8Array(Buffer.from(asn1.toDer(certificate).getBytes(), 'binary'));
  }

  /** Signs CHUIDs and Security Objects with this CA's own key and certificate. */
  contentSigner(): CardObjectSigner {
    const key = { certificateDer: this.certificateDer, privateKey: this.keys.privateKey };
    return {
      signChuid: async (content) => signChuid(key, content, new Date()),
      signSecurityObject: async (groups) => signSecurityObject(key, groups, new Date()),
    };
  }

  /** True when `certificateDer` was signed by this CA. */
  signed(certificateDer: Uint8Array): boolean {
    return new X509Certificate(Buffer.from(certificateDer)).verify(this.keys.publicKey);
  }
}
