// Encryption at rest for the CA's private keys. A key is sealed with AES-256-GCM under a key
// derived by HKDF-SHA256 from the device secret (32 bytes from the device's secret store) and a
// fresh random salt, so no two files share an encryption key. The role ("root-ca",
// "issuing-ca", …) is authenticated as associated data: a root key file copied over the issuing
// key file fails to open instead of being used in the wrong role.
//
// Layout: "CKSK" | version 0x01 | salt (16) | IV (12) | GCM tag (16) | ciphertext (PKCS#8 DER).

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { CaKeyDecryptionError, InvalidSecretKeyError } from './ca-errors.js';

export const DEVICE_SECRET_BYTES = 32;

const MAGIC = Buffer.from('CKSK', 'ascii');
const FORMAT_VERSION = 1;
const SALT_BYTES = 16;
const IV_BYTES = 12; // the GCM nonce size NIST SP 800-38D recommends
const TAG_BYTES = 16;
const AES_KEY_BYTES = 32;
const HKDF_INFO = 'cardkiosk ca private key v1';
const HEADER_BYTES = MAGIC.length + 1 + SALT_BYTES + IV_BYTES + TAG_BYTES;

export type SealedKeyRole = 'root-ca' | 'issuing-ca' | 'issuing-ca-request' | 'content-signer';

/** Throws `InvalidSecretKeyError` unless the device secret is exactly 32 bytes. */
export function assertDeviceSecret(secretKey: Uint8Array): void {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== DEVICE_SECRET_BYTES) {
    throw new InvalidSecretKeyError(
      `the CA needs a ${DEVICE_SECRET_BYTES}-byte device secret, got ${
        secretKey instanceof Uint8Array ? `${secretKey.length} bytes` : typeof secretKey
      }`,
    );
  }
}

/** Encrypts a PKCS#8 DER private key for storage. */
export function sealPrivateKey(
  pkcs8Der: Uint8Array,
  secretKey: Uint8Array,
  role: SealedKeyRole,
): Uint8Array {
  assertDeviceSecret(secretKey);
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const key = deriveKey(secretKey, salt);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(associatedData(role));
  const ciphertext = Buffer.concat([cipher.update(pkcs8Der), cipher.final()]);
  key.fill(0);
  return Buffer.concat([
    MAGIC,
    Buffer.from([FORMAT_VERSION]),
    salt,
    iv,
    cipher.getAuthTag(),
    ciphertext,
  ]);
}

/**
 * Decrypts a sealed key and returns its PKCS#8 DER. The caller should `fill(0)` the result once
 * it has imported the key. Throws `CaKeyDecryptionError` for a wrong secret, a wrong role or an
 * altered file (GCM cannot tell these apart, and the message says so).
 */
export function unsealPrivateKey(
  sealed: Uint8Array,
  secretKey: Uint8Array,
  role: SealedKeyRole,
  source: string,
): Buffer {
  assertDeviceSecret(secretKey);
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (
    bytes.length <= HEADER_BYTES ||
    !bytes.subarray(0, MAGIC.length).equals(MAGIC) ||
    bytes[MAGIC.length] !== FORMAT_VERSION
  ) {
    throw new CaKeyDecryptionError(`${source}: not a sealed CA key (unknown format)`);
  }
  let offset = MAGIC.length + 1;
  const salt = bytes.subarray(offset, (offset += SALT_BYTES));
  const iv = bytes.subarray(offset, (offset += IV_BYTES));
  const tag = bytes.subarray(offset, (offset += TAG_BYTES));
  const ciphertext = bytes.subarray(offset);
  const key = deriveKey(secretKey, salt);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(associatedData(role));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new CaKeyDecryptionError(
      `${source}: the ${role} private key could not be decrypted: the device secret is not the one it was sealed with, or the file was altered`,
    );
  } finally {
    key.fill(0);
  }
}

function deriveKey(secretKey: Uint8Array, salt: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, salt, HKDF_INFO, AES_KEY_BYTES));
}

function associatedData(role: SealedKeyRole): Buffer {
  return Buffer.concat([MAGIC, Buffer.from([FORMAT_VERSION]), Buffer.from(role, 'utf8')]);
}
