// What a command computes while the memberships are still read (prepare-users.ts): createPlan takes it only when it
// was computed from the very inputs it is given, and the plan is the same as when it computes everything itself.

import { describe, expect, it } from 'vitest';
import type { DesiredState, LiveSnapshot } from '../../src/model/index.ts';
import { matchUsers } from '../../src/plan/identity.ts';
import {
  createPlan,
  DEFAULT_PLAN_OPTIONS,
  type PlanOptions,
  prepareUsers,
  prepareUsersInSteps,
} from '../../src/plan/index.ts';
import { usersFor } from '../../src/plan/prepare-users.ts';
import { desiredState, desiredUser, liveMembership, liveOrg, liveUser, MARK, org, snapshot } from './builders.ts';

const OPTIONS: PlanOptions = { ...DEFAULT_PLAN_OPTIONS, fingerprints: false, allowMassChange: true };

/** A manifest and live state with a create, field changes of every kind, metadata and memberships to plan. */
function scenario(): { desired: DesiredState; live: LiveSnapshot } {
  const desired = desiredState(
    [
      desiredUser('emp-1', {
        externalId: 'emp-1',
        firstName: 'Ada',
        emailAddresses: ['ada@acme.test', 'ada2@acme.test'],
        publicMetadata: { team: 'core' },
        banned: true,
        memberships: [{ org: 'acme', role: 'org:admin' }],
      }),
      desiredUser('emp-2', { externalId: 'emp-2', lastName: 'Lovelace', memberships: [] }),
      desiredUser('emp-3', {
        externalId: 'emp-3',
        firstName: 'New',
        memberships: [{ org: 'acme', role: 'org:member' }],
      }),
    ],
    { organizations: [org('acme', 'Acme')], settings: { prune: true } },
  );
  const live = snapshot({
    users: [
      liveUser('user_1', { externalId: 'emp-1', firstName: 'Ad', emails: ['ada@acme.test'], privateMetadata: MARK }),
      liveUser('user_2', { externalId: 'emp-2', lastName: 'L' }),
      liveUser('user_9', { externalId: 'gone', privateMetadata: MARK }),
    ],
    organizations: [liveOrg('org_1', 'acme', 'Acme')],
    memberships: [
      liveMembership('mem_1', 'org_1', 'user_1', 'org:member'),
      liveMembership('mem_2', 'org_1', 'user_2', 'org:member'),
    ],
  });
  return { desired, live };
}

describe('prepared users', () => {
  it('are used only with the very desired state and live users they were computed from', () => {
    const { desired, live } = scenario();
    const prepared = prepareUsers(desired, live.users, []);
    const used = usersFor(desired, live, [], prepared);
    expect(used.identity).toBe(prepared.identity);
    expect(used.fieldOperations).toBe(prepared.fieldOperations);
    expect(prepared.identity).toStrictEqual(matchUsers(desired, live));
    // A copy of the users, or another desired state, is matched and diffed again.
    const copied = usersFor(desired, { ...live, users: [...live.users] }, [], prepared);
    expect(copied.identity).not.toBe(prepared.identity);
    expect(copied.fieldOperations).not.toBe(prepared.fieldOperations);
    expect(copied.fieldOperations).toStrictEqual(prepared.fieldOperations);
    expect(usersFor({ ...desired }, live, [], prepared).identity).not.toBe(prepared.identity);
  });

  it('are diffed again when the plan ignores other paths, and the plan follows its own', () => {
    const { desired, live } = scenario();
    const prepared = prepareUsers(desired, live.users, []);
    const ignoring = usersFor(desired, live, ['firstName'], prepared);
    // The match does not depend on the ignored paths; the field operations do.
    expect(ignoring.identity).toBe(prepared.identity);
    expect(ignoring.fieldOperations).not.toBe(prepared.fieldOperations);
    const options = { ...OPTIONS, ignore: ['firstName'] };
    const { plan } = createPlan(desired, live, options, { users: prepared });
    expect(plan).toStrictEqual(createPlan(desired, live, options).plan);
    // emp-1 differs only by its first name, now ignored; emp-2's last name is still changed.
    const updates = plan.operations.filter((op) => op.type === 'update_user').map((op) => op.id);
    expect(updates).toStrictEqual(['update_user:emp-2']);
    expect(prepared.fieldOperations.map((op) => op.id)).toContain('update_user:emp-1');
  });

  it('give createPlan the same plan, errors and refusals as computing them inside it', () => {
    const { desired, live } = scenario();
    const prepared = prepareUsers(desired, live.users, []);
    const inside = createPlan(desired, live, OPTIONS);
    expect(createPlan(desired, live, OPTIONS, { users: prepared })).toStrictEqual(inside);
    // Each kind of operation is there: the scenario exercises both halves of a user's diff.
    expect(inside.plan.operations.map((op) => op.type).sort()).toStrictEqual([
      'add_email_address',
      'ban_user',
      'create_membership',
      'create_user',
      'delete_membership',
      'delete_user',
      'update_membership_role',
      'update_metadata',
      'update_metadata',
      'update_user',
      'update_user',
    ]);
  });

  it('are computed in steps of at most 2,500 users: the match, then the field operations', () => {
    const users = Array.from({ length: 6_000 }, (_, index) => desiredUser(`emp-${index}`, { firstName: 'X' }));
    const live = users.map((user, index) => liveUser(`user_${index}`, { externalId: user.key }));
    const desired = desiredState(users);
    const steps = prepareUsersInSteps(desired, live, []);
    let yields = 0;
    let step = steps.next();
    for (; !step.done; step = steps.next()) yields += 1;
    // At least two steps for each walk of the 6,000 users: the live users indexed, the manifest users matched, their
    // field operations.
    expect(yields).toBeGreaterThanOrEqual(6);
    expect(step.value.fieldOperations).toHaveLength(6_000);
    expect(step.value.identity).toStrictEqual(matchUsers(desired, { users: live }));
  });
});
