import { configDefaults, defineConfig } from 'vitest/config';

// Three projects: unit (pure modules, no server or child process), integration (an in-process emulator or server,
// the CLI in-process through main(argv, io), a few child processes), e2e (whole command-line scenarios and the
// built binary: signals, terminals, pipes; `npm run build` first). `npm run test:fast` runs unit and integration.
// Tests start their own emulators on 127.0.0.1:0, so files run in parallel; the machine has 2 cores, hence the
// small pool. test/live is the live acceptance suite: only `npm run test:live` (vitest.live.config.ts) runs it.

const INTEGRATION = [
  'test/emulator/**/*.test.ts',
  'test/**/*emulator*.test.ts',
  'test/apply/journal-secrets.test.ts',
  'test/apply/lock.test.ts',
  'test/clerk/client-hostile.test.ts',
  'test/clerk/proxy.test.ts',
  'test/commands/files.test.ts',
  'test/commands/github-once.test.ts',
  'test/lint/**/*.test.ts',
  'test/manifest/bounded.test.ts',
  'test/manifest/cli.test.ts',
  'test/manifest/load.test.ts',
  'test/manifest/off-thread.test.ts',
  'test/state/fetch-touched.test.ts',
  'test/state/hostile-server.test.ts',
];
const E2E = ['test/e2e/**/*.test.ts', 'test/reliability/**/*.test.ts'];
const ALL = ['test/**/*.test.ts', 'test/**/*.test.tsx'];
const EXCLUDE = [...configDefaults.exclude, 'test/live/**'];

export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    allowOnly: false,
    // One module graph per worker, not per file: importing src/ again for each file cost more than the tests
    // (the suite's own state is per test: emulators, directories, streams; nothing mocks a module, spies are restored).
    isolate: false,
    setupFiles: ['test/helpers/setup.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ALL, exclude: [...EXCLUDE, ...INTEGRATION, ...E2E] } },
      { extends: true, test: { name: 'integration', include: INTEGRATION, exclude: [...EXCLUDE, ...E2E] } },
      { extends: true, test: { name: 'e2e', include: E2E, exclude: EXCLUDE } },
    ],
  },
});
