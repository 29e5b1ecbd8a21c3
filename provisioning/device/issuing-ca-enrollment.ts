/**
 * The device's issuing CA, certified by the centre: opens the appliance's CA in `<state>/ca`
 * (creating the local hierarchy on a device that never started), has it make a new issuing CA
 * key and request (the key stays sealed in the CA's directory), sends the request over EST
 * (label `issuing-ca`, authenticated by the device certificate in TLS), and imports the
 * certificate with the central chain. From then on card certificates chain to the central CA.
 *
 * The chain comes from the centre's `cacerts`, but it is accepted only when it ends in one of
 * the trust anchors from the signed enrollment bundle: the TLS connection proves whom we
 * talked to, the pinned anchor proves what the cards will chain to.
 *
 * The running service keeps the issuing CA it loaded at start; it uses the new one after a
 * restart. Errors: NOT_PROVISIONED, ENROLLMENT_REVOKED, EST_*, CERTIFICATE_INVALID.
 */
import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { CaImportError, LocalCertificateAuthority } from '../../appliance/src/ca/index.js';
import { CaStateDirectory, ISSUING_CA_FILE } from '../../appliance/src/ca/ca-state-directory.js';
import { loadConfig } from '../../appliance/src/config.js';
import { loadOrCreateDeviceSecret } from '../../appliance/src/crypto/device-secret.js';
import { SqliteCaStateStore } from '../../appliance/src/store/sqlite-ca-state-store.js';
import { SqliteStore } from '../../appliance/src/store/sqlite-store.js';
import { ProvisioningError } from '../errors.js';
import { identityFiles, readEnrollmentInfo, splitPem } from './device-identity.js';
import { EstClient } from './est-client.js';
import { DATABASE_FILE } from './factory-reset.js';

/** The appliance's CA directory inside the state directory (as in appliance/src/main.ts). */
export const CA_DIR = 'ca';

export interface IssuingCaResult {
  subject: string;
  issuer: string;
  serial: string;
  notAfter: Date;
}

export async function enrollIssuingCa(options: { stateDir: string }): Promise<IssuingCaResult> {
  const { stateDir } = options;
  const info = readEnrollmentInfo(stateDir);
  const files = identityFiles(stateDir);
  const trustAnchorsPem = readFileSync(files.trustAnchors, 'utf8');
  const config = loadConfig({ CARDKIOSK_STATE_DIR: stateDir });
  const est = new EstClient({
    estUrl: info.estUrl,
    trustAnchorsPem,
    clientCertificatePem: readFileSync(files.certificate, 'utf8'),
    clientKeyPem: readFileSync(files.key, 'utf8'),
  });

  const store = await SqliteStore.open(join(stateDir, DATABASE_FILE));
  try {
    // The same parameters as the appliance's composition root, so the service loads this CA.
    const ca = await LocalCertificateAuthority.createOrLoad({
      stateDir: join(stateDir, CA_DIR),
      secretKey: loadOrCreateDeviceSecret(stateDir),
      keyAlgorithm: config.keyAlgorithm,
      organization: config.siteName,
      store: new SqliteCaStateStore(store),
    });
    const csrPem = await ca.createIssuingCaRequest();
    const certificate = await est.issuingCaEnroll(
      new Uint8Array(new x509.Pkcs10CertificateRequest(csrPem).rawData),
    );
    const chainPem = chainToTrustAnchor(certificate, await est.caCertificates(), trustAnchorsPem);
    try {
      await ca.importIssuingCa({ certificatePem: certificate.toString('pem'), chainPem });
    } catch (error) {
      if (error instanceof CaImportError) {
        // The CA's messages name what is wrong with the certificate, never the key.
        throw new ProvisioningError(
          'CERTIFICATE_INVALID',
          `the centre's issuing CA certificate was not imported: ${error.message}`,
          { cause: error },
        );
      }
      throw error;
    }
    return {
      subject: certificate.subject,
      issuer: certificate.issuer,
      serial: certificate.serialNumber,
      notAfter: certificate.notAfter,
    };
  } finally {
    await store.close();
  }
}

/**
 * The issuers of `certificate` from `cacerts`, in order up to a self-signed root, PEM; the root
 * must be one of the pinned trust anchors. Errors: CERTIFICATE_INVALID.
 */
export function chainToTrustAnchor(
  certificate: x509.X509Certificate,
  caCertificates: x509.X509Certificate[],
  trustAnchorsPem: string,
): string {
  const anchors = splitPem(trustAnchorsPem).map((pem) => new NodeX509Certificate(pem));
  const candidates = caCertificates.map((c) => new NodeX509Certificate(Buffer.from(c.rawData)));
  const chain: NodeX509Certificate[] = [];
  let child = new NodeX509Certificate(Buffer.from(certificate.rawData));
  // Bounded: a chain longer than the candidates would repeat a certificate.
  for (let depth = 0; depth <= candidates.length; depth += 1) {
    const issuer = candidates.find(
      (c) => c.ca && child.checkIssued(c) && child.verify(c.publicKey) && !chain.includes(c),
    );
    if (!issuer) break;
    chain.push(issuer);
    if (issuer.checkIssued(issuer) && issuer.verify(issuer.publicKey)) {
      if (!anchors.some((anchor) => anchor.raw.equals(issuer.raw))) {
        throw new ProvisioningError(
          'CERTIFICATE_INVALID',
          `the centre's chain ends in ${issuer.subject.replace(/\n/g, ', ')}, which is not a pinned trust anchor`,
        );
      }
      return chain.map((c) => c.toString()).join('');
    }
    child = issuer;
  }
  throw new ProvisioningError(
    'CERTIFICATE_INVALID',
    "the issuing CA certificate does not chain through the centre's CA certificates to a root",
  );
}

export interface IssuingCaStatus {
  subject: string;
  notAfter: Date;
  /** Subjects from the issuing CA up to its root. */
  chain: string[];
  /** Whether the root is one of the pinned central trust anchors. */
  chainsToCentre: boolean;
}

/** The issuing CA the service signs cards with (certificates only; no key is opened). */
export async function readIssuingCaStatus(stateDir: string): Promise<IssuingCaStatus | null> {
  const file = await new CaStateDirectory(join(stateDir, CA_DIR)).readKeyFile(ISSUING_CA_FILE);
  if (!file) return null;
  const certificate = new x509.X509Certificate(file.certificatePem);
  const issuers = splitPem(file.chainPem).map((pem) => new x509.X509Certificate(pem));
  const root = issuers.at(-1);
  const anchorsFile = identityFiles(stateDir).trustAnchors;
  const anchors = existsSync(anchorsFile)
    ? splitPem(readFileSync(anchorsFile, 'utf8')).map((pem) => new x509.X509Certificate(pem))
    : [];
  return {
    subject: certificate.subject,
    notAfter: certificate.notAfter,
    chain: [certificate, ...issuers].map((c) => c.subject),
    chainsToCentre: root !== undefined && anchors.some((anchor) => anchor.equal(root)),
  };
}
