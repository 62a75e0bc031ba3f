// File output for commands: atomic writes (temp file + rename), so an interrupted run never leaves a half-written
// plan or manifest behind.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FileError } from '../errors.ts';

export async function writeFileAtomic(cwd: string, file: string, content: string): Promise<string> {
  const target = resolve(cwd, file);
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
