// A saved plan is not a trusted program (issue 14), end to end through the CLI in-process (main(argv, io))
// against a fresh emulator per test: `apply PLAN` plans again from the plan's own inputs, applies every guard of
// this command line to what it will execute, refuses a file that holds anything else, and sends no write then.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EmulatorSeedUser, RunningEmulator } from '../../src/emulator/index.ts';
import type { Operation, Plan } from '../../src/plan/index.ts';
import { type E2eContext, e2eContext, mutatingRequests } from '../helpers/cli.ts';
import { emulatorFetch } from '../helpers/emulator.ts';

const MARK = { clerkSync: { managedBy: 'clerk-sync' } };

interface WireUser {
  id: string;
  external_id: string | null;
  first_name: string | null;
  public_metadata: Record<string, unknown>;
}

async function users(emulator: RunningEmulator): Promise<WireUser[]> {
  return (await emulatorFetch(emulator, 'GET', '/users?limit=500')).body as WireUser[];
}

async function userId(emulator: RunningEmulator, externalId: string): Promise<string> {
  const found = (await users(emulator)).find((user) => user.external_id === externalId);
  if (!found) throw new Error(`${externalId} missing`);
  return found.id;
}

async function readPlan(e2e: E2eContext, name: string): Promise<Plan> {
  return JSON.parse(await readFile(join(e2e.dir, name), 'utf8')) as Plan;
}

async function writePlan(e2e: E2eContext, name: string, plan: Plan): Promise<void> {
  await writeFile(join(e2e.dir, name), `${JSON.stringify(plan, null, 2)}\n`);
}

/** `count` users clerk-sync manages (marked) that a manifest with `prune: true` and no users deletes. */
function prunable(count: number, prefix = 'old'): EmulatorSeedUser[] {
  return Array.from({ length: count }, (_, n) => ({
    external_id: `${prefix}-${String(n).padStart(2, '0')}`,
    email_address: [`${prefix}-${n}@acme.test`],
    private_metadata: MARK,
  }));
}

const PRUNE_ALL = 'apiVersion: clerk-sync/v1\nsettings: { prune: true }\nusers: []\n';

/** Alice (managed, in the manifest) and Victor (not managed, not in the manifest). */
const TWO = {
  users: [
    {
      external_id: 'emp-001',
      email_address: ['alice@acme.test'],
      first_name: 'Alice',
      public_metadata: { team: 'a' },
      private_metadata: MARK,
    },
    { external_id: 'victim-1', email_address: ['victor@acme.test'], first_name: 'Victor' },
  ],
};

const ALICE = `apiVersion: clerk-sync/v1
users:
  - externalId: emp-001
    emailAddresses: [alice@acme.test]
    firstName: Alicia
    publicMetadata: { team: b }
`;

/** Saves the plan of ALICE against TWO; returns the context, Victor's id and the saved plan. */
async function savedAlicePlan(): Promise<{ e2e: E2eContext; victim: string; plan: Plan }> {
  const e2e = await e2eContext({ seed: TWO });
  const file = await e2e.write('users.yaml', ALICE);
  const saved = await e2e.cli(['plan', '-f', file, '--out', 'p.json']);
  expect(saved.code, saved.stderr).toBe(0);
  const plan = await readPlan(e2e, 'p.json');
  expect(plan.operations.map((op) => op.id)).toStrictEqual(['update_user:emp-001', 'update_metadata:emp-001']);
  return { e2e, victim: await userId(e2e.emulator, 'victim-1'), plan };
}

/** Runs `apply p.json --auto-approve` and expects a refusal with `code`, and not one write request. */
async function expectRefused(e2e: E2eContext, code: string, args: string[] = []): Promise<string> {
  e2e.emulator.resetStats();
  const run = await e2e.cli(['apply', 'p.json', '--auto-approve', ...args]);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toContain(`code: ${code}`);
  expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  return run.stderr;
}

