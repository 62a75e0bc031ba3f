// settings.policies in the pure planner (src/plan/policies.ts): each rule on the manifest alone (validate) and on a
// plan against a live snapshot (createPlan), the protected-user rule on any operation list (undo), and maxDeletes /
// maxChangeRatio as defaults the command line's flags override.

import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/manifest/index.ts';
import type { ManifestPolicies, PolicyPositions } from '../../src/model/index.ts';
import {
  createPlan,
  DEFAULT_PLAN_OPTIONS,
  emailDomainAllowed,
  fingerprintDesired,
  manifestPolicyResults,
  type Operation,
  protectedUserResults,
  renderPlanMarkdown,
} from '../../src/plan/index.ts';
import { at, desiredState, desiredUser, liveMembership, liveOrg, liveUser, MARK, org, snapshot } from './builders.ts';

const POSITIONS: PolicyPositions = {
  minAdmins: at(3, 16),
  'minAdmins.acme': at(3, 24),
  'requiredAdmins.acme.0': at(4, 20),
  allowedEmailDomains: at(5, 26),
  'allowedEmailDomains.acme': at(5, 30),
  'protectedUsers.0': at(6, 22),
  maxDeletes: at(7, 17),
};

function withPolicies(policies: ManifestPolicies, ...rest: Parameters<typeof desiredState>) {
  const state = desiredState(...rest);
  return { ...state, settings: { ...state.settings, policies }, policyPositions: POSITIONS };
}

const ACME = liveOrg('org_1', 'acme', 'Acme Inc');
const admin = (key: string, email: string) =>
  desiredUser(key, { emailAddresses: [email], memberships: [{ org: 'acme', role: 'org:admin', source: at(20, 5) }] });
const member = (key: string, email: string) =>
  desiredUser(key, { emailAddresses: [email], memberships: [{ org: 'acme', role: 'org:member', source: at(30, 5) }] });

function refusals(results: readonly { status: string; code?: string }[]): (string | undefined)[] {
  return results.filter((result) => result.status === 'refused').map((result) => result.code);
}

describe('minAdmins', () => {
  it('passes with enough admins and refuses below, at the first non-admin membership and naming the policy', () => {
    const users = [admin('emp-1', 'a@acme.test'), member('emp-2', 'b@acme.test')];
    const ok = manifestPolicyResults(
      withPolicies({ minAdmins: { all: 1 } }, users, { organizations: [org('acme', 'Acme')] }),
    );
    expect(ok).toMatchObject([{ policy: 'minAdmins', subject: 'organization:acme', status: 'passed' }]);
    const [refused] = manifestPolicyResults(
      withPolicies({ minAdmins: { all: 2 } }, users, { organizations: [org('acme', 'Acme')] }),
    );
    expect(refused).toMatchObject({
      status: 'refused',
      code: 'policy_min_admins',
      source: { line: 30, column: 5 },
      policySource: { line: 3, column: 16 },
    });
    expect(refused?.message).toContain('(policy at users.yaml:3:16)');
  });

  it('a map checks only the organizations it names; an organization the plan creates has no admin yet', () => {
    const desired = withPolicies({ minAdmins: { byOrganization: { acme: 1 } } }, [], {
      organizations: [org('acme', 'Acme'), org('beta', 'Beta')],
    });
    const { plan, refusals: refused } = createPlan(desired, snapshot(), DEFAULT_PLAN_OPTIONS);
    expect(plan.policies?.results).toMatchObject([
      { policy: 'minAdmins', subject: 'organization:acme', status: 'refused', policySource: { line: 3, column: 24 } },
    ]);
    expect(refused.map((refusal) => refusal.code)).toStrictEqual(['policy_min_admins']);
  });

  it('counts the live admins after the plan, unmanaged members included', () => {
    const live = snapshot({
      users: [liveUser('user_1', { externalId: 'emp-1' }), liveUser('user_9', { externalId: 'ops' })],
      organizations: [ACME],
      memberships: [
        liveMembership('m1', 'org_1', 'user_1', 'org:admin'),
        liveMembership('m9', 'org_1', 'user_9', 'org:admin'),
      ],
    });
    const desired = withPolicies(
      { minAdmins: { all: 2 } },
      [desiredUser('emp-1', { memberships: [{ org: 'acme', role: 'org:admin' }] })],
      {
        organizations: [org('acme', 'Acme Inc')],
      },
    );
    expect(refusals(createPlan(desired, live, DEFAULT_PLAN_OPTIONS).plan.policies?.results ?? [])).toStrictEqual([]);
    // The manifest demotes emp-1: one admin left.
    const demoting = withPolicies(
      { minAdmins: { all: 2 } },
      [desiredUser('emp-1', { memberships: [{ org: 'acme', role: 'org:member' }] })],
      {
        organizations: [org('acme', 'Acme Inc')],
      },
    );
    expect(refusals(createPlan(demoting, live, DEFAULT_PLAN_OPTIONS).plan.policies?.results ?? [])).toStrictEqual([
      'policy_min_admins',
    ]);
  });
});

