// Targeted reads (issue 17) end to end, in-process against the emulator: on the same live data, `--read full` and the
// default (a targeted read, chosen by cost) give the same plan (operations, summary, warnings, live versions) and the
// same refusals of identifiers other users hold; the default reads the users with a few filtered GET /users; drift
// and apply PLAN read the same way; prune keeps the full read.

import { describe, expect, it } from 'vitest';
import { type E2eContext, e2eContext, mutatingRequests } from '../helpers/cli.ts';

const MARK = { clerkSync: { managedBy: 'clerk-sync' } };
/** No 100-user cap of a development instance: the instance holds more than 1,000 users. */
const PRODUCTION = { environment_type: 'production', user_cap: null } as const;
/** More than two pages of users: a full read is 3 pages and 2 bound requests, more than the manifest's filters. */
const FILLERS = 1200;

/** The live instance: the manifest's users among many others, one of them holding an email the manifest assigns. */
function seed() {
  return {
    organizations: [
      { name: 'Acme Inc', slug: 'acme' },
      { name: 'Other', slug: 'other' },
    ],
    users: [
      {
        external_id: 'emp-001',
        email_address: ['alice@acme.test'],
        phone_number: ['+15555550101'],
        username: 'alice',
        first_name: 'Alice',
        public_metadata: { team: 'a', prefs: { theme: 'dark' } },
        private_metadata: MARK,
      },
      { external_id: 'emp-002', email_address: ['bob@acme.test'], first_name: 'Bob', banned: true },
      { external_id: 'emp-003', email_address: ['carol@acme.test'], first_name: 'Carol', locked: true },
      // Not in the manifest: a member of a managed organization, and a user clerk-sync marked earlier.
      { external_id: 'contractor-1', email_address: ['contractor@vendor.test'] },
      { external_id: 'emp-old', email_address: ['old@acme.test'], private_metadata: MARK },
      ...Array.from({ length: FILLERS }, (_, n) => ({ external_id: `fill-${n}`, first_name: `Filler ${n}` })),
    ],
    memberships: [
      { organization: 'acme', user: 'emp-001', role: 'org:admin' },
      { organization: 'acme', user: 'emp-002', role: 'org:member' },
      { organization: 'acme', user: 'contractor-1', role: 'org:member' },
      { organization: 'other', user: 'emp-002', role: 'org:member' },
    ],
  };
}

const MANIFEST = `apiVersion: clerk-sync/v1
organizations:
  - slug: acme
    name: Acme Inc
users:
  - externalId: emp-001
    emailAddresses: [alice@acme.test]
    phoneNumbers: ["+15555550101"]
    username: alice
    firstName: Alicia
    publicMetadata: { team: b }
    memberships: [{ org: acme, role: "org:admin" }]
  - externalId: emp-002
    emailAddresses: [bob@acme.test]
    banned: false
    memberships: [{ org: acme, role: "org:admin" }]
  - externalId: emp-003
    emailAddresses: [carol@acme.test]
    locked: false
  - externalId: emp-004
    emailAddresses: [dan@acme.test]
    username: dan_new
    memberships: [{ org: acme, role: "org:member" }]
`;

/** MANIFEST, plus a new user whose email the unlisted contractor holds. */
const CONFLICT = `${MANIFEST}  - externalId: emp-005
    emailAddresses: [contractor@vendor.test]
`;

interface JsonPlan {
  operations: unknown[];
  summary: unknown;
  warnings: unknown[];
  liveVersions: unknown;
  settings: unknown;
  read: { strategy: string; reason: string; instanceUsers: number; declaredUsers: number };
}

interface DriftJson {
  classes: Record<string, unknown[]>;
  notChecked?: string[];
}

async function planJson(e2e: E2eContext, file: string, extra: string[] = []) {
  e2e.emulator.resetStats();
  const run = await e2e.cli(['plan', '-f', file, '--format', 'json', ...extra], { timeoutMs: 120_000 });
  expect(run.code, run.stderr).toBe(0);
  const stats = e2e.emulator.stats();
  expect(mutatingRequests(stats)).toEqual({});
  return { plan: JSON.parse(run.stdout) as JsonPlan, stats, stderr: run.stderr };
}

/** What a plan decides, without what only says how it was read. */
function decided(plan: JsonPlan) {
  return {
    operations: plan.operations,
    summary: plan.summary,
    warnings: plan.warnings,
    liveVersions: plan.liveVersions,
    settings: plan.settings,
  };
}

