import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration suites share system daemons (pcscd, one vpcd port pair); files run in
    // parallel but each file's tests run in order.
    fileParallelism: true,
    pool: 'forks',
    reporters: ['default'],
  },
});
