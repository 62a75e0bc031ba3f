import { defineConfig } from 'vitest/config';

// The live acceptance suite (`npm run test:live`), never part of `npm test`: test/live only, one file at a time and
// one test at a time, because against a real development instance every request counts against its shared
// 100-per-10-seconds budget (docs/clerk-api.md, "One rate limit per instance, shared"). The global setup picks the
// target (CLERK_LIVE_SECRET_KEY or the default emulator), says which, and removes what the suite created.
export default defineConfig({
  test: {
    include: ['test/live/**/*.test.ts'],
    globalSetup: ['test/live/global-setup.ts'],
    environment: 'node',
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    allowOnly: false,
  },
});
