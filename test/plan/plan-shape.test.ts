// Ordering by phase, determinism under shuffled input, fingerprints, liveVersions, summary, and the JSON file round
// trip with its validation.

import { describe, expect, it } from 'vitest';
import type { DesiredState, LiveSnapshot } from '../../src/model/index.ts';
import {
  createPlan,
  DEFAULT_PLAN_OPTIONS,
  fingerprintsOf,
  type OperationType,
  type Plan,
  planFingerprints,
  serializePlan,
  summaryLine,
} from '../../src/plan/index.ts';
import { parsePlan } from '../../src/plan/read-plan.ts';
import { at, desiredState, desiredUser, liveMembership, liveOrg, liveUser, MARK, org, snapshot } from './builders.ts';

/** A manifest and instance that exercise every operation type at once. */
function everything(): { desired: DesiredState; live: LiveSnapshot } {
  const desired = desiredState(
    [
      desiredUser('emp-1', {
        externalId: 'emp-1',
        emailAddresses: ['a2@acme.test', 'a@acme.test', 'a3@acme.test'],
        phoneNumbers: ['+1002'],
        firstName: 'Ada',
        publicMetadata: { role: 'admin' },
        banned: false,
        locked: true,
        memberships: [
          { org: 'acme', role: 'org:admin', source: at(20) },
          { org: 'globex', role: 'org:admin', source: at(21) },
        ],
      }),
      desiredUser('emp-2', {
        externalId: 'emp-2',
        emailAddresses: ['b-new@acme.test'],
        phoneNumbers: ['+2002'],
        banned: true,
        locked: false,
        memberships: [{ org: 'acme', role: 'org:member', source: at(30) }],
      }),
      desiredUser('emp-3', {
        externalId: 'emp-3',
        emailAddresses: ['c@acme.test'],
        memberships: [{ org: 'initech', role: 'org:admin', source: at(40) }],
      }),
    ],
    {
      settings: { prune: true },
      organizations: [
        org('acme', 'Acme Inc'),
        org('delta', 'Delta'),
        org('globex', 'Globex'),
        org('initech', 'Initech'),
      ],
    },
  );
  const live = snapshot({
    users: [
      liveUser('user_1', {
        externalId: 'emp-1',
        emails: ['a@acme.test', 'a2@acme.test', 'gone@acme.test'],
        phones: ['+1001', '+1002'],
        firstName: 'A',
        banned: true,
        privateMetadata: MARK,
        updatedAt: 11,
      }),
      liveUser('user_2', {
        externalId: 'emp-2',
        emails: ['b@acme.test'],
        phones: ['+2001'],
        locked: true,
        privateMetadata: MARK,
        updatedAt: 22,
      }),
      liveUser('user_9', { externalId: 'emp-9', emails: ['z@acme.test'], privateMetadata: MARK, updatedAt: 99 }),
      liveUser('user_8', { externalId: 'foreign', updatedAt: 88 }),
    ],
    organizations: [
      liveOrg('org_acme', 'acme', 'Acme'),
      liveOrg('org_globex', 'globex', 'Globex'),
      // Without slug or mark: adopted by its name.
      liveOrg('org_delta', null, 'Delta', { updatedAt: 44 }),
    ],
    memberships: [
      liveMembership('orgmem_1', 'org_acme', 'user_1', 'org:member'),
      liveMembership('orgmem_2', 'org_acme', 'user_2', 'org:admin'),
      liveMembership('orgmem_3', 'org_globex', 'user_2', 'org:member'),
      liveMembership('orgmem_9', 'org_acme', 'user_9', 'org:member'),
    ],
  });
  return { desired, live };
}

/** Deterministic shuffle (reverse + rotate) so the test itself is reproducible. */
function scramble<T>(items: readonly T[]): T[] {
  const reversed = [...items].reverse();
  return reversed.length > 1 ? [...reversed.slice(1), reversed[0] as T] : reversed;
}

const PHASE_ORDER: OperationType[] = [
  'create_organization',
  'mark_organization',
  'update_organization',
  'create_user',
  'unban_user',
  'unlock_user',
  'update_user',
  'add_email_address',
  'add_phone_number',
  'set_primary_email_address',
  'set_primary_phone_number',
  'update_metadata',
  'create_membership',
  'update_membership_role',
  'update_membership_role',
  'remove_email_address',
  'remove_phone_number',
  'delete_membership',
  'ban_user',
  'lock_user',
  'delete_user',
];

