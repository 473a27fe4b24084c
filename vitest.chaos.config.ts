import { defineConfig } from 'vitest/config';

/**
 * The chaos suite (`npm run test:chaos`): long, destructive runs kept out of `npm test`. Files run one at a
 * time because the load test measures event-loop delay and memory, which other suites running beside it on
 * two cores would distort.
 */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.chaos.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['test/chaos/global-setup.ts'],
  },
});
