// `clerk-sync plan` end to end through the CLI in-process (main(argv, io)) against a fresh emulator per test:
// text, JSON and Markdown output, --out without secrets, --detailed-exitcode, plan errors pointing at file:line
// with no mutating request, an invalid manifest sending no request at all, the read budget on a large instance,
// and `plan --rehearse` (a rehearsal that converges, one that reports what the API refused).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { e2eContext, mutatingRequests, stripIds } from '../helpers/cli.ts';
import { emulatorFetch } from '../helpers/emulator.ts';

const PASSWORD = 'Plan-Password-2026!';

/** Live: organization acme; Alice (member), Bob (admin) and Dave, all managed by clerk-sync. */
const LIVE = {
  organizations: [{ name: 'Acme Inc', slug: 'acme' }],
  users: [
    {
      external_id: 'emp-001',
      email_address: ['alice@acme.test'],
      first_name: 'Alice',
      public_metadata: { role: 'member' },
      private_metadata: { clerkSync: { managedBy: 'clerk-sync' } },
    },
    {
      external_id: 'emp-002',
      email_address: ['bob@acme.test'],
      first_name: 'Bob',
      private_metadata: { clerkSync: { managedBy: 'clerk-sync' } },
    },
    {
      external_id: 'emp-004',
      email_address: ['dave@acme.test'],
      first_name: 'Dave',
      private_metadata: { clerkSync: { managedBy: 'clerk-sync' } },
    },
  ],
  memberships: [
    { organization: 'acme', user: 'emp-001', role: 'org:member' },
    { organization: 'acme', user: 'emp-002', role: 'org:admin' },
  ],
};

/** The manifest that matches LIVE exactly. */
const IN_SYNC = `apiVersion: clerk-sync/v1
organizations:
  - slug: acme
    name: Acme Inc
users:
  - externalId: emp-001
    emailAddresses: [alice@acme.test]
    firstName: Alice
    publicMetadata: { role: member }
    memberships: [{ org: acme, role: "org:member" }]
  - externalId: emp-002
    emailAddresses: [bob@acme.test]
    firstName: Bob
    memberships: [{ org: acme, role: "org:admin" }]
  - externalId: emp-004
    emailAddresses: [dave@acme.test]
    firstName: Dave
`;

/** Against LIVE: one create (with a password from $PW), one profile+metadata+role change, a removal, a ban. */
const CHANGES = `apiVersion: clerk-sync/v1
organizations:
  - slug: acme
    name: Acme Inc
users:
  - externalId: emp-001
    emailAddresses: [alice@acme.test]
    firstName: Alicia
    publicMetadata: { role: admin }
    memberships: [{ org: acme, role: "org:admin" }]
  - externalId: emp-002
    emailAddresses: [bob@acme.test]
    firstName: Bob
  - externalId: emp-003
    emailAddresses: [carol@acme.test]
    firstName: Carol
    password: \${PW}
    memberships: [{ org: acme, role: "org:member" }]
  - externalId: emp-004
    emailAddresses: [dave@acme.test]
    firstName: Dave
    banned: true
`;

