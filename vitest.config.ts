import { defineConfig } from 'vitest/config';
import { clockShiftEnv, libfaketimePath } from './test/support/clock-shift.js';

const shared = {
  environment: 'node' as const,
  testTimeout: 30_000,
  hookTimeout: 30_000,
  pool: 'forks' as const,
};

/**
 * Suites on real system components: the pcscd ones share one pcscd and the vpcd ports (and
 * one restarts pcscd); the pty ones time real serial answers and suffer when they compete
 * for the CPU with each other. They run one file at a time, alongside the other project.
 */
const DEVICE_SUITES = [
  'test/integration/encoder/**/*.test.ts',
  'test/integration/printer/**/*.test.ts',
  'test/contract/card-printer.pty.test.ts',
];

/**
 * Date-sensitive suites, run again with the wall clock and TestClock's default a year and ten
 * years ahead (test/support/clock-shift.ts). Outside CI they need Debian's faketime installed.
 */
const DATE_SENSITIVE_SUITES = [
  'test/appliance/ca/**/*.test.ts',
  'test/provisioning/**/*.test.ts',
  'test/appliance/services/sync/**/*.test.ts',
  'test/integration/sync/**/*.test.ts',
  'test/appliance/core/card/card-validity.test.ts',
  'test/http/revocation.test.ts',
];
const CLOCK_SHIFTS = [
  { name: 'clock+1y', days: 365 },
  { name: 'clock+10y', days: 3653 },
];
const clockShiftProjects =
  libfaketimePath() || process.env.CI === 'true'
    ? CLOCK_SHIFTS.map(({ name, days }) => ({
        test: {
          ...shared,
          name,
          include: DATE_SENSITIVE_SUITES,
          // Its steps are the enrollment suite's, each in a child tsx process: minutes, no news.
          exclude: ['test/provisioning/cli.test.ts'],
          env: clockShiftEnv(days),
          setupFiles: ['test/support/clock-shift-setup.ts'],
        },
      }))
    : [];

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          ...shared,
          name: 'unit-and-http',
          include: ['test/**/*.test.ts'],
          exclude: DEVICE_SUITES,
        },
      },
      { test: { ...shared, name: 'devices', include: DEVICE_SUITES, fileParallelism: false } },
      ...clockShiftProjects,
    ],
  },
});
