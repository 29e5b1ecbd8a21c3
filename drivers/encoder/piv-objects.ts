/**
 * PIV data objects and identifiers (SP 800-73-4 Part 1): the application AID, key
 * references, algorithm identifiers, container tags, and builders/parsers for the objects
 * this appliance writes — the FASC-N (TIG SCEPACS, 5-bit BCD with odd parity and LRC), the
 * CHUID (§3.1.2), the Card Capability Container (§3.1.1), the certificate containers
 * (§3.3.2) and the discovery object (§3.3.2 / Part 1 Table 18). Pure: no I/O.
 *
 * Card number placement (this project's choice, see README): the FASC-N uses the
 * non-federal agency/system/credential codes (all nines, as PIV-I requires) and carries the
 * appliance's card number in its 10-digit Person Identifier field; the GUID comes from the
 * request unchanged. Card numbers longer than 10 digits keep their last 10 digits there.
 */
import {
  TlvFormatError,
  concatBytes,
  decodeTlvs,
  encodeTlv,
  findTlv,
  requireTlv,
  type Tlv,
} from './apdu-codec.js';

/** PIV application AID (SP 800-73-4 Part 1 §2.2); the first 9 bytes select it too. */
export const PIV_AID = Uint8Array.from([
  0xa0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00,
]);
/** The registered application provider identifier of NIST (first 5 bytes of the AID). */
export const NIST_RID = PIV_AID.slice(0, 5);

export const KEY_REF = {
  PIN: 0x80,
  PUK: 0x81,
  GLOBAL_PIN: 0x00,
  MANAGEMENT: 0x9b,
  PIV_AUTHENTICATION: 0x9a,
  DIGITAL_SIGNATURE: 0x9c,
  KEY_MANAGEMENT: 0x9d,
  CARD_AUTHENTICATION: 0x9e,
} as const;

/** Cryptographic mechanism identifiers (SP 800-78-4 Table 6-2). */
export const ALGORITHM = {
  TDEA_3KEY: 0x03,
  RSA_1024: 0x06,
  RSA_2048: 0x07,
  AES_128: 0x08,
  AES_192: 0x0a,
  AES_256: 0x0c,
  ECC_P256: 0x11,
  ECC_P384: 0x14,
} as const;

/** BER-TLV tags of the PIV data objects (SP 800-73-4 Part 1 Table 3). */
export const OBJECT_TAG = {
  CARD_CAPABILITY_CONTAINER: 0x5fc107,
  CHUID: 0x5fc102,
  CERT_PIV_AUTHENTICATION: 0x5fc105,
  CERT_DIGITAL_SIGNATURE: 0x5fc10a,
  CERT_KEY_MANAGEMENT: 0x5fc10b,
  CERT_CARD_AUTHENTICATION: 0x5fc101,
  FINGERPRINTS: 0x5fc103,
  SECURITY_OBJECT: 0x5fc106,
  FACIAL_IMAGE: 0x5fc108,
  PRINTED_INFORMATION: 0x5fc109,
  KEY_HISTORY: 0x5fc10c,
  IRIS_IMAGES: 0x5fc121,
  BIOMETRIC_INFORMATION_TEMPLATES_GROUP: 0x7f61,
  DISCOVERY: 0x7e,
  /** The F9 attestation certificate (YubiKey-compatible extension, outside SP 800-73-4). */
  ATTESTATION_CERTIFICATE: 0x5fff01,
} as const;

/** Container ids (SP 800-73-4 Part 1 Table 2), as the Security Object's mapping names them. */
export const CONTAINER_ID = {
  CARD_CAPABILITY_CONTAINER: 0xdb00,
  CHUID: 0x3000,
  CERT_PIV_AUTHENTICATION: 0x0101,
  FINGERPRINTS: 0x6010,
  SECURITY_OBJECT: 0x9000,
  FACIAL_IMAGE: 0x6030,
  PRINTED_INFORMATION: 0x3001,
  CERT_DIGITAL_SIGNATURE: 0x0100,
  CERT_KEY_MANAGEMENT: 0x0102,
  CERT_CARD_AUTHENTICATION: 0x0500,
} as const;

