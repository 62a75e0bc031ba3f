// The file-reading edge: directories, missing files, size cap, binary and non-UTF-8 input, BOM, duplicates of
// one file, and loadValidManifest refusing an invalid manifest with every diagnostic in its message.

import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestInvalidError } from '../../src/errors.ts';
import { LIMITS, loadManifest, loadValidManifest } from '../../src/manifest/index.ts';
import { parseManifest, parseManifestInSteps } from '../../src/manifest/parse-manifest.ts';

const VALID = 'apiVersion: clerk-sync/v1\nusers:\n  - externalId: emp-001\n';
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-manifest-'));
  await writeFile(join(dir, 'valid.yaml'), VALID);
  await mkdir(join(dir, 'empty-dir'));
  await writeFile(join(dir, 'empty-dir', 'notes.txt'), 'not yaml');
  await writeFile(join(dir, 'bom.yaml'), `\uFEFF${VALID}    fristName: A\n`);
  await writeFile(join(dir, 'warn.yaml'), `${VALID}    password: literal-password\n`);
  await writeFile(join(dir, 'bad.yaml'), `${VALID}    username: X\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadManifest', () => {
  it('reports a missing file as a diagnostic', async () => {
    const result = await loadManifest(['nope.yaml', 'valid.yaml'], { env: {}, cwd: dir });
    expect(result.desired).toBeUndefined();
    expect(result.diagnostics).toMatchObject([
      {
        file: 'nope.yaml',
        line: 1,
        column: 1,
        code: 'file_not_found',
        message: 'cannot read nope.yaml: no such file or directory',
      },
    ]);
    expect(result.sources.map((source) => source.file)).toEqual(['valid.yaml']);
  });

  it('reports a directory without manifest files', async () => {
    const result = await loadManifest(['empty-dir'], { env: {}, cwd: dir });
    expect(result.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['no_manifest_files']);
  });

  it('reads one file once even when it is named twice', async () => {
    const result = await loadManifest(['valid.yaml', `${dir}/valid.yaml`, './valid.yaml'], { env: {}, cwd: dir });
    expect(result.diagnostics).toEqual([]);
    expect(result.desired?.users).toHaveLength(1);
  });

  it('strips a UTF-8 byte-order mark so columns stay right', async () => {
    const result = await loadManifest(['bom.yaml'], { env: {}, cwd: dir });
    expect(result.diagnostics).toMatchObject([{ code: 'unknown_field', line: 4, column: 5 }]);
  });

  it('refuses a file over the size cap without parsing it', async () => {
    const path = join(dir, 'huge.yaml');
    await writeFile(path, `${VALID}# ${'x'.repeat(LIMITS.fileBytes)}\n`);
    const result = await loadManifest(['huge.yaml'], { env: {}, cwd: dir });
    expect(result.diagnostics).toMatchObject([{ file: 'huge.yaml', code: 'file_too_large' }]);
    await rm(path);
  });

  it('reads a pipe, whose size stat does not know, to its end and up to the size cap', async () => {
    // A named pipe reports size 0: the reader grows its buffer as the bytes come.
    const pipe = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [pipe]);
    const text = `${VALID}# ${'x'.repeat(3 * 1024 * 1024)}\n`;
    const [result] = await Promise.all([loadManifest(['pipe.yaml'], { env: {}, cwd: dir }), writeFile(pipe, text)]);
    expect(result.diagnostics).toEqual([]);
    expect(result.sources[0]?.text).toBe(text);
    // Past the cap: refused once cap + 1 bytes have come; the writer, a megabyte from its end, meets a closed pipe.
    const over = writeFile(pipe, `${VALID}# ${'x'.repeat(LIMITS.fileBytes + 1024 * 1024)}\n`).catch(
      (error: unknown) => error,
    );
    const refused = await loadManifest(['pipe.yaml'], { env: {}, cwd: dir });
    expect(refused.diagnostics).toMatchObject([{ file: 'pipe.yaml', code: 'file_too_large' }]);
    expect(await over).toMatchObject({ code: 'EPIPE' });
    await rm(pipe);
  });

  it('refuses UTF-16 and binary input', async () => {
    await writeFile(join(dir, 'utf16.yaml'), Buffer.from(`\uFEFF${VALID}`, 'utf16le'));
    await writeFile(join(dir, 'zip.yaml'), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]));
    const result = await loadManifest(['utf16.yaml', 'zip.yaml'], { env: {}, cwd: dir });
    expect(result.diagnostics.map((diagnostic) => [diagnostic.file, diagnostic.code, diagnostic.message])).toEqual([
      ['utf16.yaml', 'not_text', 'the file is UTF-16 encoded'],
      ['zip.yaml', 'not_text', 'the file is binary, not a text manifest (it contains NUL bytes)'],
    ]);
  });

  it('points at the first byte that is not UTF-8 (overlong, surrogate, truncated sequences)', async () => {
    for (const [bytes, column] of [
      [[0x61, 0xc0, 0xaf], 2],
      [[0x61, 0x62, 0xed, 0xa0, 0x80], 3],
      [[0xe2, 0x82], 1],
    ] as const) {
      await writeFile(join(dir, 'bytes.yaml'), Buffer.from([0x0a, ...bytes]));
      const result = await loadManifest(['bytes.yaml'], { env: {}, cwd: dir });
      expect(result.diagnostics).toMatchObject([{ code: 'not_text', line: 2, column }]);
    }
    await writeFile(join(dir, 'bytes.yaml'), `${VALID}    firstName: "Zoë 😀"\n`);
    const fine = await loadManifest(['bytes.yaml'], { env: {}, cwd: dir });
    expect(fine.desired?.users[0]?.firstName).toBe('Zoë 😀');
  });

  it('reads each file whole and alone, shorter or longer than the one before, a NUL in neither', async () => {
    const user = (i: number) => `  - externalId: emp-${i}\n    firstName: Name ${i}\n`;
    const text = (from: number, count: number) =>
      `apiVersion: clerk-sync/v1\nusers:\n${Array.from({ length: count }, (_, i) => user(from + i)).join('')}`;
    const files = { 'a.yaml': text(0, 200), 'b.yaml': text(200, 3), 'c.yaml': text(300, 500) };
    await mkdir(join(dir, 'several'));
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, 'several', name), content);
    const result = await loadManifest(['several'], { env: {}, cwd: dir });
    expect(result.diagnostics).toEqual([]);
    expect(result.sources.map((source) => source.text)).toEqual(Object.values(files));
    expect(result.desired?.users).toHaveLength(703);
    // A NUL after the text that fitted in the buffer before is the file's own, and still refused.
    await writeFile(join(dir, 'several', 'b.yaml'), `${text(200, 3)}\0`);
    const refused = await loadManifest(['several'], { env: {}, cwd: dir });
    expect(refused.diagnostics).toMatchObject([{ file: 'several/b.yaml', code: 'not_text' }]);
  });
});

