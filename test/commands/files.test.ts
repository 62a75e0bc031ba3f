// Output files: written atomically when they are regular files, through symlinks to what they point at, and in
// place when they are a device or a pipe (a rename would replace /dev/null itself with a regular file, as root).

import { spawnSync } from 'node:child_process';
import { lstat, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outputTarget, writeFileAtomic } from '../../src/commands/files.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-files-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates a new file and leaves no temporary file behind', async () => {
    await writeFileAtomic(dir, 'out/plan.json', '{"a":1}\n');
    expect(await readFile(join(dir, 'out/plan.json'), 'utf8')).toBe('{"a":1}\n');
    expect(await readdir(join(dir, 'out'))).toStrictEqual(['plan.json']);
  });

  it('writes through a symlink: the link stays, the file it points at gets the content', async () => {
    await writeFile(join(dir, 'real.json'), 'old');
    await symlink(join(dir, 'real.json'), join(dir, 'link.json'));
    await writeFileAtomic(dir, 'link.json', 'new');
    expect((await lstat(join(dir, 'link.json'))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(dir, 'real.json'), 'utf8')).toBe('new');
  });

  it('writes into a named pipe instead of replacing it', async () => {
    const fifo = join(dir, 'pipe');
    const made = spawnSync('mkfifo', [fifo]);
    expect(made.status, String(made.stderr)).toBe(0);
    expect(await outputTarget(dir, 'pipe')).toStrictEqual({ path: fifo, inPlace: true });
    const received = readFile(fifo, 'utf8'); // opening for reading waits for the writer
    await writeFileAtomic(dir, 'pipe', 'through the pipe');
    expect(await received).toBe('through the pipe');
    expect((await lstat(fifo)).isFIFO()).toBe(true);
  });

  it('treats a character device as written in place (never renamed over)', async () => {
    expect(await outputTarget(dir, '/dev/null')).toStrictEqual({ path: '/dev/null', inPlace: true });
    expect(await outputTarget(dir, 'absent.json')).toStrictEqual({ path: join(dir, 'absent.json'), inPlace: false });
  });
});
