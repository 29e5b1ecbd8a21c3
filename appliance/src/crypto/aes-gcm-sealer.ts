/**
 * AES-256-GCM sealing with a key derived (HKDF-SHA256) from the device secret. Format:
 * "v1." + base64url(iv ‖ tag ‖ ciphertext); the context is the additional authenticated data.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { SecretSealer } from '../core/secret-sealer.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class AesGcmSealer implements SecretSealer {
  private readonly key: Buffer;

  constructor(deviceSecret: Uint8Array, purpose: string) {
    this.key = Buffer.from(
      hkdfSync('sha256', deviceSecret, Buffer.alloc(0), `cardkiosk:${purpose}`, 32),
    );
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `v1.${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url')}`;
  }

  open(sealed: string, context: string): string {
    if (!sealed.startsWith('v1.')) throw new Error('unknown sealed format');
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([
      decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  }
}
