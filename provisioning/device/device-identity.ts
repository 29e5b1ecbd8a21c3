/**
 * The device's own identity in its state directory (`<state>/provisioning/`, 0700, every file
 * 0600 and owned by the service user): its private key, which is generated here and never
 * leaves the device; its client certificate; the centre's trust anchors; the PUK escrow key;
 * and `enrollment.json` (which enrollment, where the centre is, when it was provisioned).
 */
import { createPublicKey, generateKeyPair, webcrypto, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { ProvisioningError } from '../errors.js';

const SIGNING = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const cryptoProvider = webcrypto as unknown as Crypto;

export const PROVISIONING_DIR = 'provisioning';

export interface EnrollmentInfo {
  enrollmentId: string;
  deviceName: string;
  site: string;
  estUrl: string;
  scimUrl: string | null;
  adminKeyId: string;
  provisionedAt: string;
  renewedAt: string | null;
}

export interface DeviceIdentityFiles {
  dir: string;
  key: string;
  certificate: string;
  trustAnchors: string;
  escrowPublicKey: string;
  enrollment: string;
}

export function identityFiles(stateDir: string): DeviceIdentityFiles {
  const dir = join(stateDir, PROVISIONING_DIR);
  return {
    dir,
    key: join(dir, 'device-key.pem'),
    certificate: join(dir, 'device-certificate.pem'),
    trustAnchors: join(dir, 'trust-anchors.pem'),
    escrowPublicKey: join(dir, 'escrow-public.pem'),
    enrollment: join(dir, 'enrollment.json'),
  };
}

/** A new P-256 key pair (asynchronous: key generation must not block the event loop). */
export function generateDeviceKey(): Promise<KeyObject> {
  return new Promise((resolve, reject) =>
    generateKeyPair('ec', { namedCurve: 'P-256' }, (err, _publicKey, privateKey) =>
      err ? reject(err) : resolve(privateKey),
    ),
  );
}

/** A PKCS#10 request (DER) for `key`, signed with it through node:crypto's WebCrypto. */
export async function createCertificateRequest(
  key: KeyObject,
  subject: x509.Name | string,
): Promise<Uint8Array> {
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  try {
    const privateKey = await cryptoProvider.subtle.importKey('pkcs8', pkcs8, SIGNING, false, [
      'sign',
    ]);
    const spki = new Uint8Array(publicSpki(key));
    const publicKey = await cryptoProvider.subtle.importKey('spki', spki, SIGNING, true, [
      'verify',
    ]);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create(
      { name: subject, keys: { privateKey, publicKey }, signingAlgorithm: SIGNING },
      cryptoProvider,
    );
    return new Uint8Array(csr.rawData);
  } finally {
    pkcs8.fill(0);
  }
}

function publicSpki(key: KeyObject): Buffer {
  return createPublicKey(key).export({ type: 'spki', format: 'der' });
}

/**
 * Checks an issued certificate: it is for `key`, it is a client certificate valid now, and it
 * was signed by one of the trust anchors. Errors: CERTIFICATE_INVALID.
 */
export async function checkIssuedCertificate(
  certificate: x509.X509Certificate,
  key: KeyObject,
  trustAnchorsPem: string,
  now: Date,
): Promise<void> {
  const spki = Buffer.from(certificate.publicKey.rawData);
  if (!spki.equals(publicSpki(key))) {
    throw new ProvisioningError(
      'CERTIFICATE_INVALID',
      'the issued certificate is not for this device key',
    );
  }
  if (
    certificate.notBefore.getTime() > now.getTime() ||
    certificate.notAfter.getTime() <= now.getTime()
  ) {
    throw new ProvisioningError('CERTIFICATE_INVALID', 'the issued certificate is not valid now');
  }
  const anchors = splitPem(trustAnchorsPem).map((pem) => new x509.X509Certificate(pem));
  for (const anchor of anchors) {
    if (
      certificate.issuer === anchor.subject &&
      (await certificate.verify(
        { publicKey: anchor.publicKey, signatureOnly: true },
        cryptoProvider,
      ))
    ) {
      return;
    }
  }
  throw new ProvisioningError(
    'CERTIFICATE_INVALID',
    'the issued certificate does not chain to the central trust anchors',
  );
}

export function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** Writes a file readable by the service user only, atomically (temp file + rename). */
export function writePrivateFile(file: string, content: string): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  renameSync(tmp, file);
}

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

export function readEnrollmentInfo(stateDir: string): EnrollmentInfo {
  const files = identityFiles(stateDir);
  if (!existsSync(files.enrollment) || !existsSync(files.certificate) || !existsSync(files.key)) {
    throw new ProvisioningError('NOT_PROVISIONED', 'this device has not been provisioned');
  }
  return JSON.parse(readFileSync(files.enrollment, 'utf8')) as EnrollmentInfo;
}
