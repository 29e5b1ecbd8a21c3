// Encryption at rest of CA private keys: round trip, and every way a sealed key must refuse to
// open (wrong secret, wrong role, altered bytes, foreign format).

import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CaKeyDecryptionError,
  InvalidSecretKeyError,
} from '../../../appliance/src/ca/ca-errors.js';
import { sealPrivateKey, unsealPrivateKey } from '../../../appliance/src/ca/sealed-private-key.js';
import { deviceSecret } from './ca-test-support.js';

const pkcs8 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
  type: 'pkcs8',
  format: 'der',
});

describe('sealed private keys', () => {
  it('opens with the secret and role it was sealed with', () => {
    const secret = deviceSecret();
    const sealed = sealPrivateKey(pkcs8, secret, 'issuing-ca');
    expect(unsealPrivateKey(sealed, secret, 'issuing-ca', 'test').equals(pkcs8)).toBe(true);
  });

  it('never contains the plaintext and differs on every seal', () => {
    const secret = deviceSecret();
    const a = Buffer.from(sealPrivateKey(pkcs8, secret, 'root-ca'));
    const b = Buffer.from(sealPrivateKey(pkcs8, secret, 'root-ca'));
    expect(a.equals(b)).toBe(false);
    expect(a.includes(pkcs8.subarray(36, 68))).toBe(false);
  });

  it('refuses a wrong device secret', () => {
    const sealed = sealPrivateKey(pkcs8, deviceSecret(), 'issuing-ca');
    expect(() => unsealPrivateKey(sealed, deviceSecret(), 'issuing-ca', 'test')).toThrow(
      CaKeyDecryptionError,
    );
  });

  it('refuses to open a root key as the issuing key', () => {
    const secret = deviceSecret();
    const sealed = sealPrivateKey(pkcs8, secret, 'root-ca');
    expect(() => unsealPrivateKey(sealed, secret, 'issuing-ca', 'test')).toThrow(
      CaKeyDecryptionError,
    );
  });

  it('refuses a sealed key with one byte altered', () => {
    const secret = deviceSecret();
    const sealed = Buffer.from(sealPrivateKey(pkcs8, secret, 'issuing-ca'));
    sealed[sealed.length - 5] = (sealed[sealed.length - 5] ?? 0) ^ 0x01;
    expect(() => unsealPrivateKey(sealed, secret, 'issuing-ca', 'test')).toThrow(
      CaKeyDecryptionError,
    );
  });

  it('refuses bytes in another format, naming the source but no key material', () => {
    expect(() => unsealPrivateKey(pkcs8, deviceSecret(), 'issuing-ca', '/state/ca.json')).toThrow(
      /\/state\/ca\.json: not a sealed CA key/,
    );
  });

  it('requires a 32-byte device secret', () => {
    expect(() => sealPrivateKey(pkcs8, new Uint8Array(31), 'root-ca')).toThrow(
      InvalidSecretKeyError,
    );
  });
});
