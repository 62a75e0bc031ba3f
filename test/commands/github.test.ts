// GitHub Actions output: workflow-command annotations (format, severities, escaping, paths relative to the checkout)
// and the job summary file (appended, never overwritten; nothing written when the variable is unset).

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  annotateManifestErrors,
  appendStepSummary,
  diagnosticsOf,
  escapeData,
  escapeProperty,
  githubAnnotations,
  githubEnabled,
  planWarningAnnotations,
} from '../../src/commands/github.ts';
import { FileError, ManifestInvalidError } from '../../src/errors.ts';
import type { Diagnostic } from '../../src/manifest/index.ts';

function diagnostic(fields: Partial<Diagnostic> = {}): Diagnostic {
  return {
    file: 'clerk/users.yaml',
    line: 12,
    column: 5,
    severity: 'error',
    code: 'duplicate_user_key',
    message: 'user key "emp-001" is declared twice',
    ...fields,
  } as Diagnostic;
}

describe('githubAnnotations', () => {
  it('formats an error with file, line, col and a title naming the code', () => {
    expect(githubAnnotations([diagnostic()])).toBe(
      '::error file=clerk/users.yaml,line=12,col=5,title=clerk-sync duplicate_user_key::user key "emp-001" is declared twice\n',
    );
  });

  it('maps warnings to ::warning and other severities to ::notice, one line each', () => {
    const out = githubAnnotations([
      diagnostic({ severity: 'warning', code: 'unknown_key', message: 'a' }),
      diagnostic({ severity: 'info' as unknown as Diagnostic['severity'], code: 'note', message: 'b' }),
    ]);
    expect(out.split('\n')).toStrictEqual([
      '::warning file=clerk/users.yaml,line=12,col=5,title=clerk-sync unknown_key::a',
      '::notice file=clerk/users.yaml,line=12,col=5,title=clerk-sync note::b',
      '',
    ]);
  });

  it('escapes %, CR and LF in the message, and also : and , in properties', () => {
    const out = githubAnnotations([
      diagnostic({
        file: 'dir,with:odd%name/users.yaml',
        code: 'bad:code,x',
        message: '100% wrong\r\nsecond line: a, b',
      }),
    ]);
    expect(out).toBe(
      '::error file=dir%2Cwith%3Aodd%25name/users.yaml,line=12,col=5,title=clerk-sync bad%3Acode%2Cx::100%25 wrong%0D%0Asecond line: a, b\n',
    );
    // Exactly one command line, whatever the message held.
    expect(out.split('\n')).toHaveLength(2);
  });

  it('puts the hint on a second (escaped) line of the message', () => {
    expect(githubAnnotations([diagnostic({ message: 'm', hint: 'Rename one of them.' })])).toBe(
      '::error file=clerk/users.yaml,line=12,col=5,title=clerk-sync duplicate_user_key::m%0Ahint: Rename one of them.\n',
    );
  });

  it('passes endLine, and endColumn only for a one-line range (as GitHub reads them)', () => {
    expect(githubAnnotations([diagnostic({ endLine: 12, endColumn: 9, message: 'm' })])).toBe(
      '::error file=clerk/users.yaml,line=12,col=5,endLine=12,endColumn=9,title=clerk-sync duplicate_user_key::m\n',
    );
    expect(githubAnnotations([diagnostic({ endLine: 14, endColumn: 2, message: 'm' })])).toBe(
      '::error file=clerk/users.yaml,line=12,col=5,endLine=14,title=clerk-sync duplicate_user_key::m\n',
    );
  });

  it('leaves out line and col when unknown (0)', () => {
    expect(githubAnnotations([diagnostic({ line: 0, column: 0, message: 'm' })])).toBe(
      '::error file=clerk/users.yaml,title=clerk-sync duplicate_user_key::m\n',
    );
  });

  it('re-expresses paths relative to the checkout root', () => {
    const options = { cwd: '/repo/clerk', workspace: '/repo' };
    expect(githubAnnotations([diagnostic({ file: 'users.yaml', message: 'm' })], options)).toContain(
      'file=clerk/users.yaml,',
    );
    expect(githubAnnotations([diagnostic({ file: '/repo/clerk/orgs.yaml', message: 'm' })], options)).toContain(
      'file=clerk/orgs.yaml,',
    );
    expect(githubAnnotations([diagnostic({ file: '/elsewhere/x.yaml', message: 'm' })], options)).toContain(
      'file=/elsewhere/x.yaml,',
    );
  });

  it('escape helpers match @actions/core', () => {
    expect(escapeData('a%b\rc\nd:e,f')).toBe('a%25b%0Dc%0Ad:e,f');
    expect(escapeProperty('a%b\rc\nd:e,f')).toBe('a%25b%0Dc%0Ad%3Ae%2Cf');
  });
});

