// The manifest's I/O edge: expands directories to their *.yaml / *.yml files (sorted, not recursive), reads each
// file with a size cap checked before reading it fully, rejects binary and non-UTF-8 input with a diagnostic, then
// hands the texts to the pure parseManifest. A missing or unreadable file is a diagnostic too, never a stack trace.

import { Buffer, isUtf8 } from 'node:buffer';
import { constants, openSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { ManifestInvalidError } from '../errors.ts';
import type { DesiredState } from '../model/index.ts';
import { plural } from '../util/plural.ts';
import { runStepsPausing } from '../util/steps.ts';
import { diagnosticRecords, formatDiagnostics, sortDiagnostics } from './format.ts';
import { loadFakeValues, mayGenerate } from './generate-fake.ts';
import { parseOffThread } from './off-thread.ts';
import { parseManifestInSteps } from './parse-manifest.ts';
import { type Diagnostic, LIMITS, type LoadOptions, type ManifestResult, type ManifestSource } from './types.ts';

function fileDiagnostic(file: string, code: string, message: string, hint?: string, line = 1, column = 1): Diagnostic {
  return {
    file,
    line,
    column,
    severity: 'error',
    code,
    message,
    ...(hint === undefined ? {} : { hint }),
  };
}

function errnoText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return code ?? String(error);
}

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence, or -1. */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const byte = bytes[index] as number;
    if (byte < 0x80) {
      index += 1;
      continue;
    }
    let length: number;
    let min: number;
    if (byte >= 0xc2 && byte <= 0xdf) [length, min] = [2, 0x80];
    else if (byte >= 0xe0 && byte <= 0xef) [length, min] = [3, 0x800];
    else if (byte >= 0xf0 && byte <= 0xf4) [length, min] = [4, 0x10000];
    else return index;
    if (index + length > bytes.length) return index;
    let codePoint = byte & (0xff >> (length + 1));
    for (let next = 1; next < length; next += 1) {
      const continuation = bytes[index + next] as number;
      if ((continuation & 0xc0) !== 0x80) return index;
      codePoint = (codePoint << 6) | (continuation & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if (codePoint < min || (codePoint >= 0xd800 && codePoint <= 0xdfff) || codePoint > 0x10ffff) return index;
    index += length;
  }
  return -1;
}

function lineAndColumn(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let index = 0; index < offset; index += 1) {
    const byte = bytes[index] as number;
    if (byte === 0x0a) {
      line += 1;
      column = 1;
      // Columns count characters: a UTF-8 continuation byte (10xxxxxx) is part of the character before it.
    } else if ((byte & 0xc0) !== 0x80) {
      column += 1;
    }
  }
  return { line, column };
}

/** Decodes a file's bytes as UTF-8 text, or explains why it is not a text manifest. */
export function decodeManifestBytes(file: string, bytes: Uint8Array): ManifestSource | Diagnostic {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    return fileDiagnostic(file, 'not_text', 'the file is UTF-16 encoded', 'Save the manifest as UTF-8.');
  }
  // As a Buffer: Uint8Array.prototype.indexOf compares element by element (20 ms for 40 MB), Buffer's is memchr.
  const nul = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(0);
  if (nul >= 0) {
    const { line, column } = lineAndColumn(bytes, nul);
    return fileDiagnostic(
      file,
      'not_text',
      'the file is binary, not a text manifest (it contains NUL bytes)',
      'Pass the YAML manifest itself.',
      line,
      column,
    );
  }
  // Node's native check first (42 MB of manifest: 170 ms in the JS loop); the loop only finds where it fails.
  const invalid = isUtf8(bytes) ? -1 : invalidUtf8Offset(bytes);
  if (invalid >= 0) {
    const { line, column } = lineAndColumn(bytes, invalid);
    return fileDiagnostic(
      file,
      'not_text',
      `the file is not valid UTF-8 (byte 0x${(bytes[invalid] as number).toString(16).padStart(2, '0')} at offset ${invalid})`,
      'Save the manifest as UTF-8.',
      line,
      column,
    );
  }
  let text = new TextDecoder('utf-8').decode(bytes);
  // A byte-order mark would shift every column of the first line.
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  return { file, text };
}

type ReadOutcome = Uint8Array | 'too_large' | 'interrupted' | 'not_a_file';

/**
 * A named pipe (or /dev/fd/N of a shell's process substitution): opened without blocking, and read by the event
 * loop, not a thread-pool thread (a blocking open waits for a writer, and nothing, not even SIGTERM, ended that
 * wait). On Linux a reader that never had a writer sees no hang-up, so this waits for one; the signal ends it.
 */
