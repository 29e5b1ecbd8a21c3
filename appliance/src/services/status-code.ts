/**
 * Walk-up status codes: 8 symbols of Crockford's base32 (40 bits), shown as "ABCD-EFGH" and
 * in a QR code. The code is the walk-up's only credential for its request, so only its
 * SHA-256 is stored, and lookups are rate-limited at the HTTP edge.
 */
import { createHash } from 'node:crypto';
import type { RandomSource } from '../core/ports.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const STATUS_CODE_SYMBOLS = 8;

export function newStatusCode(random: RandomSource): string {
  let code = '';
  for (let i = 0; i < STATUS_CODE_SYMBOLS; i++) code += ALPHABET[random.int(ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** Accept what people type: any case, with or without the dash, O for 0 and I/L for 1. */
export function normalizeStatusCode(input: string): string | null {
  const s = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (s.length !== STATUS_CODE_SYMBOLS || [...s].some((c) => !ALPHABET.includes(c))) return null;
  return s;
}

export function statusCodeHash(normalized: string): string {
  return createHash('sha256').update(`cardkiosk-status:${normalized}`).digest('hex');
}