/** Containers readable only after PIN verification (SP 800-73-4 Part 1 Table 2). */
export const PIN_PROTECTED_OBJECTS: ReadonlySet<number> = new Set([
  OBJECT_TAG.FINGERPRINTS,
  OBJECT_TAG.FACIAL_IMAGE,
  OBJECT_TAG.PRINTED_INFORMATION,
  OBJECT_TAG.IRIS_IMAGES,
]);

/** Certificate container for each asymmetric key reference (Part 1 Table 4b). */
export const CERT_TAG_FOR_SLOT: Readonly<Record<number, number>> = {
  [KEY_REF.PIV_AUTHENTICATION]: OBJECT_TAG.CERT_PIV_AUTHENTICATION,
  [KEY_REF.DIGITAL_SIGNATURE]: OBJECT_TAG.CERT_DIGITAL_SIGNATURE,
  [KEY_REF.KEY_MANAGEMENT]: OBJECT_TAG.CERT_KEY_MANAGEMENT,
  [KEY_REF.CARD_AUTHENTICATION]: OBJECT_TAG.CERT_CARD_AUTHENTICATION,
};

/** Object tag as the 3 bytes a GET/PUT DATA tag list (5C) carries. */
export function objectTagBytes(tag: number): Uint8Array {
  if (tag === OBJECT_TAG.DISCOVERY) return Uint8Array.of(0x7e);
  if (tag === OBJECT_TAG.BIOMETRIC_INFORMATION_TEMPLATES_GROUP) return Uint8Array.of(0x7f, 0x61);
  return Uint8Array.of(tag >> 16, (tag >> 8) & 0xff, tag & 0xff);
}

export function objectTagFromBytes(bytes: Uint8Array): number {
  let tag = 0;
  for (const b of bytes) tag = tag * 256 + b;
  return tag;
}

// ---------------------------------------------------------------------------------------
// FASC-N (TIG SCEPACS v2.3 §6; SP 800-73-4 Part 1 §3.1.2 for its use in the CHUID)

export interface FascnFields {
  /** 4 digits. Non-federal issuers use 9999. */
  agencyCode: string;
  /** 4 digits. Non-federal issuers use 9999. */
  systemCode: string;
  /** 6 digits. Non-federal issuers use 999999. */
  credentialNumber: string;
  /** 1 digit. */
  credentialSeries: string;
  /** 1 digit. */
  individualCredentialIssue: string;
  /** 10 digits. */
  personIdentifier: string;
  /** 1 digit: 1 federal, 2 state, 3 commercial enterprise, 4 foreign government. */
  organizationalCategory: string;
  /** 4 digits. */
  organizationalIdentifier: string;
  /** 1 digit: 1 employee, 2 civil, 3 executive staff, 4 uniformed service, 5 contractor, 6 affiliate, 7 beneficiary. */
  personOrganizationAssociation: string;
}

const FASCN_START_SENTINEL = 0b1011; // 'SS' = 11010 on the wire (b1..b4 then parity)
const FASCN_FIELD_SEPARATOR = 0b1101; // 'FS' = 10110
const FASCN_END_SENTINEL = 0b1111; // 'ES' = 11111
export const FASCN_BYTES = 25;

const FASCN_LAYOUT: readonly (readonly [keyof FascnFields, number])[] = [
  ['agencyCode', 4],
  ['systemCode', 4],
  ['credentialNumber', 6],
  ['credentialSeries', 1],
  ['individualCredentialIssue', 1],
  ['personIdentifier', 10],
];

/**
 * The non-federal (PIV-I / commercial) FASC-N for a card number. The Person Identifier
 * holds 10 digits: shorter card numbers are zero-padded, longer ones keep their last 10
 * digits (the GUID, not the FASC-N, is the unique card identifier for non-federal cards).
 */
export function nonFederalFascn(cardNumber: string, association = '1'): FascnFields {
  if (!/^\d+$/.test(cardNumber)) throw new RangeError('card number must be digits');
  return {
    agencyCode: '9999',
    systemCode: '9999',
    credentialNumber: '999999',
    credentialSeries: '0',
    individualCredentialIssue: '1',
    personIdentifier: cardNumber.slice(-10).padStart(10, '0'),
    // 3 = commercial enterprise: the appliance is not a federal issuer.
    organizationalCategory: '3',
    organizationalIdentifier: '9999',
    personOrganizationAssociation: association,
  };
}

