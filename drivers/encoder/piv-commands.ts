/**
 * PIV card commands as data (SP 800-73-4 Part 2 §3): builders that return CommandApdu
 * values and parsers for the card's replies, plus the YubiKey-compatible management
 * extensions common PIV cards and tools use (GET VERSION, GET SERIAL, SET MANAGEMENT KEY,
 * SET PIN RETRIES, RESET, GET METADATA). Also the host half of the management-key
 * challenge–response (3DES, node:crypto `des-ede3`) and the conversion of a generated
 * public key (tag 7F49) to a SubjectPublicKeyInfo. Pure: no I/O.
 */
import { createCipheriv, createDecipheriv, createHash, createPublicKey } from 'node:crypto';
import {
  TlvFormatError,
  concatBytes,
  decodeTlvs,
  encodeTlv,
  findTlv,
  requireTlv,
  type CommandApdu,
} from './apdu-codec.js';
import { ALGORITHM, KEY_REF, PIV_AID, encodePinBlock, objectTagBytes } from './piv-objects.js';
import {
  MANAGEMENT_KEY_ALGORITHM,
  challengeBlockBytes,
  managementKeyBytes,
  managementKeyName,
  type ManagementKeyAlgorithm,
} from './management-key-algorithm.js';

export const INS = {
  SELECT: 0xa4,
  VERIFY: 0x20,
  CHANGE_REFERENCE_DATA: 0x24,
  RESET_RETRY_COUNTER: 0x2c,
  GENERAL_AUTHENTICATE: 0x87,
  GENERATE_ASYMMETRIC_KEY_PAIR: 0x47,
  PUT_DATA: 0xdb,
  GET_DATA: 0xcb,
  GET_RESPONSE: 0xc0,
  // YubiKey-compatible management extensions.
  GET_VERSION: 0xfd,
  GET_SERIAL: 0xf8,
  SET_MANAGEMENT_KEY: 0xff,
  SET_PIN_RETRIES: 0xfa,
  RESET: 0xfb,
  GET_METADATA: 0xf7,
  IMPORT_KEY: 0xfe,
  ATTEST: 0xf9,
} as const;

/** 3DES management key length (SP 800-78-4 §5: 3-key TDEA, 24 bytes). */
export const TDES_KEY_BYTES = 24;
/** 3DES block / challenge length. */
export const TDES_BLOCK_BYTES = 8;
export const FACTORY_MANAGEMENT_KEY = Uint8Array.from([
  1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8,
]);
export const FACTORY_PIN = '123456';
export const FACTORY_PUK = '12345678';

export type AsymmetricAlgorithm = typeof ALGORITHM.ECC_P256 | typeof ALGORITHM.RSA_2048;

// ---------------------------------------------------------------------------------------
// Builders

/** SELECT the PIV application by AID (Part 2 §3.1.1); Le 00 asks for the property template. */
export function selectPiv(aid: Uint8Array = PIV_AID): CommandApdu {
  return { cla: 0x00, ins: INS.SELECT, p1: 0x04, p2: 0x00, data: aid, le: 256 };
}

/** VERIFY (Part 2 §3.2.1). Without a PIN it asks for the retry counter (63Cx) or status. */
export function verifyPin(pin?: string): CommandApdu {
  const command: CommandApdu = { cla: 0x00, ins: INS.VERIFY, p1: 0x00, p2: KEY_REF.PIN };
  if (pin !== undefined) command.data = encodePinBlock(pin, 'PIN');
  return command;
}

/** VERIFY with P1 FF: reset the PIN's security status (Part 2 §3.2.1). */
export function resetPinStatus(): CommandApdu {
  return { cla: 0x00, ins: INS.VERIFY, p1: 0xff, p2: KEY_REF.PIN };
}

/** CHANGE REFERENCE DATA (Part 2 §3.2.2) for the PIN (80) or the PUK (81). */
export function changeReferenceData(
  reference: 'PIN' | 'PUK',
  oldValue: string,
  newValue: string,
): CommandApdu {
  return {
    cla: 0x00,
    ins: INS.CHANGE_REFERENCE_DATA,
    p1: 0x00,
    p2: reference === 'PIN' ? KEY_REF.PIN : KEY_REF.PUK,
    data: concatBytes(encodePinBlock(oldValue, reference), encodePinBlock(newValue, reference)),
  };
}

/** RESET RETRY COUNTER (Part 2 §3.2.3): unblock the PIN with the PUK and set a new PIN. */
export function resetRetryCounter(puk: string, newPin: string): CommandApdu {
  return {
    cla: 0x00,
    ins: INS.RESET_RETRY_COUNTER,
    p1: 0x00,
    p2: KEY_REF.PIN,
    data: concatBytes(encodePinBlock(puk, 'PUK'), encodePinBlock(newPin, 'PIN')),
  };
}

