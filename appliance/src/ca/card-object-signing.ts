// Signed PIV card objects (SP 800-73-4 Part 1 §3.1.2 and the Security Object; FIPS 201-3
// Appendix B; SP 800-78-4 for the algorithms): the CHUID's issuer signature and the Security
// Object, each a CMS SignedData (RFC 5652) wrapped in a ContentInfo, signed by the device CA's
// content-signing key.
//
// CHUID (tag 3E): version 3 (eContentType other than id-data), one digest algorithm (SHA-256),
// encapContentInfo with eContentType id-PIV-CHUIDSecurityObject and NO eContent (detached:
// the signed content is the CHUID's fields before 3E), the signer's certificate as the only
// certificate, no CRLs, one SignerInfo identified by issuerAndSerialNumber with the signed
// attributes content-type, message-digest, signing-time and pivSigner-DN (the signer's
// subject).
//
// Security Object (tag BB): the same, with eContentType id-icao-mrtd-security-ldsSecurityObject
// and eContent an ICAO 9303-10 LDSSecurityObject: version 0, SHA-256, and for each data group
// its number and the SHA-256 of the container content written to the card.
//
// Built with @peculiar/asn1-cms; signed attributes are DER-sorted (SET OF) before signing so
// that a verifier that re-encodes them (OpenSSL does) computes the same bytes.

import { createHash, sign, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  Attribute,
  CertificateChoices,
  CertificateSet,
  CMSVersion,
  ContentInfo,
  DigestAlgorithmIdentifier,
  DigestAlgorithmIdentifiers,
  EncapsulatedContent,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  SignatureAlgorithmIdentifier,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
  id_signedData,
} from '@peculiar/asn1-cms';
import { AlgorithmIdentifier, Certificate } from '@peculiar/asn1-x509';

export const OID = {
  ID_PIV_CHUID_SECURITY_OBJECT: '2.16.840.1.101.3.6.1',
  PIV_SIGNER_DN: '2.16.840.1.101.3.6.5',
  ID_PIV_CONTENT_SIGNING: '2.16.840.1.101.3.6.7',
  ICAO_LDS_SECURITY_OBJECT: '2.23.136.1.1.1',
  CONTENT_TYPE: '1.2.840.113549.1.9.3',
  MESSAGE_DIGEST: '1.2.840.113549.1.9.4',
  SIGNING_TIME: '1.2.840.113549.1.9.5',
  SHA256: '2.16.840.1.101.3.4.2.1',
  ECDSA_WITH_SHA256: '1.2.840.10045.4.3.2',
  SHA256_WITH_RSA: '1.2.840.113549.1.1.11',
} as const;

/** A content signer: its certificate and private key (kept in memory only, sealed at rest). */
export interface ContentSigningKey {
  readonly certificateDer: Uint8Array;
  readonly privateKey: KeyObject;
}

export interface DataGroupContent {
  readonly dataGroup: number;
  readonly content: Uint8Array;
}

// ---------------------------------------------------------------------------------------
// Minimal DER for the few values the attributes carry.

function derLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

function der(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(parts);
  return new Uint8Array(Buffer.concat([Buffer.of(tag), derLength(body.length), body]));
}

function derOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const bytes: number[] = [arcs[0]! * 40 + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let n = arc >>> 7; n > 0; n >>>= 7) chunk.unshift(0x80 | (n & 0x7f));
    bytes.push(...chunk);
  }
  return der(0x06, Uint8Array.from(bytes));
}

const derInteger = (value: number): Uint8Array =>
  value < 0x80 ? der(0x02, Uint8Array.of(value)) : der(0x02, Uint8Array.of(0, value));

/** UTCTime until 2049, GeneralizedTime after (RFC 5652 §11.3). */
function derTime(at: Date): Uint8Array {
  const iso = at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  if (at.getUTCFullYear() < 2050) return der(0x17, Buffer.from(`${iso.slice(2)}Z`, 'ascii'));
  return der(0x18, Buffer.from(`${iso}Z`, 'ascii'));
}

const buffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

// ---------------------------------------------------------------------------------------

function signatureAlgorithmOf(key: KeyObject): string {
  if (key.asymmetricKeyType === 'ec') return OID.ECDSA_WITH_SHA256;
  if (key.asymmetricKeyType === 'rsa') return OID.SHA256_WITH_RSA;
  throw new RangeError('the content signer key must be EC or RSA');
}

interface SignedDataInput {
  eContentType: string;
  /** What the message digest covers. */
  content: Uint8Array;
  /** Put the content inside (Security Object) or leave it out (CHUID: detached). */
  encapsulate: boolean;
  signer: ContentSigningKey;
  signingTime: Date;
}

