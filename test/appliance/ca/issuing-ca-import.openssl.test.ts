// A provisioned device: the central CA (played by the openssl CLI) signs the device's issuing CA,
// either from a request the device made or with a key made centrally; after the import the same
// issuance path yields certificates and CRLs that chain to the central root. Bad imports are
// refused without changing anything.

import { X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CaImportError,
  InMemoryCaStateStore,
  LocalCertificateAuthority,
} from '../../../appliance/src/ca/index.js';
import {
  cardRequest,
  derToPem,
  deviceSecret,
  generateCardKey,
  openssl,
  opensslAvailable,
  scratchDir,
  splitPem,
  writeTemp,
  type CardKey,
} from './ca-test-support.js';

const ISSUING_CA_EXTENSIONS = `[v3_ica]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

async function run(args: string[]): Promise<string> {
  const result = await openssl(args);
  expect(result.code, result.output).toBe(0);
  return result.output;
}

describe.skipIf(!opensslAvailable())('importing an issuing CA signed by a central CA', () => {
  let scratch: { path: string; cleanup: () => Promise<void> };
  let cardKey: CardKey;
  let central: { certPath: string; keyPath: string; pem: string };
  let extFile: string;
  let secretKey: Uint8Array;
  let store: InMemoryCaStateStore;
  let stateDir: string;
  let counter = 0;

  const open = () =>
    LocalCertificateAuthority.createOrLoad({
      stateDir,
      secretKey,
      organization: 'Example Corp',
      crlDistributionUrl: 'http://kiosk.example.com/ca/crl',
      store,
    });

  /** The central CA signs a CSR into an issuing CA certificate. */
  async function centralSigns(csrPath: string): Promise<string> {
    const out = join(scratch.path, `issued-${(counter += 1)}.pem`);
    await run([
      'x509',
      '-req',
      '-in',
      csrPath,
      '-CA',
      central.certPath,
      '-CAkey',
      central.keyPath,
      '-set_serial',
      `0x${(1000 + counter).toString(16)}`,
      '-days',
      '1825',
      '-extfile',
      extFile,
      '-extensions',
      'v3_ica',
      '-out',
      out,
    ]);
    return readFile(out, 'utf8');
  }

  async function makeRoot(
    name: string,
  ): Promise<{ certPath: string; keyPath: string; pem: string }> {
    const keyPath = join(scratch.path, `${name}.key`);
    const certPath = join(scratch.path, `${name}.pem`);
    await run([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '3650',
      '-subj',
      `/O=Central/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    return { certPath, keyPath, pem: await readFile(certPath, 'utf8') };
  }

  async function verifyCard(ca: LocalCertificateAuthority, tag: string): Promise<void> {
    const issued = await ca.issueCardCertificate(cardRequest(cardKey, 'employee', new Date()));
    const [issuing] = splitPem(ca.chainPem());
    const issuingPath = await writeTemp(scratch.path, `${tag}-issuing.pem`, issuing!);
    const certPath = await writeTemp(
      scratch.path,
      `${tag}-card.pem`,
      derToPem(issued.certificateDer, 'CERTIFICATE'),
    );
    const verify = await openssl([
      'verify',
      '-CAfile',
      central.certPath,
      '-untrusted',
      issuingPath,
      certPath,
    ]);
    expect(verify.output).toContain(': OK');

    await ca.revoke(issued.serialHex, 'keyCompromise', new Date());
    const crlPath = await writeTemp(scratch.path, `${tag}.crl`, await ca.currentCrlDer());
    const chainPath = await writeTemp(scratch.path, `${tag}-chain.pem`, ca.chainPem());
    const crl = await openssl([
      'crl',
      '-in',
      crlPath,
      '-inform',
      'DER',
      '-CAfile',
      chainPath,
      '-noout',
      '-verify',
      '-text',
    ]);
    expect(crl.output).toContain('verify OK');
    expect(crl.output).toContain(`Serial Number: ${issued.serialHex.toUpperCase()}`);
  }

  beforeAll(async () => {
    scratch = await scratchDir();
    cardKey = await generateCardKey('P-256');
    extFile = await writeTemp(scratch.path, 'ext.cnf', ISSUING_CA_EXTENSIONS);
    central = await makeRoot('Central Root');
  });

  afterAll(async () => {
    await scratch?.cleanup();
  });

  beforeEach(() => {
    secretKey = deviceSecret();
    store = new InMemoryCaStateStore();
    stateDir = join(scratch.path, `device-${(counter += 1)}`);
  });

  it('imports the certificate for its own request and issues under the central root, also after a restart', async () => {
    const ca = await open();
    const csrPem = await ca.createIssuingCaRequest();
    expect(csrPem).toContain('BEGIN CERTIFICATE REQUEST');
    const csrPath = await writeTemp(scratch.path, `req-${counter}.csr`, csrPem);
    expect((await openssl(['req', '-in', csrPath, '-noout', '-verify'])).output).toMatch(
      /verif(y|ication) OK/i,
    );
    const pending = await readFile(join(stateDir, 'issuing-ca-request.json'), 'utf8');
    expect(pending).not.toContain('PRIVATE KEY');

    const issuingPem = await centralSigns(csrPath);
    await ca.importIssuingCa({ certificatePem: issuingPem, chainPem: central.pem });
    const chain = splitPem(ca.chainPem());
    expect(chain).toHaveLength(2);
    expect(new X509Certificate(chain[0]!).fingerprint256).toBe(
      new X509Certificate(issuingPem).fingerprint256,
    );
    expect(new X509Certificate(chain[1]!).fingerprint256).toBe(
      new X509Certificate(central.pem).fingerprint256,
    );
    expect(await readdir(stateDir)).not.toContain('issuing-ca-request.json');
    await verifyCard(ca, `csr-${counter}`);

    const restarted = await open();
    expect(restarted.chainPem()).toBe(ca.chainPem());
    await verifyCard(restarted, `csr-restart-${counter}`);
  });

  it('imports a centrally made RSA-2048 key with its certificate', async () => {
    const ca = await open();
    const keyPath = join(scratch.path, `ica-${counter}.key`);
    const csrPath = join(scratch.path, `ica-${counter}.csr`);
    await run([
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      csrPath,
      '-subj',
      '/O=Example Corp/CN=Central-issued Kiosk CA',
    ]);
    const issuingPem = await centralSigns(csrPath);
    await ca.importIssuingCa({
      certificatePem: issuingPem,
      privateKeyPem: await readFile(keyPath, 'utf8'),
      chainPem: central.pem,
    });
    expect(new X509Certificate(splitPem(ca.chainPem())[0]!).publicKey.asymmetricKeyType).toBe(
      'rsa',
    );
    await verifyCard(ca, `rsa-${counter}`);
  });

  it('refuses a key that does not belong to the certificate, a broken chain, a non-CA certificate or no key, and changes nothing', async () => {
    const ca = await open();
    const chainBefore = ca.chainPem();
    const fileBefore = await readFile(join(stateDir, 'issuing-ca.json'));
    const keyPath = join(scratch.path, `ica-${counter}.key`);
    const otherKeyPath = join(scratch.path, `other-${counter}.key`);
    const csrPath = join(scratch.path, `ica-${counter}.csr`);
    await run([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      csrPath,
      '-subj',
      '/CN=ICA',
    ]);
    await run([
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      otherKeyPath,
    ]);
    const issuingPem = await centralSigns(csrPath);
    const keyPem = await readFile(keyPath, 'utf8');
    const otherKeyPem = await readFile(otherKeyPath, 'utf8');
    const strangerRoot = await makeRoot(`Stranger Root ${counter}`);
    const cardPem = derToPem(
      (await ca.issueCardCertificate(cardRequest(cardKey, 'visitor', new Date()))).certificateDer,
      'CERTIFICATE',
    );

    const attempts = [
      { certificatePem: issuingPem, privateKeyPem: otherKeyPem, chainPem: central.pem },
      { certificatePem: issuingPem, privateKeyPem: keyPem, chainPem: strangerRoot.pem },
      { certificatePem: issuingPem, privateKeyPem: keyPem, chainPem: '' },
      { certificatePem: cardPem, privateKeyPem: keyPem, chainPem: chainBefore },
      { certificatePem: issuingPem, chainPem: central.pem },
      { certificatePem: issuingPem, privateKeyPem: 'not a key', chainPem: central.pem },
    ];
    for (const attempt of attempts) {
      const error = await ca.importIssuingCa(attempt).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CaImportError);
      expect((error as CaImportError).code).toBe('CA_IMPORT_REJECTED');
      expect((error as Error).message).not.toContain('PRIVATE KEY');
    }
    expect(ca.chainPem()).toBe(chainBefore);
    expect((await readFile(join(stateDir, 'issuing-ca.json'))).equals(fileBefore)).toBe(true);
  });
});
