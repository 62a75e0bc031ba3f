// The guards every apply path runs (src/plan/guards.ts): decided from the operations' content, the live facts and
// the command line's thresholds, and through createPlan from a manifest and a snapshot.

import { describe, expect, it } from 'vitest';
import {
  createPlan,
  DEFAULT_PLAN_OPTIONS,
  type GuardThresholds,
  guardRefusals,
  type LiveFacts,
  type Operation,
} from '../../src/plan/index.ts';
import { desiredState, desiredUser, liveMembership, liveOrg, liveUser, MARK, org, snapshot } from './builders.ts';

const LIMITS: GuardThresholds = {
  maxDeletes: 10,
  allowMassDelete: false,
  maxChangeRatio: 0.3,
  allowMassChange: false,
  allowProduction: false,
};

const del = (userId: string): Operation => ({
  id: `delete_user:${userId}`,
  type: 'delete_user',
  user: { key: null, userId },
  label: userId,
  reason: 'prune',
  dependsOn: [],
});

const rename = (key: string, userId: string): Operation => ({
  id: `update_user:${key}`,
  type: 'update_user',
  user: { key, userId },
  changes: { firstName: { before: 'A', after: 'B' } },
  dependsOn: [],
});

const demote = (downgradeFlag: boolean): Operation => ({
  id: 'update_membership_role:acme/emp-1',
  type: 'update_membership_role',
  org: { slug: 'acme', organizationId: 'org_acme' },
  user: { key: 'emp-1', userId: 'user_1' },
  membershipId: 'orgmem_1',
  changes: { role: { before: 'org:admin', after: 'org:member' } },
  downgrade: downgradeFlag,
  dependsOn: [],
});

/** 20 live users, all marked; user_1 is declared (emp-1, member of acme); acme (org_acme) is declared. */
function facts(overrides: Partial<LiveFacts> = {}): LiveFacts {
  return {
    userCount: 20,
    user: (id) => (/^user_\d+$/.test(id) && Number(id.slice(5)) <= 20 ? { managed: id !== 'user_20' } : undefined),
    productionKey: false,
    declared: {
      declaresUser: (id) => id === 'user_1',
      declaresOrganization: (key, id) => key === 'acme' && id === 'org_acme',
      declaresMembership: (orgKey, userKey) => orgKey === 'beta' && userKey === 'emp-1',
    },
    ...overrides,
  };
}

const codes = (operations: Operation[], live = facts(), limits = LIMITS): string[] =>
  guardRefusals(operations, live, limits).map((refusal) => refusal.code);

