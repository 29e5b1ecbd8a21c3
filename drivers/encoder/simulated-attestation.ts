/**
 * Key attestation as the PIV card emulator plays it, after Yubico's published format
 * (developers.yubico.com/PIV/Introduction/PIV_attestation.html; `yubico-piv-tool -a attest`):
 * a card holds an attestation key (slot F9) and its certificate (data object 5F FF 01),
 * issued by the maker's attestation CA; `00 F9 slot 00` returns an X.509 certificate for the
 * slot's public key, signed by the F9 key, whose issuer is the F9 certificate's subject and
 * which carries Yubico's extensions: 1.3.6.1.4.1.41482.3.3 firmware version (3 raw bytes),
 * .3.7 serial number (DER INTEGER), .3.8 PIN and touch policy (2 raw bytes).
 *
 * TEST ONLY: the emulator's attestation CA is created here at run time (by tests, or by the
 * emulator CLI when it starts); no maker's key is, or can be, shipped. Relying on one of
 * these roots in production would accept any emulated card. All keys are EC P-256 and all
 * signatures ECDSA with SHA-256 (Yubico's own F9 keys are RSA-2048 on most keys; the
 * verifier does not depend on the algorithm). Certificates are assembled with
 * @peculiar/asn1-x509 and signed with node:crypto, synchronously, because the card answers
 * an APDU synchronously.
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Asn1Schema from '@peculiar/asn1-schema';
import type * as Asn1X509 from '@peculiar/asn1-x509';

/**
 * The ASN.1 library, loaded on first use: evaluating it (decorated classes by the hundred) was
 * the largest single part of the service's start on the simulated encoder, which makes its card
 * at start but needs attestation only on the card's first command. A card answers an APDU
 * synchronously, so the load is a synchronous require, not import().
 */
let asn1: { schema: typeof Asn1Schema; x509: typeof Asn1X509 } | undefined;
function asn1Library(): { schema: typeof Asn1Schema; x509: typeof Asn1X509 } {
  if (!asn1) {
    const load = createRequire(import.meta.url);
    asn1 = {
      schema: load('@peculiar/asn1-schema') as typeof Asn1Schema,
      x509: load('@peculiar/asn1-x509') as typeof Asn1X509,
    };
  }
  return asn1;
}

export const YUBICO_OID = {
  FIRMWARE_VERSION: '1.3.6.1.4.1.41482.3.3',
  SERIAL_NUMBER: '1.3.6.1.4.1.41482.3.7',
  PIN_TOUCH_POLICY: '1.3.6.1.4.1.41482.3.8',
} as const;
const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';
const ORGANIZATION = '2.5.4.10';
/** RFC 5280 §4.1.2.5: 99991231235959Z means "no well-defined expiration date". */
const NO_EXPIRY = new Date(Date.UTC(9999, 11, 31, 23, 59, 59));
/** Attestation CAs and device certificates start here (Yubico's root starts in 2016). */
const ATTESTATION_EPOCH = new Date(Date.UTC(2016, 2, 14));

/** A CA that can sign attestation certificates: its certificate (DER) and private key. */
export interface SimulatedAttestationCa {
  readonly certificateDer: Uint8Array;
  readonly privateKey: KeyObject;
  /** Subject name (DER), the issuer of what this CA signs. */
  readonly subjectDer: Uint8Array;
}

/** The emulator's attestation hierarchy: a self-signed TEST root and the CA under it. */
export interface SimulatedAttestationAuthority {
  readonly root: SimulatedAttestationCa;
  /** Signs the per-card F9 certificates (Yubico: "Yubico PIV Attestation B 1" on 5.7.4+). */
  readonly issuer: SimulatedAttestationCa;
}

export function nameDer(commonName: string, organization?: string): Uint8Array {
  const { AsnConvert } = asn1Library().schema;
  const { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } =
    asn1Library().x509;
  const rdn = (type: string, value: string): Asn1X509.RelativeDistinguishedName =>
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) }),
    ]);
  const rdns = organization
    ? [rdn(ORGANIZATION, organization), rdn(COMMON_NAME, commonName)]
    : [rdn(COMMON_NAME, commonName)];
  return new Uint8Array(AsnConvert.serialize(new Name(rdns)));
}

export interface CertificateFields {
  issuerDer: Uint8Array;
  subjectDer: Uint8Array;
  spkiDer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  extensions: Asn1X509.Extension[];
  signingKey: KeyObject;
}

/** An X.509 v3 certificate (DER) signed with ECDSA-SHA256 by `signingKey`. */
export function buildEcdsaCertificate(fields: CertificateFields): Uint8Array {
  const { AsnConvert } = asn1Library().schema;
  const {
    AlgorithmIdentifier,
    Certificate,
    Extensions,
    Name,
    SubjectPublicKeyInfo,
    TBSCertificate,
    Validity,
    Version,
  } = asn1Library().x509;
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const signature = new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(serial).buffer,
    signature,
    issuer: AsnConvert.parse(fields.issuerDer, Name),
    validity: new Validity({ notBefore: fields.notBefore, notAfter: fields.notAfter }),
    subject: AsnConvert.parse(fields.subjectDer, Name),
    subjectPublicKeyInfo: AsnConvert.parse(fields.spkiDer, SubjectPublicKeyInfo),
    extensions: new Extensions(fields.extensions),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signatureValue = sign('sha256', tbsDer, fields.signingKey);
  const certificate = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: signature,
    signatureValue: new Uint8Array(signatureValue).buffer,
  });
  return new Uint8Array(AsnConvert.serialize(certificate));
}