describe('plan output', () => {
  it('prints +/~/- lines per user and the summary line, and exits 0 without --detailed-exitcode', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    const file = await e2e.write('users.yaml', CHANGES);
    const run = await e2e.cli(['plan', '-f', file], { env: { PW: PASSWORD } });
    expect(run.code, run.stderr).toBe(0);
    expect(stripIds(run.stdout)).toMatchInlineSnapshot(`
      "+ user emp-003 (carol@acme.test)
          + create user
              + externalId: "emp-003"
              + emailAddresses: ["carol@acme.test"]
              + firstName: "Carol"
              + password: (sensitive)
              + privateMetadata.clerkSync.managedBy: (sensitive)
          + add to organization acme
              + membership acme: org:member
      ~ user emp-001 (alice@acme.test)
          ~ update profile
              ~ firstName: "Alice" -> "Alicia"
          ~ update metadata (replace)
              ~ publicMetadata.role: "member" -> "admin"
          ~ change role in acme
              ~ membership acme: org:member -> org:admin
      ~ user emp-002 (bob@acme.test)
          - remove from organization acme
              - membership acme (org:admin)
      ~ user emp-004 (dave@acme.test)
          ~ ban
              ~ banned: false -> true

      Plan: 2 to create, 4 to change, 1 to delete.
      Read: full (3 users; 1 request, a targeted read would take 2)
      "
    `);
    expect(run.stdout).not.toContain(PASSWORD);
    expect(run.stderr).toMatch(/Read 3 users, 1 managed organization, 2 memberships in [\d.]+s \(\d+ requests\)/);
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  });

  it('says "No changes." when the instance matches, with exit 0 even under --detailed-exitcode', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    const file = await e2e.write('users.yaml', IN_SYNC);
    const plain = await e2e.cli(['plan', '-f', file]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/^No changes\./);
    expect(plain.stdout).not.toMatch(/^[+~-] /m);
    const gated = await e2e.cli(['plan', '-f', file, '--detailed-exitcode']);
    expect(gated.code, gated.stderr).toBe(0);
  });

  it('exits 2 under --detailed-exitcode when there are changes (the built binary: the exit code is the process one)', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    const file = await e2e.write('users.yaml', CHANGES);
    const run = await e2e.bin(['plan', '-f', file, '--detailed-exitcode'], { env: { PW: PASSWORD } });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stdout).toContain('Plan: 2 to create, 4 to change, 1 to delete.');
  });

  it('prints the versioned JSON plan: formatVersion, ordered operations, fingerprints and live versions', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    const file = await e2e.write('users.yaml', CHANGES);
    const run = await e2e.cli(['plan', '-f', file, '--format', 'json'], { env: { PW: PASSWORD } });
    expect(run.code, run.stderr).toBe(0);
    const plan = JSON.parse(run.stdout) as {
      formatVersion: number;
      source: unknown;
      instance: unknown;
      warnings: unknown[];
      fingerprints: { manifest: string; live: string };
      operations: { id: string; type: string; password?: unknown }[];
      summary: { create: number; change: number; delete: number };
      liveVersions: { users: Record<string, { updatedAt: number }> };
    };
    expect(plan.formatVersion).toBe(2);
    expect(plan.source).toStrictEqual({ kind: 'manifest', files: ['users.yaml'] });
    expect(plan.instance).toStrictEqual({ apiUrl: e2e.emulator.url, environment: 'development' });
    expect(plan.warnings).toStrictEqual([]);
    expect(plan.fingerprints.manifest).toMatch(/^[0-9a-f]{64}$/);
    expect(plan.fingerprints.live).toMatch(/^[0-9a-f]{64}$/);
    // Constructive phases first, the membership removal and the ban last.
    expect(plan.operations.map((op) => op.id)).toEqual([
      'create_user:emp-003',
      'update_user:emp-001',
      'update_metadata:emp-001',
      'create_membership:acme/emp-003',
      'update_membership_role:acme/emp-001',
      'delete_membership:acme/emp-002',
      'ban_user:emp-004',
    ]);
    expect(plan.summary).toMatchObject({ create: 2, change: 4, delete: 1 });
    expect(plan.operations[0]?.password).toEqual({ kind: 'env', variable: 'PW' });
    const alice = (await emulatorFetch(e2e.emulator, 'GET', '/users?external_id=emp-001')).body as {
      id: string;
      updated_at: number;
    }[];
    expect(plan.liveVersions.users[alice[0]?.id ?? '']).toEqual({ updatedAt: alice[0]?.updated_at });
    expect(run.stdout).not.toContain(PASSWORD);

    // Same inputs, same bytes: the plan is deterministic.
    const again = await e2e.cli(['plan', '-f', file, '--format', 'json'], { env: { PW: PASSWORD } });
    expect(again.stdout).toBe(run.stdout);
  });

  it('prints Markdown for a pull-request comment', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    const file = await e2e.write('users.yaml', CHANGES);
    const run = await e2e.cli(['plan', '-f', file, '--format', 'markdown'], { env: { PW: PASSWORD } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Plan: 2 to create, 4 to change, 1 to delete.');
    expect(run.stdout).toMatch(/^#+ /m);
    expect(run.stdout).toContain('emp-003');
    expect(run.stdout).toContain('carol@acme.test');
    expect(run.stdout).not.toContain(PASSWORD);
  });

  it('--out saves the same JSON plan, with where the password comes from but never its value', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    const file = await e2e.write('users.yaml', CHANGES);
    const json = await e2e.cli(['plan', '-f', file, '--format', 'json'], { env: { PW: PASSWORD } });
    const run = await e2e.cli(['plan', '-f', file, '--out', 'plans/p.json'], { env: { PW: PASSWORD } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('Apply it with: clerk-sync apply plans/p.json');
    const saved = await readFile(join(e2e.dir, 'plans/p.json'), 'utf8');
    expect(saved).toBe(json.stdout);
    expect(saved).not.toContain(PASSWORD);
    expect(saved).toContain('"variable": "PW"');
  });
});

// ---- reviewers see what apply will refuse ----

/** Twelve users clerk-sync manages; the manifest keeps one, so a prune deletes eleven (mass_delete, mass_change). */
const MANY = {
  users: Array.from({ length: 12 }, (_, index) => ({
    external_id: `emp-${index}`,
    email_address: [`emp${index}@acme.test`],
    private_metadata: { clerkSync: { managedBy: 'clerk-sync' } },
  })),
};

const PRUNE_MOST = `apiVersion: clerk-sync/v1
settings:
  prune: true
users:
  - externalId: emp-0
    emailAddresses: [emp0@acme.test]
    password: Inline-Password-2026!
`;

describe('plan shows what apply will refuse', () => {
  it('the JSON plan and --out carry mass_delete and mass_change as refusals, and the manifest warning at its line', async () => {
    const e2e = await e2eContext({ seed: MANY });
    const file = await e2e.write('users.yaml', PRUNE_MOST);
    const run = await e2e.cli(['plan', '-f', file, '--format', 'json', '--out', 'p.json']);
    expect(run.code, run.stderr).toBe(0);
    const plan = JSON.parse(run.stdout) as { warnings: { code: string; severity: string; source?: unknown }[] };
    expect(plan.warnings.map(({ code, severity }) => [severity, code])).toStrictEqual([
      ['refusal', 'mass_delete'],
      ['refusal', 'mass_change'],
      ['warning', 'inline_password'],
    ]);
    expect(plan.warnings[0]).toMatchObject({
      message: 'the plan deletes 11 users, more than the limit of 10',
      hint: expect.stringContaining('--allow-mass-delete'),
    });
    expect(plan.warnings[2]?.source).toStrictEqual({ file: 'users.yaml', line: 7, column: 15 });
    expect(await readFile(join(e2e.dir, 'p.json'), 'utf8')).toBe(run.stdout);
    // stdout is a document: the refusal is also said on stderr for whoever runs it.
    expect(run.stderr).toContain('apply will refuse this plan unless the flags named above are given.');
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  });

  it('the Markdown says what it is for and puts the refusals first; --github annotates them and writes the summary', async () => {
    const e2e = await e2eContext({ seed: MANY });
    const file = await e2e.write('users.yaml', PRUNE_MOST);
    const summary = join(e2e.dir, 'summary.md');
    const run = await e2e.cli(['plan', '-f', file, '--format', 'markdown', '--github'], {
      env: { GITHUB_STEP_SUMMARY: summary },
    });
    expect(run.code, run.stderr).toBe(0);
    const markdown = run.stdout;
    expect(markdown).toContain(
      `Manifest: \`users.yaml\`  \nInstance: \`${e2e.emulator.url}\` (development)  \nRead: full (12 users): settings.prune must find every user clerk-sync marked\n`,
    );
    const refusal = markdown.indexOf('refusal[mass_delete]: the plan deletes 11 users');
    expect(refusal).toBeGreaterThan(markdown.indexOf('**Apply will refuse this plan**'));
    expect(markdown.indexOf('warning[inline_password]')).toBeGreaterThan(refusal);
    expect(markdown.indexOf('**Plan: 0 to create, 0 to change, 11 to delete.**')).toBeGreaterThan(
      markdown.indexOf('warning[inline_password]'),
    );
    expect(markdown).toContain('| Delete user | 11 |');
    expect(markdown).not.toContain('delete_user`');
    // Annotations go to stderr when stdout carries the document; one per plan warning.
    const annotations = run.stderr.split('\n').filter((line) => line.startsWith('::'));
    expect(annotations).toStrictEqual([
      expect.stringMatching(/^::error title=clerk-sync mass_delete::the plan deletes 11 users, .*%0Ahint: /),
      expect.stringMatching(/^::error title=clerk-sync mass_change::/),
      expect.stringMatching(/^::warning file=users\.yaml,line=7,col=15,.*title=clerk-sync inline_password::/),
    ]);
    expect(await readFile(summary, 'utf8')).toBe(markdown);
  });

  it('the text plan lists the refusals and warnings after the summary on stdout, and stderr does not repeat them', async () => {
    const e2e = await e2eContext({ seed: MANY });
    const file = await e2e.write('users.yaml', PRUNE_MOST);
    const run = await e2e.cli(['plan', '-f', file, '--github']);
    expect(run.code, run.stderr).toBe(0);
    const tail = run.stdout.slice(run.stdout.indexOf('Plan: 0 to create, 0 to change, 11 to delete.'));
    const lines = tail.split('\n');
    // In plan order; long lines wrap at the default width of a non-terminal output.
    expect(lines.slice(0, 6)).toStrictEqual([
      'Plan: 0 to create, 0 to change, 11 to delete.',
      'Read: full (12 users): settings.prune must find every user clerk-sync marked',
      '',
      'Apply will refuse this plan unless the flags named in the hints are given:',
      '    refusal[mass_delete]: the plan deletes 11 users, more than the limit of 10',
      '        hint: Review the deletions, then raise --max-deletes or pass --allow-mass-delete.',
    ]);
    expect(lines[6]).toMatch(/^ {4}refusal\[mass_change\]: /);
    const warningsAt = lines.indexOf('Warnings (apply goes ahead):');
    expect(warningsAt).toBeGreaterThan(6);
    expect(lines[warningsAt + 1]).toBe(
      '    warning[inline_password]: password is written in the manifest (users.yaml:7:15)',
    );
    expect(run.stderr).not.toContain('mass_delete');
    // With text on stdout, the annotations go there too (where the runner reads them).
    expect(run.stdout).toMatch(/^::error title=clerk-sync mass_delete::/m);
    expect(run.stdout).toMatch(/^::warning file=users\.yaml,line=7,col=15,/m);
  });
});

describe('plan errors', () => {
  it('an ambiguous match exits 1 with file:line and sends no mutating request', async () => {
    // userKey emailAddress: one live user holds both addresses that two manifest users are keyed by.
    const e2e = await e2eContext({
      seed: { users: [{ email_address: ['ann@acme.test', 'ann.smith@acme.test'], first_name: 'Ann' }] },
    });
    const file = await e2e.write(
      'users.yaml',
      `apiVersion: clerk-sync/v1
settings:
  userKey: emailAddress
users:
  - emailAddresses: [ann@acme.test]
    firstName: Ann
  - emailAddresses: [ann.smith@acme.test]
    firstName: Ann S
`,
    );
    const run = await e2e.cli(['plan', '-f', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/users\.yaml:5:\d+: error\[ambiguous_user_match\]/);
    expect(run.stderr).toMatch(/users\.yaml:7:\d+: error\[ambiguous_user_match\]/);
    expect(run.stderr).toContain('code: plan_invalid');
    expect(run.stdout).toBe('');
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  });

  it('an email address held by another live user exits 1 at the line of that address', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    const file = await e2e.write(
      'users.yaml',
      `apiVersion: clerk-sync/v1
users:
  - externalId: emp-001
    emailAddresses:
      - alice@acme.test
      - bob@acme.test
`,
    );
    const run = await e2e.cli(['plan', '-f', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/users\.yaml:6:\d+: error\[email_taken_by_other_user\]: email address bob@acme\.test/);
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  });

  it('an invalid manifest exits 1 having sent no change: only the reads that start alongside the manifest', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    const file = await e2e.write(
      'users.yaml',
      `apiVersion: clerk-sync/v1
users:
  - externalId: emp-001
    emailAddresses: [not-an-email]
    bannned: true
`,
    );
    const run = await e2e.cli(['plan', '-f', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/users\.yaml:4:\d+: error/);
    expect(run.stderr).toMatch(/users\.yaml:5:\d+: error/);
    expect(run.stderr).toContain('code: manifest_invalid');
    // The count and the instance's settings start while the manifest loads (issue 17, "Overlap"); nothing else.
    const stats = e2e.emulator.stats();
    expect(mutatingRequests(stats)).toEqual({});
    expect(stats.total).toBeLessThanOrEqual(5);
    expect(run.stderr).not.toContain('Reading live state');
  });
});

describe('read budget', () => {
  it('reads 3,000 users, 5 organizations and 2,000 memberships in pages of 500, sending no change', async () => {
    const USERS = 3000;
    const ORGS = 5;
    const MEMBERSHIPS = 2000;
    const id = (n: number): string => `big-${String(n).padStart(4, '0')}`;
    const e2e = await e2eContext({
      seed: {
        organizations: Array.from({ length: ORGS }, (_, n) => ({ name: `Org ${n}`, slug: `org-${n}` })),
        users: Array.from({ length: USERS }, (_, n) => ({ external_id: id(n), first_name: `User ${n}` })),
        memberships: Array.from({ length: MEMBERSHIPS }, (_, n) => ({
          organization: `org-${n % ORGS}`,
          user: id(n),
          role: 'org:member',
        })),
      },
    });
    e2e.emulator.resetStats();
    // The manifest manages all five organizations and declares two users (one of them changes).
    const file = await e2e.write(
      'users.yaml',
      `apiVersion: clerk-sync/v1
organizations:
${Array.from({ length: ORGS }, (_, n) => `  - { slug: org-${n}, name: Org ${n} }`).join('\n')}
users:
  - externalId: ${id(0)}
    firstName: Renamed
    memberships: [{ org: org-0, role: "org:member" }]
  - externalId: ${id(1)}
    memberships: [{ org: org-1, role: "org:member" }]
`,
    );
    const run = await e2e.cli(['plan', '-f', file, '--format', 'json', '--read', 'full'], { timeoutMs: 180_000 });
    expect(run.code, run.stderr).toBe(0);
    const plan = JSON.parse(run.stdout) as { operations: { id: string }[]; read: { strategy: string } };
    expect(plan.operations.map((op) => op.id)).toEqual([`update_user:${id(0)}`]);
    expect(plan.read.strategy).toBe('full');

    const stats = e2e.emulator.stats();
    const budget = Math.ceil(USERS / 500) + Math.ceil(MEMBERSHIPS / 500) + Math.ceil(ORGS / 500) + 12;
    expect(stats.total).toBeLessThanOrEqual(budget);
    expect(mutatingRequests(stats)).toEqual({});
    // The CLI's own count of what it sent agrees with what the instance saw.
    expect(run.stderr).toContain(`Read ${USERS} users, ${ORGS} managed organizations, ${MEMBERSHIPS} memberships`);
    expect(run.stderr).toContain(`(${stats.total} requests)`);

    // By default the two declared users are read by their external ids: one request instead of six pages.
    e2e.emulator.resetStats();
    const targeted = await e2e.cli(['plan', '-f', file, '--format', 'json'], { timeoutMs: 180_000 });
    expect(targeted.code, targeted.stderr).toBe(0);
    const second = JSON.parse(targeted.stdout) as typeof plan;
    expect(second.operations).toStrictEqual(plan.operations);
    expect(second.read).toStrictEqual({
      strategy: 'targeted',
      reason: 'cost',
      instanceUsers: USERS,
      declaredUsers: 2,
      requests: { full: Math.ceil(USERS / 500) + 2, targeted: 1 },
    });
    const after = e2e.emulator.stats();
    expect(after.byRoute['GET /v1/users']).toBe(1);
    expect(after.total).toBeLessThanOrEqual(budget - Math.ceil(USERS / 500));
    expect(targeted.stderr).toContain(`Read 2 users, ${ORGS} managed organizations, ${MEMBERSHIPS} memberships`);
  }, 180_000);
});

describe('plan --rehearse', () => {
  it('applies the plan to an emulated copy, finds nothing left to do, and sends nothing to the instance', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    const file = await e2e.write('users.yaml', CHANGES);
    const run = await e2e.cli(['plan', '-f', file, '--rehearse', '--detailed-exitcode', '--out', 'p.json'], {
      env: { PW: PASSWORD },
    });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stdout).toContain('Plan: 2 to create, 4 to change, 1 to delete.');
    expect(run.stderr).toContain(
      'Rehearsal: 7 operations applied on an emulated copy, 0 refused; a second plan shows No changes.',
    );
    expect(run.stderr).toContain('Saved the plan');
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
    // The real instance is untouched: the same plan is still due.
    const after = await e2e.cli(['plan', '-f', file], { env: { PW: PASSWORD } });
    expect(after.stdout).toContain('Plan: 2 to create, 4 to change, 1 to delete.');
  });

  it('reports each operation the API refuses, exits 1 with rehearsal_failed and does not save the plan', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    // "+1555" passes the manifest's E.164 shape check but is not a valid phone number: Clerk (and the emulator)
    // refuses it at create time, which only a rehearsal can show before the real apply.
    const file = await e2e.write(
      'users.yaml',
      `${IN_SYNC}  - externalId: emp-005
    emailAddresses: [erin@acme.test]
    phoneNumbers: ["+1555"]
    memberships: [{ org: acme, role: "org:member" }]
  - externalId: emp-006
    emailAddresses: [frank@acme.test]
`,
    );
    const run = await e2e.cli(['plan', '-f', file, '--rehearse', '--out', 'p.json']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Plan: 3 to create, 0 to change, 0 to delete.');
    expect(run.stderr).toMatch(
      /Rehearsal: 1 operation applied on an emulated copy, 1 refused, 1 skipped; a second plan still has 2 operations\./,
    );
    expect(run.stderr).toMatch(
      /refused: user emp-005 \(erin@acme\.test\): create user \(create_user:emp-005\): form_param_format_invalid/,
    );
    expect(run.stderr).toContain('code: rehearsal_failed');
    expect(run.stderr).not.toContain('Saved the plan');
    await expect(readFile(join(e2e.dir, 'p.json'), 'utf8')).rejects.toThrow(/ENOENT/);
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  });
});
