/**
 * Every emulated card generation on the real PC/SC path (PcscPivEncoder → pcscd → vpcd →
 * SimulatedPivCard), checked with tools nobody here wrote:
 *   - the encoder produces a Digital ID card from each profile's factory state;
 *   - OpenSC's piv-tool, authenticating as admin (`-A M:9B:<alg>`, key from PIV_EXT_AUTH_KEY),
 *     is refused with the factory key in 3DES and in AES-192, and accepted with the card's
 *     own key in the algorithm the encoder chose (so the refusals are not vacuous);
 *   - the CHUID's issuer signature and the Security Object, read from the card with
 *     yubico-piv-tool, verify with `openssl cms -verify` against the CA chain, and the
 *     Security Object's hashes are those of the objects on the card;
 *   - the CA checked the card's attestation (verified to the TEST root made here, or
 *     not_supported for the card without attestation); a forged or mismatched statement is
 *     refused and nothing is certified or written.
 * Runs under `flock /tmp/cardkiosk-pcscd.lock` with the other pcscd suites.
 */
import 'reflect-metadata';
import { X509Certificate as PeculiarCertificate } from '@peculiar/x509';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PcscPivEncoder } from '../../../drivers/encoder/pcsc-piv-encoder.js';
import type { PersonalizationRequest } from '../../../drivers/encoder/piv-encoder.js';
import { decodeTlvs, toHex } from '../../../drivers/encoder/apdu-codec.js';
import {
  buildAttestationStatement,
  createCardAttestationKey,
  createSimulatedAttestationAuthority,
} from '../../../drivers/encoder/simulated-attestation.js';
import { SimulatedPivCard } from '../../../drivers/encoder/simulated-piv-card.js';
import {
  SIMULATED_CARD_PROFILE_NAMES,
  type SimulatedCardProfileName,
} from '../../../drivers/encoder/simulated-card-profiles.js';
import { VpcdClient } from '../../../drivers/encoder/vpcd-client.js';
import {
  CardAttestationVerifier,
  configuredProfiles,
  InMemoryCaStateStore,
  LocalCertificateAuthority,
} from '../../../appliance/src/ca/index.js';
import { CaCertificateIssuer } from '../../../appliance/src/services/ca-certificate-issuer.js';
import type { KeyAttestationRecord } from '../../../appliance/src/services/ports.js';
import { testRequest } from '../../contract/piv-encoder.contract.js';
import {
  VPCD_PORTS,
  ensurePcscd,
  openscReaderIndex,
  requireTools,
  runTool,
  stopPcscd,
} from '../../support/pcscd.js';
import {
  opensslSecurityObject,
  opensslVerifyChuid,
  sha256Upper,
} from '../../support/piv-object-checks.js';

const READER = 'Virtual PCD 00 00';
const CARD_EVENT_TIMEOUT_MS = 8_000;
const TOOLS = ['pcscd', 'vpcd', 'opensc-tool', 'piv-tool', 'yubico-piv-tool', 'openssl'];
const unavailable = requireTools(TOOLS);
const FACTORY_KEY_HEX = Array.from({ length: 24 }, (_, i) => `0${(i % 8) + 1}`).join(':');

const expectations: Record<
  SimulatedCardProfileName,
  { algorithm: string; algorithmId: string; attestation: KeyAttestationRecord['outcome'] }
> = {
  'yubikey-4.3': { algorithm: '3DES', algorithmId: '03', attestation: 'verified' },
  'yubikey-5.4': { algorithm: 'AES-192', algorithmId: '0A', attestation: 'verified' },
  'yubikey-5.7': { algorithm: 'AES-192', algorithmId: '0A', attestation: 'verified' },
  'piv-applet': { algorithm: 'AES-192', algorithmId: '0A', attestation: 'not_supported' },
};

/** A tool run with extra environment (PIV_EXT_AUTH_KEY for piv-tool). */
function runWithEnv(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    const proc = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    proc.stdout.on('data', (c: Buffer) => (output += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (output += c.toString()));
    proc.on('error', (e) => resolve({ status: -1, output: output + e.message }));
    proc.on('close', (code) => resolve({ status: code ?? -1, output }));
  });
}