describe('apply PLAN refuses what apply -f refuses', () => {
  it('13 prunable users: mass_delete on both paths, the saved plan carrying the refusal', async () => {
    const e2e = await e2eContext({ seed: { users: prunable(13) } });
    const file = await e2e.write('prune.yaml', PRUNE_ALL);
    const saved = await e2e.cli(['plan', '-f', file, '--out', 'p.json']);
    expect(saved.code, saved.stderr).toBe(0);
    const plan = await readPlan(e2e, 'p.json');
    expect(plan.operations.filter((op) => op.type === 'delete_user')).toHaveLength(13);
    expect(plan.warnings.map((warning) => [warning.code, warning.severity])).toContainEqual(['mass_delete', 'refusal']);

    e2e.emulator.resetStats();
    const direct = await e2e.cli(['apply', '-f', file, '--auto-approve']);
    expect(direct.code).toBe(1);
    expect(direct.stderr).toContain('code: mass_delete');
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});

    const stderr = await expectRefused(e2e, 'mass_delete');
    expect(stderr).toContain('error[mass_delete]: the plan deletes 13 users, more than the limit of 10');
    // The file's own warnings are not what decides: without them it is refused all the same.
    await writePlan(e2e, 'p.json', { ...plan, warnings: [] });
    await expectRefused(e2e, 'mass_delete');
    expect(await users(e2e.emulator)).toHaveLength(13);
  });

  it('--max-deletes given to apply PLAN is honoured', async () => {
    const e2e = await e2eContext({ seed: { users: prunable(3) } });
    const file = await e2e.write('prune.yaml', PRUNE_ALL);
    expect((await e2e.cli(['plan', '-f', file, '--out', 'p.json'])).code).toBe(0);
    await expectRefused(e2e, 'mass_delete', ['--max-deletes', '2']);
    const run = await e2e.cli(['apply', 'p.json', '--auto-approve', '--max-deletes', '3']);
    expect(run.code, run.stderr).toBe(0);
    expect(await users(e2e.emulator)).toHaveLength(0);
  });

  it('the production guard: a demotion with an sk_live_ key needs --allow-production, a flipped flag is refused', async () => {
    const e2e = await e2eContext({
      secretKey: 'sk_live_test123',
      seed: {
        organizations: [{ name: 'Acme Inc', slug: 'acme' }],
        users: [
          { external_id: 'emp-001', email_address: ['alice@acme.test'], private_metadata: MARK },
          { external_id: 'emp-002', email_address: ['bob@acme.test'], private_metadata: MARK },
        ],
        memberships: [
          { organization: 'acme', user: 'emp-001', role: 'org:admin' },
          { organization: 'acme', user: 'emp-002', role: 'org:admin' },
        ],
      },
    });
    const file = await e2e.write(
      'users.yaml',
      `apiVersion: clerk-sync/v1
organizations: [{ slug: acme, name: Acme Inc }]
users:
  - externalId: emp-001
    memberships: [{ org: acme, role: "org:member" }]
  - externalId: emp-002
    memberships: [{ org: acme, role: "org:admin" }]
`,
    );
    expect((await e2e.cli(['plan', '-f', file, '--out', 'p.json'])).code).toBe(0);
    const plan = await readPlan(e2e, 'p.json');
    expect(plan.warnings.map((warning) => warning.code)).toContain('production_destructive');
    const flipped = {
      ...plan,
      operations: plan.operations.map((op) =>
        op.type === 'update_membership_role' ? { ...op, downgrade: false } : op,
      ),
      warnings: [],
    };
    await writePlan(e2e, 'p.json', flipped);
    await expectRefused(e2e, 'plan_not_reproducible');

    await writePlan(e2e, 'p.json', plan);
    const stderr = await expectRefused(e2e, 'production_destructive');
    expect(stderr).toContain('refusing 1 destructive operation(s) (update_membership_role)');
    const allowed = await e2e.cli(['apply', 'p.json', '--auto-approve', '--allow-production']);
    expect(allowed.code, allowed.stderr).toBe(0);
  });
});

