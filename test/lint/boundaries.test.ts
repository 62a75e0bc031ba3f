// The pure core's boundaries are the linter's job (biome.json): this proves the rules fire, on a copy of the
// configuration in a scratch directory, so a rule that stops matching (a renamed folder, a Biome upgrade) fails here.

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIOME = join(ROOT, 'node_modules/.bin/biome');
let dir = '';

async function put(path: string, text: string): Promise<void> {
  await mkdir(dirname(join(dir, path)), { recursive: true });
  await writeFile(join(dir, path), text);
}

async function lint(path: string): Promise<string> {
  try {
    await promisify(execFile)(BIOME, ['lint', '--max-diagnostics=50', path], { cwd: dir });
    return '';
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    return `${stdout}${stderr}`;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-lint-'));
  const config = JSON.parse(await readFile(join(ROOT, 'biome.json'), 'utf8')) as Record<string, unknown>;
  delete config.$schema;
  config.vcs = { enabled: false };
  await put('biome.json', JSON.stringify(config));
  const readsFiles = "import { readFileSync } from 'node:fs';\n\nexport const read = readFileSync;\n";
  await put('src/plan/reads-files.ts', readsFiles);
  await put('src/manifest/reads-files.ts', readsFiles);
  await put('src/manifest/load-manifest.ts', readsFiles);
  await put('src/apply/reads-files.ts', readsFiles);
  await put('src/util/reads-files.ts', readsFiles);
  await put(
    'src/plan/uses-http.ts',
    "import { fetchLiveSnapshot } from '../state/index.ts';\n\nexport const f = fetchLiveSnapshot;\n",
  );
  await put('src/state/index.ts', 'export const fetchLiveSnapshot = 1;\n');
  await put('src/ui/a.ts', "import { b } from './b.ts';\n\nexport const a = (): number => b();\n");
  await put('src/ui/b.ts', "import { a } from './a.ts';\n\nexport const b = (): number => a();\n");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('plan/ and manifest/ may not import node:fs; the manifest loader and apply/ may', async () => {
  expect(await lint('src/plan/reads-files.ts')).toContain('noRestrictedImports');
  expect(await lint('src/manifest/reads-files.ts')).toContain('noRestrictedImports');
  expect(await lint('src/manifest/load-manifest.ts')).not.toContain('noRestrictedImports');
  expect(await lint('src/apply/reads-files.ts')).not.toContain('noRestrictedImports');
});

test('util/, the shared helpers, may not import node:fs either', async () => {
  expect(await lint('src/util/reads-files.ts')).toContain('noRestrictedImports');
});

test('plan/ may not import the stage that does HTTP', async () => {
  expect(await lint('src/plan/uses-http.ts')).toContain('The pure core may not import the I/O stages');
});

test('an import cycle is an error anywhere', async () => {
  expect(await lint('src/ui/a.ts')).toContain('noImportCycles');
});
