// End to end through the CLI (in-process, main(argv, io)) against a seeded emulator:
// export round-trips to "No changes.", is deterministic and filters by organization; drift exit codes, --fail-on,
// ignore rules, JSON and Markdown grouped by class, unmanaged marked users, and the GitHub step summary.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startEmulator } from '../../src/emulator/index.ts';
import { runCliInProcess } from '../helpers/cli.ts';

const MARK = { clerkSync: { managedBy: 'clerk-sync' } };

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function baseEnv(emulator: Emulator): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    // A CI runner's own variables must not switch on --github behaviour or colours in the child.
    if (value === undefined || name.startsWith('GITHUB_') || name === 'FORCE_COLOR') continue;
    env[name] = value;
  }
  return { ...env, NO_COLOR: '1', CLERK_SECRET_KEY: emulator.secretKey, CLERK_API_URL: emulator.url };
}

function cli(args: string[], options: { emulator: Emulator; cwd: string; env?: Record<string, string> }): Promise<Run> {
  return runCliInProcess(args, {
    cwd: options.cwd,
    env: { ...baseEnv(options.emulator), ...options.env },
    rawEnv: true,
  });
}

async function api(emulator: Emulator, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${emulator.secretKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const parsed: unknown = await response.json();
  if (!response.ok) throw new Error(`${method} ${path} -> ${response.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

async function userId(emulator: Emulator, externalId: string): Promise<string> {
  const [user] = (await api(emulator, 'GET', `/users?external_id=${externalId}`)) as { id: string }[];
  if (!user) throw new Error(`no user ${externalId}`);
  return user.id;
}

/** Users with every exported kind of data: several emails and phones, metadata of each kind, bans, locks, marks. */
function seed() {
  return {
    users: [
      {
        external_id: 'stg-001',
        email_address: ['ada@acme.test', 'ada.lovelace@personal.test'],
        phone_number: ['+15555550100', '+15555550101'],
        username: 'alovelace',
        first_name: 'Ada',
        last_name: 'Lovelace',
        public_metadata: {
          team: 'platform',
          onboarding: { step: 1, completed: false },
          features: ['beta', 'audit'],
          note: 'literal ${HOME} stays literal',
        },
        private_metadata: { employeeId: 4700, ...MARK },
        unsafe_metadata: { theme: 'dark' },
      },
      {
        external_id: 'stg-002',
        email_address: ['grace@globex.test'],
        first_name: 'Grace',
        last_name: 'Hopper',
        public_metadata: { team: 'growth' },
        private_metadata: { ...MARK },
        banned: true,
      },
      {
        external_id: 'stg-003',
        email_address: ['alan@initech.test'],
        first_name: 'Alan',
        locked: true,
      },
      {
        external_id: 'stg-019',
        email_address: ['tim@acme.test'],
        first_name: 'Tim',
        private_metadata: { ...MARK },
      },
      { email_address: ['nokey@acme.test'], username: 'nokey' },
    ],
    organizations: [
      { name: 'Initech', slug: 'initech' },
      { name: 'Acme Inc', slug: 'acme' },
      { name: 'Globex Corporation', slug: 'globex' },
    ],
    memberships: [
      { organization: 'acme', user: 'stg-001', role: 'org:admin' },
      { organization: 'globex', user: 'stg-001', role: 'org:member' },
      { organization: 'globex', user: 'stg-002', role: 'org:admin' },
      { organization: 'initech', user: 'stg-002', role: 'org:member' },
      { organization: 'initech', user: 'stg-003', role: 'org:admin' },
      { organization: 'acme', user: 'stg-019', role: 'org:member' },
    ],
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-e2e-export-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('export', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, seed: seed() });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('round trip: the exported manifest plans to "No changes." (exit 0 with --detailed-exitcode)', async () => {
    const exported = await cli(['export', '-o', 'all.yaml', '--include-metadata', 'public,private,unsafe'], {
      emulator,
      cwd: dir,
    });
    expect(exported.stderr).toContain('Exported 4 users and 3 organizations');
    expect(exported.code).toBe(0);
    const plan = await cli(['plan', '-f', 'all.yaml', '--detailed-exitcode'], { emulator, cwd: dir });
    expect(plan.stdout).toContain('No changes.');
    expect(plan.code).toBe(0);

    const text = await readFile(join(dir, 'all.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe(
      '# yaml-language-server: $schema=https://unpkg.com/clerk-sync/schema/manifest.schema.json',
    );
    const manifest = parse(text);
    expect(manifest.apiVersion).toBe('clerk-sync/v1');
    expect(manifest.settings).toStrictEqual({ userKey: 'externalId', prune: false, metadataMode: 'replace' });
    expect(manifest.organizations).toStrictEqual([
      { slug: 'acme', name: 'Acme Inc' },
      { slug: 'globex', name: 'Globex Corporation' },
      { slug: 'initech', name: 'Initech' },
    ]);
    expect(manifest.users.map((user: { externalId: string }) => user.externalId)).toStrictEqual([
      'stg-001',
      'stg-002',
      'stg-003',
      'stg-019',
    ]);
    expect(manifest.users[0]).toStrictEqual({
      externalId: 'stg-001',
      emailAddresses: ['ada@acme.test', 'ada.lovelace@personal.test'],
      phoneNumbers: ['+15555550100', '+15555550101'],
      username: 'alovelace',
      firstName: 'Ada',
      lastName: 'Lovelace',
      // Keys sorted; the literal ${ is escaped so the manifest does not interpolate it.
      publicMetadata: {
        features: ['beta', 'audit'],
        note: 'literal $${HOME} stays literal',
        onboarding: { completed: false, step: 1 },
        team: 'platform',
      },
      // The ownership mark is not exported.
      privateMetadata: { employeeId: 4700 },
      unsafeMetadata: { theme: 'dark' },
      banned: false,
      locked: false,
      memberships: [
        { org: 'acme', role: 'org:admin' },
        { org: 'globex', role: 'org:member' },
      ],
    });
    // Every field is written, empty ones included, so the file manages what it exported: banned/locked false, no
    // name or username null, no address [], {} metadata.
    expect(manifest.users[1]).toMatchObject({
      externalId: 'stg-002',
      banned: true,
      locked: false,
      privateMetadata: {},
    });
    expect(manifest.users[2]).toStrictEqual({
      externalId: 'stg-003',
      emailAddresses: ['alan@initech.test'],
      phoneNumbers: [],
      username: null,
      firstName: 'Alan',
      lastName: null,
      publicMetadata: {},
      privateMetadata: {},
      unsafeMetadata: {},
      banned: false,
      locked: true,
      memberships: [{ org: 'initech', role: 'org:admin' }],
    });
  });

  it('is deterministic: two exports (file and stdout) are byte-identical', async () => {
    const first = await cli(['export', '-o', 'one.yaml'], { emulator, cwd: dir });
    const second = await cli(['export'], { emulator, cwd: dir });
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(await readFile(join(dir, 'one.yaml'), 'utf8'));
    // Default metadata: public only.
    const manifest = parse(second.stdout);
    expect(manifest.users[0]).toHaveProperty('publicMetadata');
    expect(manifest.users[0]).not.toHaveProperty('privateMetadata');
    expect(manifest.users[0]).not.toHaveProperty('unsafeMetadata');
  });

  it('counts users without the key on stderr with a hint, and --user-key emailAddress exports them', async () => {
    const byExternalId = await cli(['export'], { emulator, cwd: dir });
    expect(byExternalId.stderr).toContain('Skipped 1 user without externalId');
    expect(byExternalId.stderr).toContain('--user-key emailAddress');

    const byEmail = await cli(['export', '-o', 'by-email.yaml', '--user-key', 'emailAddress'], { emulator, cwd: dir });
    expect(byEmail.code).toBe(0);
    expect(byEmail.stderr).not.toContain('Skipped');
    const manifest = parse(await readFile(join(dir, 'by-email.yaml'), 'utf8'));
    expect(manifest.users.map((user: { emailAddresses: string[] }) => user.emailAddresses[0])).toStrictEqual([
      'ada@acme.test',
      'alan@initech.test',
      'grace@globex.test',
      'nokey@acme.test',
      'tim@acme.test',
    ]);
    const plan = await cli(['plan', '-f', 'by-email.yaml', '--detailed-exitcode'], { emulator, cwd: dir });
    expect(plan.stdout).toContain('No changes.');
    expect(plan.code).toBe(0);
  });

  it('--org exports only those organizations and memberships in them, and still plans to no changes', async () => {
    const exported = await cli(['export', '-o', 'acme.yaml', '--org', 'acme'], { emulator, cwd: dir });
    expect(exported.code).toBe(0);
    const manifest = parse(await readFile(join(dir, 'acme.yaml'), 'utf8'));
    expect(manifest.organizations).toStrictEqual([{ slug: 'acme', name: 'Acme Inc' }]);
    const memberships = manifest.users.flatMap((user: { memberships?: { org: string }[] }) =>
      (user.memberships ?? []).map((m) => m.org),
    );
    expect(memberships).toStrictEqual(['acme', 'acme']);
    const plan = await cli(['plan', '-f', 'acme.yaml', '--detailed-exitcode'], { emulator, cwd: dir });
    expect(plan.stdout).toContain('No changes.');
    expect(plan.code).toBe(0);
  });

  it('--org with an unknown slug is an error and writes nothing', async () => {
    const run = await cli(['export', '-o', 'nope.yaml', '--org', 'nope'], { emulator, cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('"nope": no such organization live');
    await expect(readFile(join(dir, 'nope.yaml'), 'utf8')).rejects.toThrow();
  });
});

describe('export of an empty instance', () => {
  it('is a valid manifest that plans to no changes', async () => {
    const emulator = await startEmulator({ port: 0 });
    try {
      const exported = await cli(['export', '-o', 'empty.yaml'], { emulator, cwd: dir });
      expect(exported.code).toBe(0);
      expect(exported.stderr).toContain('Exported 0 users and 0 organizations');
      const validate = await cli(['validate', '-f', 'empty.yaml'], { emulator, cwd: dir });
      expect(validate.code).toBe(0);
      const plan = await cli(['plan', '-f', 'empty.yaml', '--detailed-exitcode'], { emulator, cwd: dir });
      expect(plan.stdout).toContain('No changes.');
      expect(plan.code).toBe(0);
    } finally {
      await emulator.close();
    }
  });
});

describe('drift', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, seed: seed() });
    const exported = await cli(['export', '-o', 'drift.yaml', '--include-metadata', 'public,private'], {
      emulator,
      cwd: dir,
    });
    expect(exported.code).toBe(0);
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('exit 0 and "No drift" when live matches the manifest', async () => {
    const run = await cli(['drift', '-f', 'drift.yaml'], { emulator, cwd: dir });
    expect(run.stdout).toContain('No drift');
    expect(run.code).toBe(0);
  });

  describe('after changes made outside the manifest', () => {
    beforeAll(async () => {
      await api(emulator, 'PATCH', `/users/${await userId(emulator, 'stg-002')}`, { first_name: 'Amazing Grace' });
      const acme = (await api(emulator, 'GET', '/organizations/acme')) as { id: string };
      await api(emulator, 'PATCH', `/organizations/${acme.id}/memberships/${await userId(emulator, 'stg-019')}`, {
        role: 'org:admin',
      });
    });

    it('exit 2 and the field-level story in text', async () => {
      const run = await cli(['drift', '-f', 'drift.yaml'], { emulator, cwd: dir });
      expect(run.code).toBe(2);
      expect(run.stdout).toContain('firstName is "Amazing Grace" live; the manifest says "Grace"');
      expect(run.stdout).toContain('role in acme is "org:admin" live; the manifest says "org:member"');
      expect(run.stdout).toContain('Drift: 1 changed, 1 membership');
    });

    it('--fail-on without the drifted classes: exit 0 with warnings', async () => {
      const onlyMembership = await cli(['drift', '-f', 'drift.yaml', '--fail-on', 'membership'], {
        emulator,
        cwd: dir,
      });
      expect(onlyMembership.code).toBe(2);
      expect(onlyMembership.stderr).toContain('warning: 1 changed drift finding (not in --fail-on');

      const neither = await cli(['drift', '-f', 'drift.yaml', '--fail-on', 'missing,unmanaged'], {
        emulator,
        cwd: dir,
      });
      expect(neither.code).toBe(0);
      expect(neither.stderr).toContain('warning: 1 changed drift finding');
      expect(neither.stderr).toContain('warning: 1 membership drift finding');
    });

    it('an unknown --fail-on class is a usage error (exit 1)', async () => {
      const run = await cli(['drift', '-f', 'drift.yaml', '--fail-on', 'everything'], { emulator, cwd: dir });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('--fail-on takes changed, missing, unmanaged, membership');
    });

    it('--ignore and settings.ignore silence the expected drift', async () => {
      const flags = await cli(['drift', '-f', 'drift.yaml', '--ignore', 'firstName', '--ignore', 'memberships'], {
        emulator,
        cwd: dir,
      });
      expect(flags.stdout).toContain('No drift');
      expect(flags.code).toBe(0);

      const manifest = parse(await readFile(join(dir, 'drift.yaml'), 'utf8'));
      manifest.settings.ignore = ['firstName'];
      await writeFile(join(dir, 'drift-ignore.yaml'), stringify(manifest));
      const settings = await cli(['drift', '-f', 'drift-ignore.yaml'], { emulator, cwd: dir });
      expect(settings.stdout).not.toContain('firstName');
      expect(settings.stdout).toContain('Drift: 1 membership');
      expect(settings.code).toBe(2);
    });

    it('json and markdown group the findings by class, with missing and unmanaged users', async () => {
      const manifest = parse(await readFile(join(dir, 'drift.yaml'), 'utf8'));
      // stg-019 leaves the manifest (it carries the mark: unmanaged); stg-026 is declared but absent (missing).
      manifest.users = manifest.users.filter((user: { externalId: string }) => user.externalId !== 'stg-019');
      manifest.users.push({ externalId: 'stg-026', emailAddresses: ['new.hire@acme.test'] });
      await writeFile(join(dir, 'drift-more.yaml'), stringify(manifest));

      const json = await cli(['drift', '-f', 'drift-more.yaml', '--format', 'json'], { emulator, cwd: dir });
      expect(json.code).toBe(2);
      const report = JSON.parse(json.stdout);
      expect(report.formatVersion).toBe(1);
      expect(report.summary.byClass).toStrictEqual({ changed: 1, missing: 1, unmanaged: 1, membership: 0, lock: 0 });
      expect(report.classes.changed[0].subject).toMatchObject({ kind: 'user', key: 'stg-002' });
      expect(report.classes.changed[0].entries[0]).toMatchObject({
        field: 'firstName',
        live: '"Amazing Grace"',
        manifest: '"Grace"',
      });
      expect(report.classes.missing[0].subject).toMatchObject({ key: 'stg-026', id: null });
      expect(report.classes.unmanaged[0].entries[0].message).toContain(
        "tim@acme.test carries clerk-sync's ownership mark but is not in the manifest",
      );

      const markdown = await cli(['drift', '-f', 'drift-more.yaml', '--format', 'markdown', '--fail-on', 'changed'], {
        emulator,
        cwd: dir,
      });
      expect(markdown.code).toBe(2);
      const changedAt = markdown.stdout.indexOf('#### Changed live: 1');
      const missingAt = markdown.stdout.indexOf('#### Missing live: 1 (warning)');
      const unmanagedAt = markdown.stdout.indexOf('#### Unmanaged (marked by clerk-sync, not in the manifest): 1');
      expect(changedAt).toBeGreaterThan(0);
      expect(missingAt).toBeGreaterThan(changedAt);
      expect(unmanagedAt).toBeGreaterThan(missingAt);
    });

    it('--github appends the Markdown report to $GITHUB_STEP_SUMMARY and annotates the manifest lines', async () => {
      const summary = join(dir, 'summary.md');
      await writeFile(summary, '');
      const run = await cli(['drift', '-f', 'drift.yaml', '--github'], {
        emulator,
        cwd: dir,
        env: { GITHUB_STEP_SUMMARY: summary },
      });
      expect(run.code).toBe(2);
      expect(run.stdout).toMatch(/^::error file=drift\.yaml,line=\d+,title=clerk-sync drift_changed::user stg-002/m);
      const written = await readFile(summary, 'utf8');
      expect(written).toContain('### clerk-sync drift');
      expect(written).toContain('firstName is "Amazing Grace" live; the manifest says "Grace"');

      // Auto-detected under GitHub Actions; plan appends its own Markdown plan.
      const plan = await cli(['plan', '-f', 'drift.yaml'], {
        emulator,
        cwd: dir,
        env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary },
      });
      expect(plan.code).toBe(0);
      const after = await readFile(summary, 'utf8');
      expect(after.startsWith(written)).toBe(true);
      expect(after.slice(written.length)).toContain('### clerk-sync plan');
    });

    it('--github prints manifest errors as annotations', async () => {
      await writeFile(join(dir, 'broken.yaml'), 'apiVersion: clerk-sync/v1\nsettings: {userKey: nope}\nusers: []\n');
      const run = await cli(['drift', '-f', 'broken.yaml', '--github'], { emulator, cwd: dir });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^::error file=broken\.yaml,line=2,col=\d+,.*title=clerk-sync [a-z_]+::.*userKey/m);
    });
  });
});

describe('an exported manifest manages what it exported', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, seed: seed() });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('a dashboard ban, lock, name, username or phone added after the export is drift', async () => {
    const exported = await cli(['export', '-o', 'managed.yaml'], { emulator, cwd: dir });
    expect(exported.code).toBe(0);
    const clean = await cli(['drift', '-f', 'managed.yaml'], { emulator, cwd: dir });
    expect(clean.stdout).toContain('No drift');
    expect(clean.code).toBe(0);

    // Each on a user that had none of it when exported.
    await api(emulator, 'POST', `/users/${await userId(emulator, 'stg-001')}/ban`);
    await api(emulator, 'POST', `/users/${await userId(emulator, 'stg-002')}/lock`);
    const alan = await userId(emulator, 'stg-003');
    await api(emulator, 'PATCH', `/users/${alan}`, { last_name: 'Turing', username: 'aturing' });
    await api(emulator, 'POST', '/phone_numbers', {
      user_id: await userId(emulator, 'stg-019'),
      phone_number: '+15555550199',
    });

    const run = await cli(['drift', '-f', 'managed.yaml', '--format', 'json'], { emulator, cwd: dir });
    expect(run.code, run.stderr).toBe(2);
    const report = JSON.parse(run.stdout) as {
      classes: { changed: { subject: { key: string }; entries: { field: string; message: string }[] }[] };
    };
    const found = report.classes.changed.flatMap((item) =>
      item.entries.map((entry) => `${item.subject.key} ${entry.field}: ${entry.message}`),
    );
    expect(found.sort()).toStrictEqual([
      'stg-001 banned: banned is true live; the manifest says false',
      'stg-002 locked: locked is true live; the manifest says false',
      'stg-003 lastName: lastName is "Turing" live; the manifest says null',
      'stg-003 username: username is "aturing" live; the manifest says null',
      'stg-019 phoneNumbers: phoneNumbers: "+15555550199" is present live; the manifest does not declare it',
    ]);
  });
});