describe('ordering', () => {
  it('orders by phase, upgrades before and downgrades after the destructive line, deletes last', () => {
    const { desired, live } = everything();
    const { plan, errors } = createPlan(desired, live, DEFAULT_PLAN_OPTIONS);
    expect(errors).toStrictEqual([]);
    expect(plan.operations.map((op) => op.id)).toStrictEqual([
      'create_organization:initech',
      'mark_organization:delta',
      'update_organization:acme',
      'create_user:emp-3',
      'unban_user:emp-1',
      'unlock_user:emp-2',
      'update_user:emp-1',
      'add_email_address:emp-1/a3@acme.test',
      'add_email_address:emp-2/b-new@acme.test',
      'add_phone_number:emp-2/+2002',
      'set_primary_email_address:emp-1/a2@acme.test',
      'set_primary_phone_number:emp-1/+1002',
      'update_metadata:emp-1',
      'create_membership:globex/emp-1',
      'create_membership:initech/emp-3',
      'update_membership_role:acme/emp-1',
      'update_membership_role:acme/emp-2',
      'remove_email_address:emp-1/gone@acme.test',
      'remove_email_address:emp-2/b@acme.test',
      'remove_phone_number:emp-1/+1001',
      'remove_phone_number:emp-2/+2001',
      'delete_membership:globex/emp-2',
      'ban_user:emp-2',
      'lock_user:emp-1',
      'delete_user:user_9',
    ]);
    // The phase order is monotonic over the whole plan.
    const phase = (type: OperationType, downgrade: boolean) =>
      type === 'update_membership_role' ? PHASE_ORDER.indexOf(type) + (downgrade ? 1 : 0) : PHASE_ORDER.indexOf(type);
    const phases = plan.operations.map((op) => phase(op.type, op.type === 'update_membership_role' && op.downgrade));
    expect(phases).toStrictEqual([...phases].sort((a, b) => a - b));
  });

  it('every dependency comes earlier in the plan', () => {
    const { desired, live } = everything();
    const { plan } = createPlan(desired, live, DEFAULT_PLAN_OPTIONS);
    const position = new Map(plan.operations.map((op, index) => [op.id, index]));
    for (const [index, op] of plan.operations.entries()) {
      for (const dependency of op.dependsOn) expect(position.get(dependency)).toBeLessThan(index);
    }
    const initech = plan.operations.find((op) => op.id === 'create_membership:initech/emp-3');
    expect(initech?.dependsOn).toStrictEqual(['create_organization:initech', 'create_user:emp-3']);
  });
});

describe('determinism', () => {
  it('gives byte-identical JSON for shuffled inputs', () => {
    const { desired, live } = everything();
    const first = serializePlan(createPlan(desired, live, DEFAULT_PLAN_OPTIONS).plan);
    const shuffledDesired: DesiredState = {
      ...desired,
      organizations: scramble(desired.organizations),
      users: scramble(desired.users).map((user) =>
        user.memberships ? { ...user, memberships: scramble(user.memberships) } : user,
      ),
    };
    const shuffledLive: LiveSnapshot = {
      users: scramble(live.users).map((user) => ({ ...user, emailAddresses: scramble(user.emailAddresses) })),
      organizations: scramble(live.organizations),
      memberships: scramble(live.memberships),
      instance: live.instance,
    };
    expect(serializePlan(createPlan(shuffledDesired, shuffledLive, DEFAULT_PLAN_OPTIONS).plan)).toBe(first);
  });

  it('fingerprints ignore positions and password values but follow content', () => {
    const { desired, live } = everything();
    const base = fingerprintsOf(createPlan(desired, live, DEFAULT_PLAN_OPTIONS).plan);
    expect(base.manifest).toMatch(/^[0-9a-f]{64}$/);
    expect(base.live).toMatch(/^[0-9a-f]{64}$/);
    const moved: DesiredState = {
      ...desired,
      files: ['elsewhere.yaml'],
      users: desired.users.map((user) => ({
        ...user,
        source: at(99),
        password: { source: { kind: 'env', variable: 'PW' }, value: 'one' },
      })),
    };
    const rotated: DesiredState = {
      ...moved,
      users: moved.users.map((user) => ({
        ...user,
        password: { source: { kind: 'env', variable: 'PW' }, value: 'two' },
      })),
    };
    const movedPrint = fingerprintsOf(createPlan(moved, live, DEFAULT_PLAN_OPTIONS).plan).manifest;
    expect(fingerprintsOf(createPlan(rotated, live, DEFAULT_PLAN_OPTIONS).plan).manifest).toBe(movedPrint);
    const renamed: DesiredState = {
      ...desired,
      organizations: [org('acme', 'Other'), ...desired.organizations.slice(1)],
    };
    expect(fingerprintsOf(createPlan(renamed, live, DEFAULT_PLAN_OPTIONS).plan).manifest).not.toBe(base.manifest);
    const touched = { ...live, users: live.users.map((user) => ({ ...user, updatedAt: user.updatedAt + 1 })) };
    expect(fingerprintsOf(createPlan(desired, touched, DEFAULT_PLAN_OPTIONS).plan).live).not.toBe(base.live);
  });
});

