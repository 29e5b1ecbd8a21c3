import { spawnSync } from 'node:child_process';
import { createPrivateKey, webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../appliance/src/config.js';
import {
  parseEnrollmentBundle,
  verifyEnrollmentBundle,
  type SignedEnrollmentBundle,
} from '../../provisioning/bundle/enrollment-bundle.js';
import type { CentralAdminWorkspace } from '../../provisioning/central-admin/central-admin-workspace.js';
import { identityFiles } from '../../provisioning/device/device-identity.js';
import { provisionDevice, reenrollDevice } from '../../provisioning/device/device-provisioning.js';
import { fetchEnrollmentBundle } from '../../provisioning/device/est-client.js';
import { ProvisioningError } from '../../provisioning/errors.js';
import { startEstServer } from '../../provisioning/est/est-https-server.js';
import { decodeCertsOnly } from '../../provisioning/est/pkcs7-certs-only.js';
import { itWithTools } from '../support/system-tools.js';

const withOpenssl = itWithTools(['openssl']);

let root: string;
let server: { app: FastifyInstance; url: string; workspace: CentralAdminWorkspace };
let adminKeyPem: string;
let caFile: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'provisioning-'));
  server = await startEstServer({ dir: join(root, 'central'), port: 0 });
  adminKeyPem = readFileSync(server.workspace.adminPublicKeyFile, 'utf8');
  caFile = join(root, 'central', 'pki', 'ca.pem');
});

afterAll(async () => {
  await server.app.close();
  rmSync(root, { recursive: true, force: true });
});

let counter = 0;
function newStateDir(): string {
  return mkdtempSync(join(root, `device-${++counter}-`));
}

function enroll(overrides: { claimValidHours?: number; deviceName?: string } = {}) {
  return server.workspace.createEnrollment({
    deviceName: overrides.deviceName ?? `lobby-kiosk-${++counter}`,
    site: 'Head Office Lobby',
    estUrl: server.url,
    scimUrl: 'https://127.0.0.1:8443/scim/v2',
    approvalPolicy: 'required',
    numberRanges: [{ id: 'hq-1', first: 4_000_000, last: 4_099_999 }],
    ...(overrides.claimValidHours !== undefined
      ? { claimValidHours: overrides.claimValidHours }
      : {}),
  });
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProvisioningError);
    return (error as ProvisioningError).code;
  }
  throw new Error('expected a refusal');
}

function payloadOf(bundle: SignedEnrollmentBundle) {
  return JSON.parse(Buffer.from(bundle.payload, 'base64url').toString('utf8'));
}

