// Good manifests normalise to the expected DesiredState: defaults, lower-cased emails, null vs absent, passwords
// with their source, positions, multi-file merge (a directory), and interpolation with defaults and `$${`.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadManifest, parseManifest } from '../../src/manifest/index.ts';
import type { DesiredUser } from '../../src/model/index.ts';

const GOOD = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/manifests/good');

function withoutPositions(user: DesiredUser): Omit<DesiredUser, 'source'> {
  const { source: _source, ...rest } = user;
  return rest;
}

describe('good manifests', () => {
  it('full.yaml: every field, absent fields left out, null kept', async () => {
    const result = await loadManifest(['full.yaml'], { env: { ALICE_PASSWORD: 'correct-horse-battery' }, cwd: GOOD });
    expect(result.diagnostics).toEqual([]);
    const desired = result.desired;
    expect(desired?.settings).toStrictEqual({
      userKey: 'externalId',
      prune: true,
      metadataMode: 'merge',
      ignore: ['publicMetadata.lastSeenAt', 'firstName'],
    });
    expect(desired?.files).toStrictEqual(['full.yaml']);
    expect(desired?.organizations).toStrictEqual([
      { slug: 'acme', name: 'Acme Inc', source: { file: 'full.yaml', line: 10, column: 5 } },
      { slug: 'globex', name: 'Globex', source: { file: 'full.yaml', line: 12, column: 5 } },
    ]);
    expect(desired?.users.map(withoutPositions)).toStrictEqual([
      {
        key: 'emp-001',
        externalId: 'emp-001',
        emailAddresses: ['alice@acme.test', 'alice.doe@acme.test'],
        phoneNumbers: ['+15555550100'],
        username: 'alice',
        firstName: 'Alice',
        lastName: 'Doe',
        password: { source: { kind: 'env', variable: 'ALICE_PASSWORD' }, value: 'correct-horse-battery' },
        publicMetadata: { role: 'admin', tags: ['a', 'b'], nested: { deep: { value: 1.5 } } },
        privateMetadata: { employeeId: 4711 },
        unsafeMetadata: {},
        banned: false,
        locked: true,
        memberships: [
          { org: 'acme', role: 'org:admin' },
          { org: 'globex', role: 'org:billing_manager' },
        ],
      },
      // `lastName:` with nothing after it is YAML null: "must be empty", like the explicit nulls.
      { key: 'emp-002', externalId: 'emp-002', username: null, firstName: null, lastName: null, memberships: [] },
      { key: 'emp-003', externalId: 'emp-003' },
    ]);
  });

  it('full.yaml: user and field positions point at the values', async () => {
    const result = await loadManifest(['full.yaml'], { env: { ALICE_PASSWORD: 'correct-horse-battery' }, cwd: GOOD });
    const alice = result.desired?.users[0];
    expect(alice?.source).toStrictEqual({ file: 'full.yaml', line: 15, column: 5 });
    const positions = result.desired?.positions;
    const aliceSources = positions?.user(alice?.key ?? '');
    expect(aliceSources?.externalId).toStrictEqual({ file: 'full.yaml', line: 15, column: 17 });
    expect(aliceSources?.['emailAddresses.1']).toStrictEqual({ file: 'full.yaml', line: 16, column: 39 });
    expect(aliceSources?.['phoneNumbers.0']).toStrictEqual({ file: 'full.yaml', line: 17, column: 20 });
    expect(aliceSources?.username).toStrictEqual({ file: 'full.yaml', line: 18, column: 15 });
    expect(aliceSources?.['memberships.0']).toStrictEqual({ file: 'full.yaml', line: 28, column: 9 });
    expect(aliceSources?.['memberships.1']).toStrictEqual({ file: 'full.yaml', line: 30, column: 9 });
    expect(Object.keys(positions?.user(result.desired?.users[2]?.key ?? '') ?? {})).toStrictEqual(['externalId']);
  });

  it('a directory merges its *.yaml and *.yml files in name order into one manifest', async () => {
    const result = await loadManifest(['multi'], { env: {}, cwd: GOOD });
    expect(result.diagnostics).toEqual([]);
    expect(result.sources.map((source) => source.file)).toStrictEqual([
      join('multi', '10-settings.yaml'),
      join('multi', '20-users.yml'),
      join('multi', '30-more-users.yaml'),
    ]);
    const desired = result.desired;
    expect(desired?.files).toStrictEqual(result.sources.map((source) => source.file));
    expect(desired?.settings).toStrictEqual({
      userKey: 'emailAddress',
      prune: false,
      metadataMode: 'replace',
      ignore: [],
    });
    expect(desired?.organizations.map((org) => org.slug)).toStrictEqual(['acme']);
    expect(desired?.users.map(withoutPositions)).toStrictEqual([
      {
        key: 'bob@acme.test',
        emailAddresses: ['bob@acme.test'],
        memberships: [{ org: 'acme', role: 'org:member' }],
      },
      { key: 'carol@acme.test', emailAddresses: ['carol@acme.test'], firstName: 'Carol' },
    ]);
    expect(desired?.positions?.user(desired.users[0]?.key ?? '')?.['memberships.0']).toStrictEqual({
      file: join('multi', '20-users.yml'),
      line: 8,
      column: 9,
    });
    expect(desired?.users[1]?.source.file).toBe(join('multi', '30-more-users.yaml'));
  });

  it('files given one by one merge the same way as their directory', async () => {
    const byDirectory = await loadManifest(['multi'], { env: {}, cwd: GOOD });
    const byFiles = await loadManifest(['multi/10-settings.yaml', 'multi/20-users.yml', 'multi/30-more-users.yaml'], {
      env: {},
      cwd: GOOD,
    });
    expect(byFiles.desired?.users.map(withoutPositions)).toStrictEqual(
      byDirectory.desired?.users.map(withoutPositions),
    );
  });

  it('interpolation: set variables, defaults (unset or empty), $${ literal, env vs inline passwords', async () => {
    const result = await loadManifest(['interpolation.yaml'], {
      env: { EMP_PREFIX: 'emp', TEAM: 'platform', REGION: '', LAST_NAME: undefined },
      cwd: GOOD,
    });
    expect(
      result.diagnostics.map((diagnostic) => [diagnostic.severity, diagnostic.code, diagnostic.line]),
    ).toStrictEqual([['warning', 'inline_password', 12]]);
    expect(result.desired?.users.map(withoutPositions)).toStrictEqual([
      {
        key: 'emp-001',
        externalId: 'emp-001',
        firstName: 'Dana',
        lastName: '',
        password: { source: { kind: 'env', variable: 'DANA_PASSWORD' }, value: 'fallback-password-1' },
        publicMetadata: { template: `Hello \${name}, costs $5`, team: 'platform', region: 'eu' },
      },
      {
        key: 'emp-002',
        externalId: 'emp-002',
        password: { source: { kind: 'inline' }, value: 'a-literal-password' },
      },
    ]);
  });

  it('a set variable wins over the default', async () => {
    const result = await loadManifest(['interpolation.yaml'], {
      env: { EMP_PREFIX: 'x', TEAM: 't', FIRST_NAME: 'Erin', DANA_PASSWORD: 'from-the-env-123' },
      cwd: GOOD,
    });
    const user = result.desired?.users[0];
    expect(user?.key).toBe('x-001');
    expect(user?.firstName).toBe('Erin');
    expect(user?.password).toStrictEqual({
      source: { kind: 'env', variable: 'DANA_PASSWORD' },
      value: 'from-the-env-123',
    });
  });

  it('minimal.yaml: only apiVersion gives the defaults and nothing to manage', () => {
    const result = parseManifest([{ file: 'm.yaml', text: 'apiVersion: clerk-sync/v1\n' }], { env: {} });
    expect(result).toStrictEqual({
      desired: {
        settings: { userKey: 'externalId', prune: false, metadataMode: 'replace', ignore: [] },
        organizations: [],
        users: [],
        files: ['m.yaml'],
      },
      diagnostics: [],
    });
  });

  it('userKey username: the key is the username', () => {
    const text = 'apiVersion: clerk-sync/v1\nsettings: {userKey: username}\nusers:\n  - username: erin_w\n';
    const result = parseManifest([{ file: 'u.yaml', text }], { env: {} });
    expect(result.desired?.users.map(withoutPositions)).toStrictEqual([{ key: 'erin_w', username: 'erin_w' }]);
  });

  it('aliases expand to copies of the anchored value', () => {
    const text = [
      'apiVersion: clerk-sync/v1',
      'organizations: [{slug: acme, name: Acme}]',
      'users:',
      '  - externalId: a',
      '    memberships: &staff [{org: acme, role: org:member}]',
      '  - externalId: b',
      '    memberships: *staff',
      '',
    ].join('\n');
    const result = parseManifest([{ file: 'a.yaml', text }], { env: {} });
    expect(result.diagnostics).toEqual([]);
    expect(result.desired?.users.map((user) => user.memberships?.map((membership) => membership.org))).toStrictEqual([
      ['acme'],
      ['acme'],
    ]);
  });
});