describe
  .skipIf(Boolean(unavailable))
  .sequential(
    'every card generation through pcscd and vpcd, checked with OpenSC, yubico-piv-tool and OpenSSL',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'cardkiosk-generations-'));
      const authority = createSimulatedAttestationAuthority('generations test');
      let started = false;
      let client: VpcdClient;
      let encoder: PcscPivEncoder;
      let ca: LocalCertificateAuthority;
      let issuer: CaCertificateIssuer;
      let issuedCount = 0;
      const chainFile = join(dir, 'chain.pem');

      beforeAll(async () => {
        started = (await ensurePcscd()).started;
        const store = new InMemoryCaStateStore();
        const save = store.saveIssuedCertificate.bind(store);
        store.saveIssuedCertificate = async (record) => {
          issuedCount += 1;
          return save(record);
        };
        ca = await LocalCertificateAuthority.createOrLoad({
          stateDir: join(dir, 'ca'),
          secretKey: new Uint8Array(32).fill(7),
          organization: 'generations test site',
          store,
        });
        writeFileSync(chainFile, ca.chainPem());
        issuer = new CaCertificateIssuer(
          ca,
          configuredProfiles(),
          new CardAttestationVerifier(
            [authority.root.certificateDer, authority.issuer.certificateDer].map(
              (der) => new PeculiarCertificate(Buffer.from(der)),
            ),
            () => new Date(),
          ),
        );
        client = new VpcdClient({ card: new SimulatedPivCard(), port: VPCD_PORTS[READER] });
        encoder = await PcscPivEncoder.create({ readerName: READER, reconnectIntervalMs: 200 });
      }, 60_000);

      afterAll(async () => {
        await encoder?.close();
        await client?.close();
        if (started) await stopPcscd();
        rmSync(dir, { recursive: true, force: true });
      });

      async function insert(card: SimulatedPivCard): Promise<void> {
        if (client.connected) {
          await client.remove();
          await encoder.waitForCardRemoval(CARD_EVENT_TIMEOUT_MS);
        }
        client.swapCard(card);
        await client.insert(CARD_EVENT_TIMEOUT_MS);
        const status = await encoder.waitForReader(CARD_EVENT_TIMEOUT_MS, true);
        if (!status.cardPresent) throw new Error('pcscd did not report the card insertion');
      }

      /** A Digital ID request whose certificate comes from the device CA through its issuer. */
      function digitalRequest(attestations: KeyAttestationRecord[]): PersonalizationRequest {
        return testRequest({
          contentSigner: ca,
          digital: {
            algorithm: 'ECCP256',
            issueCertificate: async (req) => {
              const issued = await issuer.issue({
                cardNumber: '4000123',
                cardType: 'visitor',
                holder: { name: 'Gina Generation', company: 'Gen Co' },
                algorithm: req.algorithm,
                publicKeySpkiDer: req.publicKeySpkiDer,
                signWithCardKey: req.signWithCardKey,
                ...(req.chipSerial ? { chipSerial: req.chipSerial } : {}),
                ...(req.attest ? { attest: req.attest } : {}),
                notBefore: new Date(),
                notAfter: new Date(Date.now() + 12 * 3_600_000),
              });
              attestations.push(issued.attestation);
              return issued.certificateDer;
            },
          },
        });
      }

      async function readObject(id: string, file: string): Promise<Uint8Array> {
        const read = await runTool('yubico-piv-tool', [
          '-r',
          READER,
          '-a',
          'read-object',
          `--id=${id}`,
          '--format=binary',
          '-o',
          file,
        ]);
        expect(read.status, read.stderr).toBe(0);
        return new Uint8Array(readFileSync(file));
      }

      async function pivToolAdmin(algorithmId: string, keyHex: string): Promise<boolean> {
        const keyFile = join(dir, `admin-${algorithmId}.key`);
        writeFileSync(keyFile, keyHex);
        const index = String(await openscReaderIndex(READER));
        const run = await runWithEnv('piv-tool', ['-r', index, '-A', `M:9B:${algorithmId}`], {
          PIV_EXT_AUTH_KEY: keyFile,
        });
        return run.status === 0 && !/failed|error/i.test(run.output);
      }

      it.for(SIMULATED_CARD_PROFILE_NAMES)(
        '%s: produced; factory key refused in 3DES and AES-192; CHUID and Security Object verify; attestation checked',
        { timeout: 120_000 },
        async (profile) => {
          const expected = expectations[profile];
          const card = new SimulatedPivCard({ profile, attestationCa: authority.issuer });
          await insert(card);
          const attestations: KeyAttestationRecord[] = [];
          const request = digitalRequest(attestations);
          const result = await encoder.personalize(request);
          expect(result.managementKeyAlgorithm).toBe(expected.algorithm);
          expect(attestations.map((a) => a.outcome)).toEqual([expected.attestation]);

          // OpenSC's piv-tool as admin: the factory key fails in both algorithms, the card's own
          // key works in its algorithm.
          expect(await pivToolAdmin('03', FACTORY_KEY_HEX)).toBe(false);
          expect(await pivToolAdmin('0A', FACTORY_KEY_HEX)).toBe(false);
          const ownKey = Array.from(request.managementKey.subarray(0, 24), (b) =>
            b.toString(16).padStart(2, '0'),
          ).join(':');
          expect(await pivToolAdmin(expected.algorithmId, ownKey)).toBe(true);

          // The CHUID's signature, read back by yubico-piv-tool, verifies with OpenSSL.
          const chuidContent = await readObject('0x5fc102', join(dir, 'chuid.bin'));
          const chuidVerify = await opensslVerifyChuid(dir, chuidContent, chainFile);
          expect(chuidVerify.status, chuidVerify.stderr).toBe(0);
          expect(chuidVerify.stderr).toMatch(/Verification successful/);

          // The Security Object verifies and its hashes are those of the card's objects.
          const so = await opensslSecurityObject(
            dir,
            await readObject('0x5fc106', join(dir, 'so.bin')),
            chainFile,
          );
          expect(so.verify.status, so.verify.stderr).toBe(0);
          const ccc = await readObject('0x5fc107', join(dir, 'ccc.bin'));
          const cert = await readObject('0x5fc105', join(dir, 'cert.bin'));
          expect(so.hashes).toEqual([
            sha256Upper(chuidContent),
            sha256Upper(ccc),
            sha256Upper(cert),
          ]);
          expect(so.containerIds).toEqual([0x3000, 0xdb00, 0x0101]);

          // The certificate on the card certifies the key the card generated.
          const certificateDer = decodeTlvs(cert).find((t) => t.tag === 0x70)!.value;
          expect(toHex(certificateDer)).toBe(toHex(result.certificateDer!));
          expect(
            new X509Certificate(certificateDer).checkIssued(
              new X509Certificate(readFileSync(chainFile)),
            ),
          ).toBe(true);
        },
      );

      const statementFor = (serial: number, issuerCa = authority.issuer): Uint8Array => {
        const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
        return buildAttestationStatement(createCardAttestationKey(issuerCa, serial), {
          slot: 0x9a,
          slotPublicKey: other.publicKey,
          firmware: [5, 7, 1],
          serial,
          pinPolicy: 2,
          touchPolicy: 1,
        });
      };

      it.for([
        ['a statement for another key', (card: SimulatedPivCard) => statementFor(card.serial)],
        [
          'a statement forged under another root',
          (card: SimulatedPivCard) =>
            statementFor(card.serial, createSimulatedAttestationAuthority('rogue').issuer),
        ],
      ] as const)('refuses %s and certifies nothing', { timeout: 60_000 }, async ([, replace]) => {
        const card = new SimulatedPivCard({
          profile: 'yubikey-5.7',
          attestationCa: authority.issuer,
          replaceAttestation: (_genuine, tampered) => replace(tampered),
        });
        await insert(card);
        const before = issuedCount;
        const error = await encoder.personalize(digitalRequest([])).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect((error as { code?: string }).code).toBe('CA_ATTESTATION_REFUSED');
        expect(issuedCount).toBe(before);
        expect(card.snapshot().objectTags).not.toContain(0x5fc105);
      });
    },
  );

// In CI a missing tool is a failure, not a skip (requireTools throws there at import).
it('has the tools it needs, or is skipped outside CI', () => {
  expect(unavailable === undefined || process.env.CI !== 'true').toBe(true);
});