describe('plan as plain data', () => {
  it('holds its fingerprints as plain strings, or null when asked not to compute them (and is then not saved)', () => {
    const { desired, live } = everything();
    const full = createPlan(desired, live, DEFAULT_PLAN_OPTIONS).plan;
    expect(Object.getOwnPropertyDescriptor(full, 'fingerprints')?.get).toBeUndefined();
    expect(full.fingerprints).toStrictEqual(planFingerprints(desired, live));
    const view = createPlan(desired, live, { ...DEFAULT_PLAN_OPTIONS, fingerprints: false }).plan;
    expect(view).toStrictEqual({ ...full, fingerprints: null });
    expect(() => serializePlan(view)).toThrow(/without fingerprints/);
  });
});

describe('liveVersions and summary', () => {
  it('records updatedAt of exactly the live objects the operations touch', () => {
    const { desired, live } = everything();
    const { plan } = createPlan(desired, live, DEFAULT_PLAN_OPTIONS);
    expect(plan.liveVersions).toStrictEqual({
      users: { user_1: { updatedAt: 11 }, user_2: { updatedAt: 22 }, user_9: { updatedAt: 99 } },
      organizations: {
        org_acme: { updatedAt: 1_700_000_000_100 },
        org_delta: { updatedAt: 44 },
        org_globex: { updatedAt: 1_700_000_000_100 },
      },
      memberships: {
        orgmem_1: { updatedAt: 1_700_000_000_200 },
        orgmem_2: { updatedAt: 1_700_000_000_200 },
        orgmem_3: { updatedAt: 1_700_000_000_200 },
      },
    });
  });

  it('counts creates, changes and deletes (remove_* count as deletes) and touched users', () => {
    const { desired, live } = everything();
    const { summary } = createPlan(desired, live, DEFAULT_PLAN_OPTIONS).plan;
    expect(summary).toStrictEqual({
      create: 4,
      change: 15,
      delete: 6,
      byType: {
        create_organization: 1,
        mark_organization: 1,
        update_organization: 1,
        create_user: 1,
        unban_user: 1,
        unlock_user: 1,
        update_user: 1,
        add_email_address: 2,
        add_phone_number: 1,
        set_primary_email_address: 1,
        set_primary_phone_number: 1,
        update_metadata: 1,
        create_membership: 2,
        update_membership_role: 2,
        remove_email_address: 2,
        remove_phone_number: 2,
        delete_membership: 1,
        ban_user: 1,
        lock_user: 1,
        delete_user: 1,
      },
      usersTouched: 4,
    });
    expect(summaryLine(summary)).toBe('Plan: 4 to create, 15 to change, 6 to delete.');
  });

  it('says No changes. for an empty plan', () => {
    const { plan } = createPlan(desiredState([]), snapshot(), DEFAULT_PLAN_OPTIONS);
    expect(plan.operations).toStrictEqual([]);
    expect(summaryLine(plan.summary)).toBe('No changes.');
  });
});

