// Diagnostics output: compiler-like text (sorted, quoted line, caret, hint, totals), stable JSON, GitHub
// annotations, and secrets from the environment never shown anywhere.

import { describe, expect, it } from 'vitest';
import {
  type Diagnostic,
  diagnosticsToGithub,
  diagnosticsToJson,
  formatDiagnostics,
  parseManifest,
} from '../../src/manifest/index.ts';

const text = [
  'apiVersion: clerk-sync/v1',
  'users:',
  '  - externalId: emp-001',
  '    fristName: Alice',
  '    password: short',
  '',
].join('\n');
const sources = [{ file: 'users.yaml', text }];

describe('formatDiagnostics', () => {
  it('prints file:line:col, the quoted line with a caret under the span, the hint, and totals', () => {
    const { diagnostics } = parseManifest(sources, { env: {} });
    expect(formatDiagnostics(diagnostics, sources)).toBe(
      [
        'users.yaml:4:5: error[unknown_field]: unknown field "fristName" (did you mean "firstName"?)',
        ' 4 |     fristName: Alice',
        '   |     ^^^^^^^^^',
        '  hint: Fields allowed in user: externalId, emailAddresses, phoneNumbers, username, firstName, lastName, legalAcceptedAt, password, passwordDigest, passwordHasher, publicMetadata, privateMetadata, unsafeMetadata, banned, locked, memberships.',
        "users.yaml:5:15: error[password_too_short]: password must be at least 8 characters (Clerk's minimum)",
        ' 5 |     password: ********',
        '   |               ^^^^^^^^',
        'users.yaml:5:15: warning[inline_password]: password is written in the manifest',
        ' 5 |     password: ********',
        '   |               ^^^^^^^^',
        '  hint: Write password: ${VAR} and set VAR in the environment (a CI secret), so the password stays out of git.',
        '2 errors, 1 warning',
        '',
      ].join('\n'),
    );
  });

  it('sorts by file, then line, then column, whatever the input order', () => {
    const at = (file: string, line: number, column: number): Diagnostic => ({
      file,
      line,
      column,
      severity: 'error',
      code: 'x',
      message: `${file}@${line}:${column}`,
    });
    const shuffled = [at('b.yaml', 1, 1), at('a.yaml', 10, 2), at('a.yaml', 2, 9), at('a.yaml', 10, 1)];
    const output = formatDiagnostics(shuffled, []);
    const order = output
      .split('\n')
      .filter((line) => line.includes('error[x]'))
      .map((line) => line.split(': ')[0]);
    expect(order).toEqual(['a.yaml:2:9', 'a.yaml:10:1', 'a.yaml:10:2', 'b.yaml:1:1']);
    expect(output.trimEnd().split('\n').at(-1)).toBe('4 errors, 0 warnings');
  });

  it('keeps tabs in the caret prefix so the caret lines up', () => {
    const tabbed = [{ file: 't.yaml', text: 'apiVersion: clerk-sync/v1\nusers:\n\t- externalId: a\n' }];
    const output = formatDiagnostics(parseManifest(tabbed, { env: {} }).diagnostics, tabbed);
    expect(output).toContain(' 3 | \t- externalId: a\n   | ^\n');
  });

  it('colours only when asked', () => {
    const { diagnostics } = parseManifest(sources, { env: {} });
    expect(formatDiagnostics(diagnostics, sources)).not.toContain('\u001b[');
    const coloured = formatDiagnostics(diagnostics, sources, { color: true });
    expect(coloured).toContain('\u001b[31merror[unknown_field]\u001b[0m');
    expect(coloured).toContain('\u001b[33mwarning[inline_password]\u001b[0m');
  });

  it('says "0 errors, 0 warnings" for nothing', () => {
    expect(formatDiagnostics([], [])).toBe('0 errors, 0 warnings\n');
  });
});

describe('diagnosticsToJson', () => {
  it('is a sorted array with a fixed key order and only the keys that are set', () => {
    const json = diagnosticsToJson([
      { message: 'm2', code: 'b', severity: 'warning', column: 1, line: 9, file: 'a.yaml' },
      {
        hint: 'h',
        endColumn: 4,
        endLine: 2,
        message: 'm1',
        code: 'a',
        severity: 'error',
        column: 2,
        line: 2,
        file: 'a.yaml',
      },
    ]);
    expect(json).toBe(
      `${JSON.stringify(
        [
          {
            file: 'a.yaml',
            line: 2,
            column: 2,
            endLine: 2,
            endColumn: 4,
            severity: 'error',
            code: 'a',
            message: 'm1',
            hint: 'h',
          },
          { file: 'a.yaml', line: 9, column: 1, severity: 'warning', code: 'b', message: 'm2' },
        ],
        null,
        2,
      )}\n`,
    );
  });
});

describe('diagnosticsToGithub', () => {
  it('writes one ::error / ::warning command per diagnostic, with properties and data escaped', () => {
    const output = diagnosticsToGithub([
      {
        file: 'dir/a,b.yaml',
        line: 3,
        column: 5,
        endLine: 3,
        endColumn: 9,
        severity: 'error',
        code: 'c',
        message: 'bad: 100%',
        hint: 'fix it',
      },
      { file: 'a.yaml', line: 1, column: 1, severity: 'warning', code: 'w', message: 'careful' },
    ]);
    expect(output).toBe(
      '::warning file=a.yaml,line=1,col=1,title=clerk-sync w::careful\n' +
        '::error file=dir/a%2Cb.yaml,line=3,col=5,endLine=3,endColumn=9,title=clerk-sync c::bad: 100%25%0Afix it\n',
    );
  });
});

describe('secrets', () => {
  const SECRET = 'Sup3r-Secret-Value';
  const secretText = [
    'apiVersion: clerk-sync/v1',
    'users:',
    '  - externalId: emp-001',
    '    emailAddresses: ["${SECRET_EMAIL}"]',
    '    password: ${SHORT_SECRET}',
    '    username: ${SECRET_NAME}',
    '    phoneNumbers: ["${SECRET_PHONE}"]',
    '    memberships: [{org: nowhere, role: "${SECRET_ROLE}"}]',
    '',
  ].join('\n');
  const env = {
    SECRET_EMAIL: `${SECRET}-not-an-email`,
    SHORT_SECRET: 'Sup3r',
    SECRET_NAME: `${SECRET}!`,
    SECRET_PHONE: `${SECRET}-phone`,
    SECRET_ROLE: SECRET,
  };
  const secretSources = [{ file: 's.yaml', text: secretText }];

  it('never appear in messages, the formatted text or the JSON; the source line shows ${VAR}', () => {
    const { diagnostics } = parseManifest(secretSources, { env });
    expect(diagnostics.map((diagnostic) => diagnostic.code).sort()).toEqual(
      [
        'invalid_email',
        'invalid_phone',
        'invalid_role',
        'invalid_username',
        'password_too_short',
        'unknown_organization',
      ].sort(),
    );
    const text = formatDiagnostics(diagnostics, secretSources);
    const json = diagnosticsToJson(diagnostics);
    for (const output of [text, json, diagnosticsToGithub(diagnostics)]) {
      expect(output).not.toContain(SECRET);
      expect(output).not.toContain('Sup3r');
    }
    expect(text).toContain('the value of ${SECRET_EMAIL} is not a valid email address');
    expect(text).toContain('    password: ${SHORT_SECRET}');
  });
});
