// Conformance with the official SDK, unchanged: @clerk/backend pointed at the emulator must read every answer as
// it reads Clerk's (it parses JSON only for `Content-Type: application/json` exactly and dereferences
// `linked_to`, `organization` and `public_user_data`), and surface errors as ClerkAPIResponseError.

import { createClerkClient } from '@clerk/backend';
import { isClerkAPIResponseError } from '@clerk/backend/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { withEmulator } from '../helpers/emulator.ts';

// About @clerk/backend against the emulator, not the password rule (test/emulator/user-rules.test.ts has that).
const emu = withEmulator({ settings: { password_required: false } });
let clerk: ReturnType<typeof createClerkClient>;

beforeAll(() => {
  clerk = createClerkClient({ secretKey: emu.secretKey, apiUrl: emu.origin, telemetry: { disabled: true } });
});

async function apiError(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (isClerkAPIResponseError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('users through @clerk/backend', () => {
  it('creates, reads, updates and deletes a user', async () => {
    const created = await clerk.users.createUser({
      emailAddress: ['Ada@Example.com'],
      phoneNumber: ['+15555550100'],
      externalId: 'sdk-ada',
      username: 'ada_l',
      firstName: 'Ada',
      lastName: 'Lovelace',
      password: 'correct-horse-battery',
      publicMetadata: { team: 'core' },
    });
    expect(created.id).toMatch(/^user_[0-9A-Za-z]{27}$/);
    expect(created.primaryEmailAddress?.emailAddress).toBe('ada@example.com');
    expect(created.primaryEmailAddress?.verification?.status).toBe('verified');
    expect(created.primaryPhoneNumber?.phoneNumber).toBe('+15555550100');
    expect(created.passwordEnabled).toBe(true);
    expect(created.publicMetadata).toEqual({ team: 'core' });

    const fetched = await clerk.users.getUser(created.id);
    expect(fetched.externalId).toBe('sdk-ada');
    expect(fetched.username).toBe('ada_l');

    const updated = await clerk.users.updateUser(created.id, { firstName: 'Augusta' });
    expect(updated.firstName).toBe('Augusta');
    expect(updated.updatedAt).toBeGreaterThan(fetched.updatedAt);

    const deleted = await clerk.users.deleteUser(created.id);
    expect(deleted.id).toBe(created.id);
    const gone = await apiError(clerk.users.getUser(created.id));
    expect(gone.status).toBe(404);
    expect(gone.errors[0]?.code).toBe('resource_not_found');
  });

  it('lists with filters, pagination and totalCount', async () => {
    for (let i = 0; i < 7; i++) {
      await clerk.users.createUser({
        emailAddress: [`list-${i}@example.com`],
        externalId: `sdk-list-${i}`,
        firstName: `L${i}`,
      });
    }
    const page = await clerk.users.getUserList({
      limit: 3,
      offset: 0,
      externalId: ['sdk-list-1', 'sdk-list-2', 'sdk-list-3', 'sdk-list-4'],
    });
    expect(page.totalCount).toBe(4);
    expect(page.data).toHaveLength(3);
    // Default order is newest first.
    expect(page.data.map((user) => user.externalId)).toEqual(['sdk-list-4', 'sdk-list-3', 'sdk-list-2']);

    const second = await clerk.users.getUserList({
      limit: 3,
      offset: 3,
      orderBy: '-created_at',
      externalId: ['sdk-list-1', 'sdk-list-2', 'sdk-list-3', 'sdk-list-4'],
    });
    expect(second.data.map((user) => user.externalId)).toEqual(['sdk-list-1']);

    const byEmail = await clerk.users.getUserList({ emailAddress: ['LIST-5@example.com'] });
    expect(byEmail.data.map((user) => user.externalId)).toEqual(['sdk-list-5']);

    const byQuery = await clerk.users.getUserList({ query: 'list-6', limit: 10 });
    expect(byQuery.data.map((user) => user.externalId)).toEqual(['sdk-list-6']);
    expect(await clerk.users.getCount({ query: 'list-' })).toBe(7);
  });

  it('merges metadata with updateUserMetadata and replaces it with replaceUserMetadata', async () => {
    const user = await clerk.users.createUser({
      externalId: 'sdk-meta',
      publicMetadata: { keep: 1, nested: { a: 1, b: 2 }, list: [1, 2] },
      privateMetadata: { secret: 'x' },
    });
    const merged = await clerk.users.updateUserMetadata(user.id, {
      publicMetadata: { nested: { b: null, c: 3 }, list: [9], added: true },
    });
    expect(merged.publicMetadata).toEqual({ keep: 1, nested: { a: 1, c: 3 }, list: [9], added: true });
    expect(merged.privateMetadata).toEqual({ secret: 'x' });

    const replaced = await clerk.users.replaceUserMetadata(user.id, { publicMetadata: { only: 'this' } });
    expect(replaced.publicMetadata).toEqual({ only: 'this' });
    expect(replaced.privateMetadata).toEqual({ secret: 'x' });
  });

  it('bans, unbans, locks and unlocks', async () => {
    const user = await clerk.users.createUser({ externalId: 'sdk-flags' });
    expect((await clerk.users.banUser(user.id)).banned).toBe(true);
    expect((await clerk.users.unbanUser(user.id)).banned).toBe(false);
    expect((await clerk.users.lockUser(user.id)).locked).toBe(true);
    const unlocked = await clerk.users.unlockUser(user.id);
    expect(unlocked.locked).toBe(false);
    expect((await clerk.users.getUser(user.id)).banned).toBe(false);
  });

  it('surfaces Clerk error codes, statuses and param names', async () => {
    await clerk.users.createUser({
      emailAddress: ['taken@example.com'],
      username: 'taken_name',
      externalId: 'sdk-taken',
    });
    const email = await apiError(clerk.users.createUser({ emailAddress: ['taken@example.com'] }));
    expect(email.status).toBe(422);
    expect(email.errors[0]?.code).toBe('form_identifier_exists');
    expect(email.errors[0]?.meta?.paramName).toBe('email_address');
    expect(email.clerkTraceId).toMatch(/^[0-9a-f]{32}$/);

    const username = await apiError(clerk.users.createUser({ username: 'TAKEN_NAME' }));
    expect(username.errors[0]?.meta?.paramName).toBe('username');
    const external = await apiError(clerk.users.createUser({ externalId: 'sdk-taken' }));
    expect(external.errors[0]?.meta?.paramName).toBe('external_id');

    const badEmail = await apiError(clerk.users.createUser({ emailAddress: ['not-an-email'] }));
    expect(badEmail.errors[0]?.code).toBe('form_param_format_invalid');

    const unauthorized = createClerkClient({
      secretKey: 'sk_test_wrong',
      apiUrl: emu.origin,
      telemetry: { disabled: true },
    });
    const denied = await apiError(unauthorized.users.getUserList());
    expect(denied.status).toBe(401);
    expect(denied.errors[0]?.code).toBe('clerk_key_invalid');
  });
});

describe('organizations and memberships through @clerk/backend', () => {
  it('creates organizations and manages memberships', async () => {
    const owner = await clerk.users.createUser({
      emailAddress: ['owner@acme.test'],
      externalId: 'sdk-owner',
      firstName: 'Olive',
    });
    const member = await clerk.users.createUser({ emailAddress: ['member@acme.test'], externalId: 'sdk-member' });
    // A new instance has organization slugs off: a slug is refused, an organization without one reads slug null.
    const withSlug = await apiError(clerk.organizations.createOrganization({ name: 'Acme Inc', slug: 'sdk-acme' }));
    expect([withSlug.status, withSlug.errors[0]?.code]).toEqual([403, 'organization_slugs_disabled']);
    const org = await clerk.organizations.createOrganization({
      name: 'Acme Inc',
      createdBy: owner.id,
      publicMetadata: { tier: 'gold' },
    });
    expect(org.id).toMatch(/^org_[0-9A-Za-z]{27}$/);
    expect(org.slug).toBeNull();

    const byId = await clerk.organizations.getOrganization({ organizationId: org.id, includeMembersCount: true });
    expect(byId.id).toBe(org.id);
    expect(byId.membersCount).toBe(1);

    const membership = await clerk.organizations.createOrganizationMembership({
      organizationId: org.id,
      userId: member.id,
      role: 'org:member',
    });
    expect(membership.id).toMatch(/^orgmem_[0-9A-Za-z]{27}$/);
    expect(membership.organization.id).toBe(org.id);
    expect(membership.publicUserData?.identifier).toBe('member@acme.test');

    const duplicate = await apiError(
      clerk.organizations.createOrganizationMembership({
        organizationId: org.id,
        userId: member.id,
        role: 'org:member',
      }),
    );
    expect(duplicate.status).toBe(400);
    expect(duplicate.errors[0]?.code).toBe('already_a_member_in_organization');

    const promoted = await clerk.organizations.updateOrganizationMembership({
      organizationId: org.id,
      userId: member.id,
      role: 'org:admin',
    });
    expect(promoted.role).toBe('org:admin');

    const withMetadata = await clerk.organizations.updateOrganizationMembershipMetadata({
      organizationId: org.id,
      userId: member.id,
      publicMetadata: { seat: 4 },
    });
    expect(withMetadata.publicMetadata).toEqual({ seat: 4 });

    const list = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, limit: 10 });
    expect(list.totalCount).toBe(2);
    expect(list.data.map((item) => item.publicUserData?.userId).sort()).toEqual([member.id, owner.id].sort());

    const userMemberships = await clerk.users.getOrganizationMembershipList({ userId: owner.id });
    expect(userMemberships.data.map((item) => item.role)).toEqual(['org:admin']);

    const instance = await clerk.organizations.getInstanceOrganizationMembershipList({ limit: 100 });
    expect(instance.totalCount).toBe(2);

    const orgs = await clerk.organizations.getOrganizationList({ query: 'acme', includeMembersCount: true });
    expect(orgs.data.map((item) => [item.id, item.slug])).toEqual([[org.id, null]]);
    expect(orgs.data[0]?.membersCount).toBe(2);

    const removed = await clerk.organizations.deleteOrganizationMembership({
      organizationId: org.id,
      userId: member.id,
    });
    expect(removed.publicUserData?.userId).toBe(member.id);
    const deleted = await clerk.organizations.deleteOrganization(org.id);
    expect(deleted.id).toBe(org.id);
    const missing = await apiError(clerk.organizations.getOrganization({ organizationId: org.id }));
    expect(missing.status).toBe(404);
  });
});
