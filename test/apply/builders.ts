// Small builders for executor inputs: one operation of each type on inline data, and a plan around a list of them.

import type { Operation, Plan, UserRef } from '../../src/plan/index.ts';

export const existing = (key: string, id = `user_${key}`): UserRef => ({ key, userId: id });
export const fresh = (key: string): UserRef => ({ key, userId: null });

/** One operation of every type; users emp-1 (existing, user_emp-1) and emp-2 (created in the plan). */
export function everyOperation(): Operation[] {
  return [
    {
      id: 'create_organization:acme',
      type: 'create_organization',
      org: { slug: 'acme', organizationId: null },
      name: 'Acme',
      slug: 'acme',
      dependsOn: [],
    },
    {
      id: 'mark_organization:delta',
      type: 'mark_organization',
      org: { slug: 'delta', organizationId: 'org_delta' },
      name: 'Delta',
      matchedBy: 'name',
      dependsOn: [],
    },
    {
      id: 'update_organization:beta',
      type: 'update_organization',
      org: { slug: 'beta', organizationId: 'org_beta' },
      changes: { name: { before: 'Beta', after: 'Beta Inc' } },
      dependsOn: [],
    },
    {
      id: 'create_user:emp-2',
      type: 'create_user',
      user: fresh('emp-2'),
      attributes: {
        externalId: 'emp-2',
        emailAddresses: ['b@acme.test', 'b2@acme.test'],
        phoneNumbers: ['+15555550100'],
        username: 'bee',
        firstName: 'Bea',
        lastName: null,
        publicMetadata: { team: 'ops' },
        privateMetadata: { clerkSync: { managedBy: 'clerk-sync' } },
        banned: true,
      },
      password: { kind: 'env', variable: 'EMP2_PASSWORD' },
      dependsOn: [],
    },
    {
      id: 'update_user:emp-1',
      type: 'update_user',
      user: existing('emp-1'),
      changes: { firstName: { before: 'Al', after: 'Alan' }, username: { before: 'al', after: null } },
      dependsOn: [],
    },
    {
      id: 'add_email_address:emp-1/new@acme.test',
      type: 'add_email_address',
      user: existing('emp-1'),
      emailAddress: 'new@acme.test',
      primary: true,
      dependsOn: [],
    },
    {
      id: 'set_primary_email_address:emp-1/a@acme.test',
      type: 'set_primary_email_address',
      user: existing('emp-1'),
      emailAddress: 'a@acme.test',
      emailAddressId: 'idn_a',
      before: 'old@acme.test',
      dependsOn: [],
    },
    {
      id: 'remove_email_address:emp-1/old@acme.test',
      type: 'remove_email_address',
      user: existing('emp-1'),
      emailAddress: 'old@acme.test',
      emailAddressId: 'idn_old',
      dependsOn: [],
    },
    {
      id: 'add_phone_number:emp-1/+15555550101',
      type: 'add_phone_number',
      user: existing('emp-1'),
      phoneNumber: '+15555550101',
      primary: false,
      dependsOn: [],
    },
    {
      id: 'set_primary_phone_number:emp-1/+15555550102',
      type: 'set_primary_phone_number',
      user: existing('emp-1'),
      phoneNumber: '+15555550102',
      phoneNumberId: 'idn_p2',
      before: '+15555550103',
      dependsOn: [],
    },
    {
      id: 'remove_phone_number:emp-1/+15555550103',
      type: 'remove_phone_number',
      user: existing('emp-1'),
      phoneNumber: '+15555550103',
      phoneNumberId: 'idn_p3',
      dependsOn: [],
    },
    {
      id: 'update_metadata:emp-1',
      type: 'update_metadata',
      user: existing('emp-1'),
      mode: 'replace',
      changes: {
        publicMetadata: {
          before: { team: 'a', old: 1 },
          after: { team: 'b' },
          patch: [
            { op: 'remove', path: '/old' },
            { op: 'replace', path: '/team', value: 'b' },
          ],
        },
      },
      body: { public_metadata: { team: 'b' } },
      dependsOn: [],
    },
    { id: 'ban_user:emp-1', type: 'ban_user', user: existing('emp-1'), dependsOn: [] },
    { id: 'unban_user:emp-1', type: 'unban_user', user: existing('emp-1'), dependsOn: [] },
    { id: 'lock_user:emp-1', type: 'lock_user', user: existing('emp-1'), dependsOn: [] },
    { id: 'unlock_user:emp-1', type: 'unlock_user', user: existing('emp-1'), dependsOn: [] },
    {
      id: 'create_membership:acme/emp-2',
      type: 'create_membership',
      org: { slug: 'acme', organizationId: null },
      user: fresh('emp-2'),
      role: 'org:admin',
      dependsOn: ['create_organization:acme', 'create_user:emp-2'],
    },
    {
      id: 'update_membership_role:beta/emp-1',
      type: 'update_membership_role',
      org: { slug: 'beta', organizationId: 'org_beta' },
      user: existing('emp-1'),
      membershipId: 'orgmem_1',
      changes: { role: { before: 'org:admin', after: 'org:member' } },
      downgrade: true,
      dependsOn: [],
    },
    {
      id: 'delete_membership:gamma/emp-1',
      type: 'delete_membership',
      org: { slug: 'gamma', organizationId: 'org_gamma' },
      user: existing('emp-1'),
      membershipId: 'orgmem_2',
      role: 'org:member',
      dependsOn: [],
    },
    {
      id: 'delete_user:user_gone',
      type: 'delete_user',
      user: { key: null, userId: 'user_gone', label: 'gone@acme.test' },
      label: 'gone@acme.test',
      reason: 'prune',
      dependsOn: [],
    },
  ];
}

export function planOf(operations: Operation[], fingerprints = { manifest: 'm1', live: 'l1' }): Plan {
  return {
    formatVersion: 2,
    source: { kind: 'manifest', files: ['users.yaml'] },
    instance: { apiUrl: null, environment: null },
    fingerprints,
    settings: { userKey: 'externalId', metadataMode: 'replace', prune: false },
    operations,
    summary: { create: 0, change: 0, delete: 0, byType: {}, usersTouched: 0 },
    liveVersions: { users: {}, organizations: {}, memberships: {} },
    warnings: [],
  };
}

export function ban(key: string, dependsOn: string[] = []): Operation {
  return { id: `ban_user:${key}`, type: 'ban_user', user: existing(key), dependsOn };
}

export function updateUser(key: string, after: string, dependsOn: string[] = []): Operation {
  return {
    id: `update_user:${key}`,
    type: 'update_user',
    user: existing(key),
    changes: { firstName: { before: null, after } },
    dependsOn,
  };
}

export function lock(key: string, dependsOn: string[] = []): Operation {
  return { id: `lock_user:${key}`, type: 'lock_user', user: existing(key), dependsOn };
}
