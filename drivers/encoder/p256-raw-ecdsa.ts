/**
 * Raw ECDSA over NIST P-256 for the simulated card: a PIV card signs a digest the host has
 * already computed (SP 800-73-4 Part 2 Appendix A.4 — GENERAL AUTHENTICATE with the
 * hash in tag 81), while node:crypto only signs messages it hashes itself. This module does
 * the curve arithmetic with bigint (Jacobian coordinates, FIPS 186-4 §6.4 signing) and the
 * scalar multiplication needed to derive a public point for an imported private key.
 * Used only by the emulator; it is not constant-time and holds no real keys.
 */
import { randomBytes } from 'node:crypto';

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const GX = 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n;
const GY = 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n;
export const P256_SCALAR_BYTES = 32;

const mod = (a: bigint, m: bigint): bigint => {
  const r = a % m;
  return r >= 0n ? r : r + m;
};

function invert(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new RangeError('value is not invertible');
  return mod(oldS, m);
}

type Jacobian = [bigint, bigint, bigint];

function double([x, y, z]: Jacobian): Jacobian {
  if (z === 0n || y === 0n) return [0n, 1n, 0n];
  // dbl-2001-b for a = -3
  const delta = mod(z * z, P);
  const gamma = mod(y * y, P);
  const beta = mod(x * gamma, P);
  const alpha = mod(3n * (x - delta) * (x + delta), P);
  const x3 = mod(alpha * alpha - 8n * beta, P);
  const z3 = mod((y + z) * (y + z) - gamma - delta, P);
  const y3 = mod(alpha * (4n * beta - x3) - 8n * gamma * gamma, P);
  return [x3, y3, z3];
}

function addAffine(p1: Jacobian, x2: bigint, y2: bigint): Jacobian {
  const [x1, y1, z1] = p1;
  if (z1 === 0n) return [x2, y2, 1n];
  // madd-2007-bl
  const z1z1 = mod(z1 * z1, P);
  const u2 = mod(x2 * z1z1, P);
  const s2 = mod(y2 * z1 * z1z1, P);
  const h = mod(u2 - x1, P);
  const r = mod(2n * (s2 - y1), P);
  if (h === 0n) return r === 0n ? double(p1) : [0n, 1n, 0n];
  const hh = mod(h * h, P);
  const i = mod(4n * hh, P);
  const j = mod(h * i, P);
  const v = mod(x1 * i, P);
  const x3 = mod(r * r - j - 2n * v, P);
  const y3 = mod(r * (v - x3) - 2n * y1 * j, P);
  const z3 = mod((z1 + h) * (z1 + h) - z1z1 - hh, P);
  return [x3, y3, z3];
}

function toAffine([x, y, z]: Jacobian): [bigint, bigint] {
  const zi = invert(z, P);
  const zi2 = mod(zi * zi, P);
  return [mod(x * zi2, P), mod(y * zi2 * zi, P)];
}

/** k·G in affine coordinates. */
export function multiplyBase(k: bigint): [bigint, bigint] {
  let acc: Jacobian = [0n, 1n, 0n];
  for (let bit = BigInt(k.toString(2).length - 1); bit >= 0n; bit--) {
    acc = double(acc);
    if ((k >> bit) & 1n) acc = addAffine(acc, GX, GY);
  }
  return toAffine(acc);
}

export const bytesToBigint = (bytes: Uint8Array): bigint =>
  bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);

export function bigintToBytes(value: bigint, length: number): Uint8Array {
  const hex = value.toString(16).padStart(length * 2, '0');
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function derInteger(value: bigint): number[] {
  let bytes = Array.from(bigintToBytes(value, P256_SCALAR_BYTES));
  while (bytes.length > 1 && bytes[0] === 0 && (bytes[1]! & 0x80) === 0) bytes = bytes.slice(1);
  if ((bytes[0]! & 0x80) !== 0) bytes = [0, ...bytes];
  return [0x02, bytes.length, ...bytes];
}

/**
 * Sign a digest with private scalar `d`; returns the DER SEQUENCE { r, s } that
 * X.509 and PIV hosts expect. Digests longer than 32 bytes are truncated to their
 * leftmost 256 bits (FIPS 186-4 §6.4).
 */
export function signDigest(d: bigint, digest: Uint8Array): Uint8Array {
  const e = bytesToBigint(digest.subarray(0, P256_SCALAR_BYTES));
  for (;;) {
    const k = mod(bytesToBigint(randomBytes(P256_SCALAR_BYTES + 8)), N - 1n) + 1n;
    const [x] = multiplyBase(k);
    const r = mod(x, N);
    if (r === 0n) continue;
    const s = mod(invert(k, N) * (e + r * d), N);
    if (s === 0n) continue;
    const body = [...derInteger(r), ...derInteger(s)];
    return Uint8Array.from([0x30, body.length, ...body]);
  }
}
