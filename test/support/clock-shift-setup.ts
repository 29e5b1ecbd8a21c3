/**
 * Setup file of the clock-shift projects: proves the worker's wall clock really is shifted
 * (libfaketime preloaded), so a shifted run can never pass on an unshifted clock. Under CI=true
 * without libfaketime the projects still run and fail here (vitest.config.ts leaves them out
 * elsewhere when the library is missing).
 */
import { beforeAll } from 'vitest';
import { clockShiftDays } from './clock-shift.js';

const DAY_MS = 86_400_000;
/** No run of this suite happens before the TestClock default's day. */
const EARLIEST_REAL_DATE_MS = Date.parse('2026-11-26T00:00:00.000Z');

beforeAll(() => {
  const days = clockShiftDays();
  const missing = process.env.CARDKIOSK_TEST_CLOCK_SHIFT_MISSING;
  if (missing) {
    throw new Error(`the clock-shift run needs ${missing} (Debian faketime; .ci/run installs it)`);
  }
  if (Date.now() < EARLIEST_REAL_DATE_MS + days * DAY_MS) {
    throw new Error(`the wall clock is not ${days} days ahead: is libfaketime preloaded?`);
  }
});
