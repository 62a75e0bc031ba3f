// `clerk-sync apply` (and `undo`) end to end through main(argv, io), the kills through the built binary (`npm run
// build` first), against a fresh emulator per test: apply then plan shows no changes; --dry-run sends nothing and redacts the password; no terminal and no
// --auto-approve refuses; saved plans apply, stale ones are refused naming the object; production keys need
// --allow-production for destructive steps; seeded faults, a SIGKILL midway and a rate limit all converge without
// duplicates; --continue-on-error; and undo restores what an apply changed.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { e2eContext, mutatingRequests, startCli, waitFor } from '../helpers/cli.ts';
import { instantClock } from '../helpers/clock.ts';
import { emulatorFetch } from '../helpers/emulator.ts';

const PASSWORD = 'Apply-Password-2026!';

interface WireUser {
  id: string;
  external_id: string | null;
  first_name: string | null;
  last_name: string | null;
  banned: boolean;
  locked: boolean;
  public_metadata: Record<string, unknown>;
  private_metadata: Record<string, unknown>;
  email_addresses: { email_address: string }[];
  updated_at: number;
}

interface WireMembership {
  role: string;
  public_user_data: { user_id: string };
}

async function get<T>(emulator: RunningEmulator, path: string): Promise<T> {
  const response = await emulatorFetch(emulator, 'GET', path);
  if (response.status !== 200) throw new Error(`GET ${path} -> ${response.status} ${response.text}`);
  return response.body as T;
}

async function allUsers(emulator: RunningEmulator): Promise<WireUser[]> {
  const users: WireUser[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await get<WireUser[]>(emulator, `/users?limit=500&offset=${offset}`);
    users.push(...page);
    if (page.length < 500) return users;
  }
}

async function userByExternalId(emulator: RunningEmulator, externalId: string): Promise<WireUser | undefined> {
  const [user] = await get<WireUser[]>(emulator, `/users?external_id=${encodeURIComponent(externalId)}`);
  return user;
}

interface WireOrganization {
  id: string;
  slug: string | null;
  private_metadata: { clerkSync?: { key?: string } } | null;
}

/**
 * The memberships of the organization with clerk-sync's mark for `key`, else with the slug `key` (seeded ones): one
 * created on a new instance has no slug to find it by.
 */
async function memberships(emulator: RunningEmulator, key: string): Promise<WireMembership[]> {
  const orgs = (await get<{ data: WireOrganization[] }>(emulator, '/organizations?limit=500')).data;
  const marked = orgs.filter((org) => org.private_metadata?.clerkSync?.key === key);
  const found = marked.length > 0 ? marked : orgs.filter((org) => org.slug === key);
  expect(found.map((org) => org.id)).toHaveLength(1);
  const id = found[0]?.id ?? '';
  return (await get<{ data: WireMembership[] }>(emulator, `/organizations/${id}/memberships?limit=500`)).data;
}

/** Values that occur more than once. */
function duplicates(values: readonly (string | null)[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const value of values) {
    if (value === null) continue;
    if (seen.has(value)) twice.add(value);
    seen.add(value);
  }
  return [...twice];
}

/** A new instance allows 5 members per organization: user n is in organization `orgOf(n)`. */
const MEMBERS_PER_ORG = 5;
const orgOf = (n: number): string => `acme-${Math.floor(n / MEMBERS_PER_ORG)}`;

/**
 * A manifest of `count` users in organizations of five (acme-0, acme-1, ...): every third user an admin (so each
 * organization has one), every fifth banned.
 */
