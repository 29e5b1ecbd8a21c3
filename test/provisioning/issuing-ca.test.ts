/**
 * A provisioned device's issuing CA, certified by the centre over EST (label `issuing-ca`): the
 * appliance started on the provisioned state directory signs Digital ID certificates that
 * openssl verifies against the central root and not against the local root the device made
 * first; a revoked enrollment gets no issuing CA; a request for more than a card issuer needs
 * is refused; a bundle may keep the local root.
 */
import { spawnSync } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaStateDirectory, ROOT_CA_FILE } from '../../appliance/src/ca/ca-state-directory.js';
import type { CentralAdminWorkspace } from '../../provisioning/central-admin/central-admin-workspace.js';
import { identityFiles } from '../../provisioning/device/device-identity.js';
import { provisionDevice } from '../../provisioning/device/device-provisioning.js';
import { EstClient } from '../../provisioning/device/est-client.js';
import {
  enrollIssuingCa,
  readIssuingCaStatus,
} from '../../provisioning/device/issuing-ca-enrollment.js';
import { ProvisioningError } from '../../provisioning/errors.js';
import { startEstServer } from '../../provisioning/est/est-https-server.js';
import { buildTestApp } from '../support/build-test-app.js';
import { TestClock } from '../support/test-clock.js';
import { itWithTools } from '../support/system-tools.js';
import {
  addPerson,
  crewFor,
  getRequest,
  ok,
  post,
  produceCard,
} from '../support/workflow-driver.js';

const withOpenssl = itWithTools(['openssl']);
const cryptoProvider = webcrypto as unknown as Crypto;
const SITE = 'Harbour House';

let root: string;
let server: { app: FastifyInstance; url: string; workspace: CentralAdminWorkspace };
let adminKeyPem: string;
let centralRootFile: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'issuing-ca-'));
  server = await startEstServer({ dir: join(root, 'central'), port: 0 });
  adminKeyPem = readFileSync(server.workspace.adminPublicKeyFile, 'utf8');
  centralRootFile = join(root, 'central', 'pki', 'ca.pem');
});

afterAll(async () => {
  await server.app.close();
  rmSync(root, { recursive: true, force: true });
});

let counter = 0;

/** A device provisioned against the test EST server; returns its state directory. */
async function provisioned(issuingCa: 'central' | 'local' = 'central') {
  counter += 1;
  const bundle = server.workspace.createEnrollment({
    deviceName: `harbour-${counter}`,
    site: SITE,
    estUrl: server.url,
    approvalPolicy: 'per-process',
    numberRanges: [{ id: `hh-${counter}`, first: 5_000_000, last: 5_099_999 }],
    issuingCa,
  });
  const stateDir = mkdtempSync(join(root, `device-${counter}-`));
  const result = await provisionDevice({ bundle, adminPublicKeyPem: adminKeyPem, stateDir });
  return { stateDir, result };
}

async function refusal(promise: Promise<unknown>): Promise<ProvisioningError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProvisioningError);
    return error as ProvisioningError;
  }
  throw new Error('expected a refusal');
}

/** The device's EST client, authenticated by its provisioned certificate. */
function deviceEst(stateDir: string): EstClient {
  const files = identityFiles(stateDir);
  return new EstClient({
    estUrl: server.url,
    trustAnchorsPem: readFileSync(files.trustAnchors, 'utf8'),
    clientCertificatePem: readFileSync(files.certificate, 'utf8'),
    clientKeyPem: readFileSync(files.key, 'utf8'),
  });
}

/** A PKCS#10 request with the given subject and extensions, signed by a fresh P-256 key. */
async function requestFor(subject: string, extensions: x509.Extension[]): Promise<Uint8Array> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await cryptoProvider.subtle.generateKey(algorithm, false, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    { name: subject, keys, signingAlgorithm: algorithm, extensions },
    cryptoProvider,
  );
  return new Uint8Array(csr.rawData);
}

const caExtensions = (pathLength: number | undefined) => [
  new x509.BasicConstraintsExtension(true, pathLength, true),
  new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
];

