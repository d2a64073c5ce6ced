import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Starts a throwaway PostgreSQL cluster once for the whole run (test/support/postgres-global.ts).
    globalSetup: ['test/support/postgres-global.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: heavy end-to-end files run one at a time (see test/e2e).
    fileParallelism: true,
    maxWorkers: 2,
  },
});
