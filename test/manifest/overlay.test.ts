// Overlays (src/manifest/overlay.ts): patch, add and remove on top of a base manifest, merged before the
// cross-checks, with every error at the overlay's file:line:col and the merged fields positioned where written.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Diagnostic, loadManifest, parseManifest } from '../../src/manifest/index.ts';

const BASE = `apiVersion: clerk-sync/v1
organizations:
  - slug: acme
    name: Acme
  - slug: beta
    name: Beta
users:
  - externalId: alice
    emailAddresses: [alice@acme.test]
    firstName: Alice
    lastName: Doe
    memberships: [{org: acme, role: org:admin}, {org: beta, role: org:member}]
  - externalId: bob
    emailAddresses: [bob@acme.test]
    firstName: Bob
`;

function parse(overlay: string, extra: { file: string; text: string }[] = []) {
  return parseManifest([{ file: 'base.yaml', text: BASE }, { file: 'prod.yaml', text: overlay }, ...extra], {
    env: {},
  });
}

function only(diagnostics: Diagnostic[]) {
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  return errors.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`);
}

describe('overlays', () => {
  it('patches fields of a declared user and organization, each field whole, the rest kept', () => {
    const result = parse(`apiVersion: clerk-sync/v1
overlay: true
organizations:
  acme: { name: Acme Prod }
users:
  alice:
    lastName: Prod
    memberships: [{org: acme, role: org:member}]
`);
    expect(only(result.diagnostics)).toEqual([]);
    const desired = result.desired;
    const alice = desired?.users.find((user) => user.key === 'alice');
    expect(alice).toMatchObject({
      firstName: 'Alice',
      lastName: 'Prod',
      memberships: [{ org: 'acme', role: 'org:member' }],
    });
    expect(desired?.organizations.map((org) => [org.slug, org.name])).toEqual([
      ['acme', 'Acme Prod'],
      ['beta', 'Beta'],
    ]);
    expect(desired?.overlays).toEqual(['prod.yaml']);
    // Positions: the patched fields at the overlay, the others at the base.
    const sources = desired?.positions?.user('alice');
    expect(sources?.lastName).toMatchObject({ file: 'prod.yaml', line: 7 });
    expect(sources?.['memberships.0']).toMatchObject({ file: 'prod.yaml', line: 8 });
    expect(sources?.firstName).toMatchObject({ file: 'base.yaml', line: 10 });
    expect(sources?.['memberships.1']).toBeUndefined();
    expect(desired?.organizations[0]?.fieldSources?.name).toMatchObject({ file: 'prod.yaml', line: 4 });
  });

  it('removes a user and an organization explicitly; memberships in the removed organization go with it', () => {
    const result = parse(`apiVersion: clerk-sync/v1
overlay: true
remove:
  users: [bob]
  organizations: [beta]
`);
    expect(only(result.diagnostics)).toEqual([]);
    expect(result.desired?.users.map((user) => user.key)).toEqual(['alice']);
    expect(result.desired?.organizations.map((org) => org.slug)).toEqual(['acme']);
    expect(result.desired?.users[0]?.memberships).toEqual([{ org: 'acme', role: 'org:admin' }]);
  });

  it('adds users and organizations only this environment has', () => {
    const result = parse(`apiVersion: clerk-sync/v1
overlay: true
add:
  organizations:
    - slug: qa
      name: QA
  users:
    - externalId: tester
      emailAddresses: [tester@acme.test]
      memberships: [{org: qa, role: org:admin}]
`);
    expect(only(result.diagnostics)).toEqual([]);
    expect(result.desired?.users.map((user) => user.key)).toEqual(['alice', 'bob', 'tester']);
    expect(result.desired?.organizations.map((org) => org.slug)).toEqual(['acme', 'beta', 'qa']);
    expect(result.desired?.positions?.user('tester')?.emailAddresses).toMatchObject({ file: 'prod.yaml', line: 9 });
  });

  it('applies overlays in order: a later overlay patches what an earlier one added', () => {
    const result = parse(
      `apiVersion: clerk-sync/v1
overlay: true
add:
  users:
    - externalId: tester
      firstName: One
`,
      [{ file: 'later.yaml', text: 'apiVersion: clerk-sync/v1\noverlay: true\nusers:\n  tester: {firstName: Two}\n' }],
    );
    expect(only(result.diagnostics)).toEqual([]);
    expect(result.desired?.users.find((user) => user.key === 'tester')?.firstName).toBe('Two');
    expect(result.desired?.positions?.user('tester')?.firstName).toMatchObject({ file: 'later.yaml', line: 4 });
  });

  it('refuses a patch or removal of an undeclared user or organization, at the overlay line', () => {
    const result = parse(`apiVersion: clerk-sync/v1
overlay: true
organizations:
  nope: { name: Nope }
users:
  carol: { firstName: Carol }
remove:
  users: [dave]
  organizations: [zeta]
`);
    expect(only(result.diagnostics)).toEqual([
      'prod.yaml:4:3 overlay_unknown_organization',
      'prod.yaml:6:3 overlay_unknown_user',
      'prod.yaml:8:11 overlay_unknown_user',
      'prod.yaml:9:19 overlay_unknown_organization',
    ]);
    expect(result.desired).toBeUndefined();
  });

  it('refuses adding a user or organization the base declares, naming the base line', () => {
    const result = parse(`apiVersion: clerk-sync/v1
overlay: true
add:
  organizations:
    - {slug: acme, name: Acme again}
  users:
    - externalId: bob
`);
    expect(only(result.diagnostics)).toEqual([
      'prod.yaml:5:8 overlay_organization_exists',
      'prod.yaml:7:7 overlay_user_exists',
    ]);
    const message = result.diagnostics.find((d) => d.code === 'overlay_user_exists')?.message;
    expect(message).toContain('base.yaml:13:5');
  });

  it('refuses a patch that changes the user key', () => {
    const result = parse(`apiVersion: clerk-sync/v1
overlay: true
users:
  alice: { externalId: alice-prod }
`);
    expect(only(result.diagnostics)).toEqual(['prod.yaml:4:12 overlay_key_change']);
  });

  it('checks the merged manifest as one: a duplicate email across base and overlay, at the overlay line', () => {
    const result = parse(`apiVersion: clerk-sync/v1
overlay: true
users:
  bob:
    emailAddresses: [alice@acme.test]
`);
    expect(only(result.diagnostics)).toEqual(['prod.yaml:5:22 duplicate_email']);
    expect(result.diagnostics[0]?.message).toContain('base.yaml:9:22');
  });

  it('checks a patched membership against the merged organizations, at the overlay line', () => {
    const result = parse(`apiVersion: clerk-sync/v1
overlay: true
remove:
  organizations: [beta]
users:
  bob:
    memberships: [{org: beta, role: org:member}]
`);
    expect(only(result.diagnostics)).toEqual(['prod.yaml:7:25 unknown_organization']);
  });

  it('validates an overlay against the overlay schema: patched values like declared ones, no settings', () => {
    const result = parse(`apiVersion: clerk-sync/v1
overlay: true
settings: {prune: true}
users:
  alice: { firstName: 12, nickname: x }
`);
    expect(only(result.diagnostics)).toEqual([
      'prod.yaml:3:1 unknown_field',
      'prod.yaml:5:23 invalid_type',
      'prod.yaml:5:27 unknown_field',
    ]);
  });

  it('says what is wrong with `overlay: false`', () => {
    const result = parse('apiVersion: clerk-sync/v1\noverlay: false\n');
    expect(result.diagnostics[0]).toMatchObject({ code: 'invalid_value', line: 2 });
    expect(result.diagnostics[0]?.message).toContain('overlay must be true');
  });
});

describe('overlay passwords', () => {
  it('defers an unset password variable in a patch or an addition to the plan that creates the user', () => {
    const result = parse(`apiVersion: clerk-sync/v1
overlay: true
users:
  bob: { password: "\${BOB_PASSWORD}" }
add:
  users:
    - externalId: tester
      password: \${TESTER_PASSWORD}
`);
    expect(only(result.diagnostics)).toEqual([]);
    expect(result.desired?.users.find((user) => user.key === 'tester')?.password).toMatchObject({
      source: { kind: 'env', variable: 'TESTER_PASSWORD' },
      unset: true,
    });
    expect(result.desired?.users.find((user) => user.key === 'bob')?.password?.source).toEqual({
      kind: 'env',
      variable: 'BOB_PASSWORD',
    });
  });
});

describe('overlays with settings.userKey: emailAddress', () => {
  it('patches by the primary email, compared case-insensitively, and keeps the key', () => {
    const result = parseManifest(
      [
        {
          file: 'base.yaml',
          text: 'apiVersion: clerk-sync/v1\nsettings: {userKey: emailAddress}\nusers:\n  - emailAddresses: [alice@acme.test]\n    firstName: Alice\n',
        },
        {
          file: 'prod.yaml',
          text: 'apiVersion: clerk-sync/v1\noverlay: true\nusers:\n  Alice@Acme.test:\n    firstName: Alicia\n    emailAddresses: [alice@acme.test, alice@prod.test]\n  alice@acme.test: {lastName: X}\n',
        },
      ],
      { env: {} },
    );
    expect(only(result.diagnostics)).toEqual([]);
    expect(result.desired?.users).toMatchObject([
      {
        key: 'alice@acme.test',
        firstName: 'Alicia',
        lastName: 'X',
        emailAddresses: ['alice@acme.test', 'alice@prod.test'],
      },
    ]);
  });
});

describe('overlays parsed in a worker thread', () => {
  it('give the same users and positions as on the main thread', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clerk-sync-overlay-'));
    try {
      await writeFile(join(dir, 'base.yaml'), BASE);
      await writeFile(
        join(dir, 'prod.yaml'),
        'apiVersion: clerk-sync/v1\noverlay: true\nusers:\n  alice: {lastName: Prod}\n',
      );
      const load = (offThreadCharacters: number) =>
        loadManifest(['base.yaml', 'prod.yaml'], { env: {}, cwd: dir, offThreadCharacters });
      const [worker, main] = [await load(0), await load(Number.POSITIVE_INFINITY)];
      expect(worker.diagnostics).toEqual([]);
      expect(worker.desired?.users).toEqual(main.desired?.users);
      expect(worker.desired?.organizations).toEqual(main.desired?.organizations);
      expect(worker.desired?.overlays).toEqual(['prod.yaml']);
      for (const key of ['alice', 'bob']) {
        expect(worker.desired?.positions?.user(key)).toEqual(main.desired?.positions?.user(key));
      }
      expect(worker.desired?.positions?.user('alice')?.lastName).toMatchObject({ file: 'prod.yaml', line: 4 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('overlay messages', () => {
  it('name a value read from the environment by its reference, never by the value', () => {
    const result = parseManifest(
      [
        { file: 'base.yaml', text: BASE },
        {
          file: 'prod.yaml',
          text: 'apiVersion: clerk-sync/v1\noverlay: true\nremove:\n  users: ["${GONE}"]\nadd:\n  users:\n    - externalId: "${TAKEN}"\n',
        },
      ],
      { env: { GONE: 'secret-gone-value', TAKEN: 'alice' } },
    );
    expect(only(result.diagnostics)).toEqual([
      'prod.yaml:4:11 overlay_unknown_user',
      'prod.yaml:7:7 overlay_user_exists',
    ]);
    const text = result.diagnostics.map((diagnostic) => `${diagnostic.message} ${diagnostic.hint ?? ''}`).join('\n');
    expect(text).toContain('(from ${GONE})');
    expect(text).toContain('(from ${TAKEN})');
    expect(text).not.toContain('secret-gone-value');
    expect(text).not.toContain('"alice"');
  });
});
