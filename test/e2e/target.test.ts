// Approved subsets (issue 19): `plan --target` and `apply --target` act on the named objects and what they depend
// on, list the rest as left out, and a later full plan shows the rest; a target whose dependency is gone is refused
// with no write request. Through the CLI in-process (main(argv, io)) against a fresh emulator per test.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/index.ts';
import { type E2eContext, e2eContext, mutatingRequests } from '../helpers/cli.ts';
import { emulatorFetch } from '../helpers/emulator.ts';

const PASSWORD = 'Target-Password-2026!';

/** Two organizations, a user in each: targeting one user must bring its organization and leave the other pair. */
const MANIFEST = `apiVersion: clerk-sync/v1
organizations:
  - { slug: acme, name: Acme Inc }
  - { slug: beta, name: Beta Ltd }
users:
  - externalId: emp-001
    emailAddresses: [alice@acme.test]
    password: \${PW}
    memberships: [{ org: acme, role: org:admin }]
  - externalId: emp-002
    emailAddresses: [bob@beta.test]
    password: \${PW}
    memberships: [{ org: beta, role: org:admin }]
`;

async function context(): Promise<{ e2e: E2eContext; file: string; env: { env: Record<string, string> } }> {
  const e2e = await e2eContext();
  const file = await e2e.write('m.yaml', MANIFEST);
  return { e2e, file, env: { env: { PW: PASSWORD } } };
}

async function jsonPlan(e2e: E2eContext, args: string[]): Promise<Plan> {
  const run = await e2e.cli(['plan', ...args, '--format', 'json'], { env: { PW: PASSWORD } });
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Plan;
}

async function externalIds(e2e: E2eContext): Promise<string[]> {
  const users = (await emulatorFetch(e2e.emulator, 'GET', '/users?limit=100')).body as { external_id: string }[];
  return users.map((user) => user.external_id).sort();
}