function caExtensions(pathLength?: number): Asn1X509.Extension[] {
  const { AsnConvert, OctetString } = asn1Library().schema;
  const {
    BasicConstraints,
    Extension,
    KeyUsage,
    KeyUsageFlags,
    id_ce_basicConstraints,
    id_ce_keyUsage,
  } = asn1Library().x509;
  return [
    new Extension({
      extnID: id_ce_basicConstraints,
      critical: true,
      extnValue: new OctetString(
        AsnConvert.serialize(
          new BasicConstraints({
            cA: true,
            ...(pathLength !== undefined ? { pathLenConstraint: pathLength } : {}),
          }),
        ),
      ),
    }),
    new Extension({
      extnID: id_ce_keyUsage,
      critical: true,
      extnValue: new OctetString(
        AsnConvert.serialize(new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign)),
      ),
    }),
  ];
}

const spkiOf = (key: KeyObject): Uint8Array =>
  new Uint8Array(key.export({ type: 'spki', format: 'der' }));

/** A fresh TEST attestation hierarchy (root → issuer), for tests and the emulator CLI. */
export function createSimulatedAttestationAuthority(
  label = 'cardkiosk emulator',
): SimulatedAttestationAuthority {
  const rootKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const issuerKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const suffix = randomBytes(4).toString('hex');
  const rootName = nameDer(`${label} TEST attestation root ${suffix}`, 'TEST ONLY');
  const issuerName = nameDer(`${label} TEST PIV attestation CA ${suffix}`, 'TEST ONLY');
  const rootDer = buildEcdsaCertificate({
    issuerDer: rootName,
    subjectDer: rootName,
    spkiDer: spkiOf(rootKeys.publicKey),
    notBefore: ATTESTATION_EPOCH,
    notAfter: NO_EXPIRY,
    extensions: caExtensions(),
    signingKey: rootKeys.privateKey,
  });
  const issuerDer = buildEcdsaCertificate({
    issuerDer: rootName,
    subjectDer: issuerName,
    spkiDer: spkiOf(issuerKeys.publicKey),
    notBefore: ATTESTATION_EPOCH,
    notAfter: NO_EXPIRY,
    // The per-card F9 certificate below it is a CA too (it signs attestation statements).
    extensions: caExtensions(1),
    signingKey: rootKeys.privateKey,
  });
  return {
    root: { certificateDer: rootDer, privateKey: rootKeys.privateKey, subjectDer: rootName },
    issuer: {
      certificateDer: issuerDer,
      privateKey: issuerKeys.privateKey,
      subjectDer: issuerName,
    },
  };
}

/** A card's attestation key (slot F9) and its certificate from the attestation CA. */
export interface CardAttestationKey {
  readonly privateKey: KeyObject;
  readonly certificateDer: Uint8Array;
  readonly subjectDer: Uint8Array;
}

export function createCardAttestationKey(
  issuer: SimulatedAttestationCa,
  serial: number,
): CardAttestationKey {
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const subjectDer = nameDer(`Yubico PIV Attestation (emulated) ${serial}`);
  const certificateDer = buildEcdsaCertificate({
    issuerDer: issuer.subjectDer,
    subjectDer,
    spkiDer: spkiOf(keys.publicKey),
    notBefore: ATTESTATION_EPOCH,
    notAfter: NO_EXPIRY,
    extensions: caExtensions(0),
    signingKey: issuer.privateKey,
  });
  return { privateKey: keys.privateKey, certificateDer, subjectDer };
}

export interface AttestationStatementFields {
  slot: number;
  slotPublicKey: KeyObject;
  firmware: readonly [number, number, number];
  /** Omitted by cards before firmware 5 (Yubico: the serial extension came with 5.0). */
  serial?: number;
  pinPolicy: number;
  touchPolicy: number;
}

/** DER INTEGER of a non-negative number, for the serial-number extension. */
function derInteger(value: number): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.of(0), bytes]);
  return new Uint8Array(Buffer.concat([Buffer.of(0x02, bytes.length), bytes]));
}

/** The attestation statement for one slot: what `00 F9 slot 00` returns. */
export function buildAttestationStatement(
  attestationKey: CardAttestationKey,
  fields: AttestationStatementFields,
): Uint8Array {
  const { OctetString } = asn1Library().schema;
  const { Extension } = asn1Library().x509;
  const extensions = [
    new Extension({
      extnID: YUBICO_OID.FIRMWARE_VERSION,
      critical: false,
      extnValue: new OctetString(Uint8Array.from(fields.firmware)),
    }),
    new Extension({
      extnID: YUBICO_OID.PIN_TOUCH_POLICY,
      critical: false,
      extnValue: new OctetString(Uint8Array.of(fields.pinPolicy, fields.touchPolicy)),
    }),
  ];
  if (fields.serial !== undefined) {
    extensions.push(
      new Extension({
        extnID: YUBICO_OID.SERIAL_NUMBER,
        critical: false,
        extnValue: new OctetString(derInteger(fields.serial)),
      }),
    );
  }
  return buildEcdsaCertificate({
    issuerDer: attestationKey.subjectDer,
    subjectDer: nameDer(`YubiKey PIV Attestation ${fields.slot.toString(16)}`),
    spkiDer: spkiOf(fields.slotPublicKey),
    notBefore: ATTESTATION_EPOCH,
    notAfter: NO_EXPIRY,
    extensions,
    signingKey: attestationKey.privateKey,
  });
}
