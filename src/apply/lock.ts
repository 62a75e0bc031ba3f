// One apply at a time per instance and per journal: an exclusive lock file (created with O_EXCL) holding who took
// it. A second apply is refused (apply_locked) naming the holder; a lock left by a process that is gone (same
// host, pid not running) is taken over with a warning. The instance lock's name is a sha256 of the API URL and of
// the secret key: the key itself never reaches the file system.

import { createHash } from 'node:crypto';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { hostname as osHostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FileError, PlanRefusedError } from '../errors.ts';

export interface LockHolder {
  pid: number;
  hostname: string;
  /** ISO 8601. */
  startedAt: string;
  /** What holds it, e.g. `clerk-sync apply -f clerk/`. */
  command: string;
}

export interface HeldLock {
  readonly file: string;
  /** Removes the lock file if it is still ours; safe to call twice. */
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** What the holder is doing, shown to whoever is refused. */
  command: string;
  /** What the lock guards, for messages: "the journal .clerk-sync/journal-….jsonl", "this instance". */
  what: string;
  /** Told when a stale lock is taken over. */
  warn: (message: string) => void;
  pid?: number;
  hostname?: string;
  now?: () => number;
  /** Whether a process runs on this host. @default process.kill(pid, 0) */
  isRunning?: (pid: number) => boolean;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The instance lock's file: one per API URL and secret key, in the system's temporary directory itself (no
 * directory of ours to create, share or leave behind).
 */
export function instanceLockFile(apiUrl: string, secretKey: string, directory = tmpdir()): string {
  const name = sha256(`${sha256(apiUrl)}\n${sha256(secretKey)}`).slice(0, 32);
  return join(directory, `clerk-sync-instance-${name}.lock`);
}

/** The journal's lock file: next to it. */
export function journalLockFile(journal: string): string {
  return `${journal}.lock`;
}

export function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (
      typeof value.pid === 'number' &&
      typeof value.hostname === 'string' &&
      typeof value.startedAt === 'string' &&
      typeof value.command === 'string'
    ) {
      return { pid: value.pid, hostname: value.hostname, startedAt: value.startedAt, command: value.command };
    }
  } catch {
    // Torn or foreign content: reported as an unknown holder.
  }
  return undefined;
}

async function readHolder(file: string): Promise<{ text: string; holder: LockHolder | undefined } | undefined> {
  try {
    const text = await readFile(file, 'utf8');
    return { text, holder: parseHolder(text) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FileError(`cannot read the lock ${file}: ${(error as Error).message}`, { cause: error, meta: { file } });
  }
}

/** Creates the file only if it does not exist; false when it does. */
async function createExclusive(file: string, content: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new FileError(`cannot create the lock ${file}: ${(error as Error).message}`, {
      cause: error,
      meta: { file },
      hint: 'Check that the directory is writable.',
    });
  }
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

function describe(holder: LockHolder): string {
  return `${holder.command} (pid ${holder.pid} on ${holder.hostname}, since ${holder.startedAt})`;
}

/**
 * Takes the lock `file` or throws PlanRefusedError (apply_locked) naming its holder. A lock whose holder is a process of this
 * host that no longer runs is taken over (after `warn`); one from another host is never guessed dead.
 */
export async function acquireLock(file: string, options: AcquireOptions): Promise<HeldLock> {
  const me: LockHolder = {
    pid: options.pid ?? process.pid,
    hostname: options.hostname ?? osHostname(),
    startedAt: new Date((options.now ?? Date.now)()).toISOString(),
    command: options.command,
  };
  const isRunning = options.isRunning ?? processIsRunning;
  const content = `${JSON.stringify(me)}\n`;
  try {
    await mkdir(dirname(file), { recursive: true });
  } catch (error) {
    throw new FileError(`cannot create the directory of the lock ${file}: ${(error as Error).message}`, {
      cause: error,
      meta: { file },
    });
  }
  // A few tries: again after removing a dead holder's lock, or after one released between create and read.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (await createExclusive(file, content)) return heldLock(file, content);
    const found = await readHolder(file);
    if (found === undefined) continue; // released between our create and our read
    const { holder } = found;
    if (holder && holder.hostname === me.hostname && !isRunning(holder.pid)) {
      // Removed only if it still holds what we judged dead: a lock taken meanwhile by a live apply stays.
      const again = await readHolder(file);
      if (again?.text === found.text) {
        options.warn(
          `warning: taking over the lock on ${options.what} left by ${describe(holder)}, which is no longer running (${file})\n`,
        );
        await unlink(file).catch(() => undefined);
      }
      continue;
    }
    const who = holder ? describe(holder) : 'an unknown process (the lock file is not readable as JSON)';
    throw new PlanRefusedError('apply_locked', `another apply holds ${options.what}: ${who}`, {
      meta: {
        file,
        ...(holder ? { pid: holder.pid, hostname: holder.hostname, startedAt: holder.startedAt } : {}),
      },
      hint: `Wait for it to finish. If it is not running any more (killed on another machine), delete ${file} and run apply again.`,
    });
  }
  throw new PlanRefusedError(
    'apply_locked',
    `could not take the lock on ${options.what}: it changed hands repeatedly`,
    {
      meta: { file },
      hint: 'Another apply is starting at the same time; wait for it to finish, then run apply again.',
    },
  );
}

function heldLock(file: string, content: string): HeldLock {
  let released = false;
  return {
    file,
    async release() {
      if (released) return;
      released = true;
      // Only our own: a lock someone took over (believing us dead) is theirs.
      const current = await readHolder(file).catch(() => undefined);
      if (current?.text === content) await unlink(file).catch(() => undefined);
    },
  };
}
