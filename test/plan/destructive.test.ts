// "Destructive" is read from an operation's content, never from a stored flag (issue 14): a role change that may
// lower privileges, a metadata update that wipes or removes keys (any of the three kinds, replace or merge). The
// phase list, isDestructive and the planner's `downgrade` field all agree.

import { describe, expect, it } from 'vitest';
import type { JsonObject, MetadataField, MetadataMode } from '../../src/model/index.ts';
import { lowersPrivileges, metadataRemovals } from '../../src/plan/destructive.ts';
import { createPlan, DEFAULT_PLAN_OPTIONS, isDestructive, type Operation } from '../../src/plan/index.ts';
import { FIRST_DESTRUCTIVE_PHASE, PHASES, phaseOf, sortOperations } from '../../src/plan/order.ts';
import type { UpdateMembershipRoleOp, UpdateMetadataOp } from '../../src/plan/types.ts';
import { everyOperation } from '../apply/builders.ts';
import { desiredState, desiredUser, liveMembership, liveOrg, liveUser, MARK, org, snapshot } from './builders.ts';

const USER = { key: 'emp-1', userId: 'user_1' };

function roleChange(before: string, after: string, downgrade: boolean): UpdateMembershipRoleOp {
  return {
    id: 'update_membership_role:acme/emp-1',
    type: 'update_membership_role',
    org: { slug: 'acme', organizationId: 'org_acme' },
    user: USER,
    membershipId: 'orgmem_1',
    changes: { role: { before, after } },
    downgrade,
    dependsOn: [],
  };
}

const BODY_KEY = {
  publicMetadata: 'public_metadata',
  privateMetadata: 'private_metadata',
  unsafeMetadata: 'unsafe_metadata',
} as const;

/** An update of one metadata kind as the planner builds it: `after` in replace mode, `body` merged in merge mode. */
function metadataUpdate(
  field: MetadataField,
  mode: MetadataMode,
  before: JsonObject,
  body: JsonObject,
  after: JsonObject = body,
): UpdateMetadataOp {
  return {
    id: 'update_metadata:emp-1',
    type: 'update_metadata',
    user: USER,
    mode,
    changes: { [field]: { before, after, patch: [] } },
    body: { [BODY_KEY[field]]: body },
    dependsOn: [],
  };
}

describe('lowersPrivileges', () => {
  it.each([
    ['org:admin', 'org:member', true],
    ['org:admin', 'org:billing', true],
    // Custom roles' permissions are not read: a change between two non-admin roles may lower privileges.
    ['org:member', 'org:billing', true],
    ['org:billing', 'org:member', true],
    ['org:member', 'org:admin', false],
    ['org:billing', 'org:admin', false],
    ['org:member', 'org:member', false],
  ])('%s -> %s: %s', (before, after, expected) => {
    expect(lowersPrivileges(before, after)).toBe(expected);
  });
});

describe('isDestructive: role changes', () => {
  it('a demotion is destructive even when its stored flag says it is not (a tampered plan file)', () => {
    expect(isDestructive(roleChange('org:admin', 'org:member', false))).toBe(true);
  });

  it('a promotion is constructive even when its stored flag says downgrade', () => {
    expect(isDestructive(roleChange('org:member', 'org:admin', true))).toBe(false);
  });

  it('the planner writes the flag from the same function', () => {
    const desired = desiredState(
      [
        desiredUser('emp-1', { externalId: 'emp-1', memberships: [{ org: 'acme', role: 'org:billing' }] }),
        desiredUser('emp-2', { externalId: 'emp-2', memberships: [{ org: 'acme', role: 'org:admin' }] }),
      ],
      { organizations: [org('acme', 'Acme')] },
    );
    const live = snapshot({
      users: [liveUser('user_1', { externalId: 'emp-1' }), liveUser('user_2', { externalId: 'emp-2' })],
      organizations: [liveOrg('org_acme', 'acme', 'Acme')],
      memberships: [
        liveMembership('orgmem_1', 'org_acme', 'user_1', 'org:member'),
        liveMembership('orgmem_2', 'org_acme', 'user_2', 'org:member'),
      ],
    });
    const { plan, errors } = createPlan(desired, live, DEFAULT_PLAN_OPTIONS);
    expect(errors).toStrictEqual([]);
    const roles = plan.operations.filter((op): op is UpdateMembershipRoleOp => op.type === 'update_membership_role');
    expect(roles.map((op) => [op.id, op.downgrade, isDestructive(op)])).toStrictEqual([
      ['update_membership_role:acme/emp-2', false, false],
      ['update_membership_role:acme/emp-1', true, true],
    ]);
  });
});