describe('loadValidManifest', () => {
  it('returns the state and the warnings of a valid manifest', async () => {
    const loaded = await loadValidManifest(['warn.yaml'], { env: {}, cwd: dir });
    expect(loaded.desired.users[0]?.key).toBe('emp-001');
    expect(loaded.warnings.map((warning) => warning.code)).toEqual(['inline_password']);
    expect(loaded.sources.map((source) => source.file)).toEqual(['warn.yaml']);
  });

  it('throws ManifestInvalidError listing every diagnostic, formatted', async () => {
    const error = await loadValidManifest(['bad.yaml', 'missing.yaml'], { env: {}, cwd: dir }).catch(
      (caught) => caught,
    );
    expect(error).toBeInstanceOf(ManifestInvalidError);
    expect(error.code).toBe('manifest_invalid');
    expect(error.message).toContain('the manifest is invalid: 2 errors');
    expect(error.message).toContain('bad.yaml:4:15: error[invalid_username]');
    expect(error.message).toContain(' 4 |     username: X');
    expect(error.message).toContain('missing.yaml:1:1: error[file_not_found]');
    expect(error.meta).toMatchObject({ errors: 2, codes: ['file_not_found', 'invalid_username'] });
    // Every diagnostic, for --github annotations without a second load.
    expect(
      error.meta.diagnostics.map((d: Record<string, unknown>) => [d.file, d.line, d.column, d.code]),
    ).toStrictEqual([
      ['bad.yaml', 4, 15, 'invalid_username'],
      ['missing.yaml', 1, 1, 'file_not_found'],
    ]);
  });
});

