/**
 * The central CA of the test centre: signs the devices' client certificates (from EST), and a
 * TLS server certificate for the centre itself. Files `ca.pem` and `ca-key.pem` (0600) in its
 * directory, the same layout as provisioning/central/dev-pki.ts, so the central test server
 * and the EST plugin can share one CA. P-256 keys; every private-key operation is node:crypto
 * (its WebCrypto, which @peculiar/x509 drives).
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { ProvisioningError } from '../errors.js';

const DAY_MS = 86_400_000;
const CA_VALIDITY_DAYS = 3650;
const BACKDATE_MS = 5 * 60_000;
const SIGNING = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const cryptoProvider = webcrypto as unknown as Crypto;

export interface DeviceCertificateRequest {
  /** PKCS#10 DER, signed by the device's key (checked: proof of possession). */
  csrDer: Uint8Array;
  /** The CN the centre gives the device, whatever the request asked for. */
  deviceName: string;
  organization: string;
  validityDays: number;
  now: Date;
}

export class CentralCertificateAuthority {
  private constructor(
    readonly certificate: x509.X509Certificate,
    private readonly signingKey: CryptoKey,
  ) {}

  /** Loads the CA from `dir`, or creates it there (directory 0700, key 0600). */
  static async createOrLoad(
    dir: string,
    name = 'cardkiosk central test CA',
  ): Promise<CentralCertificateAuthority> {
    const certFile = join(dir, 'ca.pem');
    const keyFile = join(dir, 'ca-key.pem');
    if (!existsSync(certFile)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const keys = (await cryptoProvider.subtle.generateKey(SIGNING, true, [
        'sign',
        'verify',
      ])) as CryptoKeyPair;
      const now = Date.now();
      const ca = await x509.X509CertificateGenerator.createSelfSigned(
        {
          serialNumber: serialHex(),
          name: new x509.Name([{ CN: [name] }]),
          notBefore: new Date(now - BACKDATE_MS),
          notAfter: new Date(now + CA_VALIDITY_DAYS * DAY_MS),
          keys,
          signingAlgorithm: SIGNING,
          extensions: [
            // pathLen 0 would forbid a device's issuing CA below it; 1 allows exactly that.
            new x509.BasicConstraintsExtension(true, 1, true),
            new x509.KeyUsagesExtension(
              x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
              true,
            ),
            await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, cryptoProvider),
          ],
        },
        cryptoProvider,
      );
      const pkcs8 = Buffer.from(await cryptoProvider.subtle.exportKey('pkcs8', keys.privateKey));
      writeFileSync(keyFile, toPem('PRIVATE KEY', pkcs8), { mode: 0o600 });
      writeFileSync(certFile, ca.toString('pem') + '\n');
    }
    const certificate = new x509.X509Certificate(readFileSync(certFile, 'utf8'));
    const pkcs8 = createPrivateKey(readFileSync(keyFile)).export({ type: 'pkcs8', format: 'der' });
    const signingKey = await cryptoProvider.subtle.importKey('pkcs8', pkcs8, SIGNING, false, [
      'sign',
    ]);
    pkcs8.fill(0);
    return new CentralCertificateAuthority(certificate, signingKey);
  }

  get certificatePem(): string {
    return this.certificate.toString('pem') + '\n';
  }

  /**
   * Issues a TLS client certificate for a device from its PKCS#10 request, after checking the
   * request's signature. The subject is the centre's (CN = device name, O = site), not the
   * request's. Errors: EST_BAD_REQUEST.
   */
  async issueDeviceCertificate(request: DeviceCertificateRequest): Promise<x509.X509Certificate> {
    let csr: x509.Pkcs10CertificateRequest;
    try {
      csr = new x509.Pkcs10CertificateRequest(new Uint8Array(request.csrDer));
    } catch {
      throw new ProvisioningError('EST_BAD_REQUEST', 'the body is not a PKCS#10 request');
    }
    if (!(await csr.verify(cryptoProvider))) {
      throw new ProvisioningError(
        'EST_BAD_REQUEST',
        'the PKCS#10 request is not signed by its own key (no proof of possession)',
      );
    }
    const algorithm = csr.publicKey.algorithm as EcKeyAlgorithm;
    if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256') {
      if (
        algorithm.name !== 'RSASSA-PKCS1-v1_5' ||
        (algorithm as unknown as RsaHashedKeyAlgorithm).modulusLength < 2048
      )
        throw new ProvisioningError(
          'EST_BAD_REQUEST',
          'device keys must be EC P-256 or RSA ≥ 2048',
        );
    }
    const now = request.now.getTime();
    return x509.X509CertificateGenerator.create(
      {
        serialNumber: serialHex(),
        subject: new x509.Name([{ O: [request.organization] }, { CN: [request.deviceName] }]),
        issuer: this.certificate.subjectName,
        notBefore: new Date(now - BACKDATE_MS),
        notAfter: new Date(now + request.validityDays * DAY_MS),
        publicKey: csr.publicKey,
        signingKey: this.signingKey,
        signingAlgorithm: SIGNING,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
          await x509.SubjectKeyIdentifierExtension.create(csr.publicKey, false, cryptoProvider),
          await x509.AuthorityKeyIdentifierExtension.create(
            this.certificate,
            false,
            cryptoProvider,
          ),
        ],
      },
      cryptoProvider,
    );
  }

  /** A TLS server certificate for the centre (127.0.0.1 and localhost by default). */
  async issueServerCertificate(
    names: { dns: string[]; ip: string[] } = { dns: ['localhost'], ip: ['127.0.0.1'] },
  ): Promise<{ certPem: string; keyPem: string }> {
    const keys = (await cryptoProvider.subtle.generateKey(SIGNING, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.create(
      {
        serialNumber: serialHex(),
        subject: new x509.Name([{ CN: [names.dns[0] ?? names.ip[0] ?? 'central'] }]),
        issuer: this.certificate.subjectName,
        notBefore: new Date(now - BACKDATE_MS),
        notAfter: new Date(now + 397 * DAY_MS),
        publicKey: keys.publicKey,
        signingKey: this.signingKey,
        signingAlgorithm: SIGNING,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
          new x509.SubjectAlternativeNameExtension([
            ...names.dns.map((value) => ({ type: 'dns' as const, value })),
            ...names.ip.map((value) => ({ type: 'ip' as const, value })),
          ]),
        ],
      },
      cryptoProvider,
    );
    const pkcs8 = Buffer.from(await cryptoProvider.subtle.exportKey('pkcs8', keys.privateKey));
    return { certPem: cert.toString('pem') + '\n', keyPem: toPem('PRIVATE KEY', pkcs8) };
  }

  /**
   * Whether a certificate presented by a TLS client was signed by this CA and is valid now
   * (node:crypto's own X.509 check; the TLS layer has already proved the key).
   */
  issued(certificate: X509Certificate, now: Date): boolean {
    const ca = new X509Certificate(Buffer.from(this.certificate.rawData));
    return (
      certificate.checkIssued(ca) &&
      certificate.verify(ca.publicKey) &&
      Date.parse(certificate.validFrom) <= now.getTime() &&
      now.getTime() < Date.parse(certificate.validTo)
    );
  }
}

function serialHex(): string {
  const bytes = randomBytes(16);
  // Positive INTEGER of exactly 16 octets (RFC 5280 §4.1.2.2).
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}

export function toPem(label: string, der: Uint8Array): string {
  const body = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}
