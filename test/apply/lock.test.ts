// The apply lock (src/apply/lock.ts): exclusive, names its holder to whoever is refused, taken over from a dead
// process of the same host (with a warning) but never from another host, released only by its owner.

import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, instanceLockFile, journalLockFile } from '../../src/apply/index.ts';
import { ClerkSyncError } from '../../src/errors.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

const options = (extra: Partial<Parameters<typeof acquireLock>[1]> = {}) => {
  const warnings: string[] = [];
  return {
    warnings,
    value: {
      command: 'clerk-sync apply -f a.yaml',
      what: 'the instance',
      warn: (m: string) => warnings.push(m),
      ...extra,
    },
  };
};

async function refusal(promise: Promise<unknown>): Promise<ClerkSyncError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ClerkSyncError) return error;
    throw error;
  }
  throw new Error('expected the lock to be refused');
}

describe('acquireLock', () => {
  it('holds the lock exclusively and names the holder to a second apply', async () => {
    const file = join(dir, 'sub', 'x.lock');
    const first = await acquireLock(
      file,
      options({ pid: process.pid, now: () => Date.UTC(2026, 0, 2, 3, 4, 5) }).value,
    );
    const holder = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(holder).toMatchObject({
      pid: process.pid,
      startedAt: '2026-01-02T03:04:05.000Z',
      command: 'clerk-sync apply -f a.yaml',
    });

    const error = await refusal(acquireLock(file, options({ command: 'clerk-sync apply p.json' }).value));
    expect(error.code).toBe('apply_locked');
    expect(error.message).toBe(
      `another apply holds the instance: clerk-sync apply -f a.yaml (pid ${process.pid} on ${holder.hostname}, since 2026-01-02T03:04:05.000Z)`,
    );
    expect(error.hint).toContain(`delete ${file}`);

    await first.release();
    const second = await acquireLock(file, options().value);
    await second.release();
    await expect(readFile(file, 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('takes over a lock whose process is gone on this host, with a warning', async () => {
    const file = join(dir, 'x.lock');
    const pid = deadPid();
    const stale = await acquireLock(file, options({ pid }).value);
    const { warnings, value } = options();
    const taken = await acquireLock(file, value);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`left by clerk-sync apply -f a.yaml (pid ${pid} on`);
    expect(warnings[0]).toContain('which is no longer running');
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid });
    // The dead holder's release does not remove the lock that replaced it.
    await stale.release();
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid });
    await taken.release();
  });

  it('never guesses a holder on another host dead, nor one whose file is unreadable', async () => {
    const file = join(dir, 'x.lock');
    await writeFile(
      file,
      JSON.stringify({ pid: deadPid(), hostname: 'ci-runner-7', startedAt: '2026-01-01T00:00:00.000Z', command: 'x' }),
    );
    const other = await refusal(acquireLock(file, options().value));
    expect(other.code).toBe('apply_locked');
    expect(other.message).toContain('on ci-runner-7, since 2026-01-01T00:00:00.000Z');
    await writeFile(file, '{"pid": ');
    const torn = await refusal(acquireLock(file, options().value));
    expect(torn.message).toContain('an unknown process');
  });

  it('names instance locks by a hash of the URL and the key, never the key itself', () => {
    const key = 'sk_live_abcdefghijklmnop';
    const file = instanceLockFile('https://api.clerk.com/v1', key, dir);
    expect(file.startsWith(join(dir, 'clerk-sync-instance-'))).toBe(true);
    expect(file).not.toContain(key);
    expect(file).not.toContain('abcdefghijklmnop');
    expect(instanceLockFile('https://api.clerk.com/v1', key, dir)).toBe(file);
    expect(instanceLockFile('https://api.clerk.com/v1', 'sk_live_other', dir)).not.toBe(file);
    expect(instanceLockFile('http://127.0.0.1:8787/v1', key, dir)).not.toBe(file);
    expect(journalLockFile('.clerk-sync/journal-abc.jsonl')).toBe('.clerk-sync/journal-abc.jsonl.lock');
  });
});