describe('device enrollment over EST', () => {
  withOpenssl(
    'enrolls with the claim token; the device certificate chains to the central CA',
    async () => {
      const bundle = enroll();
      const stateDir = newStateDir();
      const result = await provisionDevice({ bundle, adminPublicKeyPem: adminKeyPem, stateDir });
      const files = identityFiles(stateDir);

      const verify = spawnSync('openssl', ['verify', '-CAfile', caFile, files.certificate], {
        encoding: 'utf8',
      });
      expect(verify.stdout.trim()).toBe(`${files.certificate}: OK`);
      expect(verify.status).toBe(0);

      const cert = new x509.X509Certificate(readFileSync(files.certificate, 'utf8'));
      expect(cert.subject).toBe(`O=Head Office Lobby, CN=${payloadOf(bundle).deviceName}`);
      expect(cert.serialNumber).toBe(result.certificateSerial);
      const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
      expect(eku?.usages).toEqual([x509.ExtendedKeyUsage.clientAuth]);

      // The key the device made is the one certified, and it never left: only its public half
      // went out, inside the PKCS#10 request.
      const keyCheck = spawnSync(
        'openssl',
        ['x509', '-in', files.certificate, '-noout', '-pubkey'],
        { encoding: 'utf8' },
      );
      const keyPub = spawnSync('openssl', ['pkey', '-in', files.key, '-pubout'], {
        encoding: 'utf8',
      });
      expect(keyCheck.stdout).toBe(keyPub.stdout);

      for (const file of [files.key, files.certificate, files.trustAnchors, files.enrollment]) {
        expect(statSync(file).mode & 0o777).toBe(0o600);
      }
      expect(statSync(files.dir).mode & 0o777).toBe(0o700);
      expect(statSync(join(stateDir, 'config.json')).mode & 0o777).toBe(0o600);

      // The appliance reads the provisioned configuration.
      const config = loadConfig({ CARDKIOSK_STATE_DIR: stateDir });
      expect(config.siteName).toBe('Head Office Lobby');
      expect(config.numberRanges).toEqual([{ id: 'hq-1', first: 4_000_000, last: 4_099_999 }]);
      expect(config.enabledProcesses).toEqual([
        'CCProcVisitorCardWithApproval',
        'CCProcContractorCardWithApproval',
      ]);
    },
  );

  it('keeps the local hardware settings when it writes the site configuration', async () => {
    const stateDir = newStateDir();
    const leds = { driver: 'gpio', pins: { green: 17, amber: 27, red: 22 } };
    writeFileSync(join(stateDir, 'config.json'), JSON.stringify({ leds }));
    await provisionDevice({ bundle: enroll(), adminPublicKeyPem: adminKeyPem, stateDir });
    const written = JSON.parse(readFileSync(join(stateDir, 'config.json'), 'utf8'));
    expect(written.leds).toEqual(leds);
    expect(written.siteName).toBe('Head Office Lobby');
  });

  it('refuses an expired bundle without reaching the centre', async () => {
    const bundle = enroll({ claimValidHours: 1 });
    const later = new Date(Date.now() + 2 * 3_600_000);
    const code = await refusal(
      provisionDevice({
        bundle,
        adminPublicKeyPem: adminKeyPem,
        stateDir: newStateDir(),
        now: later,
      }),
    );
    expect(code).toBe('BUNDLE_EXPIRED');
    expect(server.workspace.enrollments.get(payloadOf(bundle).enrollmentId)?.claimedAt).toBeNull();
  });

  it('refuses a tampered bundle', async () => {
    const bundle = enroll();
    const payload = payloadOf(bundle);
    payload.config.numberRanges = [{ id: 'hq-1', first: 1, last: 99_999_999 }];
    const tampered = {
      ...bundle,
      payload: Buffer.from(JSON.stringify(payload)).toString('base64url'),
    };
    expect(
      await refusal(
        provisionDevice({
          bundle: tampered,
          adminPublicKeyPem: adminKeyPem,
          stateDir: newStateDir(),
        }),
      ),
    ).toBe('BUNDLE_SIGNATURE_INVALID');
  });

  it('refuses a bundle signed by another admin key', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
    expect(
      await refusal(
        provisionDevice({
          bundle: enroll(),
          adminPublicKeyPem: other as string,
          stateDir: newStateDir(),
        }),
      ),
    ).toBe('BUNDLE_SIGNATURE_INVALID');
  });

  it('refuses a claim token from another enrollment', async () => {
    const a = enroll();
    const b = enroll();
    expect(
      await refusal(
        provisionDevice({
          bundle: a,
          claimToken: b.claimToken!,
          adminPublicKeyPem: adminKeyPem,
          stateDir: newStateDir(),
        }),
      ),
    ).toBe('CLAIM_TOKEN_MISMATCH');
  });

  it('refuses a claim token that has been used', async () => {
    const bundle = enroll();
    await provisionDevice({ bundle, adminPublicKeyPem: adminKeyPem, stateDir: newStateDir() });
    expect(
      await refusal(
        provisionDevice({ bundle, adminPublicKeyPem: adminKeyPem, stateDir: newStateDir() }),
      ),
    ).toBe('CLAIM_TOKEN_USED');
  });

  it('refuses the claim token of a revoked enrollment', async () => {
    const bundle = enroll();
    server.workspace.enrollments.revoke(payloadOf(bundle).enrollmentId, new Date());
    expect(
      await refusal(
        provisionDevice({ bundle, adminPublicKeyPem: adminKeyPem, stateDir: newStateDir() }),
      ),
    ).toBe('ENROLLMENT_REVOKED');
  });

  it('refuses a claim token the centre considers expired, even if the device clock is behind', async () => {
    const bundle = enroll({ claimValidHours: 1 });
    const id = payloadOf(bundle).enrollmentId;
    // The centre's record is what counts: shorten it as if the hour had passed.
    const registryFile = join(root, 'central', 'enrollments.json');
    const all = JSON.parse(readFileSync(registryFile, 'utf8'));
    all.find((r: { id: string }) => r.id === id).claimExpiresAt = new Date(
      Date.now() - 1000,
    ).toISOString();
    writeFileSync(registryFile, JSON.stringify(all));
    expect(
      await refusal(
        provisionDevice({ bundle, adminPublicKeyPem: adminKeyPem, stateDir: newStateDir() }),
      ),
    ).toBe('CLAIM_TOKEN_EXPIRED');
  });

  it('answers 401 without the token and does not spend a token on a malformed request', async () => {
    const bundle = enroll();
    const token = bundle.claimToken!;
    const basic = Buffer.from(`${token.split('.')[0]}:${token}`).toString('base64');
    const { request } = await import('node:https');
    const post = (headers: Record<string, string>, body: string) =>
      new Promise<{ status: number; code: string | undefined; auth: string | undefined }>(
        (resolve, reject) => {
          const req = request(
            `${server.url}/.well-known/est/simpleenroll`,
            {
              method: 'POST',
              ca: readFileSync(caFile),
              headers: { 'content-type': 'application/pkcs10', ...headers },
            },
            (res) => {
              res.resume();
              res.on('end', () =>
                resolve({
                  status: res.statusCode!,
                  code: res.headers['x-cardkiosk-error'] as string | undefined,
                  auth: res.headers['www-authenticate'] as string | undefined,
                }),
              );
            },
          );
          req.on('error', reject);
          req.end(body);
        },
      );
    const anonymous = await post({}, 'AAAA');
    expect(anonymous).toMatchObject({ status: 401, code: 'CLAIM_TOKEN_UNKNOWN' });
    expect(anonymous.auth).toMatch(/^Basic /);
    expect(await post({ authorization: `Basic ${basic}` }, 'bm90IGEgQ1NS')).toMatchObject({
      status: 400,
      code: 'EST_BAD_REQUEST',
    });
    await provisionDevice({ bundle, adminPublicKeyPem: adminKeyPem, stateDir: newStateDir() });
  });

  it('serves the CA certificates as PKCS#7 certs-only in base64', async () => {
    const res = await fetchViaHttps(`${server.url}/.well-known/est/cacerts`);
    expect(res.type).toBe('application/pkcs7-mime; smime-type=certs-only');
    expect(res.encoding).toBe('base64');
    const [ca] = decodeCertsOnly(res.body);
    expect(ca?.toString('pem') + '\n').toBe(server.workspace.ca.certificatePem);
  });

  it('provisions from a URL with the claim token, which the bundle download does not spend', async () => {
    const bundle = enroll();
    const text = await fetchEnrollmentBundle(
      `${server.url}/provisioning/v1/bundle`,
      bundle.claimToken!,
      readFileSync(caFile, 'utf8'),
    );
    const fetched = parseEnrollmentBundle(text);
    expect(fetched.claimToken).toBeUndefined();
    expect(
      verifyEnrollmentBundle(fetched, adminKeyPem, new Date(), bundle.claimToken).deviceName,
    ).toBe(payloadOf(bundle).deviceName);
    const result = await provisionDevice({
      bundle: fetched,
      claimToken: bundle.claimToken!,
      adminPublicKeyPem: adminKeyPem,
      stateDir: newStateDir(),
    });
    expect(result.enrollmentId).toBe(payloadOf(bundle).enrollmentId);
  });
});

