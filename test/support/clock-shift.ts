/**
 * The clock-shift runs: vitest's `clock+1y` and `clock+10y` projects run the date-sensitive
 * suites (CA, provisioning, sync, card validity, revocation) with the whole clock moved ahead.
 * The worker process starts under libfaketime (Debian `faketime`), so the wall clock that
 * Node, OpenSSL's TLS checks, openssl(1) and child appliance processes read is shifted; and
 * `CARDKIOSK_TEST_CLOCK_SHIFT_DAYS` moves TestClock's default instant by the same amount, so a
 * test that forgot that one meets the other still fails here as it would on that day.
 *
 * This module is read by vitest.config.ts (no vitest import here).
 */
import { existsSync } from 'node:fs';

export const CLOCK_SHIFT_ENV = 'CARDKIOSK_TEST_CLOCK_SHIFT_DAYS';

/**
 * Where Debian's libfaketime package puts the preload library, per architecture: the MT
 * build, since Node reads the clock from V8's and libuv's threads too.
 */
const LIBFAKETIME_CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1',
  '/usr/lib/arm-linux-gnueabihf/faketime/libfaketimeMT.so.1',
  '/usr/lib/faketime/libfaketimeMT.so.1',
];

export function libfaketimePath(): string | null {
  return LIBFAKETIME_CANDIDATES.find((file) => existsSync(file)) ?? null;
}

/**
 * The environment of a worker whose clock runs `days` ahead. Monotonic clocks are left alone
 * (FAKETIME_DONT_FAKE_MONOTONIC) so timers and timeouts keep their real length. Without libfaketime the
 * worker still starts, with `CARDKIOSK_TEST_CLOCK_SHIFT_MISSING` set: the suites' setup then
 * fails under CI=true and skips the run outside CI.
 */
export function clockShiftEnv(days: number): Record<string, string> {
  const lib = libfaketimePath();
  const env: Record<string, string> = { [CLOCK_SHIFT_ENV]: String(days) };
  if (!lib) return { ...env, CARDKIOSK_TEST_CLOCK_SHIFT_MISSING: 'libfaketime' };
  return {
    ...env,
    LD_PRELOAD: lib,
    FAKETIME: `+${days}d`,
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  };
}

/** The shift in days TestClock applies to its default instant (0 outside the shifted runs). */
export function clockShiftDays(): number {
  const days = Number(process.env[CLOCK_SHIFT_ENV] ?? '0');
  return Number.isFinite(days) ? days : 0;
}
