// The live memberships by user (memberships-by-user.ts): a read groups them as they arrive, and createPlan takes that
// grouping only for the very list it groups; the plan is the same as when createPlan groups them itself.

import { describe, expect, it } from 'vitest';
import type { DesiredState, LiveMembership, LiveSnapshot } from '../../src/model/index.ts';
import { createPlan, DEFAULT_PLAN_OPTIONS, liveVersionsOf, type PlanOptions } from '../../src/plan/index.ts';
import { groupMembershipsByUser, MembershipGrouping, membershipsOfUser } from '../../src/plan/memberships-by-user.ts';
import { desiredState, desiredUser, liveMembership, liveOrg, liveUser, org, snapshot } from './builders.ts';

const OPTIONS: PlanOptions = { ...DEFAULT_PLAN_OPTIONS, fingerprints: false, allowMassChange: true };

/** Two organizations; a user in both (one role to change, one membership to delete), one to join, one unchanged. */
function scenario(): { desired: DesiredState; live: LiveSnapshot } {
  const desired = desiredState(
    [
      desiredUser('emp-1', { externalId: 'emp-1', memberships: [{ org: 'acme', role: 'org:admin' }] }),
      desiredUser('emp-2', { externalId: 'emp-2', memberships: [{ org: 'beta', role: 'org:member' }] }),
      desiredUser('emp-3', { externalId: 'emp-3', memberships: [{ org: 'acme', role: 'org:member' }] }),
    ],
    { organizations: [org('acme', 'Acme'), org('beta', 'Beta')] },
  );
  const live = snapshot({
    users: [
      liveUser('user_1', { externalId: 'emp-1' }),
      liveUser('user_2', { externalId: 'emp-2' }),
      liveUser('user_3', { externalId: 'emp-3' }),
    ],
    organizations: [liveOrg('org_a', 'acme', 'Acme'), liveOrg('org_b', 'beta', 'Beta')],
    memberships: [
      liveMembership('mem_1', 'org_a', 'user_1', 'org:member'),
      liveMembership('mem_2', 'org_b', 'user_1', 'org:member'),
      liveMembership('mem_3', 'org_a', 'user_3', 'org:member'),
    ],
  });
  return { desired, live };
}

/** A grouping as a read makes it: in the order the memberships arrive, not the snapshot's. */
function groupedAsRead(list: readonly LiveMembership[]): MembershipGrouping {
  const grouping = new MembershipGrouping();
  for (const membership of [...list].reverse()) grouping.add(membership);
  return grouping;
}

const ids = (memberships: readonly LiveMembership[]): string[] => memberships.map((m) => m.id).sort();

describe('memberships by user', () => {
  it('holds each user memberships, one alone and several in an array', () => {
    const { live } = scenario();
    const byUser = groupMembershipsByUser(live.memberships);
    expect(ids(membershipsOfUser(byUser, 'user_1'))).toStrictEqual(['mem_1', 'mem_2']);
    expect(byUser.get('user_3')).toBe(live.memberships[2]);
    expect(membershipsOfUser(byUser, 'user_2')).toStrictEqual([]);
  });

  it('is the grouping of a list only when the list holds as many memberships as were added', () => {
    const { live } = scenario();
    const grouping = groupedAsRead(live.memberships);
    expect(grouping.of(live.memberships)?.list).toBe(live.memberships);
    // A read that dropped a copy of a membership read twice keeps fewer than it grouped.
    grouping.add(live.memberships[0] as LiveMembership);
    expect(grouping.of(live.memberships)).toBeUndefined();
  });

  it('gives createPlan the same plan as grouping them inside it, in whatever order they were read', () => {
    const { desired, live } = scenario();
    const inside = createPlan(desired, live, OPTIONS);
    const memberships = groupedAsRead(live.memberships).of(live.memberships);
    expect(createPlan(desired, live, OPTIONS, { memberships })).toStrictEqual(inside);
    expect(inside.plan.operations.map((op) => op.id).sort()).toStrictEqual([
      'create_membership:beta/emp-2',
      'delete_membership:beta/emp-1',
      'update_membership_role:acme/emp-1',
    ]);
    expect(Object.keys(inside.plan.liveVersions.memberships)).toStrictEqual(['mem_1', 'mem_2']);
  });

  it('is used by createPlan for its own list only', () => {
    const { desired, live } = scenario();
    // An empty grouping claimed for the snapshot's list: createPlan trusts it, so no user holds a membership.
    const trusted = createPlan(desired, live, OPTIONS, { memberships: { list: live.memberships, byUser: new Map() } });
    expect(trusted.plan.operations.map((op) => op.type)).toStrictEqual([
      'create_membership',
      'create_membership',
      'create_membership',
    ]);
    // The same grouping for a copy of the list is not the snapshot's: createPlan groups the memberships itself.
    const copy = { list: [...live.memberships], byUser: new Map() };
    expect(createPlan(desired, live, OPTIONS, { memberships: copy })).toStrictEqual(createPlan(desired, live, OPTIONS));
  });

  it('finds the versions of touched memberships among their users, as in the whole list', () => {
    const { desired, live } = scenario();
    const { plan } = createPlan(desired, live, OPTIONS);
    const byUser = groupMembershipsByUser(live.memberships);
    expect(liveVersionsOf(plan.operations, live, byUser)).toStrictEqual(liveVersionsOf(plan.operations, live));
    // An operation on a membership whose user is not known: the whole list is searched.
    const unheld = plan.operations.map((op) =>
      op.type === 'delete_membership' ? { ...op, user: { ...op.user, userId: null } } : op,
    );
    expect(liveVersionsOf(unheld, live, byUser).memberships).toStrictEqual(liveVersionsOf(unheld, live).memberships);
    expect(Object.keys(liveVersionsOf(unheld, live, byUser).memberships)).toStrictEqual(['mem_1', 'mem_2']);
  });
});