describe('re-enrollment', () => {
  withOpenssl(
    'renews the certificate with a new key, authenticated by the current one',
    async () => {
      const stateDir = newStateDir();
      const first = await provisionDevice({
        bundle: enroll(),
        adminPublicKeyPem: adminKeyPem,
        stateDir,
      });
      const files = identityFiles(stateDir);
      const oldKey = readFileSync(files.key, 'utf8');
      const oldCert = new x509.X509Certificate(readFileSync(files.certificate, 'utf8'));

      const notDue = await reenrollDevice({ stateDir, ifExpiring: true });
      expect(notDue.renewed).toBe(false);

      // Two thirds of the lifetime later the certificate is due.
      const late = new Date(
        oldCert.notBefore.getTime() +
          (oldCert.notAfter.getTime() - oldCert.notBefore.getTime()) * 0.7,
      );
      const due = await reenrollDevice({ stateDir, ifExpiring: true, now: late });
      expect(due.renewed).toBe(true);
      expect(due.certificateSerial).not.toBe(first.certificateSerial);
      expect(readFileSync(files.key, 'utf8')).not.toBe(oldKey);
      const renewed = new x509.X509Certificate(readFileSync(files.certificate, 'utf8'));
      expect(renewed.subject).toBe(oldCert.subject);
      const verify = spawnSync('openssl', ['verify', '-CAfile', caFile, files.certificate], {
        encoding: 'utf8',
      });
      expect(verify.status).toBe(0);
    },
  );

  it('is refused once the enrollment is revoked', async () => {
    const stateDir = newStateDir();
    const bundle = enroll();
    await provisionDevice({ bundle, adminPublicKeyPem: adminKeyPem, stateDir });
    server.workspace.enrollments.revoke(payloadOf(bundle).enrollmentId, new Date());
    expect(await refusal(reenrollDevice({ stateDir }))).toBe('ENROLLMENT_REVOKED');
  });

  it('is refused without a certificate from the central CA', async () => {
    const stateDir = newStateDir();
    await provisionDevice({ bundle: enroll(), adminPublicKeyPem: adminKeyPem, stateDir });
    // Swap in a self-signed certificate with the same subject: TLS works, the CA check does not.
    const files = identityFiles(stateDir);
    const current = new x509.X509Certificate(readFileSync(files.certificate, 'utf8'));
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = (await webcrypto.subtle.generateKey(alg, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    const selfSigned = await x509.X509CertificateGenerator.createSelfSigned(
      {
        name: current.subject,
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 86_400_000),
        keys,
        signingAlgorithm: alg,
      },
      webcrypto as unknown as Crypto,
    );
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    writeFileSync(files.certificate, selfSigned.toString('pem'));
    writeFileSync(
      files.key,
      createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({
        type: 'pkcs8',
        format: 'pem',
      }),
    );
    expect(await refusal(reenrollDevice({ stateDir }))).toBe('EST_UNAUTHORIZED');
  });
});

function fetchViaHttps(url: string): Promise<{ type: string; encoding: string; body: string }> {
  return import('node:https').then(
    ({ get }) =>
      new Promise((resolve, reject) => {
        get(url, { ca: readFileSync(caFile) }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () =>
            resolve({
              type: String(res.headers['content-type']),
              encoding: String(res.headers['content-transfer-encoding']),
              body,
            }),
          );
        }).on('error', reject);
      }),
  );
}
