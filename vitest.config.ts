import { defineConfig } from 'vitest/config';

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
    ],
  },
});