/** One 5-bit FASC-N character: 4 data bits least significant first, then odd parity. */
function fascnCharacter(value: number): number[] {
  const bits = [value & 1, (value >> 1) & 1, (value >> 2) & 1, (value >> 3) & 1];
  const ones = bits.reduce((a, b) => a + b, 0);
  return [...bits, ones % 2 === 0 ? 1 : 0];
}

export function encodeFascn(fields: FascnFields): Uint8Array {
  const chars: number[] = [FASCN_START_SENTINEL];
  for (const [name, width] of FASCN_LAYOUT) {
    const digits = fields[name];
    if (!new RegExp(`^\\d{${width}}$`).test(digits))
      throw new RangeError(`FASC-N ${name} must be ${width} digits`);
    if (chars.length > 1) chars.push(FASCN_FIELD_SEPARATOR);
    for (const d of digits) chars.push(Number(d));
  }
  // PI, OC, OI and POA follow each other without separators (TIG SCEPACS Table 6-1).
  const tail: [keyof FascnFields, number][] = [
    ['organizationalCategory', 1],
    ['organizationalIdentifier', 4],
    ['personOrganizationAssociation', 1],
  ];
  for (const [name, width] of tail) {
    const digits = fields[name];
    if (!new RegExp(`^\\d{${width}}$`).test(digits))
      throw new RangeError(`FASC-N ${name} must be ${width} digits`);
    for (const d of digits) chars.push(Number(d));
  }
  chars.push(FASCN_END_SENTINEL);
  // LRC: XOR of the data bits of every character, sentinels included, with its own parity.
  const lrc = chars.reduce((a, c) => a ^ c, 0);
  chars.push(lrc);
  const bits = chars.flatMap(fascnCharacter);
  const out = new Uint8Array(FASCN_BYTES);
  bits.forEach((bit, i) => {
    if (bit) out[i >> 3]! |= 0x80 >> (i & 7);
  });
  return out;
}

export function decodeFascn(bytes: Uint8Array): FascnFields {
  if (bytes.length !== FASCN_BYTES) throw new TlvFormatError(`FASC-N must be ${FASCN_BYTES} bytes`);
  const chars: number[] = [];
  for (let c = 0; c < 40; c++) {
    let value = 0;
    let ones = 0;
    for (let b = 0; b < 5; b++) {
      const i = c * 5 + b;
      const bit = (bytes[i >> 3]! >> (7 - (i & 7))) & 1;
      ones += bit;
      if (b < 4) value |= bit << b;
    }
    if (ones % 2 !== 1) throw new TlvFormatError(`FASC-N character ${c} fails its parity check`);
    chars.push(value);
  }
  const lrc = chars.slice(0, 39).reduce((a, c) => a ^ c, 0);
  if (lrc !== chars[39]) throw new TlvFormatError('FASC-N LRC mismatch');
  if (chars[0] !== FASCN_START_SENTINEL || chars[38] !== FASCN_END_SENTINEL) {
    throw new TlvFormatError('FASC-N sentinels missing');
  }
  const digitsAt = (from: number, count: number): string => {
    const slice = chars.slice(from, from + count);
    if (slice.some((d) => d > 9)) throw new TlvFormatError('FASC-N field holds a non-digit');
    return slice.join('');
  };
  // Positions: SS, AC(4) FS SC(4) FS CN(6) FS CS(1) FS ICI(1) FS PI(10) OC(1) OI(4) POA(1) ES LRC
  const separators = [5, 10, 17, 19, 21];
  for (const s of separators) {
    if (chars[s] !== FASCN_FIELD_SEPARATOR)
      throw new TlvFormatError('FASC-N field separator missing');
  }
  return {
    agencyCode: digitsAt(1, 4),
    systemCode: digitsAt(6, 4),
    credentialNumber: digitsAt(11, 6),
    credentialSeries: digitsAt(18, 1),
    individualCredentialIssue: digitsAt(20, 1),
    personIdentifier: digitsAt(22, 10),
    organizationalCategory: digitsAt(32, 1),
    organizationalIdentifier: digitsAt(33, 4),
    personOrganizationAssociation: digitsAt(37, 1),
  };
}

// ---------------------------------------------------------------------------------------
// CHUID (SP 800-73-4 Part 1 §3.1.2, Table 9)

