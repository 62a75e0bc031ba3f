// `clerk-sync validate` through main(argv, io): exit codes, the summary line, diagnostics on stderr, JSON on
// stdout, usage errors, and every case of the bad corpus refused with exit 1. One case runs the built binary
// (`npm run build` first) to show the same through bin/ and a real exit code.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli, runCliInProcess } from '../helpers/cli.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = join(ROOT, 'test/fixtures/manifests');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// A clean environment: no colour, not "under GitHub Actions", only the variables a test gives.
async function run(args: string[], env: Record<string, string> = {}, cwd = FIXTURES): Promise<Run> {
  const { code, stdout, stderr } = await runCliInProcess(args, { cwd, env });
  return { code, stdout, stderr };
}

interface BadCase {
  name: string;
  files: string[];
  env?: Record<string, string>;
  code: string;
  file: string;
  line: number;
  column: number;
}

describe('clerk-sync validate', () => {
  it('the built binary exits 1 with the diagnostic of a bad manifest and 0 for a good one', async () => {
    const bad = await runCli(['validate', '-f', 'bad/bad-phone.yaml'], { cwd: FIXTURES });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('bad/bad-phone.yaml:4:20: error[invalid_phone]');
    const good = await runCli(['validate', '-f', 'good/minimal.yaml'], { cwd: FIXTURES });
    expect({ code: good.code, stderr: good.stderr }).toEqual({ code: 0, stderr: '' });
    expect(good.stdout).toMatch(/^✓ good\/minimal\.yaml: /);
  });

  it('exits 0 with a one-line summary for a valid manifest', async () => {
    const result = await run(['validate', '-f', 'good/full.yaml'], { ALICE_PASSWORD: 'correct-horse-battery' });
    expect(result).toEqual({ code: 0, stdout: '✓ good/full.yaml: 3 users, 2 organizations\n', stderr: '' });
  });

  it('pluralises, merges a directory, and prints warnings on stderr', async () => {
    const multi = await run(['validate', '-f', 'good/multi']);
    expect(multi.code).toBe(0);
    expect(multi.stdout).toBe(
      `✓ ${join('good/multi', '10-settings.yaml')}, ${join('good/multi', '20-users.yml')}, ${join('good/multi', '30-more-users.yaml')}: 2 users, 1 organization\n`,
    );
    const warned = await run(['validate', '-f', 'good/interpolation.yaml'], { EMP_PREFIX: 'e', TEAM: 't' });
    expect(warned.code).toBe(0);
    expect(warned.stdout).toBe('✓ good/interpolation.yaml: 2 users, 0 organizations\n');
    expect(warned.stderr).toContain('good/interpolation.yaml:12:15: warning[inline_password]');
    expect(warned.stderr).toContain('0 errors, 1 warning\n');
  });

  it('exits 1 and lists every error of all files, sorted, on stderr', async () => {
    const result = await run(['validate', '-f', 'bad/unknown-user-key.yaml', '-f', 'bad/bad-phone.yaml']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const headers = result.stderr.split('\n').filter((line) => /^\S+:\d+:\d+: /.test(line));
    expect(headers).toEqual([
      // Both files declare emp-001: the one read second is the duplicate.
      'bad/bad-phone.yaml:3:17: error[duplicate_user]: user "emp-001" is declared twice: here and at bad/unknown-user-key.yaml:3:17',
      'bad/bad-phone.yaml:4:20: error[invalid_phone]: "555-0100" is not an E.164 phone number',
      'bad/unknown-user-key.yaml:4:5: error[unknown_field]: unknown field "fristName" (did you mean "firstName"?)',
    ]);
    expect(result.stderr).toContain(' 4 |     fristName: Alice\n   |     ^^^^^^^^^\n');
    expect(result.stderr.endsWith('3 errors, 0 warnings\n')).toBe(true);
  });

  it('--format json prints the diagnostics array on stdout', async () => {
    const bad = await run(['validate', '-f', 'bad/duplicate-user-key.yaml', '--format', 'json']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('');
    expect(JSON.parse(bad.stdout)).toEqual([
      {
        file: 'bad/duplicate-user-key.yaml',
        line: 4,
        column: 17,
        endLine: 4,
        endColumn: 24,
        severity: 'error',
        code: 'duplicate_user',
        message: 'user "emp-001" is declared twice: here and at bad/duplicate-user-key.yaml:3:17',
        hint: 'The user key (externalId) must be unique across all manifest files; merge the two entries.',
      },
    ]);
    const good = await run(['validate', '-f', 'good/minimal.yaml', '--format', 'json']);
    expect(good).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
  });

  it('--github adds annotations on stdout', async () => {
    const result = await run(['validate', '-f', 'bad/bad-role.yaml', '--github']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^::error file=bad\/bad-role\.yaml,line=9,col=15,endLine=9,endColumn=20,title=clerk-sync invalid_role::/,
    );
  });

  it('a missing file is a diagnostic, not a stack trace', async () => {
    const result = await run(['validate', '-f', 'does-not-exist.yaml']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('does-not-exist.yaml:1:1: error[file_not_found]');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('usage errors: no -f, a positional file, an unknown format', async () => {
    const none = await run(['validate']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('code: usage_error');
    const positional = await run(['validate', 'good/minimal.yaml']);
    expect(positional.code).toBe(1);
    expect(positional.stderr).toContain('clerk-sync validate -f good/minimal.yaml');
    const format = await run(['validate', '-f', 'good/minimal.yaml', '--format', 'yaml']);
    expect(format.code).toBe(1);
    expect(format.stderr).toContain('--format must be one of text, json');
  });

  it('refuses every case of the bad corpus with exit 1 and the expected diagnostic', async () => {
    const cases = JSON.parse(readFileSync(join(FIXTURES, 'bad/cases.json'), 'utf8')) as BadCase[];
    for (const entry of cases) {
      const args = ['validate', '--format', 'json', ...entry.files.flatMap((file) => ['-f', `bad/${file}`])];
      const result = await run(args, entry.env ?? {});
      expect(result.code, entry.name).toBe(1);
      const diagnostics = JSON.parse(result.stdout) as { file: string; line: number; column: number; code: string }[];
      expect(diagnostics, entry.name).toContainEqual(
        expect.objectContaining({
          file: `bad/${entry.file}`,
          line: entry.line,
          column: entry.column,
          code: entry.code,
        }),
      );
    }
  }, 120_000);

  it('main(argv, io) leaves the process alone: runs side by side, no exit code, no signal listener, cwd and env', async () => {
    const before = {
      exitCode: process.exitCode,
      cwd: process.cwd(),
      env: { ...process.env },
      sigint: process.listenerCount('SIGINT'),
      sigterm: process.listenerCount('SIGTERM'),
    };
    const [good, bad] = await Promise.all([
      run(['validate', '-f', 'full.yaml'], { ALICE_PASSWORD: 'correct-horse-battery' }, join(FIXTURES, 'good')),
      run(['validate', '-f', 'bad-phone.yaml'], {}, join(FIXTURES, 'bad')),
    ]);
    expect(good).toEqual({ code: 0, stdout: '✓ full.yaml: 3 users, 2 organizations\n', stderr: '' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('bad-phone.yaml:4:20: error[invalid_phone]');
    expect({
      exitCode: process.exitCode,
      cwd: process.cwd(),
      env: { ...process.env },
      sigint: process.listenerCount('SIGINT'),
      sigterm: process.listenerCount('SIGTERM'),
    }).toEqual(before);
  });
});
