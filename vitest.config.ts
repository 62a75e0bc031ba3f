import { configDefaults, defineConfig } from 'vitest/config';

// One vitest config for the whole suite. Tests start their own emulators on 127.0.0.1:0, so files can run in
// parallel; the machine has 2 cores, hence the small pool. test/live is the live acceptance suite: only
// `npm run test:live` (vitest.live.config.ts) runs it.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: [...configDefaults.exclude, 'test/live/**'],
    environment: 'node',
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    allowOnly: false,
  },
});
