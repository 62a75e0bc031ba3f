// Table test over the corpus of bad manifests: test/fixtures/manifests/bad/cases.json names, for each case, the
// files to load (in order), the environment, and the diagnostic that must appear (code, file:line:col, message).

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadManifest, parseManifest } from '../../src/manifest/index.ts';

interface BadCase {
  name: string;
  files: string[];
  env?: Record<string, string>;
  code: string;
  file: string;
  line: number;
  column: number;
  message: string;
}

const BAD = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/manifests/bad');
const cases = JSON.parse(readFileSync(join(BAD, 'cases.json'), 'utf8')) as BadCase[];

describe('bad manifests corpus', () => {
  it('has at least 30 cases and every file in it is used by a case', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    const used = new Set(cases.flatMap((entry) => entry.files));
    const onDisk = readdirSync(BAD).filter((name) => name !== 'cases.json');
    expect(onDisk.filter((name) => !used.has(name))).toEqual([]);
    expect([...used].filter((name) => !onDisk.includes(name))).toEqual([]);
  });

  it.each(cases.map((entry) => [entry.name, entry] as const))('%s', async (_name, entry) => {
    const result = await loadManifest(entry.files, { env: entry.env ?? {}, cwd: BAD });
    expect(result.desired).toBeUndefined();
    const match = result.diagnostics.find(
      (diagnostic) =>
        diagnostic.code === entry.code && diagnostic.line === entry.line && diagnostic.column === entry.column,
    );
    expect(
      match,
      `no ${entry.code} at ${entry.line}:${entry.column}; got ${JSON.stringify(result.diagnostics, null, 1)}`,
    ).toBeDefined();
    expect(match?.file).toBe(entry.file);
    expect(match?.severity).toBe('error');
    expect(match?.message).toContain(entry.message);
  });

  it('reports one diagnostic per mistake, without follow-up noise', async () => {
    // Each case in the corpus has exactly one mistake (warnings aside).
    for (const entry of cases) {
      const result = await loadManifest(entry.files, { env: entry.env ?? {}, cwd: BAD });
      const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
      expect(errors.map((error) => `${entry.name}: ${error.code}`)).toEqual([`${entry.name}: ${entry.code}`]);
    }
  });
});

describe('a membership listed twice', () => {
  // Short lists are scanned, long ones (over 16 entries) use a map: both name the first entry's line.
  it.each([3, 40])('in a list of %i memberships points at the first entry', (count) => {
    const orgs = Array.from({ length: count }, (_, index) => `org-${index}`);
    const text = [
      'apiVersion: clerk-sync/v1',
      'organizations:',
      ...orgs.map((slug) => `  - { slug: ${slug}, name: ${slug} }`),
      'users:',
      '  - externalId: emp-1',
      '    memberships:',
      ...orgs.map((slug) => `      - { org: ${slug}, role: "org:member" }`),
      '      - { org: org-1, role: "org:admin" }',
    ].join('\n');
    const { desired, diagnostics } = parseManifest([{ file: 'x.yaml', text }], { env: {} });
    expect(desired).toBeUndefined();
    const firstLine = 2 + count + 3 + 2;
    expect(diagnostics.map(({ code, line, column, message }) => ({ code, line, column, message }))).toStrictEqual([
      {
        code: 'duplicate_membership',
        line: firstLine + count - 1,
        column: 16,
        message: `membership of "org-1" is listed twice for this user (first at x.yaml:${firstLine}:9)`,
      },
    ]);
  });
});
