// File output for commands: atomic writes (temp file + rename), so an interrupted run never leaves a half-written
// plan or manifest behind.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FileError } from '../errors.ts';

/**
 * Where an output file goes. An existing path is followed through symlinks (the file it points at is replaced,
 * not the link); a device or a pipe (/dev/null, /dev/stdout, a FIFO) is written in place, because renaming a
 * temporary file over it would replace it with a regular file (run as root: /dev/null itself).
 */
export async function outputTarget(cwd: string, file: string): Promise<{ path: string; inPlace: boolean }> {
  const path = resolve(cwd, file);
  try {
    const real = await realpath(path);
    return { path: real, inPlace: !(await stat(real)).isFile() };
  } catch {
    return { path, inPlace: false }; // absent (or unreadable: the write reports it)
  }
}

export async function writeFileAtomic(cwd: string, file: string, content: string): Promise<string> {
  const { path: target, inPlace } = await outputTarget(cwd, file);
  if (inPlace) {
    try {
      await writeFile(target, content);
    } catch (error) {
      throw new FileError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
        cause: error,
        hint: 'Give a regular file path.',
      });
    }
    return target;
  }
  const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(temp, content, { mode: 0o600 });
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw new FileError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      cause: error,
      hint: 'Check that the directory exists and is writable.',
    });
  }
  return target;
}

export async function readTextFile(cwd: string, file: string, what: string): Promise<string> {
  try {
    return await readFile(resolve(cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FileError(
      `cannot read ${what} ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(error))}`,
      {
        cause: error,
      },
    );
  }
}
