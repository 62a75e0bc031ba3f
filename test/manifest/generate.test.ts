// Generated users (`generate:`): placeholders, determinism (a user keeps its values when the count changes),
// diagnostics at the template's line naming the user's key and i, and the limits.

import { beforeAll, describe, expect, it } from 'vitest';
import { compileString, expandString } from '../../src/manifest/generate.ts';
import { loadFakeValues } from '../../src/manifest/generate-fake.ts';
import { parseManifest } from '../../src/manifest/index.ts';

beforeAll(loadFakeValues);

function parse(body: string, env: Record<string, string> = {}) {
  const text = `apiVersion: clerk-sync/v1\norganizations:\n  - { slug: acme, name: Acme }\n${body}`;
  return parseManifest([{ file: 'm.yaml', text }], { env });
}

function generator(count: number, extra = ''): string {
  return [
    'generate:',
    `  - count: ${count}`,
    '    externalId: "load-{i:04}"',
    '    emailAddresses: ["load-{i:04}@example.test"]',
    '    firstName: "{firstName}"',
    '    lastName: "{lastName}"',
    extra,
  ].join('\n');
}

const errors = (result: ReturnType<typeof parse>) =>
  result.diagnostics
    .filter((diagnostic) => diagnostic.severity === 'error')
    .map((diagnostic) => `${diagnostic.line}:${diagnostic.column} ${diagnostic.code} ${diagnostic.message}`);

describe('template strings', () => {
  it('expands {i}, {i:04} and literal braces, and refuses unknown or unclosed placeholders', () => {
    const compiled = compileString('u-{i}-{i:04}-{{x}}');
    if ('problem' in compiled) throw new Error(compiled.problem);
    expect(expandString(compiled, 7, 0)).toBe('u-7-0007-{x}');
    expect(expandString(compiled, 12345, 0)).toBe('u-12345-12345-{x}');
    expect(compileString('{nope}')).toEqual({ problem: 'an unknown placeholder "{nope}"' });
    expect(compileString('a{i')).toEqual({ problem: 'an unclosed "{" (write {{ for a literal brace)' });
    expect(compileString('a}b')).toEqual({ problem: 'a lone "}" (write }} for a literal brace)' });
  });
});