describe('requiredAdmins', () => {
  it('refuses a required user who is not admin (or not a member), at its line', () => {
    const users = [admin('emp-1', 'a@acme.test'), member('emp-2', 'b@acme.test'), desiredUser('emp-3')];
    const results = manifestPolicyResults(
      withPolicies({ requiredAdmins: { acme: ['emp-1', 'emp-2', 'emp-3'] } }, users, {
        organizations: [org('acme', 'Acme')],
      }),
    );
    expect(results.map(({ subject, status, source }) => [subject, status, source?.line])).toStrictEqual([
      ['organization:acme/user:emp-1', 'passed', undefined],
      ['organization:acme/user:emp-2', 'refused', 30],
      ['organization:acme/user:emp-3', 'refused', 10],
    ]);
    expect(results[2]?.message).toContain('would not be a member');
  });

  it('refuses a rule naming an organization the manifest does not declare', () => {
    const results = manifestPolicyResults(withPolicies({ requiredAdmins: { ghost: ['emp-1'] } }, []));
    expect(results).toMatchObject([
      { status: 'refused', code: 'policy_unknown_organization', subject: 'organization:ghost' },
    ]);
  });
});

describe('allowedEmailDomains', () => {
  it('matches a domain exactly, and *.domain its subdomains only', () => {
    expect(emailDomainAllowed('a@acme.test', ['acme.test'])).toBe(true);
    expect(emailDomainAllowed('a@eu.acme.test', ['acme.test'])).toBe(false);
    expect(emailDomainAllowed('a@eu.acme.test', ['*.acme.test'])).toBe(true);
    expect(emailDomainAllowed('a@acme.test', ['*.acme.test'])).toBe(false);
    expect(emailDomainAllowed('a@evilacme.test', ['*.acme.test'])).toBe(false);
  });

  it("checks each member's primary email: the declared one, else the live one", () => {
    const live = snapshot({
      users: [
        liveUser('user_1', { externalId: 'emp-1', emails: ['a@acme.test'] }),
        liveUser('user_9', { externalId: 'ops', emails: ['ops@gmail.test'] }),
      ],
      organizations: [ACME],
      memberships: [liveMembership('m9', 'org_1', 'user_9', 'org:admin')],
    });
    const desired = withPolicies(
      { allowedEmailDomains: { byOrganization: { acme: ['acme.test'] } } },
      [admin('emp-1', 'a@acme.test')],
      {
        organizations: [org('acme', 'Acme Inc')],
      },
    );
    const [result] = createPlan(desired, live, DEFAULT_PLAN_OPTIONS).plan.policies?.results ?? [];
    // The unmanaged member has no manifest line: the refusal points at the policy.
    expect(result).toMatchObject({
      status: 'refused',
      code: 'policy_email_domain',
      policySource: { line: 5, column: 30 },
    });
    expect(result?.source).toBeUndefined();
    expect(result?.message).toContain('ops (ops@gmail.test)');
  });
});

