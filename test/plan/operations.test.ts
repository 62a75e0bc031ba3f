// Table tests: one row per operation kind and per rule of the diff (absent means unmanaged, mark handling, merge vs
// replace, memberships authoritative in managed orgs only), asserting the exact operation list.

import { describe, expect, it } from 'vitest';
import type { DesiredState, LiveSnapshot } from '../../src/model/index.ts';
import { createPlan, DEFAULT_PLAN_OPTIONS, type Operation } from '../../src/plan/index.ts';
import { at, desiredState, desiredUser, liveMembership, liveOrg, liveUser, MARK, org, snapshot } from './builders.ts';

const SRC = { file: 'users.yaml', line: 10 };
const ALICE = { key: 'emp-1', userId: 'user_a', label: 'alice@acme.test' };

interface Row {
  name: string;
  desired: DesiredState;
  live: LiveSnapshot;
  expected: Operation[];
}

const aliceLive = (fields: Parameters<typeof liveUser>[1] = {}) =>
  liveUser('user_a', { externalId: 'emp-1', emails: ['alice@acme.test'], ...fields });

const rows: Row[] = [
  {
    name: 'create_user carries every declared field, the mark, banned/locked and a password source (never the value)',
    desired: desiredState([
      desiredUser('emp-1', {
        externalId: 'emp-1',
        emailAddresses: ['alice@acme.test', 'a2@acme.test'],
        phoneNumbers: ['+15550001'],
        username: 'alice',
        firstName: 'Alice',
        lastName: null,
        password: { source: { kind: 'env', variable: 'ALICE_PW' }, value: 'hunter2-secret' },
        publicMetadata: { role: 'admin' },
        privateMetadata: { employeeId: 4711 },
        banned: true,
        locked: false,
      }),
    ]),
    live: snapshot(),
    expected: [
      {
        id: 'create_user:emp-1',
        type: 'create_user',
        user: { key: 'emp-1', userId: null, label: 'alice@acme.test' },
        attributes: {
          externalId: 'emp-1',
          emailAddresses: ['alice@acme.test', 'a2@acme.test'],
          phoneNumbers: ['+15550001'],
          username: 'alice',
          firstName: 'Alice',
          lastName: null,
          publicMetadata: { role: 'admin' },
          privateMetadata: { employeeId: 4711, ...MARK },
          banned: true,
        },
        password: { kind: 'env', variable: 'ALICE_PW' },
        dependsOn: [],
        source: SRC,
      },
    ],
  },
  {
    name: 'absent fields are unmanaged: a user declaring only its key changes nothing',
    desired: desiredState([desiredUser('emp-1', { externalId: 'emp-1' })]),
    live: snapshot({
      users: [
        aliceLive({
          firstName: 'A',
          username: 'al',
          phones: ['+1555'],
          publicMetadata: { x: 1 },
          banned: true,
          locked: true,
        }),
      ],
    }),
    expected: [],
  },
  {
    name: 'update_user lists only the differing profile fields; null means "must be empty"',
    desired: desiredState([
      desiredUser('emp-1', { externalId: 'emp-1', firstName: 'Adah', lastName: null, username: 'alice' }),
    ]),
    live: snapshot({ users: [aliceLive({ firstName: 'Ada', lastName: 'Lovelace', username: 'alice' })] }),
    expected: [
      {
        id: 'update_user:emp-1',
        type: 'update_user',
        user: ALICE,
        changes: { firstName: { before: 'Ada', after: 'Adah' }, lastName: { before: 'Lovelace', after: null } },
        dependsOn: [],
        source: SRC,
      },
    ],
  },
  {
    name: 'emails: add the new primary as primary, remove the old one after it',
    desired: desiredState([desiredUser('emp-1', { externalId: 'emp-1', emailAddresses: ['new@acme.test'] })]),
    live: snapshot({ users: [aliceLive()] }),
    expected: [
      {
        id: 'add_email_address:emp-1/new@acme.test',
        type: 'add_email_address',
        user: { ...ALICE, label: 'new@acme.test' },
        emailAddress: 'new@acme.test',
        primary: true,
        dependsOn: [],
        source: SRC,
      },
      {
        id: 'remove_email_address:emp-1/alice@acme.test',
        type: 'remove_email_address',
        user: { ...ALICE, label: 'new@acme.test' },
        emailAddress: 'alice@acme.test',
        emailAddressId: 'idn_user_a_e0',
        dependsOn: ['add_email_address:emp-1/new@acme.test'],
        source: SRC,
      },
    ],
  },
  {
    name: 'emails: an existing address becomes primary with set_primary; a non-primary add is not primary',
    desired: desiredState([
      desiredUser('emp-1', { externalId: 'emp-1', emailAddresses: ['b@acme.test', 'alice@acme.test', 'c@acme.test'] }),
    ]),
    live: snapshot({ users: [aliceLive({ emails: ['alice@acme.test', 'b@acme.test'] })] }),
    expected: [
      {
        id: 'add_email_address:emp-1/c@acme.test',
        type: 'add_email_address',
        user: { ...ALICE, label: 'b@acme.test' },
        emailAddress: 'c@acme.test',
        primary: false,
        dependsOn: [],
        source: SRC,
      },
      {
        id: 'set_primary_email_address:emp-1/b@acme.test',
        type: 'set_primary_email_address',
        user: { ...ALICE, label: 'b@acme.test' },
        emailAddress: 'b@acme.test',
        emailAddressId: 'idn_user_a_e1',
        before: 'alice@acme.test',
        dependsOn: [],
        source: SRC,
      },
    ],
  },
  {
    name: 'phones: add, set primary, remove (remove depends on the constructive steps)',
    desired: desiredState([desiredUser('emp-1', { externalId: 'emp-1', phoneNumbers: ['+1002', '+1003'] })]),
    live: snapshot({ users: [aliceLive({ phones: ['+1001', '+1002'] })] }),
    expected: [
      {
        id: 'add_phone_number:emp-1/+1003',
        type: 'add_phone_number',
        user: ALICE,
        phoneNumber: '+1003',
        primary: false,
        dependsOn: [],
        source: SRC,
      },
      {
        id: 'set_primary_phone_number:emp-1/+1002',
        type: 'set_primary_phone_number',
        user: ALICE,
        phoneNumber: '+1002',
        phoneNumberId: 'idn_user_a_p1',
        before: '+1001',
        dependsOn: [],
        source: SRC,
      },
      {
        id: 'remove_phone_number:emp-1/+1001',
        type: 'remove_phone_number',
        user: ALICE,
        phoneNumber: '+1001',
        phoneNumberId: 'idn_user_a_p0',
        dependsOn: ['add_phone_number:emp-1/+1003', 'set_primary_phone_number:emp-1/+1002'],
        source: SRC,
      },
    ],
  },
  {
    name: 'phones: the same numbers in another order make the first one primary, nothing else',
    desired: desiredState([desiredUser('emp-1', { externalId: 'emp-1', phoneNumbers: ['+1002', '+1001'] })]),
    live: snapshot({ users: [aliceLive({ phones: ['+1001', '+1002'] })] }),
    expected: [
      {
        id: 'set_primary_phone_number:emp-1/+1002',
        type: 'set_primary_phone_number',
        user: ALICE,
        phoneNumber: '+1002',
        phoneNumberId: 'idn_user_a_p1',
        before: '+1001',
        dependsOn: [],
        source: SRC,
      },
    ],
  },
  {
    name: 'phones: the same numbers, the first one primary: nothing (also in another order after the first)',
    desired: desiredState([desiredUser('emp-1', { externalId: 'emp-1', phoneNumbers: ['+1001', '+1003', '+1002'] })]),
    live: snapshot({ users: [aliceLive({ phones: ['+1001', '+1002', '+1003'] })] }),
    expected: [],
  },
  {
    name: 'phones: an empty list removes every number, the primary last',
    desired: desiredState([desiredUser('emp-1', { externalId: 'emp-1', phoneNumbers: [] })]),
    live: snapshot({ users: [aliceLive({ phones: ['+1009', '+1001'] })] }),
    expected: [
      {
        id: 'remove_phone_number:emp-1/+1001',
        type: 'remove_phone_number',
        user: ALICE,
        phoneNumber: '+1001',
        phoneNumberId: 'idn_user_a_p1',
        dependsOn: [],
        source: SRC,
      },
      {
        id: 'remove_phone_number:emp-1/+1009',
        type: 'remove_phone_number',
        user: ALICE,
        phoneNumber: '+1009',
        phoneNumberId: 'idn_user_a_p0',
        dependsOn: ['remove_phone_number:emp-1/+1001'],
        source: SRC,
      },
    ],
  },
  {
    name: 'emails: the same addresses in another case are the same addresses (nothing to do)',
    desired: desiredState([
      desiredUser('emp-1', { externalId: 'emp-1', emailAddresses: ['Alice@Acme.test', 'b@acme.test'] }),
    ]),
    live: snapshot({ users: [aliceLive({ emails: ['alice@acme.test', 'B@ACME.test'] })] }),
    expected: [],
  },
  {
    name: 'emails: an empty list removes every address; the primary goes last even when it sorts first',
    desired: desiredState([desiredUser('emp-1', { externalId: 'emp-1', emailAddresses: [] })]),
    // The live phone number stays (unmanaged): Clerk refuses to delete a user's last identifier.
    live: snapshot({ users: [aliceLive({ emails: ['a@acme.test', 'z@acme.test'], phones: ['+1001'] })] }),
    expected: [
      {
        id: 'remove_email_address:emp-1/z@acme.test',
        type: 'remove_email_address',
        user: { ...ALICE, label: 'a@acme.test' },
        emailAddress: 'z@acme.test',
        emailAddressId: 'idn_user_a_e1',
        dependsOn: [],
        source: SRC,
      },
      {
        id: 'remove_email_address:emp-1/a@acme.test',
        type: 'remove_email_address',
        user: { ...ALICE, label: 'a@acme.test' },
        emailAddress: 'a@acme.test',
        emailAddressId: 'idn_user_a_e0',
        dependsOn: ['remove_email_address:emp-1/z@acme.test'],
        source: SRC,
      },
    ],
  },
  {
    name: 'metadata replace: the declared object is the whole object; the live mark is kept, not removed',
    desired: desiredState([
      desiredUser('emp-1', { externalId: 'emp-1', publicMetadata: { role: 'admin' }, privateMetadata: { id: 2 } }),
    ]),
    live: snapshot({
      users: [aliceLive({ publicMetadata: { role: 'member', old: true }, privateMetadata: { id: 1, ...MARK } })],
    }),
    expected: [
      {
        id: 'update_metadata:emp-1',
        type: 'update_metadata',
        user: ALICE,
        mode: 'replace',
        changes: {
          publicMetadata: {
            before: { role: 'member', old: true },
            after: { role: 'admin' },
            patch: [
              { op: 'remove', path: '/old' },
              { op: 'replace', path: '/role', value: 'admin' },
            ],
          },
          privateMetadata: {
            before: { id: 1, ...MARK },
            after: { id: 2, ...MARK },
            patch: [{ op: 'replace', path: '/id', value: 2 }],
          },
        },
        body: { public_metadata: { role: 'admin' }, private_metadata: { id: 2, ...MARK } },
        dependsOn: [],
        source: SRC,
      },
    ],
  },
  {
    name: 'metadata merge: only declared keys, deeply; null deletes; the body is the declared object (PATCH)',
    desired: desiredState(
      [desiredUser('emp-1', { externalId: 'emp-1', publicMetadata: { prefs: { theme: 'dark' }, gone: null } })],
      { settings: { metadataMode: 'merge' } },
    ),
    live: snapshot({
      users: [aliceLive({ publicMetadata: { prefs: { theme: 'light', lang: 'en' }, gone: 1, kept: [1] } })],
    }),
    expected: [
      {
        id: 'update_metadata:emp-1',
        type: 'update_metadata',
        user: ALICE,
        mode: 'merge',
        changes: {
          publicMetadata: {
            before: { prefs: { theme: 'light', lang: 'en' }, gone: 1, kept: [1] },
            after: { prefs: { theme: 'dark', lang: 'en' }, kept: [1] },
            patch: [
              { op: 'remove', path: '/gone' },
              { op: 'replace', path: '/prefs/theme', value: 'dark' },
            ],
          },
        },
        body: { public_metadata: { prefs: { theme: 'dark' }, gone: null } },
        dependsOn: [],
        source: SRC,
      },
    ],
  },
  {
    name: 'metadata merge: declared keys already live produce nothing',
    desired: desiredState([desiredUser('emp-1', { externalId: 'emp-1', unsafeMetadata: { a: { b: 1 } } })], {
      settings: { metadataMode: 'merge' },
    }),
    live: snapshot({ users: [aliceLive({ unsafeMetadata: { a: { b: 1, c: 2 }, d: 3 } })] }),
    expected: [],
  },
  {
    name: 'ban and lock',
    desired: desiredState([desiredUser('emp-1', { externalId: 'emp-1', banned: true, locked: true })]),
    live: snapshot({ users: [aliceLive()] }),
    expected: [
      { id: 'ban_user:emp-1', type: 'ban_user', user: ALICE, dependsOn: [], source: SRC },
      { id: 'lock_user:emp-1', type: 'lock_user', user: ALICE, dependsOn: [], source: SRC },
    ],
  },
  {
    name: 'unban and unlock come first (constructive)',
    desired: desiredState([desiredUser('emp-1', { externalId: 'emp-1', banned: false, locked: false })]),
    live: snapshot({ users: [aliceLive({ banned: true, locked: true })] }),
    expected: [
      { id: 'unban_user:emp-1', type: 'unban_user', user: ALICE, dependsOn: [], source: SRC },
      { id: 'unlock_user:emp-1', type: 'unlock_user', user: ALICE, dependsOn: [], source: SRC },
    ],
  },
  {
    name: 'organizations: create a missing one, rename a live one',
    desired: desiredState([], { organizations: [org('globex', 'Globex', 3), org('acme', 'Acme Inc', 2)] }),
    live: snapshot({ organizations: [liveOrg('org_acme', 'acme', 'Acme')] }),
    expected: [
      {
        id: 'create_organization:globex',
        type: 'create_organization',
        org: { slug: 'globex', organizationId: null },
        name: 'Globex',
        slug: 'globex',
        dependsOn: [],
        source: { file: 'users.yaml', line: 3 },
      },
      {
        id: 'update_organization:acme',
        type: 'update_organization',
        org: { slug: 'acme', organizationId: 'org_acme' },
        changes: { name: { before: 'Acme', after: 'Acme Inc' } },
        dependsOn: [],
        source: { file: 'users.yaml', line: 2 },
      },
    ],
  },
  {
    name: 'memberships: create (after a new org), upgrade, downgrade (destructive), delete in a managed org',
    desired: desiredState(
      [
        desiredUser('emp-1', {
          externalId: 'emp-1',
          memberships: [
            { org: 'acme', role: 'org:admin', source: at(20) },
            { org: 'globex', role: 'org:admin', source: at(21) },
            { org: 'new', role: 'org:admin', source: at(22) },
          ],
        }),
        desiredUser('emp-2', {
          externalId: 'emp-2',
          memberships: [{ org: 'acme', role: 'org:member', source: at(30) }],
        }),
      ],
      { organizations: [org('acme', 'Acme'), org('globex', 'Globex'), org('initech', 'Initech'), org('new', 'New')] },
    ),
    live: snapshot({
      users: [aliceLive(), liveUser('user_b', { externalId: 'emp-2' })],
      organizations: [
        liveOrg('org_acme', 'acme', 'Acme'),
        liveOrg('org_globex', 'globex', 'Globex'),
        liveOrg('org_initech', 'initech', 'Initech'),
      ],
      memberships: [
        liveMembership('orgmem_1', 'org_acme', 'user_a', 'org:member'),
        liveMembership('orgmem_2', 'org_acme', 'user_b', 'org:admin'),
        liveMembership('orgmem_3', 'org_initech', 'user_a', 'org:member'),
      ],
    }),
    expected: [
      {
        id: 'create_organization:new',
        type: 'create_organization',
        org: { slug: 'new', organizationId: null },
        name: 'New',
        slug: 'new',
        dependsOn: [],
        source: { file: 'users.yaml', line: 2 },
      },
      {
        id: 'create_membership:globex/emp-1',
        type: 'create_membership',
        org: { slug: 'globex', organizationId: 'org_globex' },
        user: ALICE,
        role: 'org:admin',
        dependsOn: [],
        source: { file: 'users.yaml', line: 21 },
      },
      {
        id: 'create_membership:new/emp-1',
        type: 'create_membership',
        org: { slug: 'new', organizationId: null },
        user: ALICE,
        role: 'org:admin',
        dependsOn: ['create_organization:new'],
        source: { file: 'users.yaml', line: 22 },
      },
      {
        id: 'update_membership_role:acme/emp-1',
        type: 'update_membership_role',
        org: { slug: 'acme', organizationId: 'org_acme' },
        user: ALICE,
        membershipId: 'orgmem_1',
        changes: { role: { before: 'org:member', after: 'org:admin' } },
        downgrade: false,
        dependsOn: [],
        source: { file: 'users.yaml', line: 20 },
      },
      {
        id: 'update_membership_role:acme/emp-2',
        type: 'update_membership_role',
        org: { slug: 'acme', organizationId: 'org_acme' },
        user: { key: 'emp-2', userId: 'user_b', label: 'emp-2' },
        membershipId: 'orgmem_2',
        changes: { role: { before: 'org:admin', after: 'org:member' } },
        downgrade: true,
        dependsOn: [],
        source: { file: 'users.yaml', line: 30 },
      },
      {
        id: 'delete_membership:initech/emp-1',
        type: 'delete_membership',
        org: { slug: 'initech', organizationId: 'org_initech' },
        user: ALICE,
        membershipId: 'orgmem_3',
        role: 'org:member',
        dependsOn: [],
        source: SRC,
      },
    ],
  },
  {
    name: 'memberships: undefined means none in managed orgs; live orgs the manifest does not declare are untouched',
    desired: desiredState([desiredUser('emp-1', { externalId: 'emp-1' })], { organizations: [org('acme', 'Acme')] }),
    live: snapshot({
      users: [aliceLive()],
      organizations: [liveOrg('org_acme', 'acme', 'Acme'), liveOrg('org_other', 'other', 'Other')],
      memberships: [
        liveMembership('orgmem_1', 'org_acme', 'user_a', 'org:member'),
        liveMembership('orgmem_2', 'org_other', 'user_a', 'org:member'),
      ],
    }),
    expected: [
      {
        id: 'delete_membership:acme/emp-1',
        type: 'delete_membership',
        org: { slug: 'acme', organizationId: 'org_acme' },
        user: ALICE,
        membershipId: 'orgmem_1',
        role: 'org:member',
        dependsOn: [],
        source: SRC,
      },
    ],
  },
  {
    name: 'a new user joins a new org: the membership depends on both creates',
    desired: desiredState(
      [
        desiredUser('emp-9', {
          externalId: 'emp-9',
          memberships: [{ org: 'acme', role: 'org:admin', source: at(40) }],
        }),
      ],
      { organizations: [org('acme', 'Acme')] },
    ),
    live: snapshot(),
    expected: [
      {
        id: 'create_organization:acme',
        type: 'create_organization',
        org: { slug: 'acme', organizationId: null },
        name: 'Acme',
        slug: 'acme',
        dependsOn: [],
        source: { file: 'users.yaml', line: 2 },
      },
      {
        id: 'create_user:emp-9',
        type: 'create_user',
        user: { key: 'emp-9', userId: null, label: 'emp-9' },
        attributes: { externalId: 'emp-9', privateMetadata: MARK },
        dependsOn: [],
        source: SRC,
      },
      {
        id: 'create_membership:acme/emp-9',
        type: 'create_membership',
        org: { slug: 'acme', organizationId: null },
        user: { key: 'emp-9', userId: null, label: 'emp-9' },
        role: 'org:admin',
        dependsOn: ['create_organization:acme', 'create_user:emp-9'],
        source: { file: 'users.yaml', line: 40 },
      },
    ],
  },
];