describe('isDestructive: metadata', () => {
  const kinds: MetadataField[] = ['publicMetadata', 'privateMetadata', 'unsafeMetadata'];

  it.each(kinds)('%s: a wipe to {} in replace mode is destructive', (field) => {
    const op = metadataUpdate(field, 'replace', { employeeId: 4700 }, {});
    expect(metadataRemovals(op)).toStrictEqual([field]);
    expect(isDestructive(op)).toBe(true);
  });

  it.each(kinds)('%s: removing one key (replace) or deleting it with null (merge) is destructive', (field) => {
    expect(isDestructive(metadataUpdate(field, 'replace', { a: 1, b: 2 }, { a: 1 }))).toBe(true);
    expect(isDestructive(metadataUpdate(field, 'merge', { a: 1, b: 2 }, { b: null }, { a: 1 }))).toBe(true);
  });

  it('a nested key removed, or an object replaced by a value, is destructive', () => {
    expect(isDestructive(metadataUpdate('publicMetadata', 'replace', { a: { x: 1, y: 2 } }, { a: { x: 1 } }))).toBe(
      true,
    );
    expect(
      isDestructive(metadataUpdate('publicMetadata', 'merge', { a: { x: 1 } }, { a: { x: null } }, { a: {} })),
    ).toBe(true);
    expect(isDestructive(metadataUpdate('publicMetadata', 'merge', { a: { x: 1 } }, { a: 5 }, { a: 5 }))).toBe(true);
  });

  it('adding keys or changing values (a list included) is constructive', () => {
    expect(isDestructive(metadataUpdate('privateMetadata', 'replace', { a: 1 }, { a: 2, b: 3 }))).toBe(false);
    expect(isDestructive(metadataUpdate('publicMetadata', 'replace', { tags: ['x', 'y'] }, { tags: ['x'] }))).toBe(
      false,
    );
    expect(isDestructive(metadataUpdate('publicMetadata', 'merge', { a: 1 }, { b: 2 }, { a: 1, b: 2 }))).toBe(false);
    // null for a key that is not there deletes nothing.
    expect(isDestructive(metadataUpdate('publicMetadata', 'merge', { a: 1 }, { b: null }, { a: 1 }))).toBe(false);
  });

  it('judges the body apply sends, not the recorded after-image (a tampered plan file)', () => {
    // The change claims a value edit; the body sent wipes the object.
    const op = metadataUpdate('privateMetadata', 'replace', { a: 1, b: 2 }, {}, { a: 3, b: 2 });
    expect(isDestructive(op)).toBe(true);
    // A body for a kind without a before-image cannot be judged: destructive.
    const blind: UpdateMetadataOp = { ...metadataUpdate('publicMetadata', 'replace', {}, { a: 1 }), changes: {} };
    expect(isDestructive(blind)).toBe(true);
  });

  it('a plan that wipes private metadata puts the update after every constructive operation', () => {
    const desired = desiredState(
      [
        desiredUser('emp-1', {
          externalId: 'emp-1',
          firstName: 'Ada',
          privateMetadata: {},
          memberships: [{ org: 'acme', role: 'org:admin' }],
        }),
        desiredUser('emp-2', { externalId: 'emp-2', publicMetadata: { team: 'growth' } }),
      ],
      { organizations: [org('acme', 'Acme')] },
    );
    const live = snapshot({
      users: [
        liveUser('user_1', { externalId: 'emp-1', privateMetadata: { salary: 90 } }),
        liveUser('user_2', { externalId: 'emp-2', publicMetadata: { team: 'platform' } }),
      ],
      organizations: [liveOrg('org_acme', 'acme', 'Acme')],
    });
    const { plan, errors } = createPlan(desired, live, DEFAULT_PLAN_OPTIONS);
    expect(errors).toStrictEqual([]);
    expect(plan.operations.map((op) => [op.id, isDestructive(op)])).toStrictEqual([
      ['update_user:emp-1', false],
      ['update_metadata:emp-2', false],
      ['create_membership:acme/emp-1', false],
      ['update_metadata:emp-1', true],
    ]);
  });

  it('adopting a user (the mark merged in) is constructive, and the mark is never counted as removed', () => {
    const desired = desiredState([desiredUser('emp-1', { externalId: 'emp-1', privateMetadata: { a: 1 } })], {
      settings: { prune: true },
    });
    const live = snapshot({ users: [liveUser('user_1', { externalId: 'emp-1', privateMetadata: { a: 1 } })] });
    const { plan } = createPlan(desired, live, DEFAULT_PLAN_OPTIONS);
    expect(plan.operations.map((op) => [op.id, isDestructive(op)])).toStrictEqual([['update_metadata:emp-1', false]]);
    const marked = snapshot({
      users: [liveUser('user_1', { externalId: 'emp-1', privateMetadata: { a: 1, ...MARK } })],
    });
    const wipe = desiredState([desiredUser('emp-1', { externalId: 'emp-1', privateMetadata: {} })]);
    const wiped = createPlan(wipe, marked, DEFAULT_PLAN_OPTIONS).plan.operations[0] as Operation;
    expect(wiped).toMatchObject({ body: { private_metadata: MARK } });
    expect(isDestructive(wiped)).toBe(true);
  });
});

