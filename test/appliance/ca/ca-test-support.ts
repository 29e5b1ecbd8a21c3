// Builders shared by the CA tests: card key pairs made with node:crypto (playing the card's
// on-chip key generation and its signature over the possession challenge), a CA in a fresh
// temporary state directory, and a thin wrapper around the real openssl CLI.

import { execFile, execFileSync } from 'node:child_process';
import { generateKeyPair, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createPossessionChallenge,
  defaultCertificateProfiles,
  InMemoryCaStateStore,
  LocalCertificateAuthority,
  type CaKeyAlgorithm,
  type CardCertificateRequest,
  type CardType,
  type CertificateAuthorityOptions,
} from '../../../appliance/src/ca/index.js';

export type CardKeyType = 'P-256' | 'RSA-2048';

export interface CardKey {
  readonly type: CardKeyType;
  readonly privateKey: KeyObject;
  readonly spkiDer: Uint8Array;
}

export function generateCardKey(type: CardKeyType): Promise<CardKey> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, publicKey: KeyObject, privateKey: KeyObject): void => {
      if (error) reject(error);
      else
        resolve({
          type,
          privateKey,
          spkiDer: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
        });
    };
    if (type === 'P-256') generateKeyPair('ec', { namedCurve: 'P-256' }, done);
    else generateKeyPair('rsa', { modulusLength: 2048 }, done);
  });
}

/** What the card does after PIN verification: sign the challenge with the new key (SHA-256). */
export function cardSignsChallenge(key: CardKey): CardCertificateRequest['proofOfPossession'] {
  const challenge = createPossessionChallenge();
  return { challenge, signature: new Uint8Array(sign('sha256', challenge, key.privateKey)) };
}

export const HOLDERS: Record<CardType, CardCertificateRequest['holder']> = {
  employee: {
    name: 'Alice Example',
    email: 'alice@example.com',
    upn: 'alice@corp.example.com',
    company: 'Example Corp',
  },
  contractor: { name: 'Bob Builder', email: 'bob@builders.example', company: 'Builders Ltd' },
  visitor: { name: 'Carol Visitor', company: 'Visiting GmbH' },
};

export const CRL_URL = 'http://kiosk.example.com/ca/crl';
export const DAY_MS = 86_400_000;

export function cardRequest(
  key: CardKey,
  cardType: CardType,
  now: Date,
  overrides: Partial<CardCertificateRequest> = {},
): CardCertificateRequest {
  return {
    publicKeySpkiDer: key.spkiDer,
    profile: defaultCertificateProfiles[cardType],
    holder: HOLDERS[cardType],
    cardNumber: `1000-${cardType}`,
    notBefore: now,
    notAfter: new Date(now.getTime() + (cardType === 'visitor' ? DAY_MS / 2 : 200 * DAY_MS)),
    proofOfPossession: cardSignsChallenge(key),
    ...overrides,
  };
}

export function deviceSecret(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

/** A scratch directory removed by `cleanup`. */
export async function scratchDir(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'cardkiosk-ca-'));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

export async function createTestCa(
  stateDir: string,
  overrides: Partial<CertificateAuthorityOptions> & { keyAlgorithm?: CaKeyAlgorithm } = {},
): Promise<LocalCertificateAuthority> {
  return LocalCertificateAuthority.createOrLoad({
    stateDir,
    secretKey: deviceSecret(),
    organization: 'Example Corp',
    crlDistributionUrl: CRL_URL,
    store: new InMemoryCaStateStore(),
    ...overrides,
  });
}

/**
 * Whether the openssl CLI is present. Tests that need it run anyway under CI (CI=true) so that
 * a missing openssl fails the run instead of silently skipping the checks.
 */
export function opensslAvailable(): boolean {
  if (process.env.CI === 'true') return true;
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface OpensslResult {
  readonly code: number;
  readonly output: string;
}

/** Runs openssl; resolves with its exit code and stdout+stderr (it never rejects on exit code). */
export function openssl(args: string[]): Promise<OpensslResult> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** Writes PEM text or DER bytes into `dir` and returns the path. */
export async function writeTemp(
  dir: string,
  name: string,
  data: string | Uint8Array,
): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, data);
  return path;
}

export function derToPem(der: Uint8Array, label: string): string {
  const base64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${base64.replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

/** The PEM certificates in a bundle, in order. */
export function splitPem(bundle: string): string[] {
  return (
    bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? []
  ).map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`));
}