/** GENERAL AUTHENTICATE (Part 2 §3.2.4) with a dynamic authentication template 7C. */
export function generalAuthenticate(
  algorithm: number,
  keyReference: number,
  template: Uint8Array,
): CommandApdu {
  return {
    cla: 0x00,
    ins: INS.GENERAL_AUTHENTICATE,
    p1: algorithm,
    p2: keyReference,
    data: encodeTlv(0x7c, template),
    le: 256,
  };
}

/** GENERATE ASYMMETRIC KEY PAIR (Part 2 §3.3.2): control reference template AC{80 alg}. */
export function generateKeyPair(slot: number, algorithm: AsymmetricAlgorithm): CommandApdu {
  return {
    cla: 0x00,
    ins: INS.GENERATE_ASYMMETRIC_KEY_PAIR,
    p1: 0x00,
    p2: slot,
    data: encodeTlv(0xac, encodeTlv(0x80, [algorithm])),
    le: 256,
  };
}

/** PUT DATA (Part 2 §3.3.1): 5C tag list then 53 data object content. */
export function putData(objectTag: number, content: Uint8Array): CommandApdu {
  return {
    cla: 0x00,
    ins: INS.PUT_DATA,
    p1: 0x3f,
    p2: 0xff,
    data: concatBytes(encodeTlv(0x5c, objectTagBytes(objectTag)), encodeTlv(0x53, content)),
  };
}

/** GET DATA (Part 2 §3.1.2): the reply is 53 {content}, or 7E {…} for the discovery object. */
export function getData(objectTag: number): CommandApdu {
  return {
    cla: 0x00,
    ins: INS.GET_DATA,
    p1: 0x3f,
    p2: 0xff,
    data: encodeTlv(0x5c, objectTagBytes(objectTag)),
    le: 256,
  };
}

export function getResponse(length: number): CommandApdu {
  return { cla: 0x00, ins: INS.GET_RESPONSE, p1: 0x00, p2: 0x00, le: length };
}

export function getVersion(): CommandApdu {
  return { cla: 0x00, ins: INS.GET_VERSION, p1: 0x00, p2: 0x00, le: 256 };
}

export function getSerial(): CommandApdu {
  return { cla: 0x00, ins: INS.GET_SERIAL, p1: 0x00, p2: 0x00, le: 256 };
}

/**
 * SET MANAGEMENT KEY: `00 FF FF FF Lc alg 9B len key` (P2 FF: no touch required), e.g.
 * `03 9B 18` for 3DES, `0A 9B 18` for AES-192, `08 9B 10` AES-128, `0C 9B 20` AES-256
 * (YubiKey-compatible extension; AES from YubiKey firmware 5.4.2).
 */
export function setManagementKey(
  key: Uint8Array,
  algorithm: ManagementKeyAlgorithm = MANAGEMENT_KEY_ALGORITHM.TDEA_3KEY,
): CommandApdu {
  const bytes = managementKeyBytes(algorithm);
  if (key.length !== bytes)
    throw new RangeError(`management key must be ${bytes} bytes (${managementKeyName(algorithm)})`);
  return {
    cla: 0x00,
    ins: INS.SET_MANAGEMENT_KEY,
    p1: 0xff,
    p2: 0xff,
    data: concatBytes([algorithm, KEY_REF.MANAGEMENT, key.length], key),
  };
}

/** SET PIN RETRIES: P1 PIN tries, P2 PUK tries. Needs the management key and the PIN. */
export function setPinRetries(pinRetries: number, pukRetries: number): CommandApdu {
  for (const [n, what] of [
    [pinRetries, 'PIN retries'],
    [pukRetries, 'PUK retries'],
  ] as const) {
    if (!Number.isInteger(n) || n < 1 || n > 15) throw new RangeError(`${what} must be 1..15`);
  }
  return { cla: 0x00, ins: INS.SET_PIN_RETRIES, p1: pinRetries, p2: pukRetries };
}

export function resetCard(): CommandApdu {
  return { cla: 0x00, ins: INS.RESET, p1: 0x00, p2: 0x00 };
}

export function getMetadata(reference: number): CommandApdu {
  return { cla: 0x00, ins: INS.GET_METADATA, p1: 0x00, p2: reference, le: 256 };
}

/** ATTEST (YubiKey 4.3+): `00 F9 slot 00`; the reply is an X.509 certificate (DER). */
export function attestKey(slot: number): CommandApdu {
  return { cla: 0x00, ins: INS.ATTEST, p1: slot, p2: 0x00, le: 256 };
}

// ---------------------------------------------------------------------------------------
// Parsers

export interface ApplicationProperties {
  aid: Uint8Array;
  label?: string;
  algorithms: number[];
}

