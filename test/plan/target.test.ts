// Approved subsets (src/plan/target.ts): what a target selects, the dependencies it brings, what is left out, the
// refusal when a dependency is not in the plan, close matches for an unknown target, and guards on the subset.

import { describe, expect, it } from 'vitest';
import { laneOf } from '../../src/apply/plan-graph.ts';
import {
  closeTargets,
  createPlan,
  DEFAULT_PLAN_OPTIONS,
  formatTarget,
  type Operation,
  type PlanOptions,
  parseTarget,
  selectTargets,
  targetOf,
} from '../../src/plan/index.ts';
import { desiredState, desiredUser, liveUser, MARK, org, snapshot } from './builders.ts';

const options = (overrides: Partial<PlanOptions> = {}): PlanOptions => ({ ...DEFAULT_PLAN_OPTIONS, ...overrides });
const ids = (ops: readonly Operation[]): string[] => ops.map((op) => op.id);

describe('selectTargets', () => {
  const desired = desiredState(
    [
      desiredUser('emp-1', { externalId: 'emp-1', memberships: [{ org: 'acme', role: 'org:admin' }] }),
      desiredUser('emp-2', { externalId: 'emp-2', firstName: 'Bo', memberships: [{ org: 'beta', role: 'org:admin' }] }),
    ],
    { organizations: [org('acme', 'Acme'), org('beta', 'Beta', 3)] },
  );
  const whole = createPlan(desired, snapshot(), options()).plan.operations;

  it('a user brings its memberships and the creates they wait for; the rest is left out, in plan order', () => {
    const selection = selectTargets(whole, [{ kind: 'user', key: 'emp-1' }]);
    expect(ids(selection.selected)).toStrictEqual([
      'create_organization:acme',
      'create_user:emp-1',
      'create_membership:acme/emp-1',
    ]);
    expect(ids(selection.leftOut)).toStrictEqual([
      'create_organization:beta',
      'create_user:emp-2',
      'create_membership:beta/emp-2',
    ]);
    expect(selection.missing).toStrictEqual([]);
  });

  it('a target is a lane of the scheduler', () => {
    for (const op of whole) expect(formatTarget(targetOf(op))).toBe(laneOf(op));
  });

  it('an organization target takes only its own operations', () => {
    expect(ids(selectTargets(whole, [{ kind: 'org', key: 'beta' }]).selected)).toStrictEqual([
      'create_organization:beta',
    ]);
  });

  it('a dependency neither in the plan nor done is reported missing; a done one is not', () => {
    const withoutOrg = whole.filter((op) => op.id !== 'create_organization:acme');
    const target = [{ kind: 'user' as const, key: 'emp-1' }];
    expect(selectTargets(withoutOrg, target).missing).toStrictEqual([
      { id: 'create_membership:acme/emp-1', dependency: 'create_organization:acme' },
    ]);
    expect(selectTargets(withoutOrg, target, new Set(['create_organization:acme'])).missing).toStrictEqual([]);
  });

  it('a membership on an organization to be created needs its create even without the dependsOn edge', () => {
    const membership = whole.find((op) => op.id === 'create_membership:acme/emp-1') as Operation;
    const unlinked = { ...membership, dependsOn: [] } as Operation;
    const selection = selectTargets([unlinked], [{ kind: 'user', key: 'emp-1' }]);
    expect(selection.missing).toStrictEqual([
      { id: 'create_membership:acme/emp-1', dependency: 'create_organization:acme' },
    ]);
  });
});

describe('createPlan with targets', () => {
  it('records the targets and the left-out ids, and counts only the subset', () => {
    const desired = desiredState([desiredUser('emp-1', { externalId: 'emp-1' }), desiredUser('emp-2')]);
    const { plan, errors } = createPlan(desired, snapshot(), options({ targets: [{ kind: 'user', key: 'emp-2' }] }));
    expect(errors).toStrictEqual([]);
    expect(ids(plan.operations)).toStrictEqual(['create_user:emp-2']);
    expect(plan.target).toStrictEqual({ targets: ['user:emp-2'], leftOut: ['create_user:emp-1'] });
    expect(plan.summary.create).toBe(1);
  });

  it('an unknown target is an error with close matches', () => {
    const desired = desiredState([desiredUser('emp-001'), desiredUser('emp-002')], {
      organizations: [org('acme', 'Acme')],
    });
    const { errors } = createPlan(desired, snapshot(), options({ targets: [{ kind: 'org', key: 'acm' }] }));
    expect(errors.map((error) => error.code)).toStrictEqual(['unknown_target']);
    expect(errors[0]?.hint).toContain('Did you mean org:acme?');
  });

  it('the guards judge the subset: a targeted prune past --max-deletes is still refused', () => {
    const users = Array.from({ length: 3 }, (_, n) =>
      liveUser(`user_${n}`, { externalId: `old-${n}`, privateMetadata: MARK }),
    );
    const desired = desiredState([], { settings: { prune: true } });
    const targets = users.map((user) => ({ kind: 'user' as const, key: user.id }));
    const refused = createPlan(desired, snapshot({ users }), options({ maxDeletes: 2, targets }));
    expect(refused.refusals.map((refusal) => refusal.code)).toStrictEqual(['mass_delete']);
    const one = createPlan(desired, snapshot({ users }), options({ maxDeletes: 2, targets: targets.slice(0, 1) }));
    expect(one.refusals).toStrictEqual([]);
    expect(ids(one.plan.operations)).toStrictEqual(['delete_user:user_0']);
  });
});

describe('parsing and suggesting', () => {
  it('parses user:KEY and org:SLUG only', () => {
    expect(parseTarget('user:a@b.test')).toStrictEqual({ kind: 'user', key: 'a@b.test' });
    expect(parseTarget('org:acme')).toStrictEqual({ kind: 'org', key: 'acme' });
    expect(parseTarget('acme')).toBeUndefined();
    expect(parseTarget('team:acme')).toBeUndefined();
  });

  it('lists up to three close matches, nearest first', () => {
    const known = ['user:emp-001', 'user:emp-002', 'user:emp-010', 'user:emp-100', 'org:acme', 'user:zed'];
    expect(closeTargets({ kind: 'user', key: 'emp-01' }, known)).toStrictEqual([
      'user:emp-001',
      'user:emp-010',
      'user:emp-002',
    ]);
  });
});

describe('a subset needs only its own inputs', () => {
  it('an unset password of a user the subset does not create is no error', () => {
    const unset = { source: { kind: 'env' as const, variable: 'PW' }, value: '', unset: true as const };
    const desired = desiredState([desiredUser('emp-1', { password: unset }), desiredUser('emp-2')]);
    const whole = createPlan(desired, snapshot(), options());
    expect(whole.errors.map((error) => error.code)).toStrictEqual(['unset_variable']);
    const other = createPlan(desired, snapshot(), options({ targets: [{ kind: 'user', key: 'emp-2' }] }));
    expect(other.errors).toStrictEqual([]);
    const own = createPlan(desired, snapshot(), options({ targets: [{ kind: 'user', key: 'emp-1' }] }));
    expect(own.errors.map((error) => error.code)).toStrictEqual(['unset_variable']);
  });
});
