// Every certificate and CRL the CA produces, checked by the real openssl CLI: the chain
// verifies, the profile is what the card type asks for, and a revocation shows in a CRL that
// openssl accepts and that makes `openssl verify -crl_check` reject the certificate.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  CaKeyAlgorithm,
  CardType,
  LocalCertificateAuthority,
} from '../../../appliance/src/ca/index.js';
import {
  cardRequest,
  createTestCa,
  CRL_URL,
  derToPem,
  generateCardKey,
  openssl,
  opensslAvailable,
  scratchDir,
  splitPem,
  writeTemp,
  type CardKey,
  type CardKeyType,
} from './ca-test-support.js';

const CARD_TYPES: CardType[] = ['employee', 'contractor', 'visitor'];
const CARD_KEY_TYPES: CardKeyType[] = ['P-256', 'RSA-2048'];
const CA_KEY_ALGORITHMS: CaKeyAlgorithm[] = ['ECCP256', 'RSA2048'];

describe.skipIf(!opensslAvailable())('certificate authority checked with openssl', () => {
  let scratch: { path: string; cleanup: () => Promise<void> };
  const cardKeys = new Map<CardKeyType, CardKey>();
  const authorities = new Map<CaKeyAlgorithm, LocalCertificateAuthority>();

  beforeAll(async () => {
    const version = await openssl(['version']);
    expect(version.code, 'openssl must be installed for these tests').toBe(0);
    scratch = await scratchDir();
    for (const type of CARD_KEY_TYPES) cardKeys.set(type, await generateCardKey(type));
    for (const algorithm of CA_KEY_ALGORITHMS) {
      authorities.set(
        algorithm,
        await createTestCa(`${scratch.path}/ca-${algorithm}`, { keyAlgorithm: algorithm }),
      );
    }
  });

  afterAll(async () => {
    await scratch?.cleanup();
  });

  async function chainFiles(ca: LocalCertificateAuthority, tag: string) {
    const [issuing, root] = splitPem(ca.chainPem());
    expect(issuing).toBeDefined();
    expect(root).toBeDefined();
    return {
      root: await writeTemp(scratch.path, `${tag}-root.pem`, root ?? ''),
      issuing: await writeTemp(scratch.path, `${tag}-issuing.pem`, issuing ?? ''),
      chain: await writeTemp(scratch.path, `${tag}-chain.pem`, ca.chainPem()),
    };
  }

  for (const caAlgorithm of CA_KEY_ALGORITHMS) {
    for (const keyType of CARD_KEY_TYPES) {
      for (const cardType of CARD_TYPES) {
        it(`issues a ${cardType} certificate for a ${keyType} card key under a ${caAlgorithm} CA that openssl verifies and that follows the profile`, async () => {
          const ca = authorities.get(caAlgorithm)!;
          const key = cardKeys.get(keyType)!;
          const tag = `${caAlgorithm}-${keyType}-${cardType}`;
          const now = new Date();
          const request = cardRequest(key, cardType, now);
          const issued = await ca.issueCardCertificate(request);
          const files = await chainFiles(ca, tag);
          const certPath = await writeTemp(
            scratch.path,
            `${tag}.pem`,
            derToPem(issued.certificateDer, 'CERTIFICATE'),
          );

          const verify = await openssl([
            'verify',
            '-CAfile',
            files.root,
            '-untrusted',
            files.issuing,
            '-purpose',
            'sslclient',
            certPath,
          ]);
          expect(verify.output).toContain(': OK');
          expect(verify.code).toBe(0);

          const text = await openssl(['x509', '-in', certPath, '-noout', '-text']);
          expect(text.code).toBe(0);
          const out = text.output;
          expect(out).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\s*\n/);
          expect(out).toMatch(
            /X509v3 Extended Key Usage:\s*\n\s*TLS Web Client Authentication, Microsoft Smartcard Login/,
          );
          expect(out).toMatch(new RegExp(`X509v3 CRL Distribution Points:[\\s\\S]*URI:${CRL_URL}`));
          expect(out).toContain('X509v3 Subject Key Identifier');
          expect(out).toContain('X509v3 Authority Key Identifier');
          expect(out).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
          expect(out).toContain(`CN = ${request.holder.name}`);
          expect(out).toContain(
            keyType === 'P-256' ? 'NIST CURVE: P-256' : 'Public-Key: (2048 bit)',
          );
          expect(out).toContain(
            caAlgorithm === 'ECCP256'
              ? 'Signature Algorithm: ecdsa-with-SHA256'
              : 'sha256WithRSAEncryption',
          );
          if (cardType === 'employee') {
            expect(out).toContain('email:alice@example.com');
            expect(out).toContain('othername: UPN::alice@corp.example.com');
            expect(out).toContain('O = Example Corp, OU = Employees');
          } else {
            expect(out).not.toContain('UPN');
            expect(out).toContain(`O = ${request.holder.company}`);
          }
          if (cardType === 'contractor') expect(out).toContain('email:bob@builders.example');
          if (cardType === 'visitor') expect(out).not.toContain('Subject Alternative Name');

          const serial = await openssl(['x509', '-in', certPath, '-noout', '-serial']);
          expect(serial.output.trim()).toBe(`serial=${issued.serialHex.toUpperCase()}`);
          expect(issued.serialHex).toMatch(/^[4-7][0-9a-f]{31}$/);

          const dates = await openssl([
            'x509',
            '-in',
            certPath,
            '-noout',
            '-enddate',
            '-dateopt',
            'iso_8601',
          ]);
          const notAfter = Date.parse(
            dates.output.trim().replace('notAfter=', '').replace(' ', 'T'),
          );
          expect(Number.isNaN(notAfter)).toBe(false);
          expect(notAfter).toBeLessThanOrEqual(request.notAfter.getTime());
          expect(notAfter).toBeGreaterThan(request.notAfter.getTime() - 1000);
        });
      }
    }

    it(`publishes a CRL signed by the ${caAlgorithm} issuing CA that lists a revoked serial with its reason`, async () => {
      const ca = authorities.get(caAlgorithm)!;
      const key = cardKeys.get('P-256')!;
      const tag = `${caAlgorithm}-revocation`;
      const files = await chainFiles(ca, tag);
      const issued = await ca.issueCardCertificate(cardRequest(key, 'contractor', new Date()));
      const kept = await ca.issueCardCertificate(cardRequest(key, 'employee', new Date()));
      const certPath = await writeTemp(
        scratch.path,
        `${tag}.pem`,
        derToPem(issued.certificateDer, 'CERTIFICATE'),
      );
      const keptPath = await writeTemp(
        scratch.path,
        `${tag}-kept.pem`,
        derToPem(kept.certificateDer, 'CERTIFICATE'),
      );

      const before = await writeTemp(scratch.path, `${tag}-before.crl`, await ca.currentCrlDer());
      const beforePem = await writeTemp(
        scratch.path,
        `${tag}-before-crl.pem`,
        derToPem(await ca.currentCrlDer(), 'X509 CRL'),
      );
      const verifyBefore = await openssl([
        'verify',
        '-crl_check',
        '-CRLfile',
        beforePem,
        '-CAfile',
        files.root,
        '-untrusted',
        files.issuing,
        certPath,
      ]);
      expect(verifyBefore.output).toContain(': OK');
      const beforeText = await openssl(['crl', '-in', before, '-inform', 'DER', '-noout', '-text']);
      expect(beforeText.output).not.toContain(issued.serialHex.toUpperCase());

      await ca.revoke(issued.serialHex, 'keyCompromise', new Date());
      const crlDer = await ca.currentCrlDer();
      const crlPath = await writeTemp(scratch.path, `${tag}.crl`, crlDer);

      const crlVerify = await openssl([
        'crl',
        '-in',
        crlPath,
        '-inform',
        'DER',
        '-CAfile',
        files.chain,
        '-noout',
        '-verify',
      ]);
      expect(crlVerify.output).toContain('verify OK');
      expect(crlVerify.code).toBe(0);

      const crlText = await openssl(['crl', '-in', crlPath, '-inform', 'DER', '-noout', '-text']);
      expect(crlText.output).toContain(`Serial Number: ${issued.serialHex.toUpperCase()}`);
      expect(crlText.output).toContain('Key Compromise');
      expect(crlText.output).not.toContain(kept.serialHex.toUpperCase());
      expect(crlText.output).toMatch(/X509v3 CRL Number:\s*\n\s*\d+/);
      expect(crlText.output).toContain('Next Update:');
      const beforeNumber = /X509v3 CRL Number:\s*\n\s*(\d+)/.exec(beforeText.output)?.[1];
      const afterNumber = /X509v3 CRL Number:\s*\n\s*(\d+)/.exec(crlText.output)?.[1];
      expect(Number(afterNumber)).toBeGreaterThan(Number(beforeNumber));

      const crlPem = await writeTemp(scratch.path, `${tag}-crl.pem`, derToPem(crlDer, 'X509 CRL'));
      const revoked = await openssl([
        'verify',
        '-crl_check',
        '-CRLfile',
        crlPem,
        '-CAfile',
        files.root,
        '-untrusted',
        files.issuing,
        certPath,
      ]);
      expect(revoked.code).not.toBe(0);
      expect(revoked.output).toContain('certificate revoked');
      const stillGood = await openssl([
        'verify',
        '-crl_check',
        '-CRLfile',
        crlPem,
        '-CAfile',
        files.root,
        '-untrusted',
        files.issuing,
        keptPath,
      ]);
      expect(stillGood.output).toContain(': OK');
    });
  }
});
