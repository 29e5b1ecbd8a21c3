/**
 * The device secret: 32 random bytes in the state directory, readable only by the service
 * user, created on first start. Keys for sealing PINs/PUKs and per-card management keys are
 * derived from it, never used directly.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEVICE_SECRET_BYTES = 32;

export function loadOrCreateDeviceSecret(stateDir: string): Uint8Array {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = join(stateDir, 'device-secret.key');
  if (existsSync(file)) {
    const secret = readFileSync(file);
    if (secret.length !== DEVICE_SECRET_BYTES)
      throw new Error(`${file} is damaged: expected ${DEVICE_SECRET_BYTES} bytes`);
    return new Uint8Array(secret);
  }
  const secret = randomBytes(DEVICE_SECRET_BYTES);
  writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return new Uint8Array(secret);
}
