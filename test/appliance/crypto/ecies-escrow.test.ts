/** PUK escrow to the centre's key: only the holder of the centre's private key opens it. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EciesEscrow, openEscrow } from '../../../appliance/src/crypto/ecies-escrow.js';
import { pukEscrowContext } from '../../../appliance/src/core/secret-escrow.js';

const centre = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const publicPem = centre.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const privatePem = centre.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

describe('ECIES escrow', () => {
  const escrow = new EciesEscrow(publicPem);
  const context = pukEscrowContext('card-1', '10000009');

  it('opens with the centre key and the same context, to the sealed value', () => {
    const sealed = escrow.seal('12345678', context);
    expect(sealed).toMatch(/^e1\./);
    expect(sealed).not.toContain('12345678');
    expect(openEscrow(privatePem, sealed, context)).toBe('12345678');
  });

  it('seals the same PUK differently each time (fresh ephemeral key)', () => {
    expect(escrow.seal('12345678', context)).not.toBe(escrow.seal('12345678', context));
  });

  it('refuses another card’s context, a tampered blob and another key', () => {
    const sealed = escrow.seal('12345678', context);
    expect(() => openEscrow(privatePem, sealed, pukEscrowContext('card-2', '10000009'))).toThrow();
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1] = (raw[raw.length - 1] as number) ^ 1;
    expect(() => openEscrow(privatePem, `e1.${raw.toString('base64url')}`, context)).toThrow();
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(() =>
      openEscrow(
        other.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
        sealed,
        context,
      ),
    ).toThrow();
  });

  it('names the key it sealed to and accepts only P-256 public keys', () => {
    expect(escrow.keyId).toMatch(/^[0-9a-f]{64}$/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(
      () => new EciesEscrow(rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string),
    ).toThrow(/P-256/);
  });
});
