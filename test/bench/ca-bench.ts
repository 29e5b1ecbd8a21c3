// Benchmark of the certificate authority: the time to issue one card certificate (proof-of-
// possession check, certificate building, signing, recording) against one raw node:crypto
// signature with the same issuing key over a message of the same size, both measured in the
// same run so that the ratio shows what the X.509 machinery costs on top of the signature.
// Run alone with `npx tsx test/bench/ca-bench.ts`; `npm run bench` calls `runCaBench()`.

import { createPrivateKey, sign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import {
  InMemoryCaStateStore,
  LocalCertificateAuthority,
  type CaKeyAlgorithm,
} from '../../appliance/src/ca/index.js';
import { CaStateDirectory, ISSUING_CA_FILE } from '../../appliance/src/ca/ca-state-directory.js';
import { unsealPrivateKey } from '../../appliance/src/ca/sealed-private-key.js';
import {
  cardRequest,
  deviceSecret,
  generateCardKey,
  type CardKeyType,
} from '../appliance/ca/ca-test-support.js';

const ITERATIONS = 50;
const WARM_UP_ITERATIONS = 5;

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

async function benchOne(
  caKeyAlgorithm: CaKeyAlgorithm,
  cardKeyType: CardKeyType,
  iterations: number,
): Promise<Record<string, unknown>> {
  const stateDir = await mkdtemp(join(tmpdir(), 'cardkiosk-ca-bench-'));
  try {
    const secretKey = deviceSecret();
    const ca = await LocalCertificateAuthority.createOrLoad({
      stateDir,
      secretKey,
      keyAlgorithm: caKeyAlgorithm,
      organization: 'Bench Corp',
      crlDistributionUrl: 'http://kiosk.example.com/ca/crl',
      store: new InMemoryCaStateStore(),
    });
    // The same issuing key the CA signs with, opened the way the CA opens it.
    const file = await new CaStateDirectory(stateDir).readKeyFile(ISSUING_CA_FILE);
    const pkcs8 = unsealPrivateKey(file!.sealedPrivateKey, secretKey, 'issuing-ca', 'bench');
    const issuingKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    pkcs8.fill(0);

    const cardKey = await generateCardKey(cardKeyType);
    // The card's signatures over its challenges are the card's work, made before timing.
    const requests = Array.from({ length: iterations + WARM_UP_ITERATIONS }, () =>
      cardRequest(cardKey, 'employee', new Date()),
    );
    const issueMs: number[] = [];
    let message: Uint8Array = new Uint8Array(0);
    for (const [index, request] of requests.entries()) {
      const started = performance.now();
      const issued = await ca.issueCardCertificate(request);
      const elapsed = performance.now() - started;
      if (index >= WARM_UP_ITERATIONS) issueMs.push(elapsed);
      message = issued.certificateDer;
    }

    const signMs: number[] = [];
    for (let index = 0; index < iterations + WARM_UP_ITERATIONS; index += 1) {
      const started = performance.now();
      sign('sha256', message, issuingKey);
      const elapsed = performance.now() - started;
      if (index >= WARM_UP_ITERATIONS) signMs.push(elapsed);
    }

    const issueMedian = median(issueMs);
    const signMedian = median(signMs);
    return {
      caKeyAlgorithm,
      cardKeyType,
      iterations,
      issueCertificateMedianMs: round(issueMedian),
      rawSignatureMedianMs: round(signMedian),
      issueToSignatureRatio: Math.round((issueMedian / signMedian) * 10) / 10,
      signedMessageBytes: message.length,
    };
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

export async function runCaBench(
  options: { iterations?: number } = {},
): Promise<Record<string, unknown>> {
  const iterations = options.iterations ?? ITERATIONS;
  return {
    name: 'ca',
    description:
      'median time to issue one card certificate vs one raw node:crypto signature with the same issuing CA key, same run',
    eccP256Ca: await benchOne('ECCP256', 'P-256', iterations),
    rsa2048Ca: await benchOne('RSA2048', 'RSA-2048', iterations),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runCaBench().then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
