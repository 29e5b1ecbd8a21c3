/**
 * Provisioning on the device: check a signed enrollment bundle against the pinned central
 * admin key, make the device's own key, enroll over EST with the claim token, and store the
 * certificate, key, trust anchors and configuration in the state directory; later, renew the
 * certificate (EST simplereenroll, with a new key) before it expires. When the bundle says so
 * (`central.issuingCa: 'central'`), provisioning ends by having the centre certify the device's
 * issuing CA (issuing-ca-enrollment.ts).
 */
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { checkConfig, defaultConfig, DeviceConfigSchema } from '../../appliance/src/config.js';
import {
  publicKeyId,
  verifyEnrollmentBundle,
  type EnrollmentPayload,
  type SignedEnrollmentBundle,
} from '../bundle/enrollment-bundle.js';
import { ProvisioningError } from '../errors.js';
import {
  checkIssuedCertificate,
  createCertificateRequest,
  ensurePrivateDir,
  generateDeviceKey,
  identityFiles,
  readEnrollmentInfo,
  splitPem,
  writePrivateFile,
  type EnrollmentInfo,
} from './device-identity.js';
import { EstClient } from './est-client.js';
import { enrollIssuingCa, type IssuingCaResult } from './issuing-ca-enrollment.js';

/** Keys that describe this box's hardware and listener: set locally, never by a bundle. */
export const LOCAL_CONFIG_KEYS = [
  'stateDir',
  'http',
  'printer',
  'encoder',
  'leds',
  'logLevel',
  'sync',
];

export interface ProvisionOptions {
  bundle: SignedEnrollmentBundle;
  /** Given on the command line with --url; otherwise the bundle's own. */
  claimToken?: string;
  adminPublicKeyPem: string;
  stateDir: string;
  now?: Date;
}

export interface ProvisionResult {
  enrollmentId: string;
  deviceName: string;
  certificateSerial: string;
  certificateNotAfter: Date;
  /** The centrally certified issuing CA; null when the bundle keeps the local root. */
  issuingCa: IssuingCaResult | null;
}

