// Manifests the size cap admits are read in time and memory linear in their size (issue 15): duplicate keys are
// found with one Map per mapping, not by comparing each key with every key before it, and a file the fast reader
// read is not parsed again by the yaml package (~65 bytes of heap per byte of manifest) when it has diagnostics.
// A named pipe is read without blocking the process (the signal ends the wait); a device is refused.

import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Composer, Parser } from 'yaml';
import { formatDiagnostics, loadManifest, parseManifest } from '../../src/manifest/index.ts';
import { duplicateKeyOffsets } from '../../src/manifest/read-yaml.ts';

const USER = 'apiVersion: clerk-sync/v1\nusers:\n  - externalId: u1\n    emailAddresses: [u1@example.test]\n';

/** Where the yaml package's own uniqueKeys check reports duplicate keys. */
function yamlDuplicates(text: string): number[] {
  const composer = new Composer({ uniqueKeys: true });
  const [document] = Array.from(composer.compose(new Parser().parse(text), true, text.length));
  return (document?.errors ?? []).filter((error) => error.code === 'DUPLICATE_KEY').map((error) => error.pos[0]);
}

function ownDuplicates(text: string): number[] {
  const composer = new Composer({ uniqueKeys: false });
  const [document] = Array.from(composer.compose(new Parser().parse(text), true, text.length));
  return duplicateKeyOffsets(document?.contents ?? null);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('duplicate keys', () => {
  it('are the ones the yaml package finds, at the same offsets', () => {
    for (const text of [
      'a: 1\nb: 2\na: 3\n',
      'a: 1\n"a": 2\n\'a\': 3\n',
      '1: x\n"1": y\n1: z\n',
      'true: x\nTrue: y\n',
      '{ a: 1, b: { c: 1, c: 2 }, a: 2 }\n',
      'l:\n  - k: 1\n    k: 2\n  - k: 1\n',
      '.nan: 1\n.NaN: 2\n',
      '? [a]\n: 1\n? [a]\n: 2\n',
      'x: &k key\n*k : 1\nkey: 2\n',
      ': 1\n: 2\n',
    ]) {
      expect(ownDuplicates(text), text).toEqual(yamlDuplicates(text));
    }
  });

  it('in a mapping of 100,000 keys are reported once, at the repeated key', () => {
    // The yaml package's check took 75 s on this mapping (each key compared with every key before it).
    const keys = Array.from({ length: 100_000 }, (_, index) => `      key${index}: v\n`);
    keys[99_999] = '      key5: v\n';
    const text = `${USER}    publicMetadata:\n${keys.join('')}`;
    const duplicates = parseManifest([{ file: 'x.yaml', text }], { env: {} }).diagnostics.filter(
      (diagnostic) => diagnostic.code === 'duplicate_key',
    );
    expect(duplicates).toMatchObject([{ line: 100_005, column: 7, message: 'duplicate key "key5" in this mapping' }]);
  });
});

describe('a large manifest with a diagnostic', () => {
  it('is read once, by the fast reader, when it is in its subset', () => {
    const parse = vi.spyOn(Parser.prototype, 'parse');
    const text = `${USER}    publicMetadata:\n      list:\n${'        - x\n'.repeat(5000)}`;
    const result = parseManifest([{ file: 'x.yaml', text }], { env: {} });
    expect(result.diagnostics).toMatchObject([{ code: 'metadata_too_large', line: 5, column: 5 }]);
    expect(parse).not.toHaveBeenCalled();
  });
});

/** A manifest of users over `bytes` long, each user written by `user` (lines ending in `eol`). */
function largeManifest(bytes: number, eol: string, user: (index: number) => string): string {
  const parts: string[] = [`apiVersion: clerk-sync/v1${eol}users:${eol}`];
  let length = parts[0]?.length ?? 0;
  for (let index = 0; length <= bytes; index += 1) {
    const part = user(index);
    parts.push(part);
    length += part.length;
  }
  return parts.join('');
}

const SEVENTEEN_MB = 17 * 1024 * 1024;

describe('a large manifest with CRLF line ends or a syntax error', () => {
  const user =
    (eol: string) =>
    (index: number): string =>
      `  - externalId: u${index}${eol}    firstName: User ${index}${eol}`;

  it('over the full reader limit with CRLF line ends: read by the fast reader, once, as its LF twin', () => {
    const parse = vi.spyOn(Parser.prototype, 'parse');
    const text = largeManifest(SEVENTEEN_MB, '\r\n', user('\r\n'));
    const result = parseManifest([{ file: 'crlf.yaml', text }], { env: {} });
    expect(result.diagnostics).toStrictEqual([]);
    const last = result.desired?.users.at(-1);
    const lines = text.split('\n').length - 1;
    expect(last?.source).toStrictEqual({ file: 'crlf.yaml', line: lines - 1, column: 5 });
    expect(last?.firstName).toBe(`User ${(result.desired?.users.length ?? 0) - 1}`);
    expect(parse).not.toHaveBeenCalled();
  });

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])(
    'over the full reader limit (%s), an indentation typo is reported at its line, not as file_too_large',
    (_name, eol) => {
      const parse = vi.spyOn(Parser.prototype, 'parse');
      const text = largeManifest(SEVENTEEN_MB, eol, (index) =>
        index === 200_000 ? `  - externalId: u${index}${eol}     firstName: A${eol}` : user(eol)(index),
      );
      const result = parseManifest([{ file: 'big.yaml', text }], { env: {} });
      expect(result.diagnostics).toMatchObject([
        {
          code: 'yaml_syntax',
          line: 2 + 2 * 200_000 + 2,
          column: 6,
          message: expect.stringContaining('indented 5 spaces, deeper than `externalId` on line 400003'),
        },
      ]);
      expect(parse).not.toHaveBeenCalled();
    },
  );

  it('over the full reader limit, a key without its colon and an unclosed quote: where the yaml package says', () => {
    const parse = vi.spyOn(Parser.prototype, 'parse');
    const cases = [
      [(index: number) => `  - externalId: u${index}\n    firstName User\n`, 'Implicit map keys need'],
      // With no closing quote after it, the yaml package reports it missing at the text's end.
      [(index: number) => `  - externalId: u${index}\n    firstName: "User\n`, 'Missing closing "quote'],
    ] as const;
    for (const [typo, message] of cases) {
      const text = largeManifest(SEVENTEEN_MB, '\n', (index) => (index === 200_000 ? typo(index) : user('\n')(index)));
      const { diagnostics } = parseManifest([{ file: 'big.yaml', text }], { env: {} });
      const line = message.startsWith('Missing') ? text.split('\n').length : 2 + 2 * 200_000 + 2;
      expect(diagnostics.map((d) => [d.code, d.line, d.message.slice(0, message.length)])).toStrictEqual([
        ['yaml_syntax', line, message],
      ]);
    }
    expect(parse).not.toHaveBeenCalled();
  });
});

