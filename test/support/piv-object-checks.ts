/**
 * Checks of a PIV card's signed objects with OpenSSL (not our code), on the bytes a tool read
 * from the card: the CHUID's issuer signature, and the Security Object's signature and the
 * SHA-256 hashes it lists (SP 800-73-4 Part 1 Appendix C: data groups in mapping order).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  chuidSignedContentOf,
  decodeChuid,
  decodeSecurityObject,
} from '../../drivers/encoder/piv-objects.js';
import { runTool } from './pcscd.js';

type ToolResult = Awaited<ReturnType<typeof runTool>>;

export const sha256Upper = (bytes: Uint8Array): string =>
  createHash('sha256').update(bytes).digest('hex').toUpperCase();

function cmsVerify(chainFile: string, atTime: Date | undefined, args: string[]) {
  return runTool('openssl', [
    'cms',
    '-verify',
    '-inform',
    'DER',
    '-binary',
    '-CAfile',
    chainFile,
    '-purpose',
    'any',
    ...(atTime ? ['-attime', String(Math.floor(atTime.getTime() / 1000))] : []),
    ...args,
  ]);
}

/** `openssl cms -verify` of the CHUID's detached signature over its signed content. */
export async function opensslVerifyChuid(
  dir: string,
  chuidContent: Uint8Array,
  chainFile: string,
  atTime?: Date,
): Promise<ToolResult> {
  writeFileSync(join(dir, 'chuid-signed.bin'), chuidSignedContentOf(chuidContent));
  writeFileSync(join(dir, 'chuid-sig.der'), decodeChuid(chuidContent).issuerSignature);
  return cmsVerify(chainFile, atTime, [
    '-in',
    join(dir, 'chuid-sig.der'),
    '-content',
    join(dir, 'chuid-signed.bin'),
    '-out',
    '/dev/null',
  ]);
}

/**
 * `openssl cms -verify` of the Security Object's SignedData, and the hashes its
 * LDSSecurityObject lists, as `openssl asn1parse` shows them (upper-case hex).
 */
export async function opensslSecurityObject(
  dir: string,
  securityObject: Uint8Array,
  chainFile: string,
  atTime?: Date,
): Promise<{
  verify: ToolResult;
  hashes: string[];
  containerIds: number[];
}> {
  const so = decodeSecurityObject(securityObject);
  writeFileSync(join(dir, 'so.der'), so.signedData);
  const verify = await cmsVerify(chainFile, atTime, [
    '-in',
    join(dir, 'so.der'),
    '-out',
    join(dir, 'lds.der'),
  ]);
  const lds = await runTool('openssl', [
    'asn1parse',
    '-inform',
    'DER',
    '-in',
    join(dir, 'lds.der'),
  ]);
  const hashes = [...lds.stdout.matchAll(/OCTET STRING\s+\[HEX DUMP\]:([0-9A-F]+)/g)].map(
    (m) => m[1] as string,
  );
  return { verify, hashes, containerIds: so.mapping.map((m) => m.containerId) };
}