describe('createPlan operations', () => {
  it.each(rows)('$name', ({ desired, live, expected }) => {
    const result = createPlan(desired, live, DEFAULT_PLAN_OPTIONS);
    expect(result.errors).toStrictEqual([]);
    expect(result.plan.operations).toStrictEqual(expected);
  });

  it('never writes a password value into the plan', () => {
    const desired = desiredState([
      desiredUser('emp-1', {
        externalId: 'emp-1',
        password: { source: { kind: 'inline' }, value: 'very-secret-value' },
      }),
    ]);
    const { plan } = createPlan(desired, snapshot(), DEFAULT_PLAN_OPTIONS);
    expect(JSON.stringify(plan)).not.toContain('very-secret-value');
    expect(plan.operations[0]).toMatchObject({ type: 'create_user', password: { kind: 'inline' } });
  });

  it('has no password operation for an existing user (passwords are create-only)', () => {
    const desired = desiredState([
      desiredUser('emp-1', { externalId: 'emp-1', password: { source: { kind: 'inline' }, value: 'x-secret-1' } }),
    ]);
    const { plan } = createPlan(desired, snapshot({ users: [aliceLive()] }), DEFAULT_PLAN_OPTIONS);
    expect(plan.operations).toStrictEqual([]);
  });

  it('matches by email case-insensitively and by username', () => {
    const byEmail = desiredState([desiredUser('alice@acme.test', { emailAddresses: ['alice@acme.test'] })], {
      settings: { userKey: 'emailAddress' },
    });
    const live = snapshot({ users: [liveUser('user_a', { emails: ['Alice@Acme.test'], username: 'alice' })] });
    expect(createPlan(byEmail, live, DEFAULT_PLAN_OPTIONS).plan.operations).toStrictEqual([]);

    const byUsername = desiredState([desiredUser('alice', { username: 'alice', firstName: 'A' })], {
      settings: { userKey: 'username' },
    });
    expect(createPlan(byUsername, live, DEFAULT_PLAN_OPTIONS).plan.operations.map((op) => op.id)).toStrictEqual([
      'update_user:alice',
    ]);
  });

  it('creates a user keyed by email with that email when it declares none', () => {
    const desired = desiredState([desiredUser('new@acme.test', {})], { settings: { userKey: 'emailAddress' } });
    const [op] = createPlan(desired, snapshot(), DEFAULT_PLAN_OPTIONS).plan.operations;
    expect(op).toMatchObject({ type: 'create_user', attributes: { emailAddresses: ['new@acme.test'] } });
  });
});
