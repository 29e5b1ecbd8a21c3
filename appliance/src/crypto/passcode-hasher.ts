/**
 * Staff passcodes hashed with scrypt (N=2^15, r=8, p=1: about 50 ms and 32 MiB per hash on
 * a Raspberry Pi 4, which slows guessing without stalling the kiosk). Format:
 * "scrypt$N$r$p$salt$hash" (base64url), so parameters can be raised later.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_BYTES = 32;
const DEFAULT_COST = { N: 1 << 15, r: 8, p: 1 };

function scrypt(
  passcode: string,
  salt: Buffer,
  cost: { N: number; r: number; p: number },
): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 128 * cost.N * cost.r * 2 };
  return new Promise((resolve, reject) =>
    scryptCb(passcode, salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export interface PasscodeHasher {
  hash(passcode: string): Promise<string>;
  verify(passcode: string, stored: string): Promise<boolean>;
}

export class ScryptPasscodeHasher implements PasscodeHasher {
  /** Tests may lower the cost; production keeps the default. */
  constructor(private readonly cost = DEFAULT_COST) {}

  async hash(passcode: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await scrypt(passcode, salt, this.cost);
    const { N, r, p } = this.cost;
    return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  async verify(passcode: string, stored: string): Promise<boolean> {
    const [scheme, n, r, p, salt, hash] = stored.split('$');
    if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
    const expected = Buffer.from(hash, 'base64url');
    const actual = await scrypt(passcode, Buffer.from(salt, 'base64url'), {
      N: Number(n),
      r: Number(r),
      p: Number(p),
    });
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