describe('members a targeted read did not read', () => {
  it('fail closed: their email and key are unknown, so the plan is refused, saying how to read them', () => {
    // The membership of user_9 is live, its user was not read (not named by the manifest).
    const live = snapshot({
      users: [liveUser('user_1', { externalId: 'emp-1', emails: ['a@acme.test'] })],
      organizations: [ACME],
      memberships: [liveMembership('m9', 'org_1', 'user_9', 'org:admin')],
    });
    const desired = withPolicies(
      { allowedEmailDomains: { all: ['acme.test'] }, requiredAdmins: { acme: ['ops'] } },
      [admin('emp-1', 'a@acme.test')],
      { organizations: [org('acme', 'Acme Inc')] },
    );
    const results = createPlan(desired, live, DEFAULT_PLAN_OPTIONS).plan.policies?.results ?? [];
    expect(results.map((result) => [result.policy, result.status])).toStrictEqual([
      ['requiredAdmins', 'refused'],
      ['allowedEmailDomains', 'refused'],
    ]);
    expect(results[0]?.message).toContain('1 were not: plan with --read full');
    expect(results[1]?.message).toContain('user_9 (not read: plan with --read full)');
  });
});

describe('protectedUsers', () => {
  const op = (fields: Partial<Operation> & Pick<Operation, 'type'>): Operation =>
    ({ id: `${fields.type}:x`, dependsOn: [], user: { key: 'root', userId: 'user_1' }, ...fields }) as Operation;
  const check = (ops: Operation[]) =>
    protectedUserResults(ops, { protectedUsers: ['root'], positions: POSITIONS, keyOf: (user) => user.key });

  it('refuses a delete, ban, lock, removal or demotion of a protected user, and nothing else', () => {
    const org = { slug: 'acme', organizationId: 'org_1' };
    const harmful: Operation[] = [
      op({ type: 'delete_user', label: 'root', reason: 'undo' } as Partial<Operation> & Pick<Operation, 'type'>),
      op({ type: 'ban_user' }),
      op({ type: 'lock_user' }),
      op({ type: 'delete_membership', org, membershipId: 'm1', role: 'org:member' } as never),
      op({
        type: 'update_membership_role',
        org,
        membershipId: 'm1',
        changes: { role: { before: 'org:admin', after: 'org:member' } },
        downgrade: true,
      } as never),
    ];
    for (const harm of harmful) expect(refusals(check([harm])), harm.type).toStrictEqual(['policy_protected_user']);
    const harmless: Operation[] = [
      op({ type: 'unban_user' }),
      op({ type: 'unlock_user' }),
      op({
        type: 'update_membership_role',
        org,
        membershipId: 'm1',
        changes: { role: { before: 'org:member', after: 'org:admin' } },
        downgrade: false,
      } as never),
      op({ type: 'ban_user', user: { key: 'other', userId: 'user_2' } } as never),
    ];
    expect(check(harmless)).toMatchObject([{ status: 'passed', subject: 'user:root' }]);
  });

  it('a prune never deletes a protected user: the live user is known by its key', () => {
    const live = snapshot({
      users: [
        liveUser('user_1', { externalId: 'root', privateMetadata: MARK }),
        liveUser('user_2', { externalId: 'old', privateMetadata: MARK }),
      ],
    });
    const desired = withPolicies({ protectedUsers: ['root'] }, [], { settings: { prune: true } });
    const { plan, refusals: refused } = createPlan(desired, live, DEFAULT_PLAN_OPTIONS);
    expect(refused.map((refusal) => [refusal.code, refusal.source?.line])).toStrictEqual([
      ['policy_protected_user', 6],
    ]);
    expect(refused[0]?.message).toContain('deletes it (prune) [delete_user:user_1]');
    expect(plan.warnings[0]?.code).toBe('policy_protected_user');
  });

  it('keys are normalised as the users are: an email key matches whatever its case in the policy', () => {
    const text = `apiVersion: clerk-sync/v1
settings:
  userKey: emailAddress
  prune: true
  policies: { protectedUsers: [Root@Acme.TEST] }
users: []
`;
    const { desired } = parseManifest([{ file: 'm.yaml', text }], { env: {} });
    if (desired === undefined) throw new Error('manifest invalid');
    expect(desired.settings.policies?.protectedUsers).toStrictEqual(['root@acme.test']);
    const live = snapshot({ users: [liveUser('user_1', { emails: ['root@acme.test'], privateMetadata: MARK })] });
    const { refusals: refused } = createPlan(desired, live, DEFAULT_PLAN_OPTIONS);
    expect(refused.map((refusal) => [refusal.code, refusal.source?.line, refusal.source?.column])).toStrictEqual([
      ['policy_protected_user', 5, 32],
    ]);
  });

  it('validate refuses a protected user the manifest bans or locks', () => {
    const user = desiredUser('root', { locked: true });
    expect(manifestPolicyResults(withPolicies({ protectedUsers: ['root'] }, [user]))).toMatchObject([
      { status: 'refused', code: 'policy_protected_user', message: expect.stringContaining('declares it locked') },
    ]);
  });
});