describe('planWarningAnnotations', () => {
  it('makes a refusal an error and a warning a warning, at its file, line and column when it has one', () => {
    const out = planWarningAnnotations(
      [
        {
          code: 'mass_delete',
          severity: 'refusal',
          message: 'the plan deletes 12 users, more than the limit of 10',
          hint: 'Review the deletions, then raise --max-deletes or pass --allow-mass-delete.',
        },
        {
          code: 'inline_password',
          severity: 'warning',
          message: 'user "emp-001" has an inline password',
          source: { file: 'users.yaml', line: 7, column: 5 },
        },
      ],
      { cwd: '/repo/clerk', workspace: '/repo' },
    );
    expect(out.split('\n')).toStrictEqual([
      '::error title=clerk-sync mass_delete::the plan deletes 12 users, more than the limit of 10%0Ahint: Review the deletions, then raise --max-deletes or pass --allow-mass-delete.',
      '::warning file=clerk/users.yaml,line=7,col=5,title=clerk-sync inline_password::user "emp-001" has an inline password',
      '',
    ]);
  });

  it('keeps what a manifest says inside one command: no second line, no property of its own', () => {
    const out = planWarningAnnotations([
      {
        code: 'unknown_key',
        severity: 'warning',
        message: 'key "x\n::error file=evil.yaml::fake" is unknown',
        source: { file: 'a,line=1:b.yaml', line: 3, column: 1 },
        hint: '100%',
      },
    ]);
    expect(out).toBe(
      '::warning file=a%2Cline=1%3Ab.yaml,line=3,col=1,title=clerk-sync unknown_key::key "x%0A::error file=evil.yaml::fake" is unknown%0Ahint: 100%25\n',
    );
  });
});

describe('githubEnabled', () => {
  it('is on with --github or under GitHub Actions only', () => {
    expect(githubEnabled({ github: true }, {})).toBe(true);
    expect(githubEnabled({}, { GITHUB_ACTIONS: 'true' })).toBe(true);
    expect(githubEnabled({}, { GITHUB_ACTIONS: 'false' })).toBe(false);
    expect(githubEnabled({}, {})).toBe(false);
  });
});

describe('appendStepSummary', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clerk-sync-github-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends to the file named by GITHUB_STEP_SUMMARY, keeping what earlier steps wrote', async () => {
    const file = join(dir, 'summary.md');
    await writeFile(file, '# earlier step\n');
    expect(await appendStepSummary({ GITHUB_STEP_SUMMARY: file }, '### clerk-sync drift\n\n**No drift.**')).toBe(true);
    expect(await appendStepSummary({ GITHUB_STEP_SUMMARY: file }, 'second\n')).toBe(true);
    expect(await readFile(file, 'utf8')).toBe('# earlier step\n### clerk-sync drift\n\n**No drift.**\nsecond\n');
  });

  it('writes nothing when the variable is unset or empty', async () => {
    expect(await appendStepSummary({}, 'x')).toBe(false);
    expect(await appendStepSummary({ GITHUB_STEP_SUMMARY: '' }, 'x')).toBe(false);
  });

  it('fails with a FileError when the file cannot be written', async () => {
    await expect(appendStepSummary({ GITHUB_STEP_SUMMARY: join(dir, 'no', 'such', 'dir.md') }, 'x')).rejects.toThrow(
      FileError,
    );
  });
});

describe('manifest failures', () => {
  const error = new ManifestInvalidError('the manifest has 1 error', {
    meta: { diagnostics: [{ ...diagnostic({ message: 'm' }) }, { not: 'a diagnostic' }] },
  });

  it('diagnosticsOf reads well-formed diagnostics from the error meta', () => {
    expect(diagnosticsOf(error)).toStrictEqual([diagnostic({ message: 'm' })]);
    expect(diagnosticsOf(new Error('x'))).toStrictEqual([]);
  });

  it('annotateManifestErrors prints annotations, then rethrows, only when enabled', async () => {
    for (const enabled of [true, false]) {
      let out = '';
      const stdout = {
        write: (chunk: string): boolean => {
          out += chunk;
          return true;
        },
      };
      await expect(
        annotateManifestErrors({
          enabled,
          io: { cwd: '/repo', env: {} },
          out: stdout,
          load: async () => {
            throw error;
          },
        }),
      ).rejects.toBe(error);
      expect(out).toBe(
        enabled ? '::error file=clerk/users.yaml,line=12,col=5,title=clerk-sync duplicate_user_key::m\n' : '',
      );
    }
  });

  it('annotateManifestErrors writes nothing for an error that carries no diagnostics (it never loads again)', async () => {
    let out = '';
    const bare = new ManifestInvalidError('the manifest is invalid: 1 error');
    let loads = 0;
    await expect(
      annotateManifestErrors({
        enabled: true,
        io: { cwd: '/repo', env: {} },
        out: {
          write: (chunk: string) => {
            out += chunk;
          },
        },
        load: async () => {
          loads += 1;
          throw bare;
        },
      }),
    ).rejects.toBe(bare);
    expect([out, loads]).toStrictEqual(['', 1]);
  });

  it('annotateManifestErrors prints nothing for other failures and passes results through', async () => {
    let out = '';
    const write = (chunk: string): void => {
      out += chunk;
    };
    const other = new FileError('cannot read');
    await expect(
      annotateManifestErrors({
        enabled: true,
        io: { cwd: '/repo', env: {} },
        out: { write },
        load: async () => {
          throw other;
        },
      }),
    ).rejects.toBe(other);
    expect(
      await annotateManifestErrors({ enabled: true, io: { cwd: '/', env: {} }, out: { write }, load: async () => 42 }),
    ).toBe(42);
    expect(out).toBe('');
  });
});
