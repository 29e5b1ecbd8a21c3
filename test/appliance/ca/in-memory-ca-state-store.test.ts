// The in-memory CaStateStore keeps the port's contract, which the SQLite adapter must keep too.

import { describe, expect, it } from 'vitest';
import { InMemoryCaStateStore } from '../../../appliance/src/ca/index.js';

const issued = {
  serialHex: '4a'.repeat(16),
  cardNumber: '1000-1',
  certificateDer: new Uint8Array([1, 2, 3]),
  notAfter: new Date('2030-01-01T00:00:00Z'),
  issuedAt: new Date('2026-01-01T00:00:00Z'),
  issuerKeyIdHex: 'ab',
};

describe('InMemoryCaStateStore', () => {
  it('hands out CRL numbers 1, 2, 3…', async () => {
    const store = new InMemoryCaStateStore();
    expect(await store.allocateCrlNumber()).toBe(1n);
    expect(await store.allocateCrlNumber()).toBe(2n);
    expect(await store.allocateCrlNumber()).toBe(3n);
  });

  it('rejects a serial recorded twice and returns copies', async () => {
    const store = new InMemoryCaStateStore();
    const der = new Uint8Array([1, 2, 3]);
    await store.saveIssuedCertificate({ ...issued, certificateDer: der });
    der[0] = 9;
    await expect(store.saveIssuedCertificate(issued)).rejects.toThrow();
    const found = await store.findIssuedCertificate(issued.serialHex);
    expect([...found!.certificateDer]).toEqual([1, 2, 3]);
    expect(await store.findIssuedCertificate('00')).toBeUndefined();
  });

  it('keeps the first revocation of a serial and lists by issuer', async () => {
    const store = new InMemoryCaStateStore();
    const revocation = {
      serialHex: issued.serialHex,
      reason: 'keyCompromise' as const,
      revokedAt: new Date('2026-02-01T00:00:00Z'),
      issuerKeyIdHex: 'ab',
      certificateNotAfter: issued.notAfter,
    };
    expect(await store.saveRevocation(revocation)).toBe(true);
    expect(await store.saveRevocation({ ...revocation, reason: 'superseded' })).toBe(false);
    expect(await store.listRevocations('ab')).toEqual([revocation]);
    expect(await store.listRevocations('cd')).toEqual([]);
  });
});
