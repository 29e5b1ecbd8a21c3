// Certificate holds checked with the real openssl CLI: a held certificate is on the complete
// CRL with reason certificateHold and `openssl verify -crl_check` refuses it; once released,
// the next complete CRL leaves it out and the delta CRL (Delta CRL Indicator naming a base the
// relying party may still hold) lists it as removeFromCRL, which `openssl verify -crl_check
// -use_deltas` honours over a stale complete CRL. The CA's clock is a test clock and openssl
// verifies at that time (-attime), so nothing depends on today's date.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCertificateAuthority } from '../../../appliance/src/ca/index.js';
import {
  cardRequest,
  createTestCa,
  DAY_MS,
  derToPem,
  generateCardKey,
  openssl,
  opensslAvailable,
  scratchDir,
  splitPem,
  writeTemp,
  type CardKey,
} from './ca-test-support.js';

describe.skipIf(!opensslAvailable())('certificate hold and release, checked with openssl', () => {
  let scratch: { path: string; cleanup: () => Promise<void> };
  let now = new Date('2031-03-01T08:00:00.000Z');
  let ca: LocalCertificateAuthority;
  let key: CardKey;

  beforeAll(async () => {
    scratch = await scratchDir();
    key = await generateCardKey('P-256');
    ca = await createTestCa(`${scratch.path}/ca`, { clock: () => now });
  });

  afterAll(async () => {
    await scratch?.cleanup();
  });

  const attime = () => String(Math.floor(now.getTime() / 1000));

  async function pem(name: string, der: Uint8Array, label = 'X509 CRL'): Promise<string> {
    return writeTemp(scratch.path, name, derToPem(der, label));
  }

  async function verify(cert: string, crls: string[], deltas = false) {
    const [issuing, root] = splitPem(ca.chainPem());
    const rootPath = await writeTemp(scratch.path, 'root.pem', root ?? '');
    const issuingPath = await writeTemp(scratch.path, 'issuing.pem', issuing ?? '');
    return openssl([
      'verify',
      '-attime',
      attime(),
      '-crl_check',
      ...(deltas ? ['-use_deltas'] : []),
      ...crls.flatMap((c) => ['-CRLfile', c]),
      '-CAfile',
      rootPath,
      '-untrusted',
      issuingPath,
      cert,
    ]);
  }

  const crlText = async (path: string) =>
    (await openssl(['crl', '-in', path, '-noout', '-text'])).output;

  it('lists a held certificate as certificateHold, drops it after release, and says removeFromCRL in the delta', async () => {
    const held = await ca.issueCardCertificate(cardRequest(key, 'employee', now));
    const other = await ca.issueCardCertificate(cardRequest(key, 'contractor', now));
    const heldCert = await pem('held.pem', held.certificateDer, 'CERTIFICATE');
    const otherCert = await pem('other.pem', other.certificateDer, 'CERTIFICATE');
    const serial = held.serialHex.toUpperCase();

    const base = await pem('base.crl.pem', await ca.currentCrlDer());
    expect((await verify(heldCert, [base])).output).toContain(': OK');

    now = new Date(now.getTime() + 60_000);
    await ca.hold(held.serialHex, now);
    // Holding twice changes nothing (the first hold stands).
    await ca.hold(held.serialHex, new Date(now.getTime() + 1000));
    now = new Date(now.getTime() + 60_000);
    const onHold = await pem('on-hold.crl.pem', await ca.currentCrlDer());
    const onHoldText = await crlText(onHold);
    expect(onHoldText).toContain(`Serial Number: ${serial}`);
    expect(onHoldText).toContain('Certificate Hold');
    expect(onHoldText).toContain('Freshest CRL');
    const refused = await verify(heldCert, [onHold]);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('certificate revoked');
    expect((await verify(otherCert, [onHold])).output).toContain(': OK');

    // The delta against the first complete CRL says the hold is new.
    const deltaHold = await pem('delta-hold.crl.pem', await ca.currentDeltaCrlDer());
    const deltaHoldText = await crlText(deltaHold);
    expect(deltaHoldText).toContain('Delta CRL Indicator');
    expect(deltaHoldText).toContain(`Serial Number: ${serial}`);
    expect(deltaHoldText).toContain('Certificate Hold');
    expect((await verify(heldCert, [base, deltaHold], true)).output).toContain(
      'certificate revoked',
    );

    // A week on, the first complete CRL has run out; the one listing the hold is the base.
    now = new Date(now.getTime() + 7 * DAY_MS - 60_000);
    await ca.releaseHold(held.serialHex, now);
    now = new Date(now.getTime() + 1000);
    const released = await pem('released.crl.pem', await ca.currentCrlDer());
    expect(await crlText(released)).not.toContain(`Serial Number: ${serial}`);
    expect((await verify(heldCert, [released])).output).toContain(': OK');

    const delta = await pem('delta-release.crl.pem', await ca.currentDeltaCrlDer());
    const deltaText = await crlText(delta);
    expect(deltaText).toContain('Delta CRL Indicator');
    expect(deltaText).toContain(`Serial Number: ${serial}`);
    expect(deltaText).toContain('Remove From CRL');
    const baseNumber = /Delta CRL Indicator: critical\s*\n\s*(\d+)/.exec(deltaText)?.[1];
    const onHoldNumber = /X509v3 CRL Number:\s*\n\s*(\d+)/.exec(onHoldText)?.[1];
    expect(baseNumber).toBe(onHoldNumber);
    // A relying party still holding the complete CRL with the hold applies the delta.
    expect((await verify(heldCert, [onHold])).code).not.toBe(0);
    expect((await verify(heldCert, [onHold, delta], true)).output).toContain(': OK');
  });

  it('keeps a revocation over a hold: holding a revoked certificate changes nothing', async () => {
    const cert = await ca.issueCardCertificate(cardRequest(key, 'employee', now));
    await ca.revoke(cert.serialHex, 'keyCompromise', now);
    await ca.hold(cert.serialHex, now);
    now = new Date(now.getTime() + 1000);
    const text = await crlText(await pem('revoked.crl.pem', await ca.currentCrlDer()));
    const entry = text.slice(text.indexOf(`Serial Number: ${cert.serialHex.toUpperCase()}`));
    expect(entry).toMatch(
      /^Serial Number: [0-9A-F]+\s*\n\s*Revocation Date:[^\n]*\n\s*CRL entry extensions:\s*\n\s*X509v3 CRL Reason Code:\s*\n\s*Key Compromise/,
    );
  });
});