describe('apply PLAN refuses a file that holds anything its inputs do not give', () => {
  it('an appended delete of a user clerk-sync does not manage', async () => {
    const { e2e, victim, plan } = await savedAlicePlan();
    const appended: Operation = {
      id: `delete_user:${victim}`,
      type: 'delete_user',
      user: { key: null, userId: victim, label: 'victor@acme.test' },
      label: 'victor@acme.test',
      reason: 'prune',
      dependsOn: [],
    };
    await writePlan(e2e, 'p.json', { ...plan, operations: [...plan.operations, appended] });
    const stderr = await expectRefused(e2e, 'plan_not_reproducible');
    expect(stderr).toContain(
      `operation delete_user:${victim}: in the saved plan, but its inputs do not call for it now`,
    );
    expect((await users(e2e.emulator)).map((user) => user.external_id).sort()).toStrictEqual(['emp-001', 'victim-1']);
  });

  it('an update retargeted at another user', async () => {
    const { e2e, victim, plan } = await savedAlicePlan();
    const retargeted = plan.operations.map((op) =>
      'user' in op ? ({ ...op, user: { ...op.user, userId: victim } } as Operation) : op,
    );
    await writePlan(e2e, 'p.json', { ...plan, operations: retargeted });
    const stderr = await expectRefused(e2e, 'plan_not_reproducible');
    expect(stderr).toContain('operation update_user:emp-001: in the saved plan with other content');
    const victor = (await users(e2e.emulator)).find((user) => user.id === victim);
    expect(victor?.first_name).toBe('Victor');
  });

  it('an edited metadata body', async () => {
    const { e2e, plan } = await savedAlicePlan();
    const edited = plan.operations.map((op) =>
      op.type === 'update_metadata' ? { ...op, body: { public_metadata: { team: 'b', admin: true } } } : op,
    );
    await writePlan(e2e, 'p.json', { ...plan, operations: edited });
    await expectRefused(e2e, 'plan_not_reproducible');
  });

  it('a plan the manifest no longer gives (plan_manifest_changed), and one missing an operation (stale_plan)', async () => {
    const { e2e, plan } = await savedAlicePlan();
    await writePlan(e2e, 'p.json', { ...plan, operations: plan.operations.slice(0, 1) });
    expect(await expectRefused(e2e, 'stale_plan')).toContain(
      'operation update_metadata:emp-001: called for now, but not in the saved plan',
    );
    await writePlan(e2e, 'p.json', plan);
    await e2e.write('users.yaml', ALICE.replace('Alicia', 'Ally'));
    await expectRefused(e2e, 'plan_manifest_changed');
  });

  it('manifest files it names outside the working directory, or that are not YAML, are not read', async () => {
    const { e2e, plan } = await savedAlicePlan();
    await e2e.write('.env', 'CLERK_SECRET_KEY=sk_live_canary\n');
    for (const files of [['/etc/hostname'], ['../users.yaml'], ['.env']]) {
      await writePlan(e2e, 'p.json', { ...plan, source: { kind: 'manifest', files } });
      const stderr = await expectRefused(e2e, 'plan_source_refused');
      expect(stderr).not.toContain('sk_live_canary');
      expect(stderr).not.toContain('Reading live state');
    }
    // -f says which manifest to read instead.
    const run = await e2e.cli(['apply', 'p.json', '-f', 'users.yaml', '--auto-approve']);
    expect(run.code, run.stderr).toBe(0);
  });

  it('a falsified summary is not what is printed: the summary comes from what executes', async () => {
    const e2e = await e2eContext({ seed: { users: prunable(2) } });
    const file = await e2e.write('prune.yaml', PRUNE_ALL);
    expect((await e2e.cli(['plan', '-f', file, '--out', 'p.json'])).code).toBe(0);
    const plan = await readPlan(e2e, 'p.json');
    await writePlan(e2e, 'p.json', {
      ...plan,
      summary: { create: 0, change: 0, delete: 0, byType: {}, usersTouched: 0 },
    });
    const run = await e2e.cli(['apply', 'p.json', '--auto-approve']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Plan: 0 to create, 0 to change, 2 to delete.');
    expect(run.stdout).not.toContain('No changes.');
  });
});

describe('an undo plan is derived again from its journal and passes the same guards', () => {
  const TWELVE = `apiVersion: clerk-sync/v1
users:
${Array.from({ length: 12 }, (_, n) => `  - { externalId: new-${String(n).padStart(2, '0')}, emailAddresses: [new-${n}@acme.test] }`).join('\n')}
`;

  it('undoing 12 creates is a mass delete; an appended operation is refused', async () => {
    const e2e = await e2eContext({ seed: TWO });
    const file = await e2e.write('users.yaml', TWELVE);
    const applied = await e2e.cli(['apply', '-f', file, '--auto-approve', '--journal', 'j.jsonl']);
    expect(applied.code, applied.stderr).toBe(0);
    const undo = await e2e.cli(['undo', 'j.jsonl', '--out', 'u.json']);
    expect(undo.code, undo.stderr).toBe(0);

    e2e.emulator.resetStats();
    const refused = await e2e.cli(['apply', 'u.json', '--auto-approve']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('code: mass_delete');
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});

    const plan = JSON.parse(await readFile(join(e2e.dir, 'u.json'), 'utf8')) as Plan;
    const victim = await userId(e2e.emulator, 'victim-1');
    await writeFile(
      join(e2e.dir, 'tampered.json'),
      JSON.stringify({
        ...plan,
        operations: [
          ...plan.operations,
          {
            id: 'delete_user:victim-1',
            type: 'delete_user',
            user: { key: null, userId: victim },
            label: 'victor',
            reason: 'prune',
            dependsOn: [],
          },
        ],
        liveVersions: { ...plan.liveVersions, users: { ...plan.liveVersions.users, [victim]: { updatedAt: 1 } } },
      }),
    );
    e2e.emulator.resetStats();
    const tampered = await e2e.cli([
      'apply',
      'tampered.json',
      '--auto-approve',
      '--allow-mass-delete',
      '--allow-mass-change',
    ]);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain('code: plan_not_reproducible');
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});

    const allowed = await e2e.cli(['apply', 'u.json', '--auto-approve', '--allow-mass-delete', '--allow-mass-change']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect((await users(e2e.emulator)).map((user) => user.external_id).sort()).toStrictEqual(['emp-001', 'victim-1']);
  });
});
