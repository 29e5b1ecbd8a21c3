import { defineConfig } from 'vitest/config';

const shared = {
  environment: 'node' as const,
  testTimeout: 30_000,
  hookTimeout: 30_000,
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          ...shared,
          name: 'unit-and-http',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/encoder/**'],
        },
      },
      // These files share one pcscd and the vpcd ports (and one of them restarts pcscd):
      // they run one file at a time, alongside the other project.
      {
        test: {
          ...shared,
          name: 'pcscd',
          include: ['test/integration/encoder/**/*.test.ts'],
          fileParallelism: false,
        },
      },
    ],
  },
});
