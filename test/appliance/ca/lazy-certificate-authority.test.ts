/**
 * The service's CA loads on its first call (start-up time), yet a start must still fail on a
 * wrong device secret or a wrong configuration, and a first start must still create the CA.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CaConfigurationError,
  CaKeyDecryptionError,
  InMemoryCaStateStore,
  LocalCertificateAuthority,
  type CertificateAuthorityOptions,
} from '../../../appliance/src/ca/index.js';
import { LazyCertificateAuthority } from '../../../appliance/src/ca/lazy-certificate-authority.js';
import {
  cardRequest,
  CRL_URL,
  deviceSecret,
  generateCardKey,
  scratchDir,
} from './ca-test-support.js';

describe('LazyCertificateAuthority', () => {
  let scratch: { path: string; cleanup: () => Promise<void> };
  let options: CertificateAuthorityOptions;
  const nowMs = Date.UTC(2031, 5, 1);

  beforeEach(async () => {
    scratch = await scratchDir();
    options = {
      stateDir: join(scratch.path, 'ca'),
      secretKey: deviceSecret(),
      organization: 'Example Corp',
      crlDistributionUrl: CRL_URL,
      clock: () => new Date(nowMs),
      store: new InMemoryCaStateStore(),
    };
  });
  afterEach(() => scratch.cleanup());

  it('creates the CA on first start, at once', async () => {
    const lazy = await LazyCertificateAuthority.open(options);
    expect(lazy.loaded).toBe(true);
    expect((await readdir(options.stateDir)).sort()).toEqual(
      expect.arrayContaining(['issuing-ca.json', 'root-ca.json']),
    );
  });

  it('on existing state loads nothing until the first call, then serves as the CA itself', async () => {
    const eager = await LocalCertificateAuthority.createOrLoad(options);
    const lazy = await LazyCertificateAuthority.open(options);
    expect(lazy.loaded).toBe(false);

    expect(await lazy.chainPem()).toBe(eager.chainPem());
    expect(lazy.loaded).toBe(true);
    const key = await generateCardKey('P-256');
    const issued = await lazy.issueCardCertificate(cardRequest(key, 'employee', new Date(nowMs)));
    const issuing = new X509Certificate(
      eager.chainPem().split(/(?<=-----END CERTIFICATE-----)/)[0]!,
    );
    expect(new X509Certificate(issued.certificateDer).checkIssued(issuing)).toBe(true);

    await lazy.revoke(issued.serialHex, 'keyCompromise', new Date(nowMs));
    const crl = Buffer.from(await lazy.currentCrlDer());
    // The serial number is in the CRL's DER (16 bytes, as issued).
    expect(crl.includes(Buffer.from(issued.serialHex, 'hex'))).toBe(true);
    const chuid = await lazy.signChuid(new Uint8Array([0x30, 0x00]));
    expect(chuid.length).toBeGreaterThan(100);
  });

  it('stops a start with a wrong device secret, before loading anything, and changes no file', async () => {
    await LocalCertificateAuthority.createOrLoad(options);
    const file = join(options.stateDir, 'issuing-ca.json');
    const before = await readFile(file);
    await expect(
      LazyCertificateAuthority.open({ ...options, secretKey: deviceSecret() }),
    ).rejects.toBeInstanceOf(CaKeyDecryptionError);
    expect((await readFile(file)).equals(before)).toBe(true);
  });

  it('stops a start with a wrong configuration on existing state', async () => {
    await LocalCertificateAuthority.createOrLoad(options);
    await expect(
      LazyCertificateAuthority.open({ ...options, crlDistributionUrl: 'ftp://kiosk.example/crl' }),
    ).rejects.toBeInstanceOf(CaConfigurationError);
    await expect(
      LazyCertificateAuthority.open({ ...options, organization: ' ' }),
    ).rejects.toBeInstanceOf(CaConfigurationError);
  });

  it('opens the CA once for calls made while it loads', async () => {
    await LocalCertificateAuthority.createOrLoad(options);
    const lazy = await LazyCertificateAuthority.open(options);
    const [a, b] = await Promise.all([lazy.ca(), lazy.ca()]);
    expect(a).toBe(b);
  });
});