/** Parse the application property template 61 returned by SELECT (Part 2 §3.1.1, Table 3). */
export function parseApplicationProperties(reply: Uint8Array): ApplicationProperties {
  const outer = decodeTlvs(reply);
  const template = requireTlv(outer, 0x61, 'SELECT reply');
  const inner = decodeTlvs(template);
  const label = findTlv(inner, 0x50);
  const algorithms = decodeTlvs(findTlv(inner, 0xac) ?? new Uint8Array(0))
    .filter((t) => t.tag === 0x80 && t.value.length === 1)
    .map((t) => t.value[0]!);
  const props: ApplicationProperties = { aid: requireTlv(inner, 0x4f, 'SELECT reply'), algorithms };
  if (label) props.label = new TextDecoder().decode(label);
  return props;
}

/** GET DATA reply: 53 {content}; the discovery object comes back as its own 7E template. */
export function parseGetDataReply(reply: Uint8Array): Uint8Array {
  const tlvs = decodeTlvs(reply);
  const content = findTlv(tlvs, 0x53) ?? findTlv(tlvs, 0x7e);
  if (content === undefined) throw new TlvFormatError('GET DATA reply carries neither 53 nor 7E');
  return content;
}

export function parseVersion(reply: Uint8Array): string {
  if (reply.length < 3) throw new TlvFormatError('GET VERSION reply shorter than 3 bytes');
  return `${reply[0]}.${reply[1]}.${reply[2]}`;
}

export function parseSerial(reply: Uint8Array): number {
  if (reply.length !== 4) throw new TlvFormatError('GET SERIAL reply is not 4 bytes');
  return Buffer.from(reply).readUInt32BE(0);
}

export interface ReferenceMetadata {
  algorithm?: number;
  /** PIN/PUK/management key still holds its factory default value. */
  isDefault?: boolean;
  retriesTotal?: number;
  retriesRemaining?: number;
  /** 1 generated on the card, 2 imported. */
  origin?: number;
  publicKey?: Uint8Array;
}

/** GET METADATA reply (YubiKey 5.3+): 01 alg, 02 policy, 03 origin, 04 public key, 05 default, 06 retries. */
export function parseMetadata(reply: Uint8Array): ReferenceMetadata {
  const tlvs = decodeTlvs(reply);
  const out: ReferenceMetadata = {};
  const alg = findTlv(tlvs, 0x01);
  if (alg?.length === 1) out.algorithm = alg[0]!;
  const origin = findTlv(tlvs, 0x03);
  if (origin?.length === 1) out.origin = origin[0]!;
  const pub = findTlv(tlvs, 0x04);
  if (pub) out.publicKey = pub;
  const isDefault = findTlv(tlvs, 0x05);
  if (isDefault?.length === 1) out.isDefault = isDefault[0] === 1;
  const retries = findTlv(tlvs, 0x06);
  if (retries?.length === 2) {
    out.retriesTotal = retries[0]!;
    out.retriesRemaining = retries[1]!;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Management key challenge–response (Part 2 §3.2.4, Appendix A.1 "mutual authentication")

function tdes(key: Uint8Array, block: Uint8Array, direction: 'encrypt' | 'decrypt'): Uint8Array {
  if (key.length !== TDES_KEY_BYTES) throw new RangeError('management key must be 24 bytes (3DES)');
  const cipher =
    direction === 'encrypt'
      ? createCipheriv('des-ede3', key, null).setAutoPadding(false)
      : createDecipheriv('des-ede3', key, null).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(block), cipher.final()]));
}

export const tdesEncryptBlock = (key: Uint8Array, block: Uint8Array): Uint8Array =>
  tdes(key, block, 'encrypt');
export const tdesDecryptBlock = (key: Uint8Array, block: Uint8Array): Uint8Array =>
  tdes(key, block, 'decrypt');

/** Step 1: ask the card for an encrypted witness (7C{80 00}). */
export function requestWitness(
  algorithm: ManagementKeyAlgorithm = MANAGEMENT_KEY_ALGORITHM.TDEA_3KEY,
): CommandApdu {
  return generalAuthenticate(algorithm, KEY_REF.MANAGEMENT, Uint8Array.of(0x80, 0x00));
}

/** The witness from the card's reply: one block of the key's algorithm (8 bytes 3DES, 16 AES). */
export function parseWitnessReply(
  reply: Uint8Array,
  algorithm: ManagementKeyAlgorithm = MANAGEMENT_KEY_ALGORITHM.TDEA_3KEY,
): Uint8Array {
  const outer = requireTlv(decodeTlvs(reply), 0x7c, 'GENERAL AUTHENTICATE reply');
  const witness = requireTlv(decodeTlvs(outer), 0x80, 'GENERAL AUTHENTICATE witness');
  if (witness.length !== challengeBlockBytes(algorithm))
    throw new TlvFormatError(`witness is not one ${managementKeyName(algorithm)} block`);
  return witness;
}

