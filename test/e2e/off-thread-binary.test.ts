// The build: the launcher runs through its shebang line (`#!/usr/bin/env node`), as npm's bin link
// runs it, and the built manifest loader finds its worker (dist/manifest/load-worker.js, shipped in `files`).

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import type * as Manifest from '../../src/manifest/index.ts';
import { BIN, cliEnv, emulatorEnv } from '../helpers/cli.ts';

const run = promisify(execFile);
let dir = '';

function manifest(extra = ''): string {
  const lines = ['apiVersion: clerk-sync/v1', 'organizations:'];
  for (let index = 0; index < 20; index += 1) {
    lines.push(
      `  - slug: org-${index}`,
      `    name: Org ${index}`,
      `    publicMetadata: { note: "${'x'.repeat(500)}" }`,
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
  await writeFile(join(dir, 'manifest.yaml'), manifest());
  await writeFile(join(dir, 'invalid.yaml'), manifest('  - externalId: u-1\n    fristName: Typo\n'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the build', () => {
  it('plans through the launcher run as an executable (its shebang line)', async () => {
    const emulator = await startEmulator({ port: 0 });
    try {
      const { stdout } = await run(BIN, ['plan', '-f', 'manifest.yaml'], {
        cwd: dir,
        env: cliEnv(emulatorEnv(emulator)),
        maxBuffer: 16 * 1024 * 1024,
      });
      expect(stdout).toMatch(/^Plan: \d+ to create/m);
      expect(stdout).toContain('+ user u-4');
    } finally {
      await emulator.close();
    }
  });

  it('parses in the worker thread from dist/, the same state and diagnostics', async () => {
    const built = (await import(new URL('../../dist/manifest/index.js', import.meta.url).href)) as typeof Manifest;
    const options = { env: {}, cwd: dir };
    const inThread = await built.loadValidManifest(['manifest.yaml'], options);
    const offThread = await built.loadValidManifest(['manifest.yaml'], { ...options, offThreadCharacters: 0 });
    expect(offThread.desired.users).toStrictEqual(inThread.desired.users);
    expect(offThread.desired.positions?.user('u-4')).toStrictEqual(inThread.desired.positions?.user('u-4'));
    const invalid = await built.loadManifest(['invalid.yaml'], { ...options, offThreadCharacters: 0 });
    expect(invalid.desired).toBeUndefined();
    expect(invalid.diagnostics.map((diagnostic) => diagnostic.message)).toContain(
      'unknown field "fristName" (did you mean "firstName"?)',
    );
  });
});