function buildSignedData(input: SignedDataInput): Uint8Array {
  const certificate = AsnConvert.parse(input.signer.certificateDer, Certificate);
  const tbs = certificate.tbsCertificate;
  const subjectDer = new Uint8Array(AsnConvert.serialize(tbs.subject));
  const digest = createHash('sha256').update(input.content).digest();

  const attributes = [
    new Attribute({ attrType: OID.CONTENT_TYPE, attrValues: [buffer(derOid(input.eContentType))] }),
    new Attribute({ attrType: OID.SIGNING_TIME, attrValues: [buffer(derTime(input.signingTime))] }),
    new Attribute({
      attrType: OID.MESSAGE_DIGEST,
      attrValues: [buffer(der(0x04, new Uint8Array(digest)))],
    }),
    new Attribute({ attrType: OID.PIV_SIGNER_DN, attrValues: [buffer(subjectDer)] }),
  ];
  // DER: a SET OF is sorted by the encodings of its elements (X.690 §11.6).
  const encoded = attributes
    .map((attribute) => ({ attribute, der: Buffer.from(AsnConvert.serialize(attribute)) }))
    .sort((a, b) => Buffer.compare(a.der, b.der));
  const signedAttributesDer = der(0x31, ...encoded.map((e) => new Uint8Array(e.der)));
  const signature = sign('sha256', signedAttributesDer, input.signer.privateKey);

  const sha256 = new DigestAlgorithmIdentifier({ algorithm: OID.SHA256 });
  const signerInfo = new SignerInfo({
    version: CMSVersion.v1,
    sid: new SignerIdentifier({
      issuerAndSerialNumber: new IssuerAndSerialNumber({
        issuer: tbs.issuer,
        serialNumber: tbs.serialNumber,
      }),
    }),
    digestAlgorithm: sha256,
    signedAttrs: encoded.map((e) => e.attribute),
    signatureAlgorithm: new SignatureAlgorithmIdentifier({
      algorithm: signatureAlgorithmOf(input.signer.privateKey),
    }),
    signature: new OctetString(new Uint8Array(signature)),
  });
  const encapContentInfo = new EncapsulatedContentInfo({ eContentType: input.eContentType });
  if (input.encapsulate) {
    encapContentInfo.eContent = new EncapsulatedContent({
      single: new OctetString(input.content),
    });
  }
  const signedData = new SignedData({
    version: CMSVersion.v3,
    digestAlgorithms: new DigestAlgorithmIdentifiers([sha256]),
    encapContentInfo,
    certificates: new CertificateSet([new CertificateChoices({ certificate })]),
    signerInfos: new SignerInfos([signerInfo]),
  });
  const contentInfo = new ContentInfo({
    contentType: id_signedData,
    content: AsnConvert.serialize(signedData),
  });
  return new Uint8Array(AsnConvert.serialize(contentInfo));
}

/** The CHUID's issuer signature (tag 3E): detached SignedData over `signedContent`. */
export function signChuid(
  signer: ContentSigningKey,
  signedContent: Uint8Array,
  signingTime: Date,
): Uint8Array {
  return buildSignedData({
    eContentType: OID.ID_PIV_CHUID_SECURITY_OBJECT,
    content: signedContent,
    encapsulate: false,
    signer,
    signingTime,
  });
}

/** ICAO 9303-10 LDSSecurityObject (version 0) over the data groups, with SHA-256. */
export function ldsSecurityObject(groups: readonly DataGroupContent[]): Uint8Array {
  if (groups.length < 2) throw new RangeError('an LDSSecurityObject names at least 2 data groups');
  const sha256 = new Uint8Array(
    AsnConvert.serialize(new AlgorithmIdentifier({ algorithm: OID.SHA256 })),
  );
  const hashes = groups.map((g) =>
    der(
      0x30,
      derInteger(g.dataGroup),
      der(0x04, new Uint8Array(createHash('sha256').update(g.content).digest())),
    ),
  );
  return der(0x30, derInteger(0), sha256, der(0x30, ...hashes));
}

/** The Security Object's SignedData (tag BB), encapsulating the LDSSecurityObject. */
export function signSecurityObject(
  signer: ContentSigningKey,
  groups: readonly DataGroupContent[],
  signingTime: Date,
): Uint8Array {
  return buildSignedData({
    eContentType: OID.ICAO_LDS_SECURITY_OBJECT,
    content: ldsSecurityObject(groups),
    encapsulate: true,
    signer,
    signingTime,
  });
}
