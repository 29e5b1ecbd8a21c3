/**
 * The card management key (reference 9B) in each algorithm PIV cards use for it: 3-key 3DES
 * and AES-128/192/256 (SP 800-78-4 Table 5-1; mechanism ids SP 800-78-4 Table 6-2). Its key
 * length, the block the challenge–response of GENERAL AUTHENTICATE works on (8 bytes for
 * 3DES, 16 for AES: SP 800-73-4 Part 2 Appendix A.1), one-block ECB encryption for both
 * sides of that exchange, and the order this encoder prefers when it chooses the algorithm
 * of a card's new key. Pure: no I/O.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';

export const MANAGEMENT_KEY_ALGORITHM = {
  TDEA_3KEY: 0x03,
  AES_128: 0x08,
  AES_192: 0x0a,
  AES_256: 0x0c,
} as const;
export type ManagementKeyAlgorithm =
  (typeof MANAGEMENT_KEY_ALGORITHM)[keyof typeof MANAGEMENT_KEY_ALGORITHM];

interface AlgorithmSpec {
  readonly name: string;
  readonly keyBytes: number;
  readonly blockBytes: number;
  readonly cipher: string;
}

const SPECS: Readonly<Record<ManagementKeyAlgorithm, AlgorithmSpec>> = {
  [MANAGEMENT_KEY_ALGORITHM.TDEA_3KEY]: {
    name: '3DES',
    keyBytes: 24,
    blockBytes: 8,
    cipher: 'des-ede3',
  },
  [MANAGEMENT_KEY_ALGORITHM.AES_128]: {
    name: 'AES-128',
    keyBytes: 16,
    blockBytes: 16,
    cipher: 'aes-128-ecb',
  },
  [MANAGEMENT_KEY_ALGORITHM.AES_192]: {
    name: 'AES-192',
    keyBytes: 24,
    blockBytes: 16,
    cipher: 'aes-192-ecb',
  },
  [MANAGEMENT_KEY_ALGORITHM.AES_256]: {
    name: 'AES-256',
    keyBytes: 32,
    blockBytes: 16,
    cipher: 'aes-256-ecb',
  },
};

/**
 * Which algorithm a card's new management key gets, best first. AES-192 leads: it is what
 * YubiKey 5.7 ships, and its 24-byte key is the same per-card key material 3DES used, so a
 * card personalised with 3DES before keeps its derivation. AES-256 follows (it needs 32
 * bytes of key material), then AES-128; 3DES only when the card knows nothing else
 * (SP 800-78-4 §5 allows 3DES for the card management key only until 2030).
 */
export const MANAGEMENT_KEY_PREFERENCE: readonly ManagementKeyAlgorithm[] = [
  MANAGEMENT_KEY_ALGORITHM.AES_192,
  MANAGEMENT_KEY_ALGORITHM.AES_256,
  MANAGEMENT_KEY_ALGORITHM.AES_128,
  MANAGEMENT_KEY_ALGORITHM.TDEA_3KEY,
];

export function isManagementKeyAlgorithm(value: number): value is ManagementKeyAlgorithm {
  return Object.prototype.hasOwnProperty.call(SPECS, value);
}

function spec(algorithm: number): AlgorithmSpec {
  if (!isManagementKeyAlgorithm(algorithm))
    throw new RangeError(`algorithm 0x${algorithm.toString(16)} is no management-key algorithm`);
  return SPECS[algorithm];
}

export const managementKeyName = (algorithm: number): string =>
  isManagementKeyAlgorithm(algorithm)
    ? SPECS[algorithm].name
    : `0x${algorithm.toString(16).padStart(2, '0').toUpperCase()}`;
export const managementKeyBytes = (algorithm: number): number => spec(algorithm).keyBytes;
export const challengeBlockBytes = (algorithm: number): number => spec(algorithm).blockBytes;

/**
 * The key for `algorithm` from per-card key material (24 or 32 bytes): its first
 * 16, 24 or 32 bytes. Undefined when the material is too short for the algorithm.
 */
export function managementKeyFromMaterial(
  material: Uint8Array,
  algorithm: ManagementKeyAlgorithm,
): Uint8Array | undefined {
  const bytes = managementKeyBytes(algorithm);
  return material.length >= bytes ? material.subarray(0, bytes) : undefined;
}

function block(
  algorithm: number,
  key: Uint8Array,
  input: Uint8Array,
  direction: 'encrypt' | 'decrypt',
): Uint8Array {
  const { cipher, keyBytes, blockBytes, name } = spec(algorithm);
  if (key.length !== keyBytes)
    throw new RangeError(`${name} management key must be ${keyBytes} bytes`);
  if (input.length !== blockBytes)
    throw new RangeError(`${name} block must be ${blockBytes} bytes`);
  const c =
    direction === 'encrypt'
      ? createCipheriv(cipher, key, null).setAutoPadding(false)
      : createDecipheriv(cipher, key, null).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(input), c.final()]));
}

export const managementEncryptBlock = (
  algorithm: number,
  key: Uint8Array,
  input: Uint8Array,
): Uint8Array => block(algorithm, key, input, 'encrypt');
export const managementDecryptBlock = (
  algorithm: number,
  key: Uint8Array,
  input: Uint8Array,
): Uint8Array => block(algorithm, key, input, 'decrypt');
