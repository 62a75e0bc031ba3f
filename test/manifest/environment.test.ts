// Values read from the environment: recorded at load (value, variables, template; in memory only), never the secret
// key's variable, and never shown by a diagnostic (duplicates, unknown organizations) or a quoted password line.

import { describe, expect, it } from 'vitest';
import { diagnosticsToJson, formatDiagnostics, parseManifest } from '../../src/manifest/index.ts';

const CANARY = 'cnrY7Qw2k9zz';

function parse(text: string, env: Record<string, string>) {
  const sources = [{ file: 'users.yaml', text }];
  const result = parseManifest(sources, { env });
  return {
    ...result,
    text: formatDiagnostics(result.diagnostics, sources),
    json: diagnosticsToJson(result.diagnostics),
  };
}

describe('fromEnvironment', () => {
  it('records each string that read a variable, as written, with its lower-case form', () => {
    const { desired } = parse(
      `apiVersion: clerk-sync/v1
users:
  - externalId: emp-1
    emailAddresses: ["\${USER_NAME}@\${DOMAIN}"]
    firstName: \${FIRST:-Ann}
    lastName: plain
    publicMetadata: {note: "$\${literal} \${USER_NAME}"}
`,
      { USER_NAME: 'Ann', DOMAIN: 'Corp.test' },
    );
    expect(desired?.fromEnvironment).toEqual([
      { value: 'Ann@Corp.test', variables: ['USER_NAME', 'DOMAIN'], template: '${USER_NAME}@${DOMAIN}' },
      { value: 'ann@corp.test', variables: ['USER_NAME', 'DOMAIN'], template: '${USER_NAME}@${DOMAIN}' },
      { value: 'Ann', variables: ['FIRST'], template: '${FIRST}' },
      { value: 'ann', variables: ['FIRST'], template: '${FIRST}' },
      { value: '${literal} Ann', variables: ['USER_NAME'], template: '$${literal} ${USER_NAME}' },
      { value: '${literal} ann', variables: ['USER_NAME'], template: '$${literal} ${USER_NAME}' },
    ]);
  });

  it('is absent when nothing read the environment', () => {
    const { desired } = parse('apiVersion: clerk-sync/v1\nusers:\n  - externalId: emp-1\n', {});
    expect(desired).toBeDefined();
    expect(desired?.fromEnvironment).toBeUndefined();
  });
});

describe('the secret key', () => {
  it.each([
    ['${CLERK_SECRET_KEY}', 16],
    ['${CLERK_SECRET_KEY:-x}', 16],
    ['Dr. ${CLERK_SECRET_KEY:-}', 20],
  ])('is never interpolated: %s is an error at its column', (written, column) => {
    const env = { CLERK_SECRET_KEY: 'sk_test_abcdefghijklmnop' };
    const { desired, diagnostics, text } = parse(
      `apiVersion: clerk-sync/v1\nusers:\n  - externalId: emp-1\n    firstName: ${written}\n`,
      env,
    );
    expect(desired).toBeUndefined();
    expect(diagnostics).toMatchObject([{ code: 'forbidden_variable', line: 4, column, severity: 'error' }]);
    expect(text).not.toContain('abcdefghijklmnop');
  });

  it('is refused when another variable holds it', () => {
    const env = { CLERK_SECRET_KEY: 'sk_test_abcdefghijklmnop', COPY: 'sk_test_abcdefghijklmnop' };
    const { diagnostics, text, json } = parse(
      'apiVersion: clerk-sync/v1\nusers:\n  - externalId: emp-1\n    lastName: ${COPY}\n',
      env,
    );
    expect(diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['forbidden_variable']);
    expect(text + json).not.toContain('abcdefghijklmnop');
  });
});

describe('diagnostics', () => {
  it('name duplicates and unknown organizations read from the environment by reference', () => {
    const { diagnostics, text, json } = parse(
      `apiVersion: clerk-sync/v1
organizations:
  - slug: \${CANARY_SLUG}
    name: A
  - slug: \${CANARY_SLUG}
    name: B
users:
  - externalId: \${CANARY}
    emailAddresses: ["\${CANARY}@x.test", "\${CANARY}@X.test"]
    phoneNumbers: ["+1\${DIGITS}", "+1\${DIGITS}"]
    username: u\${CANARY}
    memberships: [{org: "o\${CANARY}", role: "org:admin"}, {org: "\${CANARY_SLUG}", role: "org:admin"}, {org: "\${CANARY_SLUG}", role: "org:admin"}]
  - externalId: \${CANARY}
    emailAddresses: ["\${CANARY}@x.test"]
    username: U\${CANARY}
`,
      { CANARY, CANARY_SLUG: 'cnryslug', DIGITS: '5550009876' },
    );
    expect(new Set(diagnostics.map((diagnostic) => diagnostic.code))).toEqual(
      new Set([
        'duplicate_organization',
        'duplicate_user',
        'duplicate_email',
        'duplicate_phone',
        'duplicate_username',
        'invalid_username',
        'unknown_organization',
        'duplicate_membership',
      ]),
    );
    for (const secret of [CANARY, CANARY.toLowerCase(), 'cnryslug', '5550009876']) {
      expect(text).not.toContain(secret);
      expect(json).not.toContain(secret);
    }
    expect(text).toContain('user (from ${CANARY}) is declared twice');
    expect(text).toContain('email address (from ${CANARY}@x.test) is listed twice');
    expect(text).toContain('membership of organization (from o${CANARY}), which is not declared');
  });

  it('suggest no organization whose key came from the environment', () => {
    const { text } = parse(
      `apiVersion: clerk-sync/v1
organizations:
  - slug: \${SLUG}
    name: A
users:
  - externalId: emp-1
    memberships: [{org: cnryslugg, role: "org:admin"}]
`,
      { SLUG: 'cnryslug' },
    );
    expect(text).toContain('membership of organization "cnryslugg", which is not declared under organizations');
    expect(text).not.toContain('"cnryslug"');
  });

  it('never print a password written in the manifest, even where another message quotes its line', () => {
    const { diagnostics, text, json } = parse(
      `apiVersion: clerk-sync/v1
users:
  - {externalId: emp-1, password: short, fristName: A}
  - externalId: emp-2
    password: Zebra-Kettle-9931
`,
      {},
    );
    expect(diagnostics.map((diagnostic) => diagnostic.code).sort()).toEqual([
      'inline_password',
      'inline_password',
      'password_too_short',
      'unknown_field',
    ]);
    expect(text).not.toMatch(/\bshort\b/);
    expect(text).not.toContain('Zebra-Kettle-9931');
    expect(json).not.toContain('Zebra-Kettle-9931');
    // The unknown field's caret still points at it, after the mask.
    const line = '  - {externalId: emp-1, password: ********, fristName: A}';
    expect(text).toContain(` 3 | ${line}\n   | ${' '.repeat(line.indexOf('fristName'))}^^^^^^^^^\n`);
  });

  it('quote a password written as one plain ${VAR}: the line shows only the name', () => {
    const { text } = parse('apiVersion: clerk-sync/v1\nusers:\n  - externalId: emp-1\n    password: ${PW}\n', {
      PW: 'abc',
    });
    expect(text).toContain(' 4 |     password: ${PW}');
    expect(text).not.toContain('abc');
  });
});
