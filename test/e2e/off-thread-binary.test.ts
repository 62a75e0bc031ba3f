// The built binary parses a large manifest in its worker thread (dist/manifest/load-worker.js, shipped in `files`)
// and runs through its shebang line (`env -S node --heap-growing-percent=30`), as npm's bin link runs it.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFF_THREAD_CHARACTERS } from '../../src/manifest/load-manifest.ts';
import { BIN, cliEnv } from '../helpers/cli.ts';

const run = promisify(execFile);
let dir = '';

function manifest(users: number, extra = ''): string {
  const lines = ['apiVersion: clerk-sync/v1', 'users:'];
  for (let index = 0; index < users; index += 1) {
    const id = String(index).padStart(6, '0');
    lines.push(
      `  - externalId: u-${id}`,
      `    emailAddresses: [user${id}@corp.test]`,
      `    publicMetadata: { plan: team, note: "${'x'.repeat(300)}" }`,
    );
  }
  return `${lines.join('\n')}\n${extra}`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-off-thread-bin-'));
  const users = Math.ceil(OFF_THREAD_CHARACTERS / 350) + 100;
  await writeFile(join(dir, 'large.yaml'), manifest(users));
  await writeFile(join(dir, 'invalid.yaml'), manifest(users, '  - externalId: u-000001\n    fristName: Typo\n'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the built binary and a manifest parsed off the main thread', () => {
  it('validates it, run as an executable through its shebang line', async () => {
    const { stdout } = await run(BIN, ['validate', '-f', 'large.yaml'], { cwd: dir, env: cliEnv() });
    expect(stdout).toMatch(/large\.yaml: \d+ users/);
  });

  it('reports its diagnostics', async () => {
    const failure = await run(BIN, ['validate', '-f', 'invalid.yaml'], { cwd: dir, env: cliEnv() }).then(
      () => undefined,
      (error: unknown) => error as { code: number; stdout: string; stderr: string },
    );
    expect(failure?.code).toBe(1);
    expect(`${failure?.stdout}${failure?.stderr}`).toContain('unknown field "fristName"');
    expect(`${failure?.stdout}${failure?.stderr}`).toContain('duplicate');
  });
});
