// The built binary's plan parses a large manifest in its worker thread (dist/manifest/load-worker.js, shipped in
// `files`) and runs through its shebang line (`env -S node --heap-growing-percent=30`), as npm's bin link runs it.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { OFF_THREAD_CHARACTERS } from '../../src/manifest/load-manifest.ts';
import { BIN, cliEnv, emulatorEnv } from '../helpers/cli.ts';

const run = promisify(execFile);
let dir = '';

/** Few users (a development instance takes 100), and organizations with large metadata past the worker's size. */
function manifest(extra = ''): string {
  const lines = ['apiVersion: clerk-sync/v1', 'organizations:'];
  const count = Math.ceil(OFF_THREAD_CHARACTERS / 12_000) + 10;
  for (let index = 0; index < count; index += 1) {
    lines.push(
      `  - slug: org-${index}`,
      `    name: Org ${index}`,
      `    publicMetadata: { note: "${'x'.repeat(6000)}" }`,
      `    privateMetadata: { note: "${'y'.repeat(6000)}" }`,
    );
  }
  lines.push('users:');
  for (let index = 0; index < 5; index += 1) {
    lines.push(`  - externalId: u-${index}`, `    emailAddresses: [user${index}@corp.test]`);
  }
  return `${lines.join('\n')}\n${extra}`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-off-thread-bin-'));
  await writeFile(join(dir, 'large.yaml'), manifest());
  await writeFile(join(dir, 'invalid.yaml'), manifest('  - externalId: u-1\n    fristName: Typo\n'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the built binary and a manifest parsed off the main thread', () => {
  it('plans it, run as an executable through its shebang line', async () => {
    const emulator = await startEmulator({ port: 0 });
    try {
      const { stdout } = await run(BIN, ['plan', '-f', 'large.yaml'], {
        cwd: dir,
        env: cliEnv(emulatorEnv(emulator)),
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(stdout).toMatch(/^Plan: \d+ to create/m);
      expect(stdout).toContain('+ user u-4');
    } finally {
      await emulator.close();
    }
  });

  it('reports its diagnostics', async () => {
    const failure = await run(BIN, ['plan', '-f', 'invalid.yaml'], {
      cwd: dir,
      env: cliEnv({ CLERK_SECRET_KEY: 'sk_test_unused', CLERK_API_URL: 'http://127.0.0.1:9/v1' }),
    }).then(
      () => undefined,
      (error: unknown) => error as { code: number; stdout: string; stderr: string },
    );
    expect(failure?.code).toBeGreaterThan(0);
    const output = `${failure?.stdout}${failure?.stderr}`;
    expect(output).toContain('unknown field "fristName"');
    expect(output).toContain('the manifest is invalid');
  });
});