async function readPipe(path: string, signal: AbortSignal | undefined): Promise<ReadOutcome> {
  if (signal?.aborted) return 'interrupted';
  // O_NONBLOCK: the open returns at once, writer or not; the socket owns (and closes) the descriptor.
  const socket = new Socket({
    fd: openSync(path, constants.O_RDONLY | constants.O_NONBLOCK),
    readable: true,
    writable: false,
  });
  return new Promise<ReadOutcome>((resolvePipe, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const finish = (outcome: ReadOutcome | Error): void => {
      signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolvePipe(outcome);
    };
    const onAbort = (): void => finish('interrupted');
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > LIMITS.fileBytes) finish('too_large');
      else chunks.push(chunk);
    });
    socket.on('end', () => finish(new Uint8Array(Buffer.concat(chunks, total))));
    socket.on('error', (error) => finish(error));
  });
}

/**
 * The buffer files are read into, kept for the next file of the same load: each file is decoded before the next is
 * read, and a new buffer per file was as much fresh memory as the manifest (about 10 ms per MB of page faults here).
 */
interface ReadBuffer {
  bytes?: Uint8Array;
}

async function readFileOrPipe(path: string, signal: AbortSignal | undefined, kept: ReadBuffer): Promise<ReadOutcome> {
  const info = await stat(path);
  if (info.isFIFO()) return readPipe(path, signal);
  // A device or socket: reading one may never end (/dev/zero, a terminal) or never start.
  if (!info.isFile()) return 'not_a_file';
  return readCapped(path, kept);
}

async function readCapped(path: string, kept: ReadBuffer): Promise<Uint8Array | 'too_large'> {
  const handle = await open(path, 'r');
  try {
    const info = await handle.stat();
    if (info.size > LIMITS.fileBytes) return 'too_large';
    // Into one buffer of the size stat reports and one byte more, in reads of up to 16 MB, and on past it (doubling,
    // at least 1 MB) up to the cap + 1 byte: the size can be wrong (pipes, files still growing). Reading 1 MB chunks
    // and joining them copied a 40 MB manifest once more.
    const size = Math.min(info.size + 1, LIMITS.fileBytes + 1);
    let buffer = kept.bytes !== undefined && kept.bytes.length >= size ? kept.bytes : new Uint8Array(size);
    let total = 0;
    for (;;) {
      if (total === buffer.length) {
        if (buffer.length > LIMITS.fileBytes) return 'too_large';
        const larger = new Uint8Array(Math.min(Math.max(2 * buffer.length, 1024 * 1024), LIMITS.fileBytes + 1));
        larger.set(buffer.subarray(0, total));
        buffer = larger;
      }
      const length = Math.min(buffer.length - total, 16 * 1024 * 1024);
      const { bytesRead } = await handle.read(buffer, total, length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    kept.bytes = buffer;
    return buffer.subarray(0, total);
  } finally {
    await handle.close();
  }
}

/** Turns the -f arguments into the list of files to read, in order, with directories expanded. */
async function expandPaths(paths: string[], cwd: string, diagnostics: Diagnostic[]): Promise<string[]> {
  const files: string[] = [];
  const seen = new Set<string>();
  const add = (file: string): void => {
    const absolute = resolve(cwd, file);
    // The same file twice (`-f a.yaml -f .`) is read once, not reported as every user declared twice.
    if (seen.has(absolute)) return;
    seen.add(absolute);
    files.push(file);
  };
  for (const path of paths) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(resolve(cwd, path));
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      diagnostics.push(
        fileDiagnostic(
          path,
          missing ? 'file_not_found' : 'file_unreadable',
          `cannot read ${path}: ${errnoText(error)}`,
          missing ? `Check the path (relative paths start at ${cwd}).` : undefined,
        ),
      );
      continue;
    }
    if (!info.isDirectory()) {
      add(path);
      continue;
    }
    let entries: string[];
    try {
      entries = await readdir(resolve(cwd, path));
    } catch (error) {
      diagnostics.push(fileDiagnostic(path, 'file_unreadable', `cannot list ${path}: ${errnoText(error)}`));
      continue;
    }
    const yamlFiles = entries.filter((name) => /\.ya?ml$/i.test(name) && !name.startsWith('.')).sort();
    if (yamlFiles.length === 0) {
      diagnostics.push(
        fileDiagnostic(
          path,
          'no_manifest_files',
          `directory ${path} has no *.yaml or *.yml files`,
          'Pass the directory that holds the manifest files, or the files themselves.',
        ),
      );
    }
    for (const name of yamlFiles) add(join(path, name));
  }
  return files;
}