export interface Chuid {
  fascn: Uint8Array;
  guid: Uint8Array;
  /** 'YYYYMMDD' */
  expiry: string;
  /** Cardholder UUID (tag 36), optional. */
  cardholderUuid?: Uint8Array;
  /** Issuer asymmetric signature (tag 3E); empty when the CHUID is not signed. */
  issuerSignature: Uint8Array;
}

export const GUID_BYTES = 16;

/** 'YYYY-MM-DD' → 'YYYYMMDD' (the CHUID expiration date, Table 9 tag 35). */
export function chuidExpiry(isoDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!m) throw new RangeError('expiry date must be YYYY-MM-DD');
  return `${m[1]}${m[2]}${m[3]}`;
}

export function encodeChuid(chuid: Chuid): Uint8Array {
  if (chuid.fascn.length !== FASCN_BYTES) throw new RangeError('FASC-N must be 25 bytes');
  if (chuid.guid.length !== GUID_BYTES) throw new RangeError('GUID must be 16 bytes');
  if (!/^\d{8}$/.test(chuid.expiry)) throw new RangeError('CHUID expiry must be YYYYMMDD');
  return concatBytes(
    encodeTlv(0x30, chuid.fascn),
    encodeTlv(0x34, chuid.guid),
    encodeTlv(0x35, new TextEncoder().encode(chuid.expiry)),
    chuid.cardholderUuid ? encodeTlv(0x36, chuid.cardholderUuid) : new Uint8Array(0),
    encodeTlv(0x3e, chuid.issuerSignature),
    // Error detection code, always empty (Table 9 note: tag FE, length 0).
    encodeTlv(0xfe, []),
  );
}

/**
 * What the CHUID's issuer signature covers (FIPS 201-3 Table B-1, id-PIV-CHUIDSecurityObject:
 * "the concatenated contents of the CHUID, excluding the asymmetric signature field"): the
 * TLVs before tag 3E. The error detection code (FE) follows the signature and is left out
 * too; it is always empty.
 */
export function chuidSignedContent(chuid: Omit<Chuid, 'issuerSignature'>): Uint8Array {
  const full = encodeChuid({ ...chuid, issuerSignature: new Uint8Array(0) });
  // encodeChuid ends with 3E 00 FE 00.
  return full.subarray(0, full.length - 4);
}

/** The same bytes, taken from a CHUID read from a card (everything before its 3E field). */
export function chuidSignedContentOf(content: Uint8Array): Uint8Array {
  const tlvs = decodeTlvs(content);
  const kept = tlvs.filter((t) => t.tag !== 0x3e && t.tag !== 0xfe);
  return concatBytes(...kept.map((t) => encodeTlv(t.tag, t.value)));
}

export function decodeChuid(content: Uint8Array): Chuid {
  const tlvs = decodeTlvs(content);
  const cardholderUuid = findTlv(tlvs, 0x36);
  const chuid: Chuid = {
    fascn: requireTlv(tlvs, 0x30, 'CHUID'),
    guid: requireTlv(tlvs, 0x34, 'CHUID'),
    expiry: new TextDecoder().decode(requireTlv(tlvs, 0x35, 'CHUID')),
    issuerSignature: findTlv(tlvs, 0x3e) ?? new Uint8Array(0),
  };
  if (cardholderUuid) chuid.cardholderUuid = cardholderUuid;
  return chuid;
}

// ---------------------------------------------------------------------------------------
// Security Object (SP 800-73-4 Part 1, the Security Object container: tags BA, BB, FE)

/**
 * The Security Object container: BA = for each data group its number (1 byte) and container
 * id (2 bytes), BB = the CMS SignedData over an ICAO 9303 LDSSecurityObject with the data
 * groups' hashes, FE = error detection code (empty).
 */
export function encodeSecurityObject(
  groups: readonly { dataGroup: number; containerId: number }[],
  signedData: Uint8Array,
): Uint8Array {
  const mapping = concatBytes(
    ...groups.map((g) => Uint8Array.of(g.dataGroup, g.containerId >> 8, g.containerId & 0xff)),
  );
  return concatBytes(encodeTlv(0xba, mapping), encodeTlv(0xbb, signedData), encodeTlv(0xfe, []));
}

