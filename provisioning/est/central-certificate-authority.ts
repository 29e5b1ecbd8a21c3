/**
 * The central CA of the test centre: signs the devices' client certificates and their issuing
 * CAs (from EST), and a TLS server certificate for the centre itself. Files `ca.pem` and `ca-key.pem` (0600) in its
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

export interface IssuingCaCertificateRequest {
  /** PKCS#10 DER, signed by the issuing CA's own key (checked: proof of possession). */
  csrDer: Uint8Array;
  /** The enrollment's site: the only subject O the centre signs for this device. */
  organization: string;
  validityDays: number;
  now: Date;
}

/** Extensions a device may ask for in an issuing CA request; anything else is refused. */
const ISSUING_CA_REQUESTABLE_EXTENSIONS = new Set([
  '2.5.29.19', // basicConstraints
  '2.5.29.15', // keyUsage
]);
const CA_KEY_USAGES = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;
const MAX_COMMON_NAME_CHARS = 64;

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
    const csr = await checkedRequest(request.csrDer, 'device keys');
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

  /**
   * Issues an issuing CA certificate for a device's own CA from its PKCS#10 request: the device
   * then certifies card keys itself, offline, and its cards chain to this CA. The centre signs
   * only what a card issuer needs: a CA that may sign certificates and CRLs but no further CA
   * (pathLen 0), named after the enrollment's site. The request must ask for exactly that
   * subject (O = the site, and a CN) and for no extension beyond basicConstraints (CA, pathLen
   * 0) and keyUsage (within keyCertSign and cRLSign); it is refused rather than silently
   * narrowed, so a device never holds a certificate other than the one it asked for.
   * Validity: `validityDays`, never beyond this CA's own. Errors: EST_BAD_REQUEST.
   */
  async issueIssuingCaCertificate(
    request: IssuingCaCertificateRequest,
  ): Promise<x509.X509Certificate> {
    const csr = await checkedRequest(request.csrDer, 'issuing CA keys');
    const subject = checkIssuingCaSubject(csr, request.organization);
    checkIssuingCaExtensions(csr);
    const now = request.now.getTime();
    const notAfter = Math.min(
      now + request.validityDays * DAY_MS,
      this.certificate.notAfter.getTime(),
    );
    if (notAfter <= now) {
      throw new ProvisioningError('EST_FAILED', 'the central CA has expired');
    }
    return x509.X509CertificateGenerator.create(
      {
        serialNumber: serialHex(),
        subject,
        issuer: this.certificate.subjectName,
        notBefore: new Date(Math.max(now - BACKDATE_MS, this.certificate.notBefore.getTime())),
        notAfter: new Date(notAfter),
        publicKey: csr.publicKey,
        signingKey: this.signingKey,
        signingAlgorithm: SIGNING,
        extensions: [
          new x509.BasicConstraintsExtension(true, 0, true),
          new x509.KeyUsagesExtension(CA_KEY_USAGES, true),
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

/**
 * Parses a PKCS#10 request and checks its signature (proof of possession) and key type.
 * Errors: EST_BAD_REQUEST.
 */
async function checkedRequest(
  csrDer: Uint8Array,
  what: string,
): Promise<x509.Pkcs10CertificateRequest> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(new Uint8Array(csrDer));
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
      throw new ProvisioningError('EST_BAD_REQUEST', `${what} must be EC P-256 or RSA ≥ 2048`);
  }
  return csr;
}

/** The subject an issuing CA request must carry: O = the site, then a CN; nothing else. */
function checkIssuingCaSubject(csr: x509.Pkcs10CertificateRequest, site: string): x509.Name {
  const rdns = csr.subjectName.toJSON();
  const [o, cn, ...rest] = rdns;
  const organization = o?.O?.length === 1 && Object.keys(o).length === 1 ? o.O[0] : undefined;
  const commonName = cn?.CN?.length === 1 && Object.keys(cn).length === 1 ? cn.CN[0] : undefined;
  if (organization !== site) {
    throw new ProvisioningError(
      'EST_BAD_REQUEST',
      `an issuing CA request must name the enrollment's site as its organization (O=${site})`,
    );
  }
  if (
    rest.length > 0 ||
    commonName === undefined ||
    commonName.trim() === '' ||
    [...commonName].length > MAX_COMMON_NAME_CHARS ||
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f]/.test(commonName)
  ) {
    throw new ProvisioningError(
      'EST_BAD_REQUEST',
      `an issuing CA request's subject must be O=<site>, CN=<name of at most ${MAX_COMMON_NAME_CHARS} characters>`,
    );
  }
  return new x509.Name([{ O: [site] }, { CN: [commonName] }]);
}

function checkIssuingCaExtensions(csr: x509.Pkcs10CertificateRequest): void {
  for (const extension of csr.extensions) {
    if (!ISSUING_CA_REQUESTABLE_EXTENSIONS.has(extension.type)) {
      throw new ProvisioningError(
        'EST_BAD_REQUEST',
        `an issuing CA request may not ask for extension ${extension.type}`,
      );
    }
  }
  const basic = csr.extensions.find((e) => e.type === '2.5.29.19');
  if (basic) {
    const constraints = new x509.BasicConstraintsExtension(basic.rawData);
    if (!constraints.ca || constraints.pathLength !== 0) {
      throw new ProvisioningError(
        'EST_BAD_REQUEST',
        'an issuing CA request may ask only for a CA with pathLenConstraint 0 (no CA below it)',
      );
    }
  }
  const usage = csr.extensions.find((e) => e.type === '2.5.29.15');
  if (usage && (new x509.KeyUsagesExtension(usage.rawData).usages & ~CA_KEY_USAGES) !== 0) {
    throw new ProvisioningError(
      'EST_BAD_REQUEST',
      'an issuing CA request may ask only for the key usages keyCertSign and cRLSign',
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
