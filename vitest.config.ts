import { defineConfig } from 'vitest/config';

// One vitest config for the whole suite. Tests start their own emulators on 127.0.0.1:0, so files can run in
// parallel; the machine has 2 cores, hence the small pool.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    environment: 'node',
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    allowOnly: false,
  },
});
