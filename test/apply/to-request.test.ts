import { describe, expect, it } from 'vitest';
import type { IdResolver, SecretResolver } from '../../src/apply/index.ts';
import { BULK_BAN_LIMIT, plannedRequests, requestKindOf, toRequest } from '../../src/apply/index.ts';
import { ConfigError, InternalError } from '../../src/errors.ts';
import type { Operation } from '../../src/plan/index.ts';
import { ban, everyOperation, existing, planOf } from './builders.ts';

const PASSWORD = 'Tr0ub4dor&3-horse-battery';
const ids: IdResolver = {
  userIdForKey: (key) => (key === 'emp-2' ? 'user_new2' : undefined),
  organizationIdForSlug: (slug) => (slug === 'acme' ? 'org_acme' : undefined),
};
const secrets: SecretResolver = (op) => (op.user.key === 'emp-2' ? PASSWORD : undefined);

function byId(id: string): Operation {
  const op = everyOperation().find((candidate) => candidate.id === id);
  if (!op) throw new Error(`no builder operation ${id}`);
  return op;
}

const EXPECTED: Record<string, { method: string; path: string; body?: unknown }> = {
  'create_organization:acme': {
    method: 'POST',
    path: '/organizations',
    body: { name: 'Acme', slug: 'acme', private_metadata: { clerkSync: { key: 'acme' } } },
  },
  'mark_organization:delta': {
    method: 'PATCH',
    path: '/organizations/org_delta/metadata',
    body: { private_metadata: { clerkSync: { key: 'delta' } } },
  },
  'update_organization:beta': { method: 'PATCH', path: '/organizations/org_beta', body: { name: 'Beta Inc' } },
  'create_user:emp-2': {
    method: 'POST',
    path: '/users',
    body: {
      external_id: 'emp-2',
      email_address: ['b@acme.test', 'b2@acme.test'],
      phone_number: ['+15555550100'],
      username: 'bee',
      first_name: 'Bea',
      last_name: null,
      public_metadata: { team: 'ops' },
      private_metadata: { clerkSync: { managedBy: 'clerk-sync' } },
      banned: true,
      password: PASSWORD,
      skip_password_checks: false,
    },
  },
  'update_user:emp-1': { method: 'PATCH', path: '/users/user_emp-1', body: { first_name: 'Alan', username: null } },
  'add_email_address:emp-1/new@acme.test': {
    method: 'POST',
    path: '/email_addresses',
    body: { user_id: 'user_emp-1', email_address: 'new@acme.test', verified: true, primary: true },
  },
  'set_primary_email_address:emp-1/a@acme.test': {
    method: 'PATCH',
    path: '/users/user_emp-1',
    body: { primary_email_address_id: 'idn_a' },
  },
  'remove_email_address:emp-1/old@acme.test': { method: 'DELETE', path: '/email_addresses/idn_old' },
  'add_phone_number:emp-1/+15555550101': {
    method: 'POST',
    path: '/phone_numbers',
    body: { user_id: 'user_emp-1', phone_number: '+15555550101', verified: true, primary: false },
  },
  'set_primary_phone_number:emp-1/+15555550102': {
    method: 'PATCH',
    path: '/users/user_emp-1',
    body: { primary_phone_number_id: 'idn_p2' },
  },
  'remove_phone_number:emp-1/+15555550103': { method: 'DELETE', path: '/phone_numbers/idn_p3' },
  'update_metadata:emp-1': {
    method: 'PUT',
    path: '/users/user_emp-1/metadata',
    body: { public_metadata: { team: 'b' } },
  },
  'ban_user:emp-1': { method: 'POST', path: '/users/user_emp-1/ban' },
  'unban_user:emp-1': { method: 'POST', path: '/users/user_emp-1/unban' },
  'lock_user:emp-1': { method: 'POST', path: '/users/user_emp-1/lock' },
  'unlock_user:emp-1': { method: 'POST', path: '/users/user_emp-1/unlock' },
  'create_membership:acme/emp-2': {
    method: 'POST',
    path: '/organizations/org_acme/memberships',
    body: { user_id: 'user_new2', role: 'org:admin' },
  },
  'update_membership_role:beta/emp-1': {
    method: 'PATCH',
    path: '/organizations/org_beta/memberships/user_emp-1',
    body: { role: 'org:member' },
  },
  'delete_membership:gamma/emp-1': { method: 'DELETE', path: '/organizations/org_gamma/memberships/user_emp-1' },
  'delete_user:user_gone': { method: 'DELETE', path: '/users/user_gone' },
};