export async function provisionDevice(options: ProvisionOptions): Promise<ProvisionResult> {
  const now = options.now ?? new Date();
  const claimToken = options.claimToken ?? options.bundle.claimToken;
  if (!claimToken) {
    throw new ProvisioningError('BUNDLE_MALFORMED', 'the bundle has no claim token; pass --token');
  }
  const payload = verifyEnrollmentBundle(
    options.bundle,
    options.adminPublicKeyPem,
    now,
    claimToken,
  );
  // The configuration is checked before anything is spent: a bad bundle keeps its token.
  const config = mergedConfig(options.stateDir, payload);
  const trustAnchorsPem = splitPem(payload.trustAnchorsPem).join('\n') + '\n';

  const key = await generateDeviceKey();
  const csr = await createCertificateRequest(key, `CN=${payload.deviceName}`);
  const est = new EstClient({ estUrl: payload.central.estUrl, trustAnchorsPem });
  const certificate = await est.simpleEnroll(csr, claimToken);
  await checkIssuedCertificate(certificate, key, trustAnchorsPem, now);

  const files = identityFiles(options.stateDir);
  ensurePrivateDir(files.dir);
  writePrivateFile(files.key, key.export({ type: 'pkcs8', format: 'pem' }) as string);
  writePrivateFile(files.certificate, certificate.toString('pem') + '\n');
  writePrivateFile(files.trustAnchors, trustAnchorsPem);
  if (payload.central.escrowPublicKeyPem) {
    writePrivateFile(files.escrowPublicKey, payload.central.escrowPublicKeyPem);
  }
  const info: EnrollmentInfo = {
    enrollmentId: payload.enrollmentId,
    deviceName: payload.deviceName,
    site: String(payload.config.siteName ?? ''),
    estUrl: payload.central.estUrl,
    scimUrl: payload.central.scimUrl ?? null,
    adminKeyId: publicKeyId(options.adminPublicKeyPem),
    provisionedAt: now.toISOString(),
    renewedAt: null,
  };
  writePrivateFile(files.enrollment, JSON.stringify(info, null, 2) + '\n');
  writePrivateFile(join(options.stateDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');

  // Last, because it needs the device certificate (TLS) and the site's configuration (the CA's
  // organization and key algorithm). The claim token is spent by now, so a failure here leaves
  // an enrolled device whose issuing CA can be certified later by `issuing-ca renew`.
  let issuingCa: IssuingCaResult | null = null;
  if (payload.central.issuingCa === 'central') {
    try {
      issuingCa = await enrollIssuingCa({ stateDir: options.stateDir });
    } catch (error) {
      if (!(error instanceof ProvisioningError)) throw error;
      throw new ProvisioningError(
        error.code,
        `the device is enrolled, but the centre did not certify its issuing CA (retry with cardkiosk-admin issuing-ca renew): ${error.message}`,
        { cause: error },
      );
    }
  }
  return {
    enrollmentId: payload.enrollmentId,
    deviceName: payload.deviceName,
    certificateSerial: certificate.serialNumber,
    certificateNotAfter: certificate.notAfter,
    issuingCa,
  };
}

/**
 * state/config.json after provisioning: the local file's hardware keys, the bundle's site
 * settings over the rest, and (when the appliance knows the `sync` key) the centre's
 * connection with this device's certificate. Checked against the appliance's schema.
 * Errors: CONFIG_INVALID.
 */
function mergedConfig(stateDir: string, payload: EnrollmentPayload): Record<string, unknown> {
  const forbidden = Object.keys(payload.config).filter((k) => LOCAL_CONFIG_KEYS.includes(k));
  if (forbidden.length > 0) {
    throw new ProvisioningError(
      'CONFIG_INVALID',
      `the bundle may not set this device's local settings: ${forbidden.join(', ')}`,
    );
  }
  const file = join(stateDir, 'config.json');
  const local = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)
    : {};
  const merged: Record<string, unknown> = { ...local, ...payload.config };
  const files = identityFiles(stateDir);
  if ('sync' in DeviceConfigSchema.properties && payload.central.scimUrl) {
    merged.sync = {
      enabled: true,
      baseUrl: payload.central.scimUrl,
      tls: { certFile: files.certificate, keyFile: files.key, caFile: files.trustAnchors },
      ...(payload.central.escrowPublicKeyPem ? { escrowPublicKeyFile: files.escrowPublicKey } : {}),
    };
  }
  try {
    checkConfig({ ...defaultConfig(stateDir), ...merged, stateDir });
  } catch (error) {
    throw new ProvisioningError('CONFIG_INVALID', (error as Error).message);
  }
  return merged;
}

/** Renew when less than a third of the certificate's lifetime is left. */
export function certificateNeedsRenewal(certificate: x509.X509Certificate, now: Date): boolean {
  const lifetime = certificate.notAfter.getTime() - certificate.notBefore.getTime();
  return certificate.notAfter.getTime() - now.getTime() < lifetime / 3;
}

export interface ReenrollResult {
  renewed: boolean;
  certificateSerial: string;
  certificateNotAfter: Date;
}

/**
 * EST simplereenroll with a new key, authenticated by the current certificate; the new key
 * and certificate replace the old ones only once the new certificate has been checked.
 * With `ifExpiring`, does nothing while the certificate has more than a third of its life
 * left. Errors: NOT_PROVISIONED, ENROLLMENT_REVOKED, EST_*, CERTIFICATE_INVALID.
 */
export async function reenrollDevice(options: {
  stateDir: string;
  ifExpiring?: boolean;
  now?: Date;
}): Promise<ReenrollResult> {
  const now = options.now ?? new Date();
  const info = readEnrollmentInfo(options.stateDir);
  const files = identityFiles(options.stateDir);
  const currentPem = readFileSync(files.certificate, 'utf8');
  const current = new x509.X509Certificate(currentPem);
  if (options.ifExpiring && !certificateNeedsRenewal(current, now)) {
    return {
      renewed: false,
      certificateSerial: current.serialNumber,
      certificateNotAfter: current.notAfter,
    };
  }
  const trustAnchorsPem = readFileSync(files.trustAnchors, 'utf8');
  const currentKeyPem = readFileSync(files.key, 'utf8');
  // Validate the stored key before using it in TLS (a clear error instead of a handshake one).
  createPrivateKey(currentKeyPem);
  const key = await generateDeviceKey();
  const csr = await createCertificateRequest(key, current.subjectName);
  const est = new EstClient({
    estUrl: info.estUrl,
    trustAnchorsPem,
    clientCertificatePem: currentPem,
    clientKeyPem: currentKeyPem,
  });
  const certificate = await est.simpleReenroll(csr);
  await checkIssuedCertificate(certificate, key, trustAnchorsPem, now);
  writePrivateFile(files.key, key.export({ type: 'pkcs8', format: 'pem' }) as string);
  writePrivateFile(files.certificate, certificate.toString('pem') + '\n');
  writePrivateFile(
    files.enrollment,
    JSON.stringify({ ...info, renewedAt: now.toISOString() }, null, 2) + '\n',
  );
  return {
    renewed: true,
    certificateSerial: certificate.serialNumber,
    certificateNotAfter: certificate.notAfter,
  };
}
