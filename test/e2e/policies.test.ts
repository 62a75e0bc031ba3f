// settings.policies end to end (issue 19), through the CLI in-process against the emulator: validate refuses what the
// manifest alone breaks, plan and apply refuse what a plan would break (at the manifest line, no write request), a
// protected user survives prune and undo, a tampered saved plan does not skip a policy, and maxDeletes is a default
// the flag overrides.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { e2eContext, mutatingRequests } from '../helpers/cli.ts';
import { emulatorFetch } from '../helpers/emulator.ts';

async function liveUser(emulator: RunningEmulator, externalId: string): Promise<{ id: string } | undefined> {
  const response = await emulatorFetch(emulator, 'GET', `/users?external_id=${externalId}`);
  return (response.body as { id: string }[])[0];
}

const SEED = {
  organizations: [{ name: 'Acme Inc', slug: 'acme' }],
  users: [
    { external_id: 'emp-001', email_address: ['alice@acme.test'] },
    { external_id: 'emp-002', email_address: ['bob@acme.test'] },
  ],
  memberships: [
    { organization: 'acme', user: 'emp-001', role: 'org:admin' },
    { organization: 'acme', user: 'emp-002', role: 'org:admin' },
  ],
};

describe('settings.policies', () => {
  it('validate refuses each policy the manifest alone breaks, at the policy and the offending line', async () => {
    const e2e = await e2eContext();
    await e2e.write(
      'm.yaml',
      `apiVersion: clerk-sync/v1
settings:
  policies:
    minAdmins: 2
    requiredAdmins:
      acme: [emp-002]
    allowedEmailDomains: [acme.test, "*.acme.test"]
    protectedUsers: [emp-001]
organizations:
  - { slug: acme, name: Acme Inc }
users:
  - externalId: emp-001
    emailAddresses: [alice@eu.acme.test]
    banned: true
    memberships: [{ org: acme, role: "org:admin" }]
  - externalId: emp-002
    emailAddresses: [bob@evil.test]
    memberships: [{ org: acme, role: "org:member" }]
`,
    );
    const run = await e2e.cli(['validate', '-f', 'm.yaml']);
    expect(run.code).toBe(1);
    // minAdmins: at the first member without the role (emp-002's membership), naming the policy's line.
    expect(run.stderr).toMatch(
      /m\.yaml:18:19: error\[policy_min_admins\]: organization "acme" would have 1 member\(s\) with the role org:admin, fewer than minAdmins 2 \(policy at m\.yaml:4:16\)/,
    );
    expect(run.stderr).toMatch(
      /m\.yaml:18:19: error\[policy_required_admin\]: user "emp-002" must be org:admin of organization "acme" but would have the role org:member \(policy at m\.yaml:6:14\)/,
    );
    expect(run.stderr).toMatch(
      /m\.yaml:18:19: error\[policy_email_domain\]: 1 member\(s\) would have a primary email outside acme\.test, \*\.acme\.test \(or none\): emp-002 \(bob@evil\.test\) \(policy at m\.yaml:7:26\)/,
    );
    expect(run.stderr).not.toMatch(/policy_email_domain.*alice/);
    expect(run.stderr).toMatch(
      /m\.yaml:14:13: error\[policy_protected_user\]: user "emp-001" is protected, but the manifest declares it banned \(policy at m\.yaml:8:22\)/,
    );
  });

  it('validate accepts a manifest that obeys its policies, and rejects a malformed policy by the JSON Schema', async () => {
    const e2e = await e2eContext();
    await e2e.write(
      'ok.yaml',
      `apiVersion: clerk-sync/v1
settings:
  policies: { minAdmins: { acme: 1 }, allowedEmailDomains: { acme: [acme.test] }, protectedUsers: [emp-001] }
organizations: [{ slug: acme, name: Acme Inc }]
users:
  - { externalId: emp-001, emailAddresses: [alice@acme.test], memberships: [{ org: acme, role: "org:admin" }] }
`,
    );
    const ok = await e2e.cli(['validate', '-f', 'ok.yaml']);
    expect(ok.code, ok.stderr).toBe(0);
    await e2e.write(
      'bad.yaml',
      `apiVersion: clerk-sync/v1
settings:
  policies: { minAdmins: -1, allowedEmailDomains: ["@acme.test"], maxChangeRatio: 2 }
`,
    );
    const bad = await e2e.cli(['validate', '-f', 'bad.yaml']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad\.yaml:3:/);
    expect(bad.stderr).toContain('maxChangeRatio');
  });

  it('plan and apply refuse a plan that breaks minAdmins, requiredAdmins or allowedEmailDomains, sending nothing', async () => {
    const e2e = await e2eContext({ seed: SEED });
    // The manifest demotes Bob; the live admins both match the manifest before the change.
    await e2e.write(
      'm.yaml',
      `apiVersion: clerk-sync/v1
settings:
  policies:
    minAdmins: { acme: 2 }
    requiredAdmins: { acme: [emp-002] }
    allowedEmailDomains: { acme: [acme.test] }
organizations: [{ slug: acme, name: Acme Inc }]
users:
  - externalId: emp-001
    memberships: [{ org: acme, role: "org:admin" }]
  - externalId: emp-002
    emailAddresses: [bob@other.test]
    memberships: [{ org: acme, role: "org:member" }]
`,
    );
    e2e.emulator.resetStats();
    const plan = await e2e.cli(['plan', '-f', 'm.yaml', '--format', 'json']);
    expect(plan.code).toBe(1);
    const json = JSON.parse(plan.stdout) as {
      policies: { results: { policy: string; status: string; code?: string; source?: { line: number } }[] };
    };
    expect(
      json.policies.results.map(({ policy, status, code, source }) => [policy, status, code, source?.line]),
    ).toStrictEqual([
      ['minAdmins', 'refused', 'policy_min_admins', 13],
      ['requiredAdmins', 'refused', 'policy_required_admin', 13],
      ['allowedEmailDomains', 'refused', 'policy_email_domain', 13],
    ]);
    expect(plan.stderr).toMatch(/^m\.yaml:13:19: warning\[policy_min_admins\]/m);
    expect(plan.stderr).toContain('error[policy_min_admins]: the plan breaks 3 rule(s) of settings.policies');

    const apply = await e2e.cli(['apply', '-f', 'm.yaml', '--auto-approve']);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(/^m\.yaml:13:19: error\[policy_min_admins\]/m);
    expect(apply.stderr).toMatch(/^m\.yaml:13:19: error\[policy_required_admin\]/m);
    expect(apply.stderr).toMatch(/^m\.yaml:13:19: error\[policy_email_domain\]/m);
    // No flag lifts a policy.
    const forced = await e2e.cli([
      'apply',
      '-f',
      'm.yaml',
      '--auto-approve',
      '--allow-mass-delete',
      '--allow-mass-change',
      '--allow-production',
    ]);
    expect(forced.code).toBe(1);
    expect(forced.stderr).toContain('error[policy_min_admins]');
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
  });

  it('the Markdown plan shows each policy passed or refused', async () => {
    const e2e = await e2eContext({ seed: SEED });
    await e2e.write(
      'm.yaml',
      `apiVersion: clerk-sync/v1
settings:
  policies: { minAdmins: 1, protectedUsers: [emp-002], allowedEmailDomains: [acme.test] }
organizations: [{ slug: acme, name: Acme Inc }]
users:
  - { externalId: emp-001, memberships: [{ org: acme, role: "org:admin" }] }
  - { externalId: emp-002, memberships: [] }
`,
    );
    const plan = await e2e.cli(['plan', '-f', 'm.yaml', '--format', 'markdown']);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain('#### Policies (2 passed, 1 refused)');
    expect(plan.stdout).toMatch(/\| `minAdmins` \| `organization:acme` \| ✅ passed \|/);
    expect(plan.stdout).toMatch(/\| `allowedEmailDomains` \| `organization:acme` \| ✅ passed \|/);
    expect(plan.stdout).toMatch(
      /\| `protectedUsers` \| `user:emp-002` \| ❌ \*\*refused\*\* `policy_protected_user` at `m\.yaml:7:1`: `user "emp-002" is protected, but the plan removes it from organization "acme" \[delete_membership:acme\/emp-002\] \(policy at m\.yaml:3:46\)`/,
    );
  });

  it('a refused address read from the environment is shown by its reference, never its value', async () => {
    const e2e = await e2eContext({ seed: SEED });
    await e2e.write(
      'm.yaml',
      `apiVersion: clerk-sync/v1
settings:
  policies: { allowedEmailDomains: [acme.test] }
organizations: [{ slug: acme, name: Acme Inc }]
users:
  - { externalId: emp-001, memberships: [{ org: acme, role: "org:admin" }] }
  - { externalId: emp-002, emailAddresses: ["\${BOB_EMAIL}"], memberships: [{ org: acme, role: "org:admin" }] }
`,
    );
    const env = { BOB_EMAIL: 'bob-secret@hidden.test' };
    for (const format of ['text', 'json', 'markdown']) {
      const plan = await e2e.cli(['plan', '-f', 'm.yaml', '--format', format], { env });
      expect(plan.code).toBe(1);
      expect(plan.stdout + plan.stderr).toContain('policy_email_domain');
      expect(plan.stdout + plan.stderr).toContain('(from ${BOB_EMAIL})');
      expect(plan.stdout + plan.stderr).not.toContain('bob-secret');
    }
    const validate = await e2e.cli(['validate', '-f', 'm.yaml'], { env });
    expect(validate.code).toBe(1);
    expect(validate.stderr).toContain('policy_email_domain');
    expect(validate.stderr).not.toContain('bob-secret');
  });

  it('a protected user survives prune, and a tampered saved plan does not skip the policy', async () => {
    const e2e = await e2eContext();
    const users = (keys: string[]): string =>
      keys.map((key) => `  - { externalId: ${key}, emailAddresses: [${key}@acme.test] }\n`).join('');
    await e2e.write('all.yaml', `apiVersion: clerk-sync/v1\nusers:\n${users(['emp-001', 'emp-002'])}`);
    const created = await e2e.cli(['apply', '-f', 'all.yaml', '--auto-approve']);
    expect(created.code, created.stderr).toBe(0);
    await e2e.write(
      'pruned.yaml',
      `apiVersion: clerk-sync/v1
settings:
  prune: true
  policies:
    protectedUsers: [emp-002]
users:
${users(['emp-001'])}`,
    );
    e2e.emulator.resetStats();
    const plan = await e2e.cli(['plan', '-f', 'pruned.yaml', '--out', 'p.json']);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain('policy_protected_user');
    const apply = await e2e.cli(['apply', '-f', 'pruned.yaml', '--auto-approve']);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(
      /^pruned\.yaml:5:22: error\[policy_protected_user\]: user "emp-002" is protected, but the plan deletes it \(prune\)/m,
    );

    // The saved plan, edited to look harmless: apply plans again from the manifest and refuses all the same.
    const file = join(e2e.dir, 'p.json');
    const saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    delete saved.policies;
    saved.warnings = [];
    await writeFile(file, JSON.stringify(saved));
    const tampered = await e2e.cli(['apply', 'p.json', '--auto-approve']);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain('error[policy_protected_user]');
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
    expect(await liveUser(e2e.emulator, 'emp-002')).toBeDefined();
  });

  it('a protected user survives undo: the journal records the policy and undo refuses to delete it', async () => {
    const e2e = await e2eContext();
    await e2e.write(
      'm.yaml',
      `apiVersion: clerk-sync/v1
settings:
  policies: { protectedUsers: [emp-009] }
users:
  - { externalId: emp-009, emailAddresses: [root@acme.test] }
`,
    );
    const run = await e2e.cli(['apply', '-f', 'm.yaml', '--auto-approve', '--journal', 'j.jsonl']);
    expect(run.code, run.stderr).toBe(0);
    e2e.emulator.resetStats();
    const undo = await e2e.cli(['undo', 'j.jsonl', '--out', 'u.json']);
    expect(undo.code).toBe(1);
    // j.jsonl line 2: the intent of the create_user the undo would reverse.
    expect(undo.stderr).toMatch(
      /^j\.jsonl:2:1: error\[policy_protected_user\]: user "emp-009" is protected, but the plan deletes it \(undo\)/m,
    );
    expect(mutatingRequests(e2e.emulator.stats())).toEqual({});
    expect(await liveUser(e2e.emulator, 'emp-009')).toBeDefined();
  });

  it('undo matches a protected key read from the environment, as the journal names it', async () => {
    const e2e = await e2eContext();
    await e2e.write(
      'm.yaml',
      `apiVersion: clerk-sync/v1
settings:
  policies: { protectedUsers: ["\${ROOT_KEY}"] }
users:
  - { externalId: "\${ROOT_KEY}", emailAddresses: [root@acme.test] }
`,
    );
    const env = { ROOT_KEY: 'root-7' };
    const run = await e2e.cli(['apply', '-f', 'm.yaml', '--auto-approve', '--journal', 'j.jsonl'], { env });
    expect(run.code, run.stderr).toBe(0);
    const [header, intent] = (await readFile(join(e2e.dir, 'j.jsonl'), 'utf8'))
      .split('\n')
      .slice(0, 2)
      .map((line) => JSON.parse(line) as { protectedUsers?: string[]; op?: { user: { key: string } } });
    // The header names the key as the operations name their users' keys.
    expect(header?.protectedUsers).toStrictEqual([intent?.op?.user.key]);
    const undo = await e2e.cli(['undo', 'j.jsonl'], { env });
    expect(undo.code).toBe(1);
    expect(undo.stderr).toContain('error[policy_protected_user]');
    expect(await liveUser(e2e.emulator, 'root-7')).toBeDefined();
  });

  it('an approved subset is checked as what it sends: a target that leaves the harmful change out passes', async () => {
    const e2e = await e2eContext({ seed: SEED });
    await e2e.write(
      'm.yaml',
      `apiVersion: clerk-sync/v1
settings:
  policies: { protectedUsers: [emp-002] }
organizations: [{ slug: acme, name: Acme Inc }]
users:
  - { externalId: emp-001, firstName: Alice, memberships: [{ org: acme, role: "org:admin" }] }
  - { externalId: emp-002, memberships: [{ org: acme, role: "org:member" }] }
`,
    );
    const whole = await e2e.cli(['plan', '-f', 'm.yaml']);
    expect(whole.code).toBe(1);
    expect(whole.stdout).toContain('policy_protected_user');
    const subset = await e2e.cli(['apply', '-f', 'm.yaml', '--target', 'user:emp-001', '--auto-approve']);
    expect(subset.code, subset.stderr).toBe(0);
    const demoting = await e2e.cli(['apply', '-f', 'm.yaml', '--target', 'user:emp-002', '--auto-approve']);
    expect(demoting.code).toBe(1);
    expect(demoting.stderr).toContain('error[policy_protected_user]');
  });

  it('maxDeletes is a default from the manifest; --max-deletes overrides it for one run', async () => {
    const e2e = await e2eContext();
    await e2e.write(
      'all.yaml',
      `apiVersion: clerk-sync/v1\nusers:\n  - { externalId: emp-001, emailAddresses: [a@acme.test] }\n  - { externalId: emp-002, emailAddresses: [b@acme.test] }\n`,
    );
    expect((await e2e.cli(['apply', '-f', 'all.yaml', '--auto-approve'])).code).toBe(0);
    await e2e.write(
      'pruned.yaml',
      `apiVersion: clerk-sync/v1
settings: { prune: true, policies: { maxDeletes: 0 } }
users:
  - { externalId: emp-001, emailAddresses: [a@acme.test] }
`,
    );
    const refused = await e2e.cli(['apply', '-f', 'pruned.yaml', '--auto-approve']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error[mass_delete]: the plan deletes 1 user, more than the limit of 0');
    expect(await liveUser(e2e.emulator, 'emp-002')).toBeDefined();
    const overridden = await e2e.cli(['apply', '-f', 'pruned.yaml', '--auto-approve', '--max-deletes', '1']);
    expect(overridden.code, overridden.stderr).toBe(0);
    expect(await liveUser(e2e.emulator, 'emp-002')).toBeUndefined();
  });
});