/** Step 2: return the decrypted witness and pose our own challenge (7C{80 w, 81 c}). */
export function answerWitness(
  decryptedWitness: Uint8Array,
  challenge: Uint8Array,
  algorithm: ManagementKeyAlgorithm = MANAGEMENT_KEY_ALGORITHM.TDEA_3KEY,
): CommandApdu {
  return generalAuthenticate(
    algorithm,
    KEY_REF.MANAGEMENT,
    concatBytes(encodeTlv(0x80, decryptedWitness), encodeTlv(0x81, challenge)),
  );
}

export function parseChallengeResponse(reply: Uint8Array): Uint8Array {
  const outer = requireTlv(decodeTlvs(reply), 0x7c, 'GENERAL AUTHENTICATE reply');
  return requireTlv(decodeTlvs(outer), 0x82, 'GENERAL AUTHENTICATE response');
}

// ---------------------------------------------------------------------------------------
// Asymmetric keys: 7F49 → SPKI; signing inputs

const RSA_2048_MODULUS_BYTES = 256;
const P256_POINT_BYTES = 65;

/** Convert the GENERATE reply (7F49{81 n, 82 e} or 7F49{86 04‖X‖Y}) to SPKI DER. */
export function publicKeyToSpki(reply: Uint8Array, algorithm: number): Uint8Array {
  const template = requireTlv(decodeTlvs(reply), 0x7f49, 'GENERATE reply');
  const inner = decodeTlvs(template);
  if (algorithm === ALGORITHM.ECC_P256) {
    const point = requireTlv(inner, 0x86, 'EC public key');
    if (point.length !== P256_POINT_BYTES || point[0] !== 0x04)
      throw new TlvFormatError('EC point is not uncompressed P-256');
    const jwk = {
      kty: 'EC',
      crv: 'P-256',
      x: Buffer.from(point.subarray(1, 33)).toString('base64url'),
      y: Buffer.from(point.subarray(33, 65)).toString('base64url'),
    };
    return new Uint8Array(
      createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' }),
    );
  }
  if (algorithm === ALGORITHM.RSA_2048 || algorithm === ALGORITHM.RSA_1024) {
    const n = requireTlv(inner, 0x81, 'RSA modulus');
    const e = requireTlv(inner, 0x82, 'RSA exponent');
    if (algorithm === ALGORITHM.RSA_2048 && n.length !== RSA_2048_MODULUS_BYTES) {
      throw new TlvFormatError('RSA-2048 modulus is not 256 bytes');
    }
    const jwk = {
      kty: 'RSA',
      n: Buffer.from(n).toString('base64url'),
      e: Buffer.from(e).toString('base64url'),
    };
    return new Uint8Array(
      createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' }),
    );
  }
  throw new RangeError(`unsupported algorithm ${algorithm}`);
}

/** DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1). */
const SHA256_DIGEST_INFO_PREFIX = Uint8Array.from([
  0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
  0x00, 0x04, 0x20,
]);

/**
 * The block the card signs: for ECC the SHA-256 digest itself; for RSA the PKCS#1 v1.5
 * type-1 padded DigestInfo (the card performs the raw private-key operation; Part 2
 * §3.2.4 "the card does no padding").
 */
export function signingInput(data: Uint8Array, algorithm: number): Uint8Array {
  const digest = new Uint8Array(createHash('sha256').update(data).digest());
  if (algorithm === ALGORITHM.ECC_P256) return digest;
  if (algorithm === ALGORITHM.RSA_2048) {
    const t = concatBytes(SHA256_DIGEST_INFO_PREFIX, digest);
    const block = new Uint8Array(RSA_2048_MODULUS_BYTES).fill(0xff);
    block[0] = 0x00;
    block[1] = 0x01;
    block[RSA_2048_MODULUS_BYTES - t.length - 1] = 0x00;
    block.set(t, RSA_2048_MODULUS_BYTES - t.length);
    return block;
  }
  throw new RangeError(`unsupported algorithm ${algorithm}`);
}

/** Sign with a card key: 7C{82 00, 81 input} (Part 2 Appendix A.3/A.4). */
export function signWithKey(slot: number, algorithm: number, input: Uint8Array): CommandApdu {
  return generalAuthenticate(
    algorithm,
    slot,
    concatBytes(encodeTlv(0x82, []), encodeTlv(0x81, input)),
  );
}

export function parseSignatureReply(reply: Uint8Array): Uint8Array {
  const outer = requireTlv(decodeTlvs(reply), 0x7c, 'GENERAL AUTHENTICATE reply');
  return requireTlv(decodeTlvs(outer), 0x82, 'signature');
}