describe('plan JSON', () => {
  const plan = (): Plan => {
    const { desired, live } = everything();
    return createPlan(desired, live, DEFAULT_PLAN_OPTIONS).plan;
  };

  it('serializes as 2-space JSON with a trailing newline and round-trips exactly', () => {
    const text = serializePlan(plan());
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "formatVersion": 2,');
    const parsed = parsePlan(text);
    expect(parsed).toStrictEqual(plan());
    expect(serializePlan(parsed)).toBe(text);
  });

  it.each([
    ['not JSON', 'not json {', /not JSON/],
    ['an array', '[]', /must be an object/],
    ['a newer formatVersion', JSON.stringify({ ...plan(), formatVersion: 3 }), /unsupported plan formatVersion 3/],
    ['no formatVersion', JSON.stringify({ ...plan(), formatVersion: undefined }), /formatVersion undefined/],
    [
      'an unknown operation type',
      JSON.stringify({ ...plan(), operations: [{ id: 'x', type: 'drop_table', dependsOn: [] }] }),
      /operations\[0\]\.type/,
    ],
    [
      'a missing field',
      JSON.stringify({
        ...plan(),
        operations: [{ id: 'ban_user:a', type: 'ban_user', dependsOn: [] }],
      }),
      /operations\[0\]\.user must be present/,
    ],
    [
      'a wrong field type',
      JSON.stringify({
        ...plan(),
        operations: [{ id: 'b', type: 'ban_user', dependsOn: [], user: { key: 5, userId: 'user_1' } }],
      }),
      /operations\[0\]\.user\.key must be a string/,
    ],
    [
      'an unknown field',
      JSON.stringify({
        ...plan(),
        operations: [{ id: 'b', type: 'ban_user', dependsOn: [], user: { key: 'k', userId: 'u' }, extra: 1 }],
      }),
      /operations\[0\]\.extra must be absent/,
    ],
    [
      'an unknown field named like an Object.prototype property',
      JSON.stringify({
        ...plan(),
        operations: [{ id: 'b', type: 'ban_user', dependsOn: [], user: { key: 'k', userId: 'u' }, constructor: 1 }],
      }),
      /operations\[0\]\.constructor must be absent/,
    ],
    [
      'a dangling dependency',
      JSON.stringify({
        ...plan(),
        operations: [{ id: 'b', type: 'ban_user', dependsOn: ['nope'], user: { key: 'k', userId: 'u' } }],
      }),
      /dependsOn\[0\] must be the id of an operation/,
    ],
    [
      'duplicate ids',
      JSON.stringify({
        ...plan(),
        operations: [
          { id: 'b', type: 'ban_user', dependsOn: [], user: { key: 'k', userId: 'u' } },
          { id: 'b', type: 'ban_user', dependsOn: [], user: { key: 'k', userId: 'u' } },
        ],
      }),
      /operations\[1\]\.id must be unique/,
    ],
    [
      'a create_organization without the slug it sends (a plan from before slug-less instances)',
      JSON.stringify({
        ...plan(),
        operations: [
          { id: 'c', type: 'create_organization', dependsOn: [], org: { slug: 'a', organizationId: null }, name: 'A' },
        ],
      }),
      /operations\[0\]\.slug must be present/,
    ],
    [
      'a mark_organization matched by anything but name',
      JSON.stringify({
        ...plan(),
        operations: [
          {
            id: 'm',
            type: 'mark_organization',
            dependsOn: [],
            org: { slug: 'a', organizationId: 'org_a' },
            name: 'A',
            matchedBy: 'slug',
          },
        ],
      }),
      /operations\[0\]\.matchedBy must be one of "name"/,
    ],
    [
      'a password from neither inline nor env',
      JSON.stringify({
        ...plan(),
        operations: [
          {
            id: 'c',
            type: 'create_user',
            dependsOn: [],
            user: { key: 'k', userId: null },
            attributes: {},
            password: { kind: 'plain' },
          },
        ],
      }),
      /\(root\)\.operations\[0\]\.password\.kind must be one of "inline", "env"/,
    ],
    [
      'a summary counting an unknown operation type',
      JSON.stringify({ ...plan(), summary: { ...plan().summary, byType: { drop_table: 1 } } }),
      /\(root\)\.summary\.byType key "drop_table" must be one of "create_organization"/,
    ],
    [
      'a negative count',
      JSON.stringify({ ...plan(), summary: { ...plan().summary, create: -1 } }),
      /\(root\)\.summary\.create must be a non-negative integer/,
    ],
    [
      'a bad liveVersions entry',
      JSON.stringify({ ...plan(), liveVersions: { users: {} } }),
      /liveVersions\.organizations/,
    ],
  ])('rejects %s with a PlanError', (_name, text, message) => {
    expect(() => parsePlan(text)).toThrow(message);
    try {
      parsePlan(text);
    } catch (error) {
      expect(error).toMatchObject({ code: 'plan_invalid' });
    }
  });
});