function generated(count: number, prefix: string): string {
  const lines = ['apiVersion: clerk-sync/v1', 'organizations:'];
  for (let org = 0; org * MEMBERS_PER_ORG < count; org++)
    lines.push(`  - { slug: acme-${org}, name: Acme ${org} Inc }`);
  lines.push('users:');
  for (let n = 0; n < count; n++) {
    const key = `${prefix}-${String(n).padStart(3, '0')}`;
    lines.push(
      `  - externalId: ${key}`,
      `    emailAddresses: [${key}@acme.test]`,
      `    firstName: User ${n}`,
      `    password: \${PW}`,
      `    publicMetadata: { team: t${n % 4} }`,
      ...(n % 5 === 0 ? ['    banned: true'] : []),
      `    memberships: [{ org: ${orgOf(n)}, role: "${n % 3 === 0 ? 'org:admin' : 'org:member'}" }]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The instance holds each generated user exactly once, with exactly one membership of the declared role. */
async function expectConverged(emulator: RunningEmulator, count: number, prefix: string): Promise<void> {
  const users = (await allUsers(emulator)).filter((user) => user.external_id?.startsWith(`${prefix}-`));
  expect(duplicates(users.map((user) => user.external_id))).toEqual([]);
  expect(users).toHaveLength(count);
  const members: (WireMembership & { org: string })[] = [];
  for (let org = 0; org * MEMBERS_PER_ORG < count; org++) {
    for (const row of await memberships(emulator, `acme-${org}`)) members.push({ ...row, org: `acme-${org}` });
  }
  expect(duplicates(members.map((membership) => membership.public_user_data.user_id))).toEqual([]);
  expect(members).toHaveLength(count);
  const roles = new Map(members.map((membership) => [membership.public_user_data.user_id, membership]));
  for (const user of users) {
    const n = Number(user.external_id?.slice(prefix.length + 1));
    expect(roles.get(user.id)?.role).toBe(n % 3 === 0 ? 'org:admin' : 'org:member');
    expect(roles.get(user.id)?.org).toBe(orgOf(n));
    expect(user.banned).toBe(n % 5 === 0);
  }
}

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
  ],
  memberships: [
    { organization: 'acme', user: 'emp-001', role: 'org:member' },
    { organization: 'acme', user: 'emp-002', role: 'org:admin' },
  ],
};

/** Against LIVE: create Carol (password from $PW), rename and promote Alice, remove Bob from acme and ban him. */
const MANIFEST = `apiVersion: clerk-sync/v1
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
    banned: true
  - externalId: emp-003
    emailAddresses: [carol@acme.test]
    firstName: Carol
    password: \${PW}
    memberships: [{ org: acme, role: "org:member" }]
`;

describe('apply from a manifest', () => {
  it('applies, verifies, and a following plan shows No changes', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    const file = await e2e.write('users.yaml', MANIFEST);
    const env = { PW: PASSWORD };
    const run = await e2e.cli(['apply', '-f', file, '--auto-approve'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Apply complete: 7 applied, 0 already in place, 0 failed, 0 skipped.');
    expect(run.stdout).toContain('Verified: the live state matches the manifest.');
    expect(`${run.stdout}${run.stderr}`).not.toContain(PASSWORD);

    const alice = await userByExternalId(e2e.emulator, 'emp-001');
    expect(alice).toMatchObject({ first_name: 'Alicia', public_metadata: { role: 'admin' } });
    expect(await userByExternalId(e2e.emulator, 'emp-002')).toMatchObject({ banned: true });
    const plan = await e2e.cli(['plan', '-f', file, '--detailed-exitcode'], { env });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^No changes\./);
  });

  it('--github annotates manifest errors, and appends the plan and the outcome to $GITHUB_STEP_SUMMARY', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    await e2e.write('broken.yaml', 'apiVersion: clerk-sync/v1\nsettings: {userKey: nope}\nusers: []\n');
    const broken = await e2e.cli(['apply', '-f', 'broken.yaml', '--auto-approve', '--github']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^::error file=broken\.yaml,line=2,col=\d+,.*title=clerk-sync [a-z_]+::.*userKey/m);

    const file = await e2e.write('users.yaml', MANIFEST);
    const summary = await e2e.write('summary.md', '');
    const run = await e2e.cli(['apply', '-f', file, '--auto-approve'], {
      env: { PW: PASSWORD, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(e2e.dir, summary) },
    });
    expect(run.code, run.stderr).toBe(0);
    const written = await readFile(join(e2e.dir, summary), 'utf8');
    expect(written).toContain('### clerk-sync plan');
    expect(written).toContain('**Apply:** 7 applied, 0 already in place, 0 failed, 0 skipped.');
    expect(written).not.toContain(PASSWORD);
  });

  it('--dry-run prints the requests with the password redacted and sends no change', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    const file = await e2e.write('users.yaml', MANIFEST);
    e2e.emulator.resetStats();
    const run = await e2e.cli(['apply', '-f', file, '--dry-run'], { env: { PW: PASSWORD } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Requests apply would send (7):');
    expect(run.stdout).toMatch(/POST\s+\/users \{"external_id":"emp-003"/);
    expect(run.stdout).toContain('"password":"[redacted]"');
    expect(run.stdout).toMatch(/POST\s+\/users\/user_\w+\/ban/);
    expect(run.stdout).toContain('Dry run: no change was sent.');
    expect(`${run.stdout}${run.stderr}`).not.toContain(PASSWORD);
    const stats = e2e.emulator.stats();
    expect(stats.total).toBeGreaterThan(0);
    expect(mutatingRequests(stats)).toEqual({});
  });

  it('without a terminal and without --auto-approve it refuses with a hint and changes nothing', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    const file = await e2e.write('users.yaml', MANIFEST);
    // stdin is a real pipe here (the built binary; not a TTY), even with "yes" on it.
    const run = await e2e.bin(['apply', '-f', file], { env: { PW: PASSWORD }, input: 'yes\n' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('refusing to apply without confirmation: not running in a terminal');
    expect(run.stderr).toContain('hint: Review the plan above, then re-run with --auto-approve');
    expect(run.stderr).toContain('code: confirmation_required');
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  });

  it('refuses destructive operations with a production key unless --allow-production is given', async () => {
    const e2e = await e2eContext({ seed: LIVE, secretKey: 'sk_live_test123' });
    const file = await e2e.write('users.yaml', MANIFEST);
    const env = { PW: PASSWORD };
    const refused = await e2e.cli(['apply', '-f', file, '--auto-approve'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refusing 2 destructive operation\(s\) \(delete_membership, ban_user\)/);
    expect(refused.stderr).toContain('code: production_destructive');
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});

    const allowed = await e2e.cli(['apply', '-f', file, '--auto-approve', '--allow-production'], { env });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(await userByExternalId(e2e.emulator, 'emp-002')).toMatchObject({ banned: true });
  });

  it('a production key applies constructive-only plans without --allow-production', async () => {
    const e2e = await e2eContext({ seed: LIVE, secretKey: 'sk_live_test123' });
    const file = await e2e.write(
      'users.yaml',
      MANIFEST.replace('    banned: true\n', '    memberships: [{ org: acme, role: "org:admin" }]\n'),
    );
    const run = await e2e.cli(['apply', '-f', file, '--auto-approve'], { env: { PW: PASSWORD } });
    expect(run.code, run.stderr).toBe(0);
  });
});

describe('apply a saved plan', () => {
  it('applies a plan saved by plan --out, reading the password variable again', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    const file = await e2e.write('users.yaml', MANIFEST);
    const env = { PW: PASSWORD };
    const saved = await e2e.cli(['plan', '-f', file, '--out', 'p.json'], { env });
    expect(saved.code, saved.stderr).toBe(0);
    const run = await e2e.cli(['apply', 'p.json', '--auto-approve'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Apply complete: 7 applied');
    const plan = await e2e.cli(['plan', '-f', file], { env });
    expect(plan.stdout).toMatch(/^No changes\./);
    // The created user got the password from the environment: the emulator records that one is set.
    const carol = await get<{ password_enabled: boolean }[]>(e2e.emulator, '/users?external_id=emp-003');
    expect(carol[0]?.password_enabled).toBe(true);
  });

  it('refuses a stale plan, names the object that changed, and sends no change', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    const file = await e2e.write('users.yaml', MANIFEST);
    const env = { PW: PASSWORD };
    expect((await e2e.cli(['plan', '-f', file, '--out', 'p.json'], { env })).code).toBe(0);
    // Someone edits Bob in the dashboard after the plan was made.
    const bob = await userByExternalId(e2e.emulator, 'emp-002');
    if (!bob) throw new Error('emp-002 missing');
    expect((await emulatorFetch(e2e.emulator, 'PATCH', `/users/${bob.id}`, { last_name: 'Builder' })).status).toBe(200);
    e2e.emulator.resetStats();

    const run = await e2e.cli(['apply', 'p.json', '--auto-approve'], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`user emp-002 (${bob.id}): modified at`);
    expect(run.stderr).toContain('code: stale_plan');
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  });

  it('refuses a saved plan whose password variable is not set, before sending anything', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    const file = await e2e.write('users.yaml', MANIFEST);
    expect((await e2e.cli(['plan', '-f', file, '--out', 'p.json'], { env: { PW: PASSWORD } })).code).toBe(0);
    const run = await e2e.cli(['apply', 'p.json', '--auto-approve']);
    expect(run.code).toBe(1);
    // The plan is made again from the manifest, which names the variable and its line.
    expect(run.stderr).toContain('users.yaml:18:15: error[unset_variable]: environment variable PW is not set');
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  });
});

describe('failures', () => {
  // "+1555" passes the manifest's E.164 shape check; the API refuses it (422 form_param_format_invalid).
  const WITH_BAD_PHONE = `apiVersion: clerk-sync/v1
users:
  - externalId: emp-001
    emailAddresses: [erin@acme.test]
    phoneNumbers: ["+1555"]
  - externalId: emp-002
    emailAddresses: [frank@acme.test]
  - externalId: emp-003
    emailAddresses: [gina@acme.test]
`;

  it('stops after the first failure (exit 1) and skips what was not started', async () => {
    const e2e = await e2eContext();
    const file = await e2e.write('users.yaml', WITH_BAD_PHONE);
    // One operation at a time, so "after the first failure" is a fixed point in the plan.
    const run = await e2e.cli(['apply', '-f', file, '--auto-approve', '--concurrency', '1']);
    expect(run.code).toBe(1);
    expect(`${run.stdout}${run.stderr}`).toContain('form_param_format_invalid');
    expect(run.stderr).toContain('code: apply_failed');
    expect(run.stdout).toContain('0 applied, 0 already in place, 1 failed, 2 skipped');
    expect(await allUsers(e2e.emulator)).toEqual([]);
  });

  it('--continue-on-error applies every independent operation, then exits 1', async () => {
    const e2e = await e2eContext();
    const file = await e2e.write('users.yaml', WITH_BAD_PHONE);
    const run = await e2e.cli(['apply', '-f', file, '--auto-approve', '--concurrency', '1', '--continue-on-error']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('2 applied, 0 already in place, 1 failed, 0 skipped');
    const users = await allUsers(e2e.emulator);
    expect(users.map((user) => user.external_id).sort()).toEqual(['emp-002', 'emp-003']);
    // The remaining work is exactly the refused create.
    const plan = await e2e.cli(['plan', '-f', file, '--format', 'json']);
    expect((JSON.parse(plan.stdout) as { operations: { id: string }[] }).operations.map((op) => op.id)).toEqual([
      'create_user:emp-001',
    ]);
  });
});

describe('convergence', () => {
  it('converges under seeded 429s, 500s, resets and commit-resets without duplicates', async () => {
    const COUNT = 30;
    const e2e = await e2eContext();
    const file = await e2e.write('users.yaml', generated(COUNT, 'flt'));
    const env = { PW: PASSWORD };
    const flags = ['--auto-approve', '--rate-limit', '5000/1s', '--max-wait', '10'];
    e2e.emulator.setFaults('429=0.1,500=0.1,reset=0.05,commit-reset=0.05', 42);
    // Retry-After and backoff on a virtual clock: what is waited for is checked, not how long.
    const clock = instantClock(42);
    let last = await e2e.cli(['apply', '-f', file, ...flags], { env, clock, timeoutMs: 240_000 });
    for (let rerun = 0; rerun < 4 && last.code !== 0; rerun++) {
      // A failed run is a reported failure, never a crash.
      expect(last.code, last.stderr).toBe(1);
      expect(last.stderr).toMatch(/code: [a-z_]+/);
      last = await e2e.cli(['apply', '-f', file, ...flags], { env, clock, timeoutMs: 240_000 });
    }
    expect(last.code, last.stderr).toBe(0);
    expect(clock.sleeps.length).toBeGreaterThan(0);
    expect(Object.values(e2e.emulator.stats().faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    e2e.emulator.setFaults(undefined);

    await expectConverged(e2e.emulator, COUNT, 'flt');
    const plan = await e2e.cli(['plan', '-f', file], { env });
    expect(plan.stdout).toMatch(/^No changes\./);
  }, 600_000);

  it('an apply killed (SIGKILL) midway converges on re-run without duplicates', async () => {
    const COUNT = 40;
    // Latency keeps the run long enough to be killed in the middle.
    const e2e = await e2eContext({ faults: 'latency=15ms' });
    const file = await e2e.write('users.yaml', generated(COUNT, 'kil'));
    const env = { ...e2e.env, PW: PASSWORD };
    const started = startCli(['apply', '-f', file, '--auto-approve', '--rate-limit', '5000/1s', '--concurrency', '2'], {
      cwd: e2e.dir,
      env,
    });
    await waitFor(
      () => Object.values(mutatingRequests(e2e.emulator.stats())).reduce((a, b) => a + b, 0) >= 15,
      'apply to send 15 changes',
    );
    started.child.kill('SIGKILL');
    const killed = await started.done;
    expect(killed.signal).toBe('SIGKILL');
    expect((await allUsers(e2e.emulator)).length).toBeLessThan(COUNT);

    // Every user created before the kill still lacks its membership; adding memberships does not count toward the
    // mass-change cap, so a plain re-run (no extra flag) finishes the job.
    const rerun = await e2e.cli(['apply', '-f', file, '--auto-approve', '--rate-limit', '5000/1s'], {
      env: { PW: PASSWORD },
      timeoutMs: 240_000,
    });
    expect(rerun.code, rerun.stderr).toBe(0);
    await expectConverged(e2e.emulator, COUNT, 'kil');
    const plan = await e2e.cli(['plan', '-f', file], { env: { PW: PASSWORD } });
    expect(plan.stdout).toMatch(/^No changes\./);
  }, 300_000);

  it('a saved plan whose apply was killed (SIGKILL) is applied again, not refused as stale, and converges', async () => {
    const COUNT = 40;
    const e2e = await e2eContext({ faults: 'latency=15ms' });
    const file = await e2e.write('users.yaml', generated(COUNT, 'svd'));
    const saved = await e2e.cli(['plan', '-f', file, '--out', 'plan.json'], { env: { PW: PASSWORD } });
    expect(saved.code, saved.stderr).toBe(0);
    const started = startCli(
      ['apply', 'plan.json', '--auto-approve', '--rate-limit', '5000/1s', '--concurrency', '2'],
      {
        cwd: e2e.dir,
        env: { ...e2e.env, PW: PASSWORD },
      },
    );
    await waitFor(
      () => Object.values(mutatingRequests(e2e.emulator.stats())).reduce((a, b) => a + b, 0) >= 15,
      'apply to send 15 changes',
    );
    started.child.kill('SIGKILL');
    expect((await started.done).signal).toBe('SIGKILL');

    // The users it created are "now existing" objects the plan would create: its own work, known from the journal.
    const rerun = await e2e.cli(['apply', 'plan.json', '--auto-approve', '--rate-limit', '5000/1s'], {
      env: { PW: PASSWORD },
      timeoutMs: 240_000,
    });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(/Resuming: the journal shows \d+ operation\(s\) of this plan already started\./);
    await expectConverged(e2e.emulator, COUNT, 'svd');
    const plan = await e2e.cli(['plan', '-f', file], { env: { PW: PASSWORD } });
    expect(plan.stdout).toMatch(/^No changes\./);
  }, 300_000);

  it('completes under a server rate limit (8/1s) tighter than its own budget without failures', async () => {
    const COUNT = 40;
    // The server's bucket (8) is smaller than the client's burst (16 requests in flight, a 1000/1s budget), so the
    // first burst of creates is certain to draw 429s however slow the machine; their Retry-After paces the run.
    const e2e = await e2eContext({ rateLimit: '8/1s' });
    const file = await e2e.write('users.yaml', generated(COUNT, 'rl'));
    const run = await e2e.cli(
      ['apply', '-f', file, '--auto-approve', '--rate-limit', '1000/1s', '--concurrency', '16'],
      { env: { PW: PASSWORD }, timeoutMs: 240_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Apply complete: \d+ applied, 0 already in place, 0 failed, 0 skipped\./);
    expect(e2e.emulator.stats().byStatus['429'] ?? 0).toBeGreaterThan(0);
    // The test's own reads are not part of the run under test.
    e2e.emulator.setRateLimit(undefined);
    await expectConverged(e2e.emulator, COUNT, 'rl');
  }, 300_000);
});

describe('undo', () => {
  it('builds a restoring plan from the journal; applying it brings the touched fields back', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    const file = await e2e.write('users.yaml', MANIFEST);
    const env = { PW: PASSWORD };
    const before = new Map((await allUsers(e2e.emulator)).map((user) => [user.external_id, user]));
    const rolesBefore = await memberships(e2e.emulator, 'acme');

    const run = await e2e.cli(['apply', '-f', file, '--auto-approve', '--journal', 'j.jsonl'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('undo with: clerk-sync undo j.jsonl');

    const undo = await e2e.cli(['undo', 'j.jsonl', '--out', 'u.json']);
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stdout).toContain('Undo of j.jsonl:');
    expect(undo.stdout).toContain('~ firstName: "Alicia" -> "Alice"');
    expect(undo.stdout).toContain('- delete user');
    expect(undo.stderr).toContain('Saved the undo plan');
    const saved = JSON.parse(await readFile(join(e2e.dir, 'u.json'), 'utf8')) as {
      operations: { id: string }[];
      liveVersions: { users: Record<string, unknown> };
    };
    expect(saved.operations.map((op) => op.id).sort()).toEqual([
      'create_membership:acme/emp-002',
      'delete_membership:acme/emp-003',
      'delete_user:emp-003',
      'unban_user:emp-002',
      'update_membership_role:acme/emp-001',
      'update_metadata:emp-001',
      'update_user:emp-001',
    ]);
    expect(Object.keys(saved.liveVersions.users)).toHaveLength(3);

    const restore = await e2e.cli(['apply', 'u.json', '--auto-approve']);
    expect(restore.code, restore.stderr).toBe(0);

    const after = new Map((await allUsers(e2e.emulator)).map((user) => [user.external_id, user]));
    expect([...after.keys()].sort()).toEqual(['emp-001', 'emp-002']);
    for (const key of ['emp-001', 'emp-002']) {
      const was = before.get(key);
      const now = after.get(key);
      expect(now?.id).toBe(was?.id);
      expect(now?.first_name).toBe(was?.first_name);
      expect(now?.public_metadata).toEqual(was?.public_metadata);
      expect(now?.private_metadata).toEqual(was?.private_metadata);
      expect(now?.banned).toBe(was?.banned);
    }
    const roles = (list: WireMembership[]): string[] =>
      list.map((membership) => `${membership.public_user_data.user_id}=${membership.role}`).sort();
    expect(roles(await memberships(e2e.emulator, 'acme'))).toEqual(roles(rolesBefore));
  });

  it('refuses the saved undo plan when a touched object changed after undo made it', async () => {
    const e2e = await e2eContext({ seed: LIVE });
    const file = await e2e.write('users.yaml', MANIFEST);
    const env = { PW: PASSWORD };
    expect((await e2e.cli(['apply', '-f', file, '--auto-approve', '--journal', 'j.jsonl'], { env })).code).toBe(0);
    expect((await e2e.cli(['undo', 'j.jsonl', '--out', 'u.json'])).code).toBe(0);
    const alice = await userByExternalId(e2e.emulator, 'emp-001');
    if (!alice) throw new Error('emp-001 missing');
    await emulatorFetch(e2e.emulator, 'PATCH', `/users/${alice.id}`, { last_name: 'Liddell' });
    e2e.emulator.resetStats();
    const run = await e2e.cli(['apply', 'u.json', '--auto-approve']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`user emp-001 (${alice.id}): modified at`);
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  });

  it('lists what cannot be undone on stderr', async () => {
    const e2e = await e2eContext({
      seed: {
        users: [
          {
            external_id: 'old-001',
            email_address: ['old@acme.test'],
            private_metadata: { clerkSync: { managedBy: 'clerk-sync' } },
          },
        ],
      },
    });
    // prune: the managed user the manifest no longer lists is deleted; the organization is new.
    const file = await e2e.write(
      'users.yaml',
      `apiVersion: clerk-sync/v1
settings: { prune: true }
organizations: [{ slug: beta, name: Beta }]
users: []
`,
    );
    const run = await e2e.cli(['apply', '-f', file, '--auto-approve', '--allow-mass-change', '--journal', 'j.jsonl']);
    expect(run.code, run.stderr).toBe(0);
    const undo = await e2e.cli(['undo', 'j.jsonl', '--format', 'json']);
    expect(undo.code, undo.stderr).toBe(0);
    expect((JSON.parse(undo.stdout) as { operations: unknown[] }).operations).toEqual([]);
    expect(undo.stderr).toContain('Cannot be undone automatically (2):');
    expect(undo.stderr).toMatch(
      /user old-001, old@acme\.test \(user_\w+\) was deleted; Clerk cannot restore a deleted user/,
    );
    expect(undo.stderr).toMatch(/organization beta \(org_\w+\) was created/);
  });
});