function opensslVerify(args: string[]): { ok: boolean; output: string } {
  const result = spawnSync('openssl', ['verify', ...args], { encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

describe('an issuing CA certified by the centre', () => {
  withOpenssl(
    'provisions a device whose Digital ID certificates chain to the central root, not to its old local root',
    async () => {
      const { stateDir, result } = await provisioned();
      expect(result.issuingCa).not.toBeNull();
      const dir = mkdtempSync(join(root, 'verify-'));

      // The local hierarchy made when the CA was first opened is still on disk: its root must
      // not vouch for the cards any more.
      const localRoot = await new CaStateDirectory(join(stateDir, 'ca')).readKeyFile(ROOT_CA_FILE);
      writeFileSync(join(dir, 'local-root.pem'), localRoot!.certificatePem);

      // The issuing CA as the centre signed it.
      const status = await readIssuingCaStatus(stateDir);
      expect(status).toMatchObject({ chainsToCentre: true });
      const central = new x509.X509Certificate(readFileSync(centralRootFile, 'utf8'));
      const record = server.workspace.enrollments.get(
        JSON.parse(readFileSync(identityFiles(stateDir).enrollment, 'utf8')).enrollmentId,
      );
      expect(record?.issuingCaSerials).toEqual([result.issuingCa!.serial.toLowerCase()]);

      // The centre certified the issuing CA at the real time (its root, its TLS certificate and
      // the EST answer all read the wall clock), so the appliance's clock starts there too: a
      // clock fixed at another date would make cards whose validity lies outside the CA's.
      const t = await buildTestApp({ stateDir, clock: TestClock.startingNow() });
      try {
        const chainPem = (await t.call({ method: 'GET', url: '/ca/chain.pem' })).body;
        const [issuingPem, ...issuersPem] =
          chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
        expect(issuersPem).toHaveLength(1);
        expect(new x509.X509Certificate(issuersPem[0]!).equal(central)).toBe(true);
        const issuing = new x509.X509Certificate(issuingPem!);
        expect(issuing.subject).toMatch(new RegExp(`^O=${SITE}, CN=`));
        expect(issuing.issuer).toBe(central.subject);
        const basic = issuing.getExtension(x509.BasicConstraintsExtension);
        expect(basic).toMatchObject({ ca: true, pathLength: 0, critical: true });
        const usage = issuing.getExtension(x509.KeyUsagesExtension);
        expect(usage?.critical).toBe(true);
        expect(usage?.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
        const aki = issuing.getExtension(x509.AuthorityKeyIdentifierExtension);
        const centralSki = central.getExtension(x509.SubjectKeyIdentifierExtension);
        expect(aki?.keyId).toBe(centralSki?.keyId);
        expect(issuing.getExtension(x509.SubjectKeyIdentifierExtension)).not.toBeNull();
        expect(issuing.notAfter.getTime()).toBeLessThanOrEqual(central.notAfter.getTime());
        writeFileSync(join(dir, 'issuing.pem'), issuingPem!);

        // A Digital ID card produced by the appliance on this state directory.
        const crew = await crewFor(t);
        const personId = await addPerson(t, crew.officer, 'visitor');
        const { id } = await produceCard(
          t,
          crew.officer,
          personId,
          'PcmProcVisitorCardWithoutApproval',
        );
        await ok(post(t, crew.producer, `/api/requests/${id}/production`, { mode: 'single' }));
        await t.appliance.services.production.whenIdle();
        const detail = await getRequest(t, crew.officer, id);
        expect(detail.request.state).toBe('produced');
        const card = await t.store.read((tx) => tx.cards.get(detail.card.id));
        const certificate = new x509.X509Certificate(new Uint8Array(card!.certificateDer!));
        expect(certificate.issuer).toBe(issuing.subject);
        writeFileSync(join(dir, 'card.pem'), certificate.toString('pem') + '\n');

        // The test clock may run ahead of the wall clock: verify at a moment inside the card's
        // validity, which lies inside the issuing CA's and the root's.
        const attime = String(Math.floor(certificate.notBefore.getTime() / 1000) + 60);
        const cardFile = join(dir, 'card.pem');
        const untrusted = ['-untrusted', join(dir, 'issuing.pem')];
        const toCentre = opensslVerify([
          '-attime',
          attime,
          '-CAfile',
          centralRootFile,
          ...untrusted,
          cardFile,
        ]);
        expect(toCentre.output.trim()).toBe(`${cardFile}: OK`);
        expect(toCentre.ok).toBe(true);
        const toLocal = opensslVerify([
          '-attime',
          attime,
          '-CAfile',
          join(dir, 'local-root.pem'),
          ...untrusted,
          cardFile,
        ]);
        expect(toLocal.ok).toBe(false);
        expect(toLocal.output).toMatch(/unable to get (local )?issuer certificate/);
      } finally {
        await t.dispose();
      }
    },
    60_000,
  );

  it('issues right after provisioning on a device whose clock runs behind the centre', async () => {
    const { stateDir } = await provisioned();
    // 30 minutes behind: past the centre's 5-minute backdating, within the tolerated hour.
    const clock = new TestClock(new Date(Date.now() - 30 * 60_000));
    const t = await buildTestApp({ stateDir, clock });
    try {
      const chainPem = (await t.call({ method: 'GET', url: '/ca/chain.pem' })).body;
      const issuing = new x509.X509Certificate(
        chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)![0],
      );
      expect(issuing.notBefore.getTime()).toBeGreaterThan(clock.now().getTime());
      const crew = await crewFor(t);
      const personId = await addPerson(t, crew.officer, 'employee');
      const { id } = await produceCard(
        t,
        crew.officer,
        personId,
        'PcmProcEmployeeCardWithoutApproval',
      );
      await ok(post(t, crew.producer, `/api/requests/${id}/production`, { mode: 'single' }));
      await t.appliance.services.production.whenIdle();
      const detail = await getRequest(t, crew.officer, id);
      expect(detail.request.state).toBe('produced');
      const card = await t.store.read((tx) => tx.cards.get(detail.card.id));
      const certificate = new x509.X509Certificate(new Uint8Array(card!.certificateDer!));
      expect(certificate.notBefore.getTime()).toBe(issuing.notBefore.getTime());
    } finally {
      await t.dispose();
    }
  });

  it('renews the issuing CA: a new key and certificate, recorded by the centre', async () => {
    const { stateDir, result } = await provisioned();
    const renewed = await enrollIssuingCa({ stateDir });
    expect(renewed.serial).not.toBe(result.issuingCa!.serial);
    const status = await readIssuingCaStatus(stateDir);
    expect(status?.chainsToCentre).toBe(true);
    expect(status?.subject).toBe(renewed.subject);
    const enrollmentId = JSON.parse(
      readFileSync(identityFiles(stateDir).enrollment, 'utf8'),
    ).enrollmentId;
    expect(server.workspace.enrollments.get(enrollmentId)?.issuingCaSerials).toHaveLength(2);
    // The request file is gone once its key became the issuing CA's.
    expect(existsSync(join(stateDir, 'ca', 'issuing-ca-request.json'))).toBe(false);
  });

  it('refuses an issuing CA to a device whose enrollment was revoked', async () => {
    const { stateDir } = await provisioned('local');
    const enrollmentId = JSON.parse(
      readFileSync(identityFiles(stateDir).enrollment, 'utf8'),
    ).enrollmentId;
    server.workspace.enrollments.revoke(enrollmentId, new Date());
    const error = await refusal(enrollIssuingCa({ stateDir }));
    expect(error.code).toBe('ENROLLMENT_REVOKED');
    expect(server.workspace.enrollments.get(enrollmentId)?.issuingCaSerials).toEqual([]);
    // The device keeps signing with its local issuing CA.
    expect((await readIssuingCaStatus(stateDir))?.chainsToCentre).toBe(false);
  });

  it('keeps the local root when the bundle asks for a local CA', async () => {
    const { stateDir, result } = await provisioned('local');
    expect(result.issuingCa).toBeNull();
    expect(existsSync(join(stateDir, 'ca'))).toBe(false);
  });

  it('refuses a request without the device certificate in TLS', async () => {
    const body = Buffer.from(
      await requestFor(`O=${SITE}, CN=Card Kiosk Issuing CA 00000000`, caExtensions(0)),
    ).toString('base64');
    const answer = await new Promise<{ status: number; code: string | undefined }>(
      (resolve, reject) => {
        const req = httpsRequest(
          new URL('/.well-known/est/issuing-ca/simpleenroll', server.url),
          {
            method: 'POST',
            ca: readFileSync(centralRootFile, 'utf8'),
            headers: { 'content-type': 'application/pkcs10' },
          },
          (res) => {
            res.resume();
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                code: res.headers['x-cardkiosk-error'] as string | undefined,
              }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      },
    );
    expect(answer).toEqual({ status: 401, code: 'EST_UNAUTHORIZED' });
  });

  describe('refuses a request for what the centre does not sign', () => {
    let stateDir: string;
    beforeAll(async () => {
      ({ stateDir } = await provisioned('local'));
    });

    const cases: Array<[string, () => Promise<Uint8Array>, RegExp]> = [
      [
        'a CA that may certify further CAs (pathLen 1)',
        () => requestFor(`O=${SITE}, CN=Card Kiosk Issuing CA 1`, caExtensions(1)),
        /pathLenConstraint 0/,
      ],
      [
        'a CA without a path length limit',
        () => requestFor(`O=${SITE}, CN=Card Kiosk Issuing CA 2`, caExtensions(undefined)),
        /pathLenConstraint 0/,
      ],
      [
        'another site as its organization',
        () => requestFor('O=Another Site, CN=Card Kiosk Issuing CA 3', caExtensions(0)),
        /organization/,
      ],
      [
        'a subject with more than O and CN',
        () => requestFor(`O=${SITE}, OU=Cards, CN=Card Kiosk Issuing CA 4`, caExtensions(0)),
        /subject must be O=<site>, CN=/,
      ],
      [
        'a key usage beyond signing certificates and CRLs',
        () =>
          requestFor(`O=${SITE}, CN=Card Kiosk Issuing CA 5`, [
            new x509.BasicConstraintsExtension(true, 0, true),
            new x509.KeyUsagesExtension(
              x509.KeyUsageFlags.keyCertSign |
                x509.KeyUsageFlags.cRLSign |
                x509.KeyUsageFlags.digitalSignature,
              true,
            ),
          ]),
        /key usages/,
      ],
      [
        'a subject alternative name',
        () =>
          requestFor(`O=${SITE}, CN=Card Kiosk Issuing CA 6`, [
            ...caExtensions(0),
            new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'example.com' }]),
          ]),
        /extension 2\.5\.29\.17/,
      ],
    ];

    for (const [what, csr, message] of cases) {
      it(`refuses ${what}`, async () => {
        const error = await refusal(deviceEst(stateDir).issuingCaEnroll(await csr()));
        expect(error.code).toBe('EST_BAD_REQUEST');
        expect(error.message).toMatch(message);
      });
    }

    it('refuses a request not signed by its own key', async () => {
      const der = await requestFor(`O=${SITE}, CN=Card Kiosk Issuing CA 7`, caExtensions(0));
      // Flip a bit of the signature (the request's last bytes).
      der[der.length - 2] = der.at(-2)! ^ 0x01;
      const error = await refusal(deviceEst(stateDir).issuingCaEnroll(der));
      expect(error.code).toBe('EST_BAD_REQUEST');
    });

    it('signs nothing for any of them', () => {
      const enrollmentId = JSON.parse(
        readFileSync(identityFiles(stateDir).enrollment, 'utf8'),
      ).enrollmentId;
      expect(server.workspace.enrollments.get(enrollmentId)?.issuingCaSerials).toEqual([]);
    });
  });
});
