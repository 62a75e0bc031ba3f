// Hostile manifests through the CLI (in-process; one case also through the built binary): a file over the size cap, deep nesting (block and flow), very long
// strings (literal and interpolated from the environment), metadata over Clerk's 8 KB, an alias bomb, a binary
// file, invalid UTF-8, a second YAML document. `validate`, `plan` and `apply` must each exit 1 with a diagnostic at
// file:line:col naming the problem, and not one request may reach the emulator.

import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { LIMITS } from '../../src/manifest/index.ts';
import { type CliRun, reportFigure, runCli, runInProcess } from './harness.ts';

const HEAD = 'apiVersion: clerk-sync/v1\norganizations:\n  - slug: acme\n    name: Acme\nusers:\n';
const USER = '  - externalId: u1\n    emailAddresses: [u1@example.test]\n';

interface Case {
  name: string;
  file: string;
  /** Diagnostic code expected in the output. */
  code: string;
  write: (path: string) => Promise<void>;
  env?: Record<string, string>;
}

function nested(depth: number): string {
  let text = '    publicMetadata:\n';
  for (let level = 0; level < depth; level++) text += `${'  '.repeat(level + 3)}k${level}:\n`;
  return `${text}${'  '.repeat(depth + 3)}leaf: 1\n`;
}

function aliasBomb(): string {
  // Nine levels of ten references: 10^9 values if expanded ("billion laughs").
  let text = 'l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
  for (let level = 1; level < 9; level++) {
    text += `l${level}: &l${level} [${Array.from({ length: 10 }, () => `*l${level - 1}`).join(', ')}]\n`;
  }
  return `${text}${HEAD}${USER}`;
}

async function writeHuge(path: string): Promise<void> {
  // Otherwise valid users, 1 MB past the file cap (LIMITS.fileBytes, 64 MB).
  const handle = await open(path, 'w');
  try {
    await handle.write(HEAD);
    const chunk: string[] = [];
    for (let index = 0; index < 2000; index++) {
      chunk.push(
        `  - externalId: u${index}\n    emailAddresses: [u${index}@example.test]\n    firstName: ${'B'.repeat(200)}\n`,
      );
    }
    const block = chunk.join('');
    for (let written = 0; written < LIMITS.fileBytes + 1024 * 1024; written += Buffer.byteLength(block))
      await handle.write(block);
  } finally {
    await handle.close();
  }
}

const text = (body: string) => (path: string) => writeFile(path, body);

const cases: Case[] = [
  { name: 'a file over the size cap', file: 'huge.yaml', code: 'file_too_large', write: writeHuge },
  { name: 'deep block nesting', file: 'deep.yaml', code: 'too_deep', write: text(`${HEAD}${USER}${nested(40)}`) },
  {
    name: 'deep flow nesting (100,000 brackets)',
    file: 'flow.yaml',
    code: 'too_deep',
    write: text(`${HEAD}${USER}    publicMetadata: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`),
  },
  {
    name: 'a very long string',
    file: 'long.yaml',
    code: 'string_too_long',
    write: text(`${HEAD}${USER}    privateMetadata: {note: ${'A'.repeat(200_000)}}\n`),
  },
  {
    name: 'a very long string from the environment',
    file: 'long-env.yaml',
    code: 'string_too_long',
    write: text(`${HEAD}${USER}    firstName: \${HUGE_NAME}\n`),
    env: { HUGE_NAME: 'N'.repeat(100_000) },
  },
  {
    name: 'metadata over 8 KB',
    file: 'metadata.yaml',
    code: 'metadata_too_large',
    write: text(
      `${HEAD}${USER}    publicMetadata:\n${Array.from({ length: 100 }, (_, i) => `      key${i}: ${'v'.repeat(100)}\n`).join('')}`,
    ),
  },
  { name: 'an alias bomb', file: 'bomb.yaml', code: 'too_many_aliases', write: text(aliasBomb()) },
  {
    name: 'a binary file',
    file: 'binary.yaml',
    code: 'not_text',
    write: (path) =>
      writeFile(path, Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(4096, 0xa5)])),
  },
  {
    name: 'invalid UTF-8',
    file: 'latin1.yaml',
    code: 'not_text',
    write: (path) =>
      writeFile(
        path,
        Buffer.concat([Buffer.from(`${HEAD}  - externalId: `), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x0a])]),
      ),
  },
  {
    name: 'a second YAML document',
    file: 'two-docs.yaml',
    code: 'multiple_documents',
    write: text(`${HEAD}${USER}---\n${HEAD}${USER}`),
  },
];

let emulator: RunningEmulator;
let dir: string;
let badInputsTried = 0;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-rel-manifests-'));
  for (const item of cases) await item.write(join(dir, item.file));
});
afterAll(async () => {
  reportFigure('hostile-manifests', { badInputsTried, requestsReached: emulator?.stats().total ?? -1 });
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

function expectRejected(run: CliRun, item: Case): void {
  const output = `${run.stdout}\n${run.stderr}`;
  expect(run.signal, 'the run hung and was killed').toBeNull();
  expect(run.code, output.slice(0, 2000)).toBe(1);
  // A diagnostic at file:line:col naming the problem, and no crash report.
  expect(output).toMatch(new RegExp(`${item.file.replace('.', '\\.')}:\\d+:\\d+: error\\[${item.code}\\]`));
  expect(output).not.toContain('This is a bug in clerk-sync');
  expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

describe('hostile manifests', () => {
  it.each(cases)(
    '$name: validate, plan and apply exit 1 at file:line and send no change',
    async (item) => {
      const target = { url: emulator.url, secretKey: emulator.secretKey };
      const options = { cwd: dir, target, ...(item.env ? { env: item.env } : {}), timeoutMs: 60_000 };
      for (const args of [
        ['validate', '-f', item.file],
        ['plan', '-f', item.file],
        ['apply', '-f', item.file, '--auto-approve'],
      ]) {
        emulator.resetStats();
        badInputsTried++;
        expectRejected(await runInProcess(args, options), item);
        const { total, byRoute } = emulator.stats();
        // plan and apply start the user count and the instance's settings while the manifest loads (issue 17,
        // "Overlap"); validate sends nothing.
        expect(Object.keys(byRoute).every((route) => route.startsWith('GET '))).toBe(true);
        expect(total).toBeLessThanOrEqual(args[0] === 'validate' ? 0 : 5);
      }
    },
    120_000,
  );

  it('the built binary refuses one the same way', async () => {
    const item = cases[0] as Case;
    emulator.resetStats();
    const target = { url: emulator.url, secretKey: emulator.secretKey };
    for (const args of [
      ['validate', '-f', item.file],
      ['apply', '-f', item.file, '--auto-approve'],
    ]) {
      badInputsTried++;
      expectRejected(await runCli(args, { cwd: dir, target, ...(item.env ? { env: item.env } : {}) }), item);
    }
    const { total, byRoute } = emulator.stats();
    expect(Object.keys(byRoute).every((route) => route.startsWith('GET '))).toBe(true);
    expect(total).toBeLessThanOrEqual(5);
  });
});