describe('generate:', () => {
  it('makes count keyed users after the declared ones, with the template as their source', () => {
    const result = parse(
      `users:\n  - externalId: declared\n${generator(3, '    memberships: [{ org: acme, role: org:member }]')}`,
    );
    expect(errors(result)).toEqual([]);
    const users = result.desired?.users ?? [];
    expect(users.map((user) => user.key)).toEqual(['declared', 'load-0001', 'load-0002', 'load-0003']);
    expect(users[2]?.emailAddresses).toEqual(['load-0002@example.test']);
    expect(users[2]?.memberships).toEqual([{ org: 'acme', role: 'org:member' }]);
    expect(users[2]?.source).toEqual({ file: 'm.yaml', line: 7, column: 5 });
    expect(result.desired?.positions?.user('load-0002')?.emailAddresses).toEqual({
      file: 'm.yaml',
      line: 9,
      column: 21,
    });
    // Realistic, different per user.
    expect(users[1]?.firstName).toMatch(/^[A-Z][a-z'-]+/);
    expect(new Set(users.slice(1).map((user) => `${user.firstName} ${user.lastName}`)).size).toBe(3);
  });

  it('gives user i the same values on every run and whatever the count', () => {
    const small = parse(generator(10)).desired?.users ?? [];
    const again = parse(generator(10)).desired?.users ?? [];
    const large = parse(generator(600)).desired?.users ?? [];
    expect(again).toEqual(small);
    expect(large.slice(0, 10)).toEqual(small);
    expect(large).toHaveLength(600);
  });

  it('expands placeholders in metadata values but never in a password, which may come from an unset variable', () => {
    const result = parse(
      generator(2, '    password: ${SEED_PASSWORD}\n    publicMetadata: { n: "{i}", deep: ["{{i}}"] }'),
    );
    expect(errors(result)).toEqual([]);
    const user = result.desired?.users[1];
    expect(user?.publicMetadata).toEqual({ n: '2', deep: ['{i}'] });
    expect(user?.password).toEqual({ source: { kind: 'env', variable: 'SEED_PASSWORD' }, value: '', unset: true });
  });

  it('refuses a template whose user key has no {i}, or uses an unknown placeholder, at the field', () => {
    const result = parse(
      'generate:\n  - count: 3\n    externalId: fixed\n  - count: 2\n    externalId: "x-{i}"\n    firstName: "{nickname}"\n',
    );
    expect(errors(result)).toEqual([
      '6:17 generated_key_not_unique the user key externalId "fixed" has no {i}: all 3 generated users would have the same key',
      '9:16 invalid_placeholder firstName has an unknown placeholder "{nickname}"',
    ]);
    expect(errors(parse('generate:\n  - count: 2\n    firstName: a\n'))[0]).toContain('generated_key_missing');
  });

  it('reports a collision with a declared user at the template, naming the generated key and i', () => {
    const result = parse(`users:\n  - externalId: load-0002\n${generator(3)}`);
    expect(errors(result)).toEqual([
      '8:17 duplicate_user user "load-0002" is declared twice: here and at m.yaml:5:17 (generated user "load-0002", i=2)',
    ]);
  });

  it('reports a problem every generated user has once, with how many more have it', () => {
    const result = parse(generator(40, '    username: "u{i}"'));
    expect(errors(result)).toEqual([
      '10:15 invalid_username username "u1" must be 4 to 64 characters of a-z, 0-9, "_" and "-" (generated user "load-0001", i=1); 39 more generated users have the same problem',
    ]);
  });

  it('refuses more than 100,000 generated users in all, at the count that passes the limit', () => {
    const over = parse('generate:\n  - count: 100001\n    externalId: "a-{i}"\n');
    expect(errors(over)).toEqual(['5:12 invalid_value count must be at most 100000, got the number 100001']);
    const total = parse('generate:\n  - count: 100000\n    externalId: "a"\n  - count: 1\n    externalId: "b-{i}"\n');
    expect(errors(total)).toEqual([
      '6:17 generated_key_not_unique the user key externalId "a" has no {i}: all 100000 generated users would have the same key',
      '7:12 too_many_generated_users generate: makes 100,001 users with this entry; at most 100,000 generated users are allowed',
    ]);
  });

  it('names strings expanded from an environment value by reference, never by value', () => {
    const env = { TENANT: 'Secretcorp', BRACE: 'x{y' };
    const body = [
      'users:',
      '  - externalId: secretcorp-0002',
      'generate:',
      '  - count: 3',
      '    externalId: "${TENANT}-{i:04}"',
      '    emailAddresses: ["{i}@${TENANT}.test"]',
      '    firstName: "${BRACE}"',
      '',
    ].join('\n');
    const result = parse(body, env);
    const messages = errors(result);
    expect(messages).toEqual([
      '10:16 invalid_placeholder firstName has a value read from ${BRACE} with a brace that is not a placeholder',
    ]);
    const fixed = parse(body.replace('"${BRACE}"', 'ok'), env);
    // The declared user's key is lower-case and the generated one is not: no clash; the environment values named.
    expect(errors(fixed)).toEqual([]);
    expect(fixed.desired?.fromEnvironment).toContainEqual({
      value: 'Secretcorp-0002',
      variables: ['TENANT'],
      template: '${TENANT}-0002',
    });
    expect(fixed.desired?.fromEnvironment).toContainEqual({
      value: '2@secretcorp.test',
      variables: ['TENANT'],
      template: '2@${TENANT}.test',
    });
    const clash = parse(body.replace('"${BRACE}"', 'ok').replace('secretcorp-0002', 'Secretcorp-0002'), env);
    expect(errors(clash)).toEqual([
      '8:17 duplicate_user user (from ${TENANT}-0002) is declared twice: here and at m.yaml:5:17 (generated user (from ${TENANT}-0002), i=2)',
    ]);
    for (const message of [...messages, ...errors(clash)]) expect(message).not.toMatch(/Secretcorp|x\{y/);
  });
});