export function decodeSecurityObject(content: Uint8Array): {
  mapping: { dataGroup: number; containerId: number }[];
  signedData: Uint8Array;
} {
  const tlvs = decodeTlvs(content);
  const raw = requireTlv(tlvs, 0xba, 'Security Object');
  if (raw.length % 3 !== 0)
    throw new TlvFormatError('Security Object mapping is not 3-byte entries');
  const mapping = [];
  for (let i = 0; i < raw.length; i += 3)
    mapping.push({ dataGroup: raw[i]!, containerId: (raw[i + 1]! << 8) | raw[i + 2]! });
  return { mapping, signedData: requireTlv(tlvs, 0xbb, 'Security Object') };
}

// ---------------------------------------------------------------------------------------
// Card Capability Container (SP 800-73-4 Part 1 §3.1.1, Table 8)

/** GSC-IS registered application provider id that opens the CCC card identifier. */
const GSC_RID = [0xa0, 0x00, 0x00, 0x01, 0x16];
const CCC_CARD_ID_BYTES = 14;

/**
 * CCC with a card identifier derived from the card: GSC RID, manufacturer id FF, card type
 * 02 (Java Card), then 14 bytes that identify this card (the GUID's first 14 bytes).
 */
export function encodeCcc(cardIdentifier: Uint8Array): Uint8Array {
  const id = new Uint8Array(CCC_CARD_ID_BYTES);
  id.set(cardIdentifier.subarray(0, CCC_CARD_ID_BYTES));
  return concatBytes(
    encodeTlv(0xf0, concatBytes(GSC_RID, [0xff, 0x02], id)),
    encodeTlv(0xf1, [0x21]), // capability container version number
    encodeTlv(0xf2, [0x21]), // capability grammar version number
    encodeTlv(0xf3, []), // applications CardURL
    encodeTlv(0xf4, [0x00]), // PKCS#15: not present
    encodeTlv(0xf5, [0x10]), // registered data model number (0x10 for PIV)
    encodeTlv(0xf6, []), // access control rule table
    encodeTlv(0xf7, []), // card APDUs
    encodeTlv(0xfa, []), // redirection tag
    encodeTlv(0xfb, []), // capability tuples
    encodeTlv(0xfc, []), // status tuples
    encodeTlv(0xfd, []), // next CCC
    encodeTlv(0xfe, []), // error detection code
  );
}

// ---------------------------------------------------------------------------------------
// Certificate containers (SP 800-73-4 Part 1 §3.3.2, Table 10 ff.)

export function encodeCertificateContainer(certificateDer: Uint8Array): Uint8Array {
  // 71 01 00: CertInfo — not compressed (bit 0 clear). FE 00: error detection code.
  return concatBytes(encodeTlv(0x70, certificateDer), encodeTlv(0x71, [0x00]), encodeTlv(0xfe, []));
}

export function decodeCertificateContainer(content: Uint8Array): {
  certificateDer: Uint8Array;
  compressed: boolean;
} {
  const tlvs: Tlv[] = decodeTlvs(content);
  const certInfo = findTlv(tlvs, 0x71);
  return {
    certificateDer: requireTlv(tlvs, 0x70, 'certificate container'),
    compressed: certInfo !== undefined && certInfo.length > 0 && (certInfo[0]! & 0x01) === 1,
  };
}

// ---------------------------------------------------------------------------------------
// Discovery object (SP 800-73-4 Part 1 §3.3.6, Table 18)

/** PIN usage policy byte 1: 0x40 = the PIV Card Application PIN satisfies the PIV ACRs. */
export const PIN_POLICY_APPLICATION_PIN = 0x40;

export function encodeDiscoveryObject(): Uint8Array {
  return encodeTlv(
    0x7e,
    concatBytes(encodeTlv(0x4f, PIV_AID), encodeTlv(0x5f2f, [PIN_POLICY_APPLICATION_PIN, 0x00])),
  );
}

// ---------------------------------------------------------------------------------------
// PIN / PUK reference data (SP 800-73-4 Part 2 §2.4.3)

export const PIN_BLOCK_BYTES = 8;

/** 6–8 characters, padded with FF to 8 bytes. Throws RangeError without echoing the value. */
export function encodePinBlock(value: string, what: 'PIN' | 'PUK'): Uint8Array {
  const bytes = new TextEncoder().encode(value);
  if (bytes.length < 6 || bytes.length > PIN_BLOCK_BYTES) {
    throw new RangeError(`${what} must be 6 to 8 characters`);
  }
  const out = new Uint8Array(PIN_BLOCK_BYTES).fill(0xff);
  out.set(bytes);
  return out;
}
