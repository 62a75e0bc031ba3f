// Environments end to end (issue 18): the example project (examples/environments: one base, a staging and a
// production overlay) planned with --env against two in-process emulators holding different state and keys. Each
// plan is the one its overlay implies, read with its environment's key variable, with provenance (which file set
// each value) in text, JSON and Markdown; flags win over the project file; mistakes are usage errors.

import { cp, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { apply, plan, resolveProject } from '../../src/index.ts';
import type { Plan } from '../../src/plan/index.ts';
import { e2eContext, mutatingRequests } from '../helpers/cli.ts';

const EXAMPLE = resolve(import.meta.dirname, '../../examples/environments');
const PRODUCTION_KEY = 'sk_test_production_instance';

const managed = { clerkSync: { managedBy: 'clerk-sync' } };

/** The live state of both instances: exactly the base manifest. */
const BASE_LIVE = {
  organizations: [
    { name: 'Acme', slug: 'acme' },
    { name: 'Support', slug: 'support' },
  ],
  users: [
    {
      external_id: 'emp-001',
      email_address: ['alice@acme.test'],
      first_name: 'Alice',
      last_name: 'Doe',
      public_metadata: { team: 'platform' },
      private_metadata: managed,
    },
    {
      external_id: 'emp-002',
      email_address: ['bob@acme.test'],
      first_name: 'Bob',
      last_name: 'Roe',
      private_metadata: managed,
    },
    {
      external_id: 'demo-001',
      email_address: ['demo@acme.test'],
      first_name: 'Demo',
      last_name: 'User',
      private_metadata: managed,
    },
  ],
  memberships: [
    { organization: 'acme', user: 'emp-001', role: 'org:admin' },
    { organization: 'support', user: 'emp-001', role: 'org:admin' },
    { organization: 'acme', user: 'emp-002', role: 'org:member' },
    { organization: 'support', user: 'emp-002', role: 'org:admin' },
    { organization: 'acme', user: 'demo-001', role: 'org:member' },
  ],
};

/** The example project, with each environment's API URL pointed at its emulator. */
async function project(staging: string, production: string) {
  const e2e = await e2eContext({ seed: BASE_LIVE, preset: 'permissive' });
  const prod = await startEmulator({ port: 0, seed: BASE_LIVE, preset: 'permissive', secretKey: PRODUCTION_KEY });
  await cp(EXAMPLE, e2e.dir, { recursive: true });
  const text = (await readFile(join(EXAMPLE, 'clerk-sync.yaml'), 'utf8'))
    .replace('rateShare: 1 ', `rateShare: 1\n    apiUrl: ${staging === 'emulator' ? e2e.emulator.url : staging}`)
    .replace('apiUrl: https://api.clerk.com/v1', `apiUrl: ${production === 'emulator' ? prod.url : production}`);
  await e2e.write('clerk-sync.yaml', text);
  // Neither CLERK_SECRET_KEY nor CLERK_API_URL: each environment names its own.
  const env = {
    CLERK_SECRET_KEY: undefined,
    CLERK_API_URL: undefined,
    STAGING_CLERK_SECRET_KEY: e2e.emulator.secretKey,
    PRODUCTION_CLERK_SECRET_KEY: PRODUCTION_KEY,
  };
  return { e2e, prod, env };
}

function operationIds(plan: Plan): string[] {
  return plan.operations.map((op) => op.id).sort();
}

describe('plan --env with a base and two overlays', () => {
  it('plans each environment against its own instance, with provenance in JSON, text and Markdown', async () => {
    const { e2e, prod, env } = await project('emulator', 'emulator');
    try {
      const staging = await e2e.cli(['plan', '--env', 'staging', '--format', 'json'], { env });
      expect(staging.stderr).not.toContain('Error');
      expect(staging.code).toBe(0);
      const stagingPlan = JSON.parse(staging.stdout) as Plan;
      expect(stagingPlan.source).toEqual({ kind: 'manifest', files: ['base.yaml', 'overlays/staging.yaml'] });
      expect(operationIds(stagingPlan)).toEqual([
        'create_membership:qa/qa-001',
        'create_organization:qa',
        'create_user:qa-001',
        'update_membership_role:acme/emp-002',
      ]);
      const promotion = stagingPlan.operations.find((op) => op.id === 'update_membership_role:acme/emp-002');
      expect(promotion?.provenance).toEqual({ memberships: { file: 'overlays/staging.yaml', line: 7 } });
      const created = stagingPlan.operations.find((op) => op.id === 'create_user:qa-001');
      expect(created?.provenance?.firstName).toEqual({ file: 'overlays/staging.yaml', line: 15 });

      const production = await e2e.cli(['plan', '--env', 'production', '--format', 'json'], { env });
      expect(production.code).toBe(0);
      const productionPlan = JSON.parse(production.stdout) as Plan;
      expect(productionPlan.instance.apiUrl).toBe(prod.url);
      // demo-001 is removed from the manifest, not deleted: prune is off.
      expect(operationIds(productionPlan)).toEqual(['update_organization:acme', 'update_user:emp-001']);
      const profile = productionPlan.operations.find((op) => op.id === 'update_user:emp-001');
      expect(profile?.provenance).toEqual({ lastName: { file: 'overlays/production.yaml', line: 9 } });
      expect(productionPlan.operations.find((op) => op.type === 'update_organization')?.provenance).toEqual({
        name: { file: 'overlays/production.yaml', line: 6 },
      });

      const text = await e2e.cli(['plan', '--env', 'production'], { env });
      expect(text.stdout).toContain('lastName: "Doe" -> "Doe-Smith"   (set by overlays/production.yaml:9)');
      expect(text.stdout).toContain('name: "Acme" -> "Acme Inc"   (set by overlays/production.yaml:6)');
      const markdown = await e2e.cli(['plan', '--env', 'staging', '--format', 'markdown'], { env });
      expect(markdown.stdout).toContain('+ membership acme: org:admin   (set by overlays/staging.yaml:7)');
      expect(markdown.stdout).toContain('+ firstName: "Quinn"   (set by overlays/staging.yaml:15)');
      expect(markdown.stdout).toContain('+ name: "QA"   (set by overlays/staging.yaml:11)');

      // A saved plan keeps its provenance and applies (the plan file's schema reads it); only staging changes.
      const saved = await e2e.cli(['plan', '--env', 'staging', '--out', 'staging.plan.json'], { env });
      expect(saved.code, saved.stderr).toBe(0);
      const file = JSON.parse(await readFile(join(e2e.dir, 'staging.plan.json'), 'utf8')) as Plan;
      expect(file.operations.find((op) => op.id === 'create_user:qa-001')?.provenance?.firstName?.line).toBe(15);
      const applied = await e2e.cli(['apply', 'staging.plan.json', '--env', 'staging', '--auto-approve'], { env });
      expect(applied.code, applied.stderr).toBe(0);
      expect(Object.keys(mutatingRequests(prod.stats())).length).toBe(0);
      const again = await e2e.cli(['plan', '--env', 'staging', '--detailed-exitcode'], { env });
      expect(again.code).toBe(0);
      // drift and export take the environment too: its manifest, key and instance.
      expect((await e2e.cli(['drift', '--env', 'staging'], { env })).code).toBe(0);
      expect((await e2e.cli(['drift', '--env', 'production'], { env })).code).toBe(2);
      const exported = await e2e.cli(['export', '--env', 'production', '-o', 'production-live.yaml'], { env });
      expect(exported.code, exported.stderr).toBe(0);
      const live = await readFile(join(e2e.dir, 'production-live.yaml'), 'utf8');
      expect(live).toContain('demo@acme.test');
      expect(live).not.toContain('qa@acme.test');
    } finally {
      await prod.close();
    }
  });

  it('lets flags win over the project file, and reads the key from the environment variable it names', async () => {
    const { e2e, prod, env } = await project('https://staging.invalid/v1', 'emulator');
    try {
      // --api-url wins over the project's apiUrl; the key still comes from STAGING_CLERK_SECRET_KEY.
      const flagged = await e2e.cli(['plan', '--env', 'staging', '--api-url', e2e.emulator.url, '--format', 'json'], {
        env,
      });
      expect(flagged.code, flagged.stderr).toBe(0);
      // -f wins over the environment's files: the base alone plans nothing on staging.
      const base = await e2e.cli(['plan', '--env', 'staging', '--api-url', e2e.emulator.url, '-f', 'base.yaml'], {
        env,
      });
      expect(base.stdout).toContain('No changes.');
      const noKey = await e2e.cli(['plan', '--env', 'production'], {
        env: { ...env, PRODUCTION_CLERK_SECRET_KEY: undefined, CLERK_SECRET_KEY: PRODUCTION_KEY },
      });
      expect(noKey.code).toBe(1);
      expect(noKey.stderr).toContain('PRODUCTION_CLERK_SECRET_KEY is not set');
    } finally {
      await prod.close();
    }
  });

  it('takes an environment through the library API too', async () => {
    const { e2e, prod, env } = await project('emulator', 'emulator');
    try {
      const variables = { ...env, PATH: process.env.PATH };
      const resolved = await resolveProject({ cwd: e2e.dir, env: 'production' });
      expect(resolved).toMatchObject({ files: ['base.yaml', 'overlays/production.yaml'], apiUrl: prod.url });
      const production = await plan({ env: 'production', cwd: e2e.dir, variables });
      expect(operationIds(production)).toEqual(['update_organization:acme', 'update_user:emp-001']);
      expect(production.operations[1]?.provenance).toEqual({ lastName: { file: 'overlays/production.yaml', line: 9 } });
      // An explicit secretKey wins over the environment's variable (which is then not needed).
      const keyed = await plan({
        env: 'production',
        cwd: e2e.dir,
        secretKey: PRODUCTION_KEY,
        variables: { ...variables, PRODUCTION_CLERK_SECRET_KEY: undefined },
      });
      expect(keyed.operations.length).toBe(2);
      const outcome = await apply({}, { env: 'production', cwd: e2e.dir, variables, autoApprove: true });
      expect(outcome.status).toBe('applied');
      expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
    } finally {
      await prod.close();
    }
  });

  it('refuses --env without a project file, an unknown environment, and --project without --env', async () => {
    const e2e = await e2eContext();
    await e2e.write('users.yaml', 'apiVersion: clerk-sync/v1\nusers: []\n');
    const none = await e2e.cli(['plan', '--env', 'staging']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('--env staging needs a project file: there is no clerk-sync.yaml');
    expect(none.stderr).toContain('code: usage_error');
    await cp(EXAMPLE, e2e.dir, { recursive: true });
    const unknown = await e2e.cli(['validate', '--env', 'prod']);
    expect(unknown.stderr).toContain('defines no environment "prod" (did you mean "production"?)');
    expect(unknown.stderr).toContain('code: unknown_environment');
    // A project file's errors are GitHub annotations too, at their line.
    await e2e.write('bad-project.yaml', 'apiVersion: clerk-sync/v1\nenvironments:\n  staging: {files: []}\n');
    const annotated = await e2e.cli(['plan', '--env', 'staging', '--project', 'bad-project.yaml', '--github']);
    expect(annotated.code).toBe(1);
    expect(annotated.stdout).toContain('::error file=bad-project.yaml,line=3,col=20');
    expect(annotated.stderr).toContain('code: project_invalid');
    const alone = await e2e.cli(['validate', '-f', 'users.yaml', '--project', 'clerk-sync.yaml']);
    expect(alone.stderr).toContain('--project needs --env');
    // Without --env the project file is not read: everything works as without one.
    const plain = await e2e.cli(['validate', '-f', 'users.yaml']);
    expect(plain.code).toBe(0);
  });

  it('never lets a manifest read the variable holding the environment key', async () => {
    const { e2e, prod, env } = await project('emulator', 'emulator');
    try {
      await e2e.write(
        'overlays/staging.yaml',
        'apiVersion: clerk-sync/v1\noverlay: true\nusers:\n  emp-002: {lastName: "${STAGING_CLERK_SECRET_KEY}"}\n',
      );
      // CLERK_SECRET_KEY holds another instance's key: a variable holding it is not read either.
      const result = await e2e.cli(['plan', '--env', 'staging', '--format', 'json'], {
        env: { ...env, CLERK_SECRET_KEY: PRODUCTION_KEY, OTHER: PRODUCTION_KEY },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'overlays/staging.yaml:4:24: error[forbidden_variable]: environment variable STAGING_CLERK_SECRET_KEY holds the Clerk secret key',
      );
      expect(result.stdout + result.stderr).not.toContain(e2e.emulator.secretKey);
      await e2e.write(
        'overlays/staging.yaml',
        'apiVersion: clerk-sync/v1\noverlay: true\nusers:\n  emp-002: {lastName: "${OTHER}"}\n',
      );
      const other = await e2e.cli(['validate', '--env', 'staging'], {
        env: { ...env, CLERK_SECRET_KEY: PRODUCTION_KEY, OTHER: PRODUCTION_KEY },
      });
      expect(other.code).toBe(1);
      expect(other.stderr).toContain('environment variable OTHER is not set');
      expect(other.stderr).not.toContain(PRODUCTION_KEY);
      expect(Object.keys(mutatingRequests(e2e.emulator.stats())).length).toBe(0);
    } finally {
      await prod.close();
    }
  });
});