describe('toRequest', () => {
  it('covers every operation type', () => {
    const types = new Set(everyOperation().map((op) => op.type));
    expect(types.size).toBe(20);
    expect(Object.keys(EXPECTED).sort()).toStrictEqual(
      everyOperation()
        .map((op) => op.id)
        .sort(),
    );
  });

  it.each(Object.entries(EXPECTED))('%s', (id, expected) => {
    expect(toRequest(byId(id), ids, secrets)).toStrictEqual(expected);
  });

  it('sends merge-mode metadata as PATCH (deep merge, null deletes)', () => {
    const op = byId('update_metadata:emp-1');
    if (op.type !== 'update_metadata') throw new Error('builder changed');
    const merge = { ...op, mode: 'merge' as const, body: { private_metadata: { gone: null } } };
    expect(toRequest(merge, ids, secrets)).toStrictEqual({
      method: 'PATCH',
      path: '/users/user_emp-1/metadata',
      body: { private_metadata: { gone: null } },
    });
  });

  it('creates a user declared without a password with skip_password_requirement (a new instance requires one)', () => {
    const op = byId('create_user:emp-2');
    if (op.type !== 'create_user') throw new Error('builder changed');
    const { password: _, ...withoutPassword } = op;
    const spec = toRequest(withoutPassword, ids, () => PASSWORD);
    expect(spec.body).not.toHaveProperty('password');
    expect(spec.body).not.toHaveProperty('skip_password_checks');
    expect(spec.body).toMatchObject({ skip_password_requirement: true });
    // With a password, the requirement is met: never skipped.
    expect(toRequest(op, ids, secrets).body).not.toHaveProperty('skip_password_requirement');
  });

  it('creates an organization without a slug when the plan recorded none (slugs disabled), marked all the same', () => {
    const op = byId('create_organization:acme');
    if (op.type !== 'create_organization') throw new Error('builder changed');
    expect(toRequest({ ...op, slug: null }, ids, secrets)).toStrictEqual({
      method: 'POST',
      path: '/organizations',
      body: { name: 'Acme', private_metadata: { clerkSync: { key: 'acme' } } },
    });
  });

  it('escapes ids in paths', () => {
    const op: Operation = {
      id: 'ban_user:x',
      type: 'ban_user',
      user: { key: 'x', userId: 'user/../x' },
      dependsOn: [],
    };
    expect(toRequest(op, ids, secrets).path).toBe('/users/user%2F..%2Fx/ban');
  });

  it('throws InternalError for an id nobody created', () => {
    const unresolved: IdResolver = { userIdForKey: () => undefined, organizationIdForSlug: () => undefined };
    expect(() => toRequest(byId('create_membership:acme/emp-2'), unresolved, secrets)).toThrow(InternalError);
    expect(() => toRequest(byId('create_membership:acme/emp-2'), unresolved, secrets)).toThrow(
      /no live id for organization acme/,
    );
  });

  it('throws ConfigError without the password value, and never puts a password in the error', () => {
    const op = byId('create_user:emp-2');
    let error: unknown;
    try {
      toRequest(op, ids, () => undefined);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('$EMP2_PASSWORD');
  });

  it('rejects an operation type the table does not know (a plan from a newer version)', () => {
    const alien = { id: 'merge_users:x', type: 'merge_users', dependsOn: [] } as unknown as Operation;
    expect(() => toRequest(alien, ids, secrets)).toThrow(InternalError);
    expect(() => requestKindOf(alien)).toThrow(InternalError);
  });

  it('classifies requests for the executor', () => {
    const kinds = Object.fromEntries(everyOperation().map((op) => [op.type, requestKindOf(op)]));
    expect(kinds).toMatchObject({
      create_user: 'create',
      create_organization: 'create',
      mark_organization: 'update',
      create_membership: 'create',
      add_email_address: 'create',
      ban_user: 'repeatable',
      update_metadata: 'update',
      delete_user: 'removal',
      remove_phone_number: 'removal',
    });
    expect(BULK_BAN_LIMIT).toBe(50);
  });
});

describe('plannedRequests', () => {
  it('redacts passwords and shows ids of objects created in the same apply as placeholders', () => {
    const requests = plannedRequests(planOf(everyOperation()));
    expect(requests).toHaveLength(20);
    expect(JSON.stringify(requests)).not.toContain(PASSWORD);
    const createUser = requests.find((request) => request.operationId === 'create_user:emp-2');
    expect(createUser?.body).toMatchObject({ password: '[redacted]', skip_password_checks: false });
    const membership = requests.find((request) => request.operationId === 'create_membership:acme/emp-2');
    expect(membership).toStrictEqual({
      operationId: 'create_membership:acme/emp-2',
      method: 'POST',
      path: '/organizations/<id of create_organization:acme>/memberships',
      body: { user_id: '<id of create_user:emp-2>', role: 'org:admin' },
    });
    const ban = requests.find((request) => request.operationId === 'ban_user:emp-1');
    expect(ban).toStrictEqual({ operationId: 'ban_user:emp-1', method: 'POST', path: '/users/user_emp-1/ban' });
  });

  it('keeps plan order', () => {
    const plan = planOf(everyOperation());
    expect(plannedRequests(plan).map((request) => request.operationId)).toStrictEqual(
      plan.operations.map((op) => op.id),
    );
  });
});

describe('plannedRequests for bans', () => {
  it('lists bans as apply sends them: bulk requests of up to 50 users, one request for a lone user', () => {
    const keys = Array.from({ length: 52 }, (_, index) => `b${String(index).padStart(2, '0')}`);
    const plan = planOf([
      ...keys.map((key) => ban(key)),
      { id: 'unban_user:u1', type: 'unban_user', user: existing('u1'), dependsOn: [] },
      { id: 'unban_user:u2', type: 'unban_user', user: existing('u2'), dependsOn: [] },
    ]);
    const requests = plannedRequests(plan);
    expect(requests.map((request) => [request.method, request.path])).toStrictEqual([
      ['POST', '/users/ban'],
      ['POST', '/users/ban'],
      ['POST', '/users/unban'],
    ]);
    expect(requests[0]?.body).toStrictEqual({ user_ids: keys.slice(0, 50).map((key) => `user_${key}`) });
    expect(requests[0]?.operationIds).toHaveLength(50);
    expect(requests[1]?.body).toStrictEqual({ user_ids: ['user_b50', 'user_b51'] });
    expect(requests[2]).toMatchObject({
      operationId: 'unban_user:u1',
      operationIds: ['unban_user:u1', 'unban_user:u2'],
      body: { user_ids: ['user_u1', 'user_u2'] },
    });
  });
});