describe('maxDeletes and maxChangeRatio as settings', () => {
  const live = snapshot({
    users: ['a', 'b', 'c'].map((key) => liveUser(`user_${key}`, { externalId: key, privateMetadata: MARK })),
  });

  it('the setting is the default; a flag the command line set wins', () => {
    const desired = withPolicies({ maxDeletes: 1 }, [], { settings: { prune: true } });
    const codes = (options: typeof DEFAULT_PLAN_OPTIONS) =>
      createPlan(desired, live, options).refusals.map((refusal) => refusal.code);
    expect(codes(DEFAULT_PLAN_OPTIONS)).toStrictEqual(['mass_delete']);
    expect(codes({ ...DEFAULT_PLAN_OPTIONS, maxDeletes: 5, overrides: ['maxDeletes'] })).toStrictEqual([]);
    // Without the flag, the default of the options does not override the setting.
    expect(codes({ ...DEFAULT_PLAN_OPTIONS, maxDeletes: 5 })).toStrictEqual(['mass_delete']);
  });
});

describe('without policies', () => {
  it('a plan has no policies field and the fingerprint is the one it always was', () => {
    const desired = desiredState([desiredUser('emp-1')]);
    expect(createPlan(desired, snapshot(), DEFAULT_PLAN_OPTIONS).plan).not.toHaveProperty('policies');
    const withAny = withPolicies({ protectedUsers: ['emp-1'] }, [desiredUser('emp-1')]);
    expect(fingerprintDesired(withAny)).not.toBe(fingerprintDesired(desired));
    expect(fingerprintDesired({ ...withAny, policyPositions: {} })).toBe(fingerprintDesired(withAny));
  });
});

describe('the Markdown Policies section', () => {
  it('shows each result, refusals first, with manifest text only in code spans', () => {
    const hostile = '</details><img src=x onerror=alert(1)>|x';
    const desired = withPolicies({ protectedUsers: [hostile], minAdmins: { all: 0 } }, [], {
      organizations: [org('acme', 'Acme')],
      settings: { prune: true },
    });
    const live = snapshot({ users: [liveUser('user_1', { externalId: hostile, privateMetadata: MARK })] });
    const { plan } = createPlan(desired, live, DEFAULT_PLAN_OPTIONS);
    const markdown = renderPlanMarkdown(plan);
    expect(markdown).toContain('#### Policies (1 passed, 1 refused)');
    const rows = markdown.split('\n').filter((line) => line.startsWith('| `'));
    expect(rows[0]).toMatch(
      /^\| `protectedUsers` \| `user:<\/details><img src=x onerror=alert\(1\)>\\\|x` \| ❌ \*\*refused\*\*/,
    );
    expect(rows[1]).toMatch(/^\| `minAdmins` \| `organization:acme` \| ✅ passed \|$/);
    // Outside code spans the hostile text never appears.
    expect(markdown.replace(/`[^`]*`/g, '')).not.toContain('<img');
  });
});