/**
 * Manifest text (in characters, all files together) from which loadValidManifest parses in a worker thread. Off:
 * on the 2-core benchmark machine a 100,000-user plan was 1-3.6 s slower with it and peaked 75 MB higher, the copy
 * back costing about half the parse it moves (docs/performance.md). Where it is turned on, not below about 4M
 * characters: under that, the worker's start-up and the copy cost more than the parse.
 */
export const OFF_THREAD_CHARACTERS = Number.POSITIVE_INFINITY;

/** parseManifest, in a worker thread for a large manifest so that concurrent I/O (the live read) keeps running. */
async function parse(sources: ManifestSource[], options: LoadOptions): Promise<ManifestResult> {
  if (sources.some((source) => mayGenerate(source.text))) await loadFakeValues();
  let size = 0;
  for (const source of sources) size += source.text.length;
  const threshold = options.offThreadCharacters ?? Number.POSITIVE_INFINITY;
  if (size >= threshold) return parseOffThread(sources, { env: options.env });
  // Between steps, what arrived for a live read running beside the load is handled (issue 17, "Overlap").
  const hooks = options.onOrganizations === undefined ? {} : { onOrganizations: options.onOrganizations };
  return runStepsPausing(parseManifestInSteps(sources, { env: options.env, ...hooks }), setImmediate);
}

/** Reads the manifest files (directories expanded) and parses them. */
export async function loadManifest(
  paths: string[],
  options: LoadOptions,
): Promise<ManifestResult & { sources: ManifestSource[] }> {
  const diagnostics: Diagnostic[] = [];
  const files = await expandPaths(paths, options.cwd, diagnostics);
  const sources: ManifestSource[] = [];
  const kept: ReadBuffer = {};
  for (const file of files) {
    let bytes: ReadOutcome;
    try {
      bytes = await readFileOrPipe(resolve(options.cwd, file), options.signal, kept);
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      diagnostics.push(
        fileDiagnostic(
          file,
          missing ? 'file_not_found' : 'file_unreadable',
          `cannot read ${file}: ${errnoText(error)}`,
        ),
      );
      continue;
    }
    if (bytes === 'interrupted') {
      diagnostics.push(fileDiagnostic(file, 'file_unreadable', `reading ${file} was interrupted`));
      continue;
    }
    if (bytes === 'not_a_file') {
      diagnostics.push(
        fileDiagnostic(
          file,
          'file_unreadable',
          `cannot read ${file}: not a regular file or a pipe (a device or a socket)`,
          'Pass a manifest file, a directory of them, or a pipe (e.g. -f <(generate-manifest)).',
        ),
      );
      continue;
    }
    if (bytes === 'too_large') {
      diagnostics.push(
        fileDiagnostic(
          file,
          'file_too_large',
          `the file is larger than ${LIMITS.fileBytes / 1024 / 1024} MB, the manifest size limit`,
          'Split the manifest into several files (pass a directory).',
        ),
      );
      continue;
    }
    const decoded = decodeManifestBytes(file, bytes);
    if ('text' in decoded) sources.push(decoded);
    else diagnostics.push(decoded);
  }
  if (sources.length === 0 && diagnostics.length > 0) {
    return { desired: undefined, diagnostics: sortDiagnostics(diagnostics), sources };
  }
  const result = await parse(sources, options);
  const all = sortDiagnostics([...diagnostics, ...result.diagnostics]);
  const valid = diagnostics.length === 0 && result.desired !== undefined;
  return { desired: valid ? result.desired : undefined, diagnostics: all, sources };
}

/**
 * For plan and apply: the manifest, valid, or a ManifestInvalidError whose message lists every diagnostic, so a
 * command never contacts the API with an invalid manifest. Warnings are returned for the caller to print.
 */
export async function loadValidManifest(
  paths: string[],
  options: LoadOptions,
): Promise<{ desired: DesiredState; sources: ManifestSource[]; warnings: Diagnostic[] }> {
  // Plan, apply and drift read the live state beside the load: the one place to move the parse off the event loop.
  const result = await loadManifest(paths, {
    ...options,
    offThreadCharacters: options.offThreadCharacters ?? OFF_THREAD_CHARACTERS,
  });
  if (!result.desired) {
    const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
    throw new ManifestInvalidError(
      `the manifest is invalid: ${plural(errors.length, 'error')}\n${formatDiagnostics(result.diagnostics, result.sources)}`,
      {
        meta: {
          errors: errors.length,
          codes: [...new Set(errors.map((error) => error.code))].sort(),
          // For --github annotations (commands/github.ts): the manifest is not read again to list them.
          diagnostics: diagnosticRecords(result.diagnostics),
        },
      },
    );
  }
  return {
    desired: result.desired,
    sources: result.sources,
    warnings: result.diagnostics.filter((diagnostic) => diagnostic.severity === 'warning'),
  };
}
