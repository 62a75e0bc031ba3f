// The --data file: loaded once at start, written atomically (temporary file in the same directory, fsync, rename)
// shortly after mutations and on close. A crash mid-write leaves the previous file intact, never half of one.

import { readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { FileError } from '../errors.ts';
import { randomSuffix } from './ids.ts';
import type { PersistedState } from './records.ts';

export function loadDataFile(file: string): PersistedState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FileError(`cannot read the emulator data file ${file}`, { cause: error });
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (error) {
    throw new FileError(`the emulator data file ${file} is not valid JSON`, {
      cause: error,
      hint: 'Move the file away to start with an empty instance; it was not written by the emulator.',
    });
  }
  const candidate = state as Partial<PersistedState> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    candidate.format !== 'clerk-sync-emulator' ||
    candidate.version !== 1 ||
    !Array.isArray(candidate.users) ||
    !Array.isArray(candidate.organizations) ||
    !Array.isArray(candidate.memberships) ||
    !Array.isArray(candidate.deletedUsers)
  ) {
    throw new FileError(`${file} is not an emulator data file (format clerk-sync-emulator, version 1)`, {
      hint: 'Point --data at a new path or at a file the emulator wrote.',
    });
  }
  return candidate as PersistedState;
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomSuffix(8)}.tmp`;
  try {
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Debounced writer: at most one write in flight; changes during a write trigger one more write after it. */
export class DataFileWriter {
  private readonly file: string;
  private readonly snapshot: () => string;
  private readonly delayMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private dirty = false;
  /** The last write failure, reported by flush(). */
  private failure: unknown;

  constructor(options: { file: string; snapshot: () => string; delayMs?: number }) {
    this.file = options.file;
    this.snapshot = options.snapshot;
    this.delayMs = options.delayMs ?? 100;
  }

  schedule(): void {
    this.dirty = true;
    if (this.timer !== undefined || this.running !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, this.delayMs);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      while (this.dirty) {
        this.dirty = false;
        try {
          await writeAtomically(this.file, this.snapshot());
          this.failure = undefined;
        } catch (error) {
          this.failure = error;
        }
      }
    })();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }

  /** Writes pending changes now; throws FileError if the last write failed. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.running) await this.running;
    if (this.dirty) await this.run();
    if (this.failure !== undefined) {
      const cause = this.failure;
      this.failure = undefined;
      throw new FileError(`cannot write the emulator data file ${this.file}`, { cause });
    }
  }
}
