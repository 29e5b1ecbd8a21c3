// Behaviour of the CA that needs no openssl: proof of possession, card-key checks, profile
// rules, validity capping, revocation and CRL caching, keys at rest and reload. Certificates are
// inspected with node:crypto's X509Certificate and CRLs with @peculiar/x509.

import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { generateKeyPairSync, sign, X509Certificate } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CaConfigurationError,
  CaKeyDecryptionError,
  CertificateNotFoundError,
  CertificateRequestError,
  createPossessionChallenge,
  CRL_REFRESH_MS,
  defaultCertificateProfiles,
  InMemoryCaStateStore,
  InvalidSecretKeyError,
  LocalCertificateAuthority,
  MAX_CLOCK_BEHIND_ISSUER_MS,
  ProofOfPossessionError,
  UnsupportedKeyError,
  type CertificateProfile,
  type IssuedCertificateRecord,
} from '../../../appliance/src/ca/index.js';
import { unsealPrivateKey } from '../../../appliance/src/ca/sealed-private-key.js';
import {
  cardRequest,
  cardSignsChallenge,
  createTestCa,
  DAY_MS,
  deviceSecret,
  generateCardKey,
  HOLDERS,
  scratchDir,
  splitPem,
  type CardKey,
} from './ca-test-support.js';

class RecordingStore extends InMemoryCaStateStore {
  readonly saved: IssuedCertificateRecord[] = [];
  override async saveIssuedCertificate(record: IssuedCertificateRecord): Promise<void> {
    this.saved.push(record);
    await super.saveIssuedCertificate(record);
  }
}