describe('targeted reads', () => {
  it('gives the same plan as a full read, reading the users with four filtered requests instead of every page', async () => {
    const e2e = await e2eContext({ seed: seed(), settings: PRODUCTION });
    const file = await e2e.write('users.yaml', MANIFEST);
    const full = await planJson(e2e, file, ['--read', 'full']);
    const targeted = await planJson(e2e, file);

    expect(full.plan.read).toMatchObject({ strategy: 'full', reason: 'option' });
    expect(targeted.plan.read).toStrictEqual({
      strategy: 'targeted',
      reason: 'cost',
      instanceUsers: FILLERS + 5,
      declaredUsers: 4,
      // external_id, email_address, phone_number and username: one request each.
      requests: { full: Math.ceil((FILLERS + 5) / 500) + 2, targeted: 4 },
    });
    expect(decided(targeted.plan)).toStrictEqual(decided(full.plan));
    // The plan holds an update, an unban, an unlock, a create and memberships: it is not trivially empty.
    const types = new Set((targeted.plan.operations as { type: string }[]).map((op) => op.type));
    expect([...types].sort()).toEqual(
      expect.arrayContaining(['create_user', 'unban_user', 'unlock_user', 'update_user', 'update_membership_role']),
    );

    expect(full.stats.byRoute['GET /v1/users']).toBeGreaterThanOrEqual(Math.ceil((FILLERS + 5) / 500));
    expect(targeted.stats.byRoute['GET /v1/users']).toBe(4);
    expect(targeted.stats.byRoute['GET /v1/users/count']).toBe(1);
    expect(targeted.stderr).toMatch(/Read [3-6] users, 1 managed organization, 3 memberships/);
  });

  it('refuses an identifier another live user holds exactly as the full read does', async () => {
    const e2e = await e2eContext({ seed: seed(), settings: PRODUCTION });
    const file = await e2e.write('users.yaml', CONFLICT);
    const runs = [];
    for (const read of ['full', 'auto']) {
      const run = await e2e.cli(['plan', '-f', file, '--read', read]);
      expect(run.code).toBe(1);
      runs.push(run.stderr.split('\n').filter((line) => line.includes('error[')));
    }
    expect(runs[0], runs[0]?.join('\n')).toHaveLength(1);
    expect(runs[0]?.[0]).toContain('email_taken_by_other_user');
    expect(runs[1]).toStrictEqual(runs[0]);
  });

  it('the text and Markdown plans say which read was made and why', async () => {
    const e2e = await e2eContext({ seed: seed(), settings: PRODUCTION });
    const file = await e2e.write('users.yaml', MANIFEST);
    const text = await e2e.cli(['plan', '-f', file]);
    expect(text.stdout).toContain('Read: targeted (4 declared users of 1,205 users; 4 requests instead of 5)');
    const markdown = await e2e.cli(['plan', '-f', file, '--format', 'markdown', '--read', 'full']);
    expect(markdown.stdout).toContain('  \nRead: full, as --read says (1,205 users; 5 requests)\n');
  });

  it('drift reads the same way and reports the same drift, but says unmanaged users were not looked for', async () => {
    const e2e = await e2eContext({ seed: seed(), settings: PRODUCTION });
    const file = await e2e.write('users.yaml', MANIFEST);
    const reports: { report: DriftJson; users: number | undefined }[] = [];
    for (const read of ['full', 'targeted']) {
      e2e.emulator.resetStats();
      const run = await e2e.cli(['drift', '-f', file, '--format', 'json', '--read', read]);
      expect(run.code, run.stderr).toBe(2);
      reports.push({ report: JSON.parse(run.stdout), users: e2e.emulator.stats().byRoute['GET /v1/users'] });
    }
    const [full, targeted] = reports as [(typeof reports)[0], (typeof reports)[0]];
    expect(targeted.users).toBe(4);
    expect(full.report.classes.unmanaged).toHaveLength(1);
    expect(full.report.notChecked).toBeUndefined();
    expect(targeted.report.notChecked).toEqual(['unmanaged']);
    const { unmanaged: _full, ...fullRest } = full.report.classes;
    const { unmanaged: _targeted, ...targetedRest } = targeted.report.classes;
    expect(targetedRest).toStrictEqual(fullRest);
    const text = await e2e.cli(['drift', '-f', file, '--read', 'targeted']);
    expect(text.stdout).toContain('Not checked: unmanaged');
    expect(text.stderr).toContain('warning: unmanaged drift was not checked');
  });

  it('drift gating on unmanaged users (the default --fail-on) reads every user; without that gate, targeted', async () => {
    const e2e = await e2eContext({ seed: seed(), settings: PRODUCTION });
    const file = await e2e.write('users.yaml', MANIFEST);
    e2e.emulator.resetStats();
    const gated = await e2e.cli(['drift', '-f', file, '--format', 'json']);
    expect(gated.code, gated.stderr).toBe(2);
    const gatedReport = JSON.parse(gated.stdout) as DriftJson;
    // The marked user the manifest no longer names is found: the gate looked.
    expect(gatedReport.classes.unmanaged).toHaveLength(1);
    expect(gatedReport.notChecked).toBeUndefined();
    expect(e2e.emulator.stats().byRoute['GET /v1/users']).toBeGreaterThan(4);
    e2e.emulator.resetStats();
    const ungated = await e2e.cli(['drift', '-f', file, '--format', 'json', '--fail-on', 'changed,missing,membership']);
    expect((JSON.parse(ungated.stdout) as DriftJson).notChecked).toEqual(['unmanaged']);
    expect(e2e.emulator.stats().byRoute['GET /v1/users']).toBe(4);
  });

  it('prune reads every user, whatever --read says', async () => {
    const e2e = await e2eContext({ seed: seed(), settings: PRODUCTION });
    const file = await e2e.write(
      'users.yaml',
      MANIFEST.replace('apiVersion: clerk-sync/v1\n', 'apiVersion: clerk-sync/v1\nsettings: { prune: true }\n'),
    );
    const run = await planJson(e2e, file, ['--read', 'targeted', '--allow-mass-delete']);
    expect(run.plan.read).toMatchObject({ strategy: 'full', reason: 'prune' });
    expect(run.stats.byRoute['GET /v1/users']).toBeGreaterThanOrEqual(3);
    // The marked user the manifest no longer lists is found and pruned.
    expect((run.plan.operations as { id: string }[]).filter((op) => op.id.startsWith('delete_user:'))).toHaveLength(1);
    expect(run.stderr).toContain('warning: --read targeted was not followed');
  });

  it('apply PLAN reads the way the plan did, and still refuses a user created since', async () => {
    const e2e = await e2eContext({ seed: seed(), settings: PRODUCTION });
    const file = await e2e.write('users.yaml', MANIFEST);
    const saved = await e2e.cli(['plan', '-f', file, '--out', 'plan.json']);
    expect(saved.code, saved.stderr).toBe(0);
    // Someone creates the user the plan would create.
    e2e.emulator.seed({ users: [{ external_id: 'emp-004', email_address: ['dan@acme.test'] }] });
    e2e.emulator.resetStats();
    const run = await e2e.cli(['apply', 'plan.json', '--auto-approve']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('stale_plan');
    expect(run.stderr).toContain('now exists as user_');
    const stats = e2e.emulator.stats();
    expect(mutatingRequests(stats)).toEqual({});
    expect(stats.byRoute['GET /v1/users']).toBe(4);
  });
});

describe('plan --rehearse after a targeted read', () => {
  it('copies the unread members of a managed organization, so its last admin is still there', async () => {
    const data = seed();
    // The contractor (not in the manifest, so not read) is acme's other admin; the plan demotes emp-001.
    data.memberships = data.memberships.map((m) => (m.user === 'contractor-1' ? { ...m, role: 'org:admin' } : m));
    const e2e = await e2eContext({ seed: data, settings: PRODUCTION });
    const file = await e2e.write(
      'users.yaml',
      `apiVersion: clerk-sync/v1
organizations:
  - slug: acme
    name: Acme Inc
users:
  - externalId: emp-001
    memberships: [{ org: acme, role: "org:member" }]
  - externalId: emp-002
    memberships: [{ org: acme, role: "org:member" }]
`,
    );
    const run = await e2e.cli(['plan', '-f', file, '--rehearse', '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as JsonPlan).read.strategy).toBe('targeted');
    expect(run.stderr).toContain(
      'Rehearsal: 1 operation applied on an emulated copy, 0 refused; a second plan shows No changes.',
    );
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  });
});