describe('guardRefusals', () => {
  it('refuses more deletes than --max-deletes, counted from the operations', () => {
    const deletes = ['user_2', 'user_3', 'user_4'].map(del);
    expect(codes(deletes, facts({ userCount: 5 }), { ...LIMITS, maxDeletes: 2 })).toStrictEqual(['mass_delete']);
    expect(codes(deletes, facts({ userCount: 5 }), { ...LIMITS, maxDeletes: 3 })).toStrictEqual([]);
    expect(codes(deletes, facts({ userCount: 5 }), { ...LIMITS, maxDeletes: 2, allowMassDelete: true })).toStrictEqual(
      [],
    );
  });

  it('refuses changing more than --max-change-ratio of the live users, not counting added memberships', () => {
    const renames = ['2', '3', '4', '5', '6', '7', '8'].map((n) => rename(`emp-${n}`, `user_1`));
    // Seven operations on one user: one user of 20.
    expect(codes(renames)).toStrictEqual([]);
    const many = ['2', '3', '4', '5', '6', '7', '8'].map((n) => del(`user_${n}`));
    expect(codes(many)).toStrictEqual(['mass_change']);
    expect(codes(many, facts(), { ...LIMITS, allowMassChange: true })).toStrictEqual([]);
    // Below 10 live users the ratio stays quiet.
    expect(codes(many, facts({ userCount: 9 }))).toStrictEqual([]);
    const joins: Operation[] = ['2', '3', '4', '5', '6', '7', '8'].map((n) => ({
      id: `create_membership:acme/emp-${n}`,
      type: 'create_membership',
      org: { slug: 'acme', organizationId: 'org_acme' },
      user: { key: `emp-${n}`, userId: 'user_1' },
      role: 'org:member',
      dependsOn: [],
    }));
    expect(codes(joins)).toStrictEqual([]);
  });

  it('refuses destructive operations with a production key unless allowed', () => {
    // Which operations are destructive is isDestructive's (src/plan/order.ts); a demotion is one.
    expect(codes([demote(true)], facts({ productionKey: true }))).toStrictEqual(['production_destructive']);
    expect(codes([demote(true)], facts({ productionKey: true }), { ...LIMITS, allowProduction: true })).toStrictEqual(
      [],
    );
    expect(codes([demote(true)], facts())).toStrictEqual([]);
    expect(guardRefusals([demote(true), del('user_2')], facts({ productionKey: true }), LIMITS)[0]?.message).toBe(
      'refusing 2 destructive operation(s) (update_membership_role, delete_user) against a production instance (sk_live_ key)',
    );
    expect(codes([rename('emp-1', 'user_1')], facts({ productionKey: true }))).toStrictEqual([]);
  });

  it('refuses deleting a user that does not exist live, does not carry the mark, or is declared', () => {
    for (const id of ['user_99', 'user_20', 'user_1']) {
      expect(codes([del(id)])).toStrictEqual(['unmanaged_delete']);
    }
    const [refusal] = guardRefusals([del('user_99'), del('user_20'), del('user_1')], facts(), LIMITS);
    expect(refusal?.message).toBe(
      "the plan deletes 3 user(s) clerk-sync may not delete: user_99 does not exist, user_20 does not carry clerk-sync's mark, user_1 is declared in the manifest",
    );
    // Without a manifest (an undo plan) only the live facts decide.
    expect(codes([del('user_1')], facts({ declared: null }))).toStrictEqual([]);
    expect(codes([del('user_20')], facts({ declared: null }))).toStrictEqual(['unmanaged_delete']);
    // No flag lifts it.
    expect(
      codes([del('user_20')], facts(), {
        ...LIMITS,
        allowMassDelete: true,
        allowMassChange: true,
        allowProduction: true,
      }),
    ).toStrictEqual(['unmanaged_delete']);
  });

  it('refuses changing a live user the manifest does not declare (a retargeted operation)', () => {
    expect(codes([rename('emp-1', 'user_1')])).toStrictEqual([]);
    expect(codes([rename('emp-1', 'user_2')])).toStrictEqual(['undeclared_user']);
    expect(codes([rename('emp-1', 'user_2')], facts({ declared: null }))).toStrictEqual([]);
  });

  it('refuses operations on organizations the manifest does not declare, but for a membership a user declares', () => {
    const inBeta: Operation = {
      id: 'create_membership:beta/emp-1',
      type: 'create_membership',
      org: { slug: 'beta', organizationId: 'org_beta' },
      user: { key: 'emp-1', userId: 'user_1' },
      role: 'org:member',
      dependsOn: [],
    };
    expect(codes([inBeta])).toStrictEqual([]);
    expect(codes([{ ...inBeta, user: { key: 'emp-2', userId: 'user_1' } }])).toStrictEqual(['undeclared_organization']);
    const removal: Operation = {
      id: 'delete_membership:beta/emp-1',
      type: 'delete_membership',
      org: { slug: 'beta', organizationId: 'org_beta' },
      user: { key: 'emp-1', userId: 'user_1' },
      membershipId: 'orgmem_9',
      role: 'org:member',
      dependsOn: [],
    };
    expect(codes([removal])).toStrictEqual(['undeclared_organization']);
    const rename: Operation = {
      id: 'update_organization:acme',
      type: 'update_organization',
      org: { slug: 'acme', organizationId: 'org_other' },
      changes: { name: { before: 'A', after: 'B' } },
      dependsOn: [],
    };
    expect(codes([rename])).toStrictEqual(['undeclared_organization']);
    expect(codes([{ ...rename, org: { slug: 'acme', organizationId: 'org_acme' } }])).toStrictEqual([]);
  });
});

describe('createPlan reports the guards', () => {
  const live = snapshot({
    users: [
      liveUser('user_1', { externalId: 'emp-1', privateMetadata: MARK }),
      liveUser('user_2', { externalId: 'emp-2', privateMetadata: MARK }),
    ],
    organizations: [liveOrg('org_acme', 'acme', 'Acme')],
    memberships: [liveMembership('orgmem_1', 'org_acme', 'user_1', 'org:admin')],
  });
  const desired = desiredState(
    [desiredUser('emp-1', { externalId: 'emp-1', memberships: [{ org: 'acme', role: 'org:member' }] })],
    { settings: { prune: true }, organizations: [org('acme', 'Acme')] },
  );

  it('as refusals and as plan warnings: the production guard from the key, lifted by allowProduction', () => {
    const refused = createPlan(desired, live, { ...DEFAULT_PLAN_OPTIONS, productionKey: true });
    expect(refused.refusals.map((refusal) => refusal.code)).toStrictEqual(['production_destructive']);
    expect(refused.plan.warnings).toStrictEqual([
      {
        code: 'production_destructive',
        severity: 'refusal',
        message:
          'refusing 2 destructive operation(s) (update_membership_role, delete_user) against a production instance (sk_live_ key)',
        hint: 'Review the plan, then re-run with --allow-production.',
      },
    ]);
    const allowed = createPlan(desired, live, { ...DEFAULT_PLAN_OPTIONS, productionKey: true, allowProduction: true });
    expect(allowed.refusals).toStrictEqual([]);
    expect(createPlan(desired, live, DEFAULT_PLAN_OPTIONS).refusals).toStrictEqual([]);
  });
});