describe('LocalCertificateAuthority', () => {
  let p256: CardKey;
  let rsa: CardKey;
  let scratch: { path: string; cleanup: () => Promise<void> };
  let nowMs: number;
  let store: RecordingStore;
  let secretKey: Uint8Array;
  let ca: LocalCertificateAuthority;
  const clock = (): Date => new Date(nowMs);

  const open = (
    overrides: Partial<Parameters<typeof LocalCertificateAuthority.createOrLoad>[0]> = {},
  ) =>
    LocalCertificateAuthority.createOrLoad({
      stateDir: join(scratch.path, 'ca'),
      secretKey,
      organization: 'Example Corp',
      crlDistributionUrl: 'http://kiosk.example.com/ca/crl',
      clock,
      store,
      ...overrides,
    });

  beforeAll(async () => {
    p256 = await generateCardKey('P-256');
    rsa = await generateCardKey('RSA-2048');
  });

  beforeEach(async () => {
    scratch = await scratchDir();
    nowMs = Date.UTC(2026, 2, 10, 9, 30);
    store = new RecordingStore();
    secretKey = deviceSecret();
    ca = await open();
  });

  afterEach(async () => {
    await scratch.cleanup();
  });

  const now = (): Date => new Date(nowMs);
  const parse = (der: Uint8Array) => new X509Certificate(Buffer.from(der));
  const parseCrl = async () => new x509.X509Crl(new Uint8Array(await ca.currentCrlDer()));
  const crlNumber = (crl: x509.X509Crl): number => {
    const extension = crl.getExtension('2.5.29.20');
    // The value is a DER INTEGER: 02 len bytes…
    const bytes = new Uint8Array(extension!.value);
    return Number.parseInt(Buffer.from(bytes.subarray(2)).toString('hex'), 16);
  };

  describe('proof of possession', () => {
    it('creates 32-byte challenges that differ every time', () => {
      const a = createPossessionChallenge();
      const b = createPossessionChallenge();
      expect(a).toHaveLength(32);
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    });

    it.each(['P-256', 'RSA-2048'] as const)(
      'accepts the %s card signature over its challenge',
      async (type) => {
        const key = type === 'P-256' ? p256 : rsa;
        const issued = await ca.issueCardCertificate(cardRequest(key, 'employee', now()));
        const certificate = parse(issued.certificateDer);
        expect(
          certificate.publicKey
            .export({ type: 'spki', format: 'der' })
            .equals(Buffer.from(key.spkiDer)),
        ).toBe(true);
      },
    );

    it('rejects a signature over a different challenge and issues nothing', async () => {
      const proof = cardSignsChallenge(p256);
      const request = cardRequest(p256, 'employee', now(), {
        proofOfPossession: { challenge: createPossessionChallenge(), signature: proof.signature },
      });
      await expect(ca.issueCardCertificate(request)).rejects.toBeInstanceOf(ProofOfPossessionError);
      await expect(ca.issueCardCertificate(request)).rejects.toMatchObject({
        code: 'CA_PROOF_OF_POSSESSION_FAILED',
      });
      expect(store.saved).toHaveLength(0);
    });

    it('rejects a signature made with another key than the one to be certified', async () => {
      const other = await generateCardKey('P-256');
      const request = cardRequest(p256, 'visitor', now(), {
        proofOfPossession: cardSignsChallenge(other),
      });
      await expect(ca.issueCardCertificate(request)).rejects.toBeInstanceOf(ProofOfPossessionError);
    });

    it('rejects an RSA key whose proof was signed by the P-256 key', async () => {
      const request = cardRequest(rsa, 'contractor', now(), {
        proofOfPossession: cardSignsChallenge(p256),
      });
      await expect(ca.issueCardCertificate(request)).rejects.toBeInstanceOf(ProofOfPossessionError);
    });

    it('rejects garbage signature bytes', async () => {
      const request = cardRequest(p256, 'employee', now(), {
        proofOfPossession: {
          challenge: createPossessionChallenge(),
          signature: new Uint8Array(71),
        },
      });
      await expect(ca.issueCardCertificate(request)).rejects.toBeInstanceOf(ProofOfPossessionError);
    });

    it('rejects a challenge shorter than 32 bytes even when correctly signed', async () => {
      const challenge = new Uint8Array(8);
      const signature = new Uint8Array(sign('sha256', challenge, p256.privateKey));
      const request = cardRequest(p256, 'employee', now(), {
        proofOfPossession: { challenge, signature },
      });
      await expect(ca.issueCardCertificate(request)).rejects.toBeInstanceOf(ProofOfPossessionError);
    });
  });

  describe('card keys', () => {
    it.each([
      ['RSA-1024', () => generateKeyPairSync('rsa', { modulusLength: 1024 })],
      ['Ed25519', () => generateKeyPairSync('ed25519')],
      ['secp256k1', () => generateKeyPairSync('ec', { namedCurve: 'secp256k1' })],
    ] as const)('refuses to certify a %s key', async (_name, generate) => {
      const pair = generate();
      const spkiDer = new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' }));
      const challenge = createPossessionChallenge();
      const signature = new Uint8Array(
        sign(_name === 'Ed25519' ? null : 'sha256', challenge, pair.privateKey),
      );
      const request = cardRequest(p256, 'employee', now(), {
        publicKeySpkiDer: spkiDer,
        proofOfPossession: { challenge, signature },
      });
      await expect(ca.issueCardCertificate(request)).rejects.toBeInstanceOf(UnsupportedKeyError);
    });

    it('refuses bytes that are not a SubjectPublicKeyInfo', async () => {
      const request = cardRequest(p256, 'employee', now(), {
        publicKeySpkiDer: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]),
      });
      await expect(ca.issueCardCertificate(request)).rejects.toMatchObject({
        code: 'CA_UNSUPPORTED_KEY',
      });
    });
  });

  describe('profiles', () => {
    it('records what it issued: serial, card number, DER and notAfter', async () => {
      const request = cardRequest(p256, 'contractor', now(), { cardNumber: ' 4711-0042 ' });
      const issued = await ca.issueCardCertificate(request);
      const record = await store.findIssuedCertificate(issued.serialHex);
      expect(record?.cardNumber).toBe('4711-0042');
      expect(Buffer.from(record!.certificateDer).equals(Buffer.from(issued.certificateDer))).toBe(
        true,
      );
      expect(record?.notAfter.getTime()).toBe(Date.parse(parse(issued.certificateDer).validTo));
      expect(parse(issued.certificateDer).serialNumber.toLowerCase()).toBe(issued.serialHex);
    });

    it('gives every certificate a different random 16-byte serial', async () => {
      const serials = new Set<string>();
      for (let i = 0; i < 5; i += 1) {
        serials.add((await ca.issueCardCertificate(cardRequest(p256, 'visitor', now()))).serialHex);
      }
      expect(serials.size).toBe(5);
      for (const serial of serials) expect(serial).toMatch(/^[4-7][0-9a-f]{31}$/);
    });

    it('requires a UPN for employees', async () => {
      const request = cardRequest(p256, 'employee', now(), {
        holder: { name: 'Alice Example', email: 'alice@example.com' },
      });
      await expect(ca.issueCardCertificate(request)).rejects.toBeInstanceOf(
        CertificateRequestError,
      );
    });

    it('leaves a contractor UPN out and uses the holder company as O', async () => {
      const request = cardRequest(p256, 'contractor', now(), {
        holder: { ...HOLDERS.contractor, upn: 'bob@corp.example.com' },
      });
      const certificate = parse((await ca.issueCardCertificate(request)).certificateDer);
      expect(certificate.subjectAltName).toBe('email:bob@builders.example');
      expect(certificate.subject).toContain('O=Builders Ltd');
      expect(certificate.subject).toContain('CN=Bob Builder');
    });

    it('falls back to the CA organization when a visitor gives no company', async () => {
      const request = cardRequest(p256, 'visitor', now(), { holder: { name: 'Dana Walk-in' } });
      const certificate = parse((await ca.issueCardCertificate(request)).certificateDer);
      expect(certificate.subject).toContain('O=Example Corp');
      expect(certificate.subject).toContain('OU=Visitors');
    });

    it.each([
      ['an empty name', { name: '  ' }],
      ['a name longer than 64 characters', { name: 'x'.repeat(65) }],
      ['a name with control characters', { name: 'Eve\nEvil' }],
      ['a non-ASCII e-mail address', { name: 'Zoë', email: 'zoë@example.com' }],
      ['an e-mail address without @', { name: 'Zoe', email: 'zoe.example.com' }],
    ])('rejects a holder with %s', async (_what, holder) => {
      const request = cardRequest(p256, 'visitor', now(), { holder });
      await expect(ca.issueCardCertificate(request)).rejects.toBeInstanceOf(
        CertificateRequestError,
      );
    });

    it('rejects an empty card number', async () => {
      const request = cardRequest(p256, 'visitor', now(), { cardNumber: ' ' });
      await expect(ca.issueCardCertificate(request)).rejects.toBeInstanceOf(
        CertificateRequestError,
      );
    });

    it('uses a configured profile: its extended key usages and OU', async () => {
      const profile: CertificateProfile = {
        ...defaultCertificateProfiles.employee,
        organizationalUnit: 'Facilities',
        extendedKeyUsages: ['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.4'],
      };
      const request = cardRequest(p256, 'employee', now(), { profile });
      const certificate = new x509.X509Certificate(
        new Uint8Array((await ca.issueCardCertificate(request)).certificateDer),
      );
      const eku = certificate.getExtension(x509.ExtendedKeyUsageExtension);
      expect(eku?.usages).toEqual(['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.4']);
      expect(certificate.subject).toContain('OU=Facilities');
    });

    it('rejects a configured profile with a malformed OID or no lifetime', async () => {
      for (const profile of [
        { ...defaultCertificateProfiles.visitor, extendedKeyUsages: ['clientAuth'] },
        { ...defaultCertificateProfiles.visitor, maxValidityDays: 0 },
      ]) {
        const request = cardRequest(p256, 'visitor', now(), { profile });
        await expect(ca.issueCardCertificate(request)).rejects.toBeInstanceOf(
          CertificateRequestError,
        );
      }
    });
  });

  describe('validity', () => {
    it('never goes beyond the card notAfter', async () => {
      const notAfter = new Date(nowMs + 30 * DAY_MS + 999);
      const issued = await ca.issueCardCertificate(
        cardRequest(p256, 'contractor', now(), { notAfter }),
      );
      const validTo = Date.parse(parse(issued.certificateDer).validTo);
      expect(validTo).toBeLessThanOrEqual(notAfter.getTime());
      expect(validTo).toBeGreaterThan(notAfter.getTime() - 1000);
    });

    it('caps a visitor certificate at one day whatever the caller asks', async () => {
      const notAfter = new Date(nowMs + 3 * DAY_MS);
      const issued = await ca.issueCardCertificate(
        cardRequest(p256, 'visitor', now(), { notAfter }),
      );
      expect(Date.parse(parse(issued.certificateDer).validTo)).toBe(nowMs + DAY_MS);
    });

    it("caps the certificate at the issuing CA's own expiry", async () => {
      const profile = { ...defaultCertificateProfiles.employee, maxValidityDays: 100 * 366 };
      const notAfter = new Date(nowMs + 60 * 366 * DAY_MS);
      const issued = await ca.issueCardCertificate(
        cardRequest(p256, 'employee', now(), { profile, notAfter }),
      );
      const issuing = new X509Certificate(splitPem(ca.chainPem())[0]!);
      expect(parse(issued.certificateDer).validTo).toBe(issuing.validTo);
    });

    it('says so when the issuing CA itself has expired', async () => {
      nowMs += 11 * 366 * DAY_MS;
      await expect(
        ca.issueCardCertificate(cardRequest(p256, 'visitor', now())),
      ).rejects.toMatchObject({
        code: 'CA_STATE_INVALID',
        message: expect.stringContaining('issuing CA certificate expired'),
      });
    });

    it('issues for a device clock up to an hour behind its issuing CA, from when the CA starts', async () => {
      const issuing = new X509Certificate(splitPem(ca.chainPem())[0]!);
      const caStartMs = Date.parse(issuing.validFrom);
      // As after provisioning by a centre whose clock runs 40 minutes ahead of the device's.
      nowMs = caStartMs - 40 * 60_000;
      const issued = await ca.issueCardCertificate(cardRequest(p256, 'visitor', now()));
      expect(Date.parse(parse(issued.certificateDer).validFrom)).toBe(caStartMs);
      nowMs = caStartMs - MAX_CLOCK_BEHIND_ISSUER_MS - 60_000;
      await expect(
        ca.issueCardCertificate(cardRequest(p256, 'visitor', now())),
      ).rejects.toMatchObject({
        code: 'CA_STATE_INVALID',
        message: expect.stringContaining('set the clock'),
      });
    });

    it('rejects an empty validity window and one already over', async () => {
      const backwards = cardRequest(p256, 'contractor', now(), {
        notAfter: new Date(nowMs - 1000),
        notBefore: new Date(nowMs),
      });
      await expect(ca.issueCardCertificate(backwards)).rejects.toBeInstanceOf(
        CertificateRequestError,
      );
      const over = cardRequest(p256, 'contractor', now(), {
        notBefore: new Date(nowMs - 10 * DAY_MS),
        notAfter: new Date(nowMs - DAY_MS),
      });
      await expect(ca.issueCardCertificate(over)).rejects.toBeInstanceOf(CertificateRequestError);
    });
  });

  describe('revocation and CRL', () => {
    it('refuses to revoke a serial it never issued', async () => {
      await expect(ca.revoke('4f'.repeat(16), 'keyCompromise', now())).rejects.toBeInstanceOf(
        CertificateNotFoundError,
      );
      await expect(ca.revoke('not hex', 'keyCompromise', now())).rejects.toBeInstanceOf(
        CertificateRequestError,
      );
    });

    it('lists a revoked serial with reason and date; the first revocation stands', async () => {
      const issued = await ca.issueCardCertificate(cardRequest(rsa, 'employee', now()));
      const revokedAt = new Date(nowMs + 60_000);
      const colonSerial = issued.serialHex.toUpperCase().match(/../g)!.join(':');
      await ca.revoke(colonSerial, 'affiliationChanged', revokedAt);
      await ca.revoke(issued.serialHex, 'keyCompromise', new Date(nowMs + 120_000));
      const crl = await parseCrl();
      expect(crl.entries).toHaveLength(1);
      const entry = crl.findRevoked(issued.serialHex);
      expect(entry?.reason).toBe(x509.X509CrlReason.affiliationChanged);
      expect(entry?.revocationDate.getTime()).toBe(revokedAt.getTime());
      expect(crl.issuer).toBe(new x509.X509Certificate(splitPem(ca.chainPem())[0]!).subject);
    });

    it('leaves the reason out for unspecified, as RFC 5280 asks', async () => {
      const issued = await ca.issueCardCertificate(cardRequest(p256, 'visitor', now()));
      await ca.revoke(issued.serialHex, 'unspecified', now());
      const entry = (await parseCrl()).findRevoked(issued.serialHex);
      expect(entry).not.toBeNull();
      expect(entry?.reason).toBeUndefined();
    });

    it('serves one cached CRL until a revocation or the refresh interval, then a higher number', async () => {
      const first = await parseCrl();
      const again = await parseCrl();
      expect(crlNumber(again)).toBe(crlNumber(first));
      expect(first.nextUpdate!.getTime()).toBeGreaterThan(first.thisUpdate.getTime());

      const issued = await ca.issueCardCertificate(cardRequest(p256, 'visitor', now()));
      await ca.revoke(issued.serialHex, 'cessationOfOperation', now());
      const afterRevocation = await parseCrl();
      expect(crlNumber(afterRevocation)).toBeGreaterThan(crlNumber(first));
      expect(afterRevocation.findRevoked(issued.serialHex)?.reason).toBe(
        x509.X509CrlReason.cessationOfOperation,
      );

      nowMs += CRL_REFRESH_MS;
      const refreshed = await parseCrl();
      expect(crlNumber(refreshed)).toBeGreaterThan(crlNumber(afterRevocation));
      expect(refreshed.thisUpdate.getTime()).toBe(nowMs);
    });

    it('gives concurrent callers the same CRL', async () => {
      const [a, b, c] = await Promise.all([
        ca.currentCrlDer(),
        ca.currentCrlDer(),
        ca.currentCrlDer(),
      ]);
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
      expect(Buffer.from(a).equals(Buffer.from(c))).toBe(true);
    });

    it('drops a revoked certificate from the CRL once it has expired', async () => {
      const issued = await ca.issueCardCertificate(cardRequest(p256, 'visitor', now()));
      await ca.revoke(issued.serialHex, 'superseded', now());
      expect((await parseCrl()).findRevoked(issued.serialHex)).not.toBeNull();
      nowMs += 2 * DAY_MS;
      expect((await parseCrl()).findRevoked(issued.serialHex)).toBeNull();
    });

    it('signs the CRL with the issuing CA key', async () => {
      const issuing = new x509.X509Certificate(splitPem(ca.chainPem())[0]!);
      expect(await (await parseCrl()).verify({ publicKey: issuing })).toBe(true);
    });
  });

  describe('configuration', () => {
    it('rejects a CRL URL that is not http(s), an empty organization and an unknown algorithm', async () => {
      const stateDir = join(scratch.path, 'misconfigured');
      for (const overrides of [
        { crlDistributionUrl: 'ldap://directory/cn=crl' },
        { crlDistributionUrl: 'not a url' },
        { organization: ' ' },
        { keyAlgorithm: 'DSA1024' as never },
      ]) {
        await expect(open({ stateDir, ...overrides })).rejects.toBeInstanceOf(CaConfigurationError);
      }
    });

    it('adds authorityInfoAccess caIssuers when configured', async () => {
      const withAia = await open({
        stateDir: join(scratch.path, 'aia'),
        caIssuersUrl: 'http://kiosk.example.com/ca/issuing.crt',
      });
      const issued = await withAia.issueCardCertificate(cardRequest(p256, 'visitor', now()));
      expect(parse(issued.certificateDer).infoAccess).toContain(
        'CA Issuers - URI:http://kiosk.example.com/ca/issuing.crt',
      );
      const plain = await ca.issueCardCertificate(cardRequest(p256, 'visitor', now()));
      expect(parse(plain.certificateDer).infoAccess).toBeUndefined();
    });
  });

  describe('keys at rest', () => {
    async function stateFiles(): Promise<string[]> {
      const dir = join(scratch.path, 'ca');
      return (await readdir(dir)).map((name) => join(dir, name));
    }

    it('keeps key files mode 0600 in a 0700 directory, without the key in clear', async () => {
      expect((await stat(join(scratch.path, 'ca'))).mode & 0o777).toBe(0o700);
      const files = await stateFiles();
      expect(files.map((f) => f.split('/').pop()).sort()).toEqual([
        'content-signer.json',
        'issuing-ca.json',
        'root-ca.json',
      ]);
      for (const file of files) {
        expect((await stat(file)).mode & 0o777).toBe(0o600);
        const text = await readFile(file, 'utf8');
        expect(text).not.toContain('PRIVATE KEY');
        const role = file.endsWith('root-ca.json')
          ? 'root-ca'
          : file.endsWith('content-signer.json')
            ? 'content-signer'
            : 'issuing-ca';
        const sealed = Buffer.from(JSON.parse(text).sealedPrivateKey, 'base64');
        const pkcs8 = unsealPrivateKey(sealed, secretKey, role, file);
        const raw = await readFile(file);
        expect(raw.includes(pkcs8)).toBe(false);
        expect(text).not.toContain(pkcs8.toString('base64'));
        // The EC private scalar sits at the same place in every P-256 PKCS#8 from node:crypto.
        expect(raw.includes(pkcs8.subarray(36, 68))).toBe(false);
      }
    });

    it('loads the same CA after a restart and keeps issuing under the same root', async () => {
      const chain = ca.chainPem();
      const before = await readFile(join(scratch.path, 'ca', 'issuing-ca.json'));
      const reloaded = await open();
      expect(reloaded.chainPem()).toBe(chain);
      expect((await readFile(join(scratch.path, 'ca', 'issuing-ca.json'))).equals(before)).toBe(
        true,
      );
      const issued = await reloaded.issueCardCertificate(cardRequest(p256, 'employee', now()));
      const issuing = new X509Certificate(splitPem(chain)[0]!);
      expect(parse(issued.certificateDer).verify(issuing.publicKey)).toBe(true);
      expect(parse(issued.certificateDer).checkIssued(issuing)).toBe(true);
    });

    it('fails clearly with a wrong device secret and leaves the files alone', async () => {
      const files = await stateFiles();
      const before = await Promise.all(files.map((f) => readFile(f)));
      const wrong = open({ secretKey: deviceSecret() });
      await expect(wrong).rejects.toBeInstanceOf(CaKeyDecryptionError);
      await expect(open({ secretKey: deviceSecret() })).rejects.toMatchObject({
        code: 'CA_KEY_DECRYPTION_FAILED',
        message: expect.stringContaining('device secret'),
      });
      const after = await Promise.all(files.map((f) => readFile(f)));
      after.forEach((content, i) => expect(content.equals(before[i]!)).toBe(true));
    });

    it('rejects a device secret that is not 32 bytes', async () => {
      await expect(
        open({ secretKey: new Uint8Array(16), stateDir: join(scratch.path, 'other') }),
      ).rejects.toBeInstanceOf(InvalidSecretKeyError);
    });

    it('creates RSA-2048 CA keys when configured', async () => {
      const rsaCa = await open({ stateDir: join(scratch.path, 'rsa-ca'), keyAlgorithm: 'RSA2048' });
      for (const pem of splitPem(rsaCa.chainPem())) {
        const certificate = new X509Certificate(pem);
        expect(certificate.publicKey.asymmetricKeyType).toBe('rsa');
        expect(certificate.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
      }
      const issued = await rsaCa.issueCardCertificate(cardRequest(p256, 'visitor', now()));
      expect(
        parse(issued.certificateDer).verify(
          new X509Certificate(splitPem(rsaCa.chainPem())[0]!).publicKey,
        ),
      ).toBe(true);
    });
  });
});

describe('content signer', () => {
  it('is issued by the issuing CA for PIV content signing, sealed, and the same after a restart', async () => {
    const scratch = await scratchDir();
    try {
      const secretKey = deviceSecret();
      const stateDir = join(scratch.path, 'ca');
      const first = await createTestCa(stateDir, { secretKey });
      const signer = new X509Certificate(Buffer.from(first.contentSignerCertificateDer()));
      const issuing = new X509Certificate(splitPem(first.chainPem())[0]!);
      expect(signer.checkIssued(issuing)).toBe(true);
      expect(signer.verify(issuing.publicKey)).toBe(true);
      expect(signer.keyUsage).toContain('2.16.840.1.101.3.6.7');
      expect(signer.ca).toBe(false);
      const again = await createTestCa(stateDir, { secretKey });
      expect(Buffer.from(again.contentSignerCertificateDer())).toEqual(
        Buffer.from(first.contentSignerCertificateDer()),
      );
    } finally {
      await scratch.cleanup();
    }
  });
});