describe('a large manifest the fast reader cannot read', () => {
  it('over the full reader limit (17 MB of block scalars) is refused at once, not parsed into ~1.7 GB', () => {
    const parse = vi.spyOn(Parser.prototype, 'parse');
    const text = largeManifest(
      SEVENTEEN_MB,
      '\n',
      (index) => `  - externalId: u${index}\n    firstName: |\n      User ${index}\n`,
    );
    const result = parseManifest([{ file: 'block.yaml', text }], { env: {} });
    expect(result.desired).toBeUndefined();
    expect(result.diagnostics.map((diagnostic) => [diagnostic.code, diagnostic.line])).toStrictEqual([
      ['file_too_large', 1],
    ]);
    expect(parse).not.toHaveBeenCalled();
  });
});

describe('files that are not regular files', () => {
  it('a named pipe with no writer: the signal ends the wait with a diagnostic', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clerk-sync-fifo-'));
    try {
      execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const result = await loadManifest(['pipe.yaml'], { env: {}, cwd: dir, signal: controller.signal });
      expect(result.diagnostics).toMatchObject([
        { file: 'pipe.yaml', code: 'file_unreadable', message: 'reading pipe.yaml was interrupted' },
      ]);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('a device is refused, not read', async () => {
    const result = await loadManifest(['/dev/null'], { env: {}, cwd: '/' });
    expect(result.diagnostics).toMatchObject([
      { file: '/dev/null', code: 'file_unreadable', message: expect.stringContaining('not a regular file') },
    ]);
  });

  it('the built CLI exits on the first SIGTERM while it waits for a pipe writer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clerk-sync-fifo-'));
    try {
      execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
      const child = spawn(process.execPath, [join(process.cwd(), 'bin/clerk-sync.js'), 'validate', '-f', 'pipe.yaml'], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      for (const stream of [child.stdout, child.stderr]) {
        stream.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
      }
      const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
      await new Promise((resolveWait) => setTimeout(resolveWait, 1000));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      expect(code).toBe(1);
      expect(output).toContain('reading pipe.yaml was interrupted');
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe('columns', () => {
  const LINE = '  - { externalId: "😀😀", emailAddresses: [u1@example.test], fristName: x }\n';
  const column = Array.from(LINE).indexOf('f') + 1;

  it('count characters, not UTF-16 units, in the fast reader and the yaml package paths', () => {
    const head = 'apiVersion: clerk-sync/v1\nusers:\n';
    // A tab in a comment keeps the file away from the fast reader.
    for (const text of [`${head}${LINE}`, `${head}# \t\n${LINE}`]) {
      const result = parseManifest([{ file: 'x.yaml', text }], { env: {} });
      expect(result.diagnostics, text).toMatchObject([
        { code: 'unknown_field', line: text.includes('\t') ? 4 : 3, column },
      ]);
    }
    const syntax = parseManifest([{ file: 'x.yaml', text: `${head}  - externalId: "😀😀😀" x\n` }], { env: {} });
    expect(syntax.diagnostics[0]).toMatchObject({ code: 'yaml_syntax', line: 3, column: 23 });
  });

  it('put the caret under the character the column names, wide characters taking two terminal cells', () => {
    const line = '  - { externalId: "😀日本", emailAddresses: [u1@example.test], fristName: x }\n';
    const text = `apiVersion: clerk-sync/v1\nusers:\n${line}`;
    const result = parseManifest([{ file: 'x.yaml', text }], { env: {} });
    const charColumn = Array.from(line).indexOf('f') + 1;
    expect(result.diagnostics).toMatchObject([{ code: 'unknown_field', column: charColumn }]);
    const caretLine = formatDiagnostics(result.diagnostics, [{ file: 'x.yaml', text }]).split('\n')[2] ?? '';
    // One emoji and two CJK characters before the key: three cells more than characters.
    expect(caretLine).toBe(`   | ${' '.repeat(charColumn - 1 + 3)}${'^'.repeat('fristName'.length)}`);
  });

  it('of a byte that is not UTF-8 count the characters before it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clerk-sync-cols-'));
    try {
      await writeFile(join(dir, 'x.yaml'), Buffer.from([0x61, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80, 0xff]));
      const result = await loadManifest(['x.yaml'], { env: {}, cwd: dir });
      expect(result.diagnostics).toMatchObject([{ code: 'not_text', line: 1, column: 4 }]);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