describe('the phase list', () => {
  it('is one list: every constructive phase before every destructive one', () => {
    const flags = PHASES.map((phase) => phase.destructive);
    expect(flags).toStrictEqual([...flags].sort((a, b) => Number(a) - Number(b)));
    expect(FIRST_DESTRUCTIVE_PHASE).toBe(flags.indexOf(true));
  });

  it('every operation has one phase, and isDestructive is its phase being destructive', () => {
    for (const op of everyOperation()) {
      const phase = phaseOf(op);
      expect(phase, op.id).toBeGreaterThanOrEqual(0);
      expect(isDestructive(op), op.id).toBe(phase >= FIRST_DESTRUCTIVE_PHASE);
    }
  });

  it('orders a metadata removal after the constructive metadata edits, with the downgrades', () => {
    const wipe = metadataUpdate('privateMetadata', 'replace', { a: 1 }, {});
    const edit: UpdateMetadataOp = {
      ...metadataUpdate('publicMetadata', 'replace', { a: 1 }, { a: 2 }),
      id: 'update_metadata:emp-0',
    };
    const demotion = roleChange('org:admin', 'org:member', false);
    const membership: Operation = {
      id: 'create_membership:acme/emp-9',
      type: 'create_membership',
      org: { slug: 'acme', organizationId: 'org_acme' },
      user: { key: 'emp-9', userId: 'user_9' },
      role: 'org:member',
      dependsOn: [],
    };
    const ban: Operation = { id: 'ban_user:emp-1', type: 'ban_user', user: USER, dependsOn: [] };
    expect(sortOperations([ban, wipe, demotion, membership, edit]).map((op) => op.id)).toStrictEqual([
      'update_metadata:emp-0',
      'create_membership:acme/emp-9',
      'update_membership_role:acme/emp-1',
      'update_metadata:emp-1',
      'ban_user:emp-1',
    ]);
  });
});