describe('parseManifestInSteps', () => {
  const sources = [
    { file: 'a.yaml', text: VALID },
    { file: 'b.yaml', text: 'apiVersion: clerk-sync/v1\nusers:\n  - externalId: emp-002\n    username: X\n' },
  ];

  it('stops after each file is read and after each is checked against the schema, then gives what parseManifest gives', () => {
    const steps = parseManifestInSteps(sources, { env: {} });
    let pauses = 0;
    for (let step = steps.next(); ; step = steps.next()) {
      if (step.done) {
        // b.yaml's upper-case username is an error: the diagnostics come through the steps too.
        expect(step.value).toStrictEqual(parseManifest(sources, { env: {} }));
        expect(step.value.diagnostics.some((diagnostic) => diagnostic.severity === 'error')).toBe(true);
        break;
      }
      pauses += 1;
    }
    expect(pauses).toBe(2 * sources.length);
  });

  it('also stops every 2,500 users of the YAML read and of the cross-checks, and gives the same state as in one piece', () => {
    const users = Array.from({ length: 5_001 }, (_, i) => `  - externalId: emp-${i}\n    username: user${i}\n`);
    const many = [{ file: 'many.yaml', text: `apiVersion: clerk-sync/v1\nusers:\n${users.join('')}` }];
    const steps = parseManifestInSteps(many, { env: {} });
    let pauses = 0;
    let step = steps.next();
    for (; !step.done; step = steps.next()) pauses += 1;
    // 5,001 users: two stops inside the fast reader's list, the file's and its schema's, two in the cross-checks.
    expect(pauses).toBe(2 + 2 * many.length + 2);
    const whole = parseManifest(many, { env: {} });
    expect(step.value.diagnostics).toStrictEqual(whole.diagnostics);
    expect(step.value.desired?.users).toStrictEqual(whole.desired?.users);
    expect(step.value.desired?.users).toHaveLength(5_001);
  });

  it('tells of the organizations once they are checked, before the users are, unless an error was found by then', () => {
    const users = Array.from({ length: 5_001 }, (_, i) => `  - externalId: emp-${i}\n`);
    const text = (orgs: string) => `apiVersion: clerk-sync/v1\norganizations:\n${orgs}users:\n${users.join('')}`;
    const orgs = '  - { slug: acme, name: Acme }\n  - { slug: globex, name: Globex }\n';
    const told: { pause: number; slugs: string[] }[] = [];
    let pauses = 0;
    const steps = parseManifestInSteps([{ file: 'm.yaml', text: text(orgs) }], {
      env: {},
      onOrganizations: (organizations) => told.push({ pause: pauses, slugs: organizations.map((org) => org.slug) }),
    });
    let step = steps.next();
    for (; !step.done; step = steps.next()) pauses += 1;
    // Once, with the organizations the state holds, after the file's YAML steps (two inside its list of 5,001 users)
    // and its schema step, and before the users' cross-checks.
    expect(told).toStrictEqual([{ pause: 4, slugs: ['acme', 'globex'] }]);
    expect(step.value.desired?.organizations.map((org) => org.slug)).toStrictEqual(['acme', 'globex']);
    expect(pauses).toBe(6);
    // A schema error (a name that is not a string) or a duplicate organization: not told.
    for (const bad of [`${orgs}  - { slug: initech, name: [1] }\n`, `${orgs}  - { slug: acme, name: Acme 2 }\n`]) {
      const heard: unknown[] = [];
      parseManifest([{ file: 'm.yaml', text: text(bad) }], { env: {}, onOrganizations: (o) => heard.push(o) });
      expect(heard).toStrictEqual([]);
    }
  });
});
