/**
 * A development PKI for the central test server and the devices that talk to it: its own
 * CA, a server certificate for the loopback names, client certificates for devices (CN =
 * device id), and the P-256 escrow key pair whose public half the devices seal PUKs to.
 * Provisioning (EST enrollment) will issue the real device certificates; this is for tests
 * and the demo only. Keys are written 0600.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';

const DAY_MS = 86_400_000;
const SIGNING = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface DevPkiFiles {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  escrowPublicKey: string;
  escrowPrivateKey: string;
}

export interface DeviceCredentials {
  certFile: string;
  keyFile: string;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(SIGNING, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
}

const serial = () =>
  randomBytes(12)
    .toString('hex')
    .replace(/^[89a-f]/, '1');

/** Create the PKI in `dir` unless it is there already; returns the file paths. */
export async function ensureDevPki(dir: string): Promise<DevPkiFiles> {
  const files: DevPkiFiles = {
    dir,
    caCert: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server-key.pem'),
    escrowPublicKey: join(dir, 'escrow-public.pem'),
    escrowPrivateKey: join(dir, 'escrow-private.pem'),
  };
  if (existsSync(files.serverKey)) return files;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // A CA already there (the central admin workspace creates one on `central init`) is kept:
  // replacing it would orphan every device certificate it has issued.
  const { ca, caKey } = existsSync(files.caCert) ? await loadCa(dir) : await createCa(dir);
  const server = await issue(ca, caKey, 'CN=localhost', 'server');
  writeFileSync(files.serverCert, server.certPem);
  writeFileSync(files.serverKey, server.keyPem, { mode: 0o600 });
  const escrow = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  writeFileSync(files.escrowPublicKey, escrow.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(
    files.escrowPrivateKey,
    escrow.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    { mode: 0o600 },
  );
  return files;
}

async function createCa(dir: string): Promise<{ ca: x509.X509Certificate; caKey: CryptoKey }> {
  const now = Date.now();
  const caKeys = await keyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: 'CN=cardkiosk central test CA',
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 3650 * DAY_MS),
      keys: caKeys,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
      ],
    },
    webcrypto as unknown as Crypto,
  );
  writeFileSync(join(dir, 'ca.pem'), ca.toString('pem') + '\n');
  writeFileSync(join(dir, 'ca-key.pem'), await pkcs8Pem(caKeys.privateKey), { mode: 0o600 });
  return { ca, caKey: caKeys.privateKey };
}

async function loadCa(dir: string): Promise<{ ca: x509.X509Certificate; caKey: CryptoKey }> {
  const ca = new x509.X509Certificate(readFileSync(join(dir, 'ca.pem'), 'utf8'));
  const der = Buffer.from(
    readFileSync(join(dir, 'ca-key.pem'), 'utf8').replace(/-----[^-]+-----|\s/g, ''),
    'base64',
  );
  const caKey = await webcrypto.subtle.importKey('pkcs8', der, SIGNING, false, ['sign']);
  return { ca, caKey };
}

/** A client certificate for a device, signed by the dev CA (CN = deviceId). */
export async function issueDeviceCertificate(
  pki: DevPkiFiles,
  deviceId: string,
  outDir: string,
): Promise<DeviceCredentials> {
  const ca = new x509.X509Certificate(readFileSync(pki.caCert, 'utf8'));
  const caKeyDer = Buffer.from(
    readFileSync(join(pki.dir, 'ca-key.pem'), 'utf8').replace(/-----[^-]+-----|\s/g, ''),
    'base64',
  );
  const caKey = await webcrypto.subtle.importKey('pkcs8', caKeyDer, SIGNING, false, ['sign']);
  const issued = await issue(ca, caKey, `CN=${deviceId}`, 'client');
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const certFile = join(outDir, `${deviceId}.pem`);
  const keyFile = join(outDir, `${deviceId}-key.pem`);
  writeFileSync(certFile, issued.certPem);
  writeFileSync(keyFile, issued.keyPem, { mode: 0o600 });
  return { certFile, keyFile };
}

async function issue(
  ca: x509.X509Certificate,
  caKey: CryptoKey,
  subject: string,
  use: 'server' | 'client',
): Promise<{ certPem: string; keyPem: string }> {
  const keys = await keyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject,
      issuer: ca.subject,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 825 * DAY_MS),
      publicKey: keys.publicKey,
      signingKey: caKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(
          [use === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
          false,
        ),
        ...(use === 'server'
          ? [
              new x509.SubjectAlternativeNameExtension(
                [
                  { type: 'dns', value: 'localhost' },
                  { type: 'ip', value: '127.0.0.1' },
                ],
                false,
              ),
            ]
          : []),
      ],
    },
    webcrypto as unknown as Crypto,
  );
  return { certPem: cert.toString('pem') + '\n', keyPem: await pkcs8Pem(keys.privateKey) };
}