describe('plan --target', () => {
  it('plans the user, its memberships and the organization they need; the rest is left out in every format', async () => {
    const { e2e, file, env } = await context();
    const plan = await jsonPlan(e2e, ['-f', file, '--target', 'user:emp-001']);
    expect(plan.operations.map((op) => op.id)).toStrictEqual([
      'create_organization:acme',
      'create_user:emp-001',
      'create_membership:acme/emp-001',
    ]);
    expect(plan.target).toStrictEqual({
      targets: ['user:emp-001'],
      leftOut: ['create_organization:beta', 'create_user:emp-002', 'create_membership:beta/emp-002'],
    });
    expect(plan.summary.create).toBe(3);

    const text = await e2e.cli(['plan', '-f', file, '--target', 'user:emp-001'], env);
    // The line wraps at the runner's 100 columns.
    expect(text.stdout.replaceAll('\n', ' ')).toContain(
      'Targeted: user:emp-001. Left out: 3 operations (create_organization:beta, create_user:emp-002, create_membership:beta/emp-002); a plan without --target shows them.',
    );
    expect(text.stdout).not.toContain('emp-002 (');
    const markdown = await e2e.cli(['plan', '-f', file, '--target', 'user:emp-001', '--format', 'markdown'], env);
    expect(markdown.stdout).toContain('**Targeted: user:emp-001. Left out: 3 operations');
  });

  it('--rehearse rehearses the subset alone, which converges', async () => {
    const { e2e, file, env } = await context();
    const run = await e2e.cli(['plan', '-f', file, '--target', 'user:emp-002', '--rehearse'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Rehearsal: 3 operations applied/);
  });

  it('org:SLUG plans the organization alone (its members are users)', async () => {
    const { e2e, file } = await context();
    const plan = await jsonPlan(e2e, ['-f', file, '--target', 'org:beta']);
    expect(plan.operations.map((op) => op.id)).toStrictEqual(['create_organization:beta']);
    expect(plan.target?.leftOut).toHaveLength(5);
  });

  it('an unknown target is an error naming close matches, before any write', async () => {
    const { e2e, file, env } = await context();
    const run = await e2e.cli(['plan', '-f', file, '--target', 'user:emp-01'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error[unknown_target]: --target user:emp-01 names no user');
    expect(run.stderr).toContain('Did you mean user:emp-001, user:emp-002?');
    const bad = await e2e.cli(['plan', '-f', file, '--target', 'emp-001'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('code: usage_error');
    expect(bad.stderr).toContain('--target must be user:KEY or org:SLUG');
  });
});

describe('apply --target', () => {
  it('changes only its target (requests counted), verifies it, and a later full plan shows the rest', async () => {
    const { e2e, file, env } = await context();
    e2e.emulator.resetStats();
    const run = await e2e.cli(['apply', '-f', file, '--target', 'user:emp-001', '--auto-approve'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Verified: the live state matches the manifest.');
    expect(mutatingRequests(e2e.emulator.stats())).toStrictEqual({
      'POST /v1/organizations': 1,
      'POST /v1/users': 1,
      'POST /v1/organizations/{organization_id}/memberships': 1,
    });
    expect(await externalIds(e2e)).toStrictEqual(['emp-001']);

    const done = await e2e.cli(['plan', '-f', file, '--target', 'user:emp-001'], env);
    expect(done.stdout).toContain('No changes. The targets already match the manifest; apply would send nothing.');
    const doneMarkdown = await e2e.cli(['plan', '-f', file, '--target', 'user:emp-001', '--format', 'markdown'], env);
    expect(doneMarkdown.stdout).toContain('The targets already match the manifest.');
    const rest = await jsonPlan(e2e, ['-f', file]);
    expect(rest.target).toBeUndefined();
    expect(rest.operations.map((op) => op.id)).toStrictEqual([
      'create_organization:beta',
      'create_user:emp-002',
      'create_membership:beta/emp-002',
    ]);
  });

  it('apply PLAN --target executes a subset of the saved plan; a plan saved with --target applies as its subset', async () => {
    const { e2e, file, env } = await context();
    const saved = await e2e.cli(['plan', '-f', file, '--out', 'p.json'], env);
    expect(saved.code, saved.stderr).toBe(0);
    e2e.emulator.resetStats();
    const subset = await e2e.cli(['apply', 'p.json', '--target', 'org:beta', '--auto-approve'], env);
    expect(subset.code, subset.stderr).toBe(0);
    expect(mutatingRequests(e2e.emulator.stats())).toStrictEqual({ 'POST /v1/organizations': 1 });

    const targeted = await e2e.cli(['plan', '-f', file, '--target', 'user:emp-002', '--out', 'q.json'], env);
    expect(targeted.code, targeted.stderr).toBe(0);
    const q = JSON.parse(await readFile(join(e2e.dir, 'q.json'), 'utf8')) as Plan;
    expect(q.target?.targets).toStrictEqual(['user:emp-002']);
    e2e.emulator.resetStats();
    const applied = await e2e.cli(['apply', 'q.json', '--auto-approve'], env);
    expect(applied.code, applied.stderr).toBe(0);
    expect(mutatingRequests(e2e.emulator.stats())).toStrictEqual({
      'POST /v1/users': 1,
      'POST /v1/organizations/{organization_id}/memberships': 1,
    });
    expect(await externalIds(e2e)).toStrictEqual(['emp-002']);
  });

  it('a target the saved plan does not hold is refused with close matches and no write', async () => {
    const { e2e, file, env } = await context();
    expect((await e2e.cli(['plan', '-f', file, '--target', 'user:emp-001', '--out', 'p.json'], env)).code).toBe(0);
    e2e.emulator.resetStats();
    const run = await e2e.cli(['apply', 'p.json', '--target', 'user:emp-002', '--auto-approve'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('code: unknown_target');
    expect(run.stderr).toContain('Did you mean user:emp-001?');
    expect(mutatingRequests(e2e.emulator.stats())).toStrictEqual({});
  });

  it('a target whose organization is no longer live (and not in the approved plan) is refused whole, no write', async () => {
    const { e2e, file, env } = await context();
    // acme exists when the plan is made: the approved subset holds bob's membership in it, not its creation.
    const first = await e2e.cli(['apply', '-f', file, '--target', 'org:acme', '--auto-approve'], env);
    expect(first.code, first.stderr).toBe(0);
    const ALICE_IN_ACME = MANIFEST.replace('[{ org: beta, role: org:admin }]', '[{ org: acme, role: org:admin }]');
    const moved = await e2e.write('m.yaml', ALICE_IN_ACME);
    const saved = await e2e.cli(['plan', '-f', moved, '--target', 'user:emp-002', '--out', 'p.json'], env);
    expect(saved.code, saved.stderr).toBe(0);
    const p = JSON.parse(await readFile(join(e2e.dir, 'p.json'), 'utf8')) as Plan;
    expect(p.operations.map((op) => op.id)).toStrictEqual(['create_user:emp-002', 'create_membership:acme/emp-002']);
    const orgs = (await emulatorFetch(e2e.emulator, 'GET', '/organizations')).body as { data: { id: string }[] };
    const acme = orgs.data[0]?.id as string;
    expect((await emulatorFetch(e2e.emulator, 'DELETE', `/organizations/${acme}`)).status).toBe(200);

    e2e.emulator.resetStats();
    const run = await e2e.cli(['apply', 'p.json', '--auto-approve'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('code: target_dependency_missing');
    expect(run.stderr).toContain('create_organization:acme');
    expect(mutatingRequests(e2e.emulator.stats())).toStrictEqual({});
    expect(await externalIds(e2e)).toStrictEqual([]);
  });
});
