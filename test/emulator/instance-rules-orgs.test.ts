// The organization rules of a new Clerk instance (issue 13 part A), over HTTP with every body checked against the
// OpenAPI spec: slugs off (403, slug null), the membership quota (the organization's own limit, else the
// instance's), roles that must exist (404), the last admin kept (400), the creator role, role names and permissions
// from the settings, and seeds that load past the quota but not past the role check. Codes and messages are those
// of Clerk's error catalog (clerk/clerk-docs data/api_errors.json).

import { describe, expect, it } from 'vitest';
import type { WireOrganization, WireOrganizationMembership, WirePage, WireUser } from '../../src/clerk/index.ts';
import {
  DEFAULT_ROLES,
  EmulatorSettingsError,
  type EmulatorSettingsInput,
  type RunningEmulator,
  startEmulator,
} from '../../src/emulator/index.ts';
import { emulatorFetch, withEmulator } from '../helpers/emulator.ts';
import { firstError, specFetch } from './spec-fetch.ts';

type Emu = Pick<RunningEmulator, 'origin' | 'secretKey'>;

/** Runs `body` against an emulator started with these settings (merged over a new instance's), then closes it. */
async function withSettings(settings: EmulatorSettingsInput, body: (emu: Emu) => Promise<void>) {
  const running = await startEmulator({ port: 0, settings });
  try {
    await body(running);
  } finally {
    await running.close();
  }
}

const emu = withEmulator();

let userCounter = 0;
async function createUser(target: Emu = emu): Promise<WireUser> {
  userCounter++;
  const response = await specFetch(target, 'POST', '/users', '/users', {
    external_id: `orgs-rules-${userCounter}`,
    email_address: [`orgs-rules-${userCounter}@example.com`],
    password: 'a-long-enough-passphrase',
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as WireUser;
}

async function createOrg(body: Record<string, unknown>, target: Emu = emu): Promise<WireOrganization> {
  const response = await specFetch(target, 'POST', '/organizations', '/organizations', body);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as WireOrganization;
}

function addMember(orgId: string, userId: string, role = 'org:member', target: Emu = emu) {
  return specFetch(
    target,
    'POST',
    '/organizations/{organization_id}/memberships',
    `/organizations/${orgId}/memberships`,
    { user_id: userId, role },
  );
}

function setRole(orgId: string, userId: string, role: string, target: Emu = emu) {
  return specFetch(
    target,
    'PATCH',
    '/organizations/{organization_id}/memberships/{user_id}',
    `/organizations/${orgId}/memberships/${userId}`,
    { role },
  );
}

function removeMember(orgId: string, userId: string, target: Emu = emu) {
  return specFetch(
    target,
    'DELETE',
    '/organizations/{organization_id}/memberships/{user_id}',
    `/organizations/${orgId}/memberships/${userId}`,
  );
}

async function members(orgId: string, target: Emu = emu): Promise<WireOrganizationMembership[]> {
  const response = await specFetch(
    target,
    'GET',
    '/organizations/{organization_id}/memberships',
    `/organizations/${orgId}/memberships?limit=100&order_by=%2Bcreated_at`,
  );
  expect(response.status).toBe(200);
  return (response.body as WirePage<WireOrganizationMembership>).data;
}

const SLUGS_DISABLED = {
  code: 'organization_slugs_disabled',
  message: 'organization slugs not enabled',
  long_message: 'This instance does not have slugs enabled for organizations.',
};
const ROLE_NOT_FOUND = {
  code: 'resource_not_found',
  message: 'not found',
  long_message: 'Organization role not found',
  meta: { param_name: 'role' },
};
const MINIMUM_PERMISSIONS = {
  code: 'organization_minimum_permissions_needed',
  message: 'minimum organization permissions needed',
  long_message: 'There has to be at least one organization member with the minimum required permissions',
};
function quotaExceeded(limit: number) {
  return {
    code: 'organization_membership_quota_exceeded',
    message: 'organization membership quota exceeded',
    long_message: `You have reached your limit of ${limit} organization memberships, including outstanding invitations.`,
  };
}

describe('organization slugs (off on a new instance)', () => {
  it('refuses a slug on create and update with 403 organization_slugs_disabled and stores nothing', async () => {
    emu.reset();
    for (const slug of ['acme', '']) {
      const refused = await specFetch(emu, 'POST', '/organizations', '/organizations', { name: 'Acme', slug });
      expect(refused.status).toBe(403);
      expect(firstError(refused)).toEqual(SLUGS_DISABLED);
    }
    expect((await specFetch(emu, 'GET', '/organizations', '/organizations')).body).toEqual({
      data: [],
      total_count: 0,
    });
    const org = await createOrg({ name: 'Acme', slug: null });
    const patched = await specFetch(emu, 'PATCH', '/organizations/{organization_id}', `/organizations/${org.id}`, {
      name: 'Acme 2',
      slug: 'acme',
    });
    expect(patched.status).toBe(403);
    expect(firstError(patched)).toEqual(SLUGS_DISABLED);
    const unchanged = await specFetch(emu, 'GET', '/organizations/{organization_id}', `/organizations/${org.id}`);
    expect(unchanged.body).toMatchObject({ name: 'Acme', slug: null });
  });

  it('creates organizations with slug null, found by id only, listed and searched without a slug', async () => {
    emu.reset();
    const creator = await createUser();
    const org = await createOrg({ name: 'Globex Corp', created_by: creator.id });
    expect(org.slug).toBeNull();
    expect(org.max_allowed_memberships).toBe(0);
    const byId = await specFetch(
      emu,
      'GET',
      '/organizations/{organization_id}',
      `/organizations/${org.id}?include_members_count=true`,
    );
    expect(byId.body).toMatchObject({ id: org.id, slug: null, members_count: 1 });
    // The slug today's emulator would have made from the name, and the text "null", name nothing.
    for (const key of ['globex-corp', 'null']) {
      const missing = await specFetch(emu, 'GET', '/organizations/{organization_id}', `/organizations/${key}`);
      expect(missing.status).toBe(404);
    }
    const second = await createOrg({ name: 'Globex Corp' });
    expect(second.slug).toBeNull();
    const search = async (query: string) =>
      (await specFetch(emu, 'GET', '/organizations', `/organizations?query=${query}`))
        .body as WirePage<WireOrganization>;
    expect((await search('globex')).total_count).toBe(2);
    expect((await search('corp-')).total_count).toBe(0);
    expect((await search(org.id)).data.map((item) => item.id)).toEqual([org.id]);

    const renamed = await specFetch(emu, 'PATCH', '/organizations/{organization_id}', `/organizations/${org.id}`, {
      name: 'Globex Inc',
    });
    expect(renamed.body).toMatchObject({ name: 'Globex Inc', slug: null });
    const [membership] = await members(org.id);
    expect(membership?.organization).toMatchObject({ id: org.id, slug: null });
    const deleted = await specFetch(emu, 'DELETE', '/organizations/{organization_id}', `/organizations/${second.id}`);
    expect(deleted.body).toEqual({ object: 'organization', id: second.id, deleted: true });
  });

  it('keeps slugs when the instance enables them: given, or made from the name', async () => {
    await withSettings({ organization_settings: { slug_disabled: false } }, async (target) => {
      const given = await createOrg({ name: 'Initech', slug: 'initech' }, target);
      const made = await createOrg({ name: 'Initech' }, target);
      expect([given.slug, made.slug?.startsWith('initech-')]).toEqual(['initech', true]);
      const bySlug = await specFetch(target, 'GET', '/organizations/{organization_id}', '/organizations/initech');
      expect((bySlug.body as WireOrganization).id).toBe(given.id);
    });
    // The same requests on a new instance: the slug is refused.
    const refused = await specFetch(emu, 'POST', '/organizations', '/organizations', { name: 'I', slug: 'initech' });
    expect(refused.status).toBe(403);
  });
});

describe('membership quota', () => {
  it('allows 5 members per organization by default (the creator counts), then 403 with the limit', async () => {
    emu.reset();
    const creator = await createUser();
    const org = await createOrg({ name: 'Five', created_by: creator.id });
    const users: WireUser[] = [];
    for (let i = 0; i < 5; i++) users.push(await createUser());
    for (const user of users.slice(0, 4)) expect((await addMember(org.id, user.id)).status).toBe(200);
    const sixth = await addMember(org.id, users[4]?.id as string);
    expect(sixth.status).toBe(403);
    expect(firstError(sixth)).toEqual(quotaExceeded(5));
    expect(await members(org.id)).toHaveLength(5);
    // The organization's own field stays what it set (0 = the instance default).
    const read = await specFetch(emu, 'GET', '/organizations/{organization_id}', `/organizations/${org.id}`);
    expect((read.body as WireOrganization).max_allowed_memberships).toBe(0);
    // A place freed is a place taken.
    expect((await removeMember(org.id, users[0]?.id as string)).status).toBe(200);
    expect((await addMember(org.id, users[4]?.id as string)).status).toBe(200);
  });

  it("uses the organization's own limit when it sets one, above or below the instance's", async () => {
    emu.reset();
    const big = await createOrg({ name: 'Seven', max_allowed_memberships: 7 });
    const small = await createOrg({ name: 'Two', max_allowed_memberships: 2 });
    const users: WireUser[] = [];
    for (let i = 0; i < 8; i++) users.push(await createUser());
    for (const user of users.slice(0, 7)) expect((await addMember(big.id, user.id)).status).toBe(200);
    expect(firstError(await addMember(big.id, users[7]?.id as string))).toEqual(quotaExceeded(7));
    for (const user of users.slice(0, 2)) expect((await addMember(small.id, user.id)).status).toBe(200);
    expect(firstError(await addMember(small.id, users[2]?.id as string))).toEqual(quotaExceeded(2));
    // Lowering the limit below the member count keeps the members and refuses the next one.
    await specFetch(emu, 'PATCH', '/organizations/{organization_id}', `/organizations/${big.id}`, {
      max_allowed_memberships: 3,
    });
    expect(await members(big.id)).toHaveLength(7);
    expect(firstError(await addMember(big.id, users[7]?.id as string))).toEqual(quotaExceeded(3));
  });

  it('has no instance limit when the instance sets 0 (a new instance sets 5)', async () => {
    emu.reset();
    const limited = await createOrg({ name: 'Limited' });
    for (let i = 0; i < 5; i++) expect((await addMember(limited.id, (await createUser()).id)).status).toBe(200);
    expect(firstError(await addMember(limited.id, (await createUser()).id))).toEqual(quotaExceeded(5));
    await withSettings({ organization_settings: { max_allowed_memberships: 0 } }, async (target) => {
      const org = await createOrg({ name: 'Unlimited' }, target);
      for (let i = 0; i < 7; i++) {
        const user = await createUser(target);
        expect((await addMember(org.id, user.id, 'org:member', target)).status).toBe(200);
      }
      expect(await members(org.id, target)).toHaveLength(7);
    });
  });
});

describe('roles must exist', () => {
  it('refuses an unknown role key on create and on update with 404 "Organization role not found"', async () => {
    emu.reset();
    const org = await createOrg({ name: 'Roles' });
    const user = await createUser();
    const refused = await addMember(org.id, user.id, 'org:billing');
    expect(refused.status).toBe(404);
    expect(firstError(refused)).toEqual(ROLE_NOT_FOUND);
    expect(await members(org.id)).toEqual([]);
    expect((await addMember(org.id, user.id, 'org:member')).status).toBe(200);
    const update = await setRole(org.id, user.id, 'org:owner');
    expect(update.status).toBe(404);
    expect(firstError(update)).toEqual(ROLE_NOT_FOUND);
    expect((await members(org.id)).map((item) => item.role)).toEqual(['org:member']);
  });

  it("names and permits from the instance's roles: custom roles, and any org: key when unknown roles are accepted", async () => {
    await withSettings(
      {
        roles: [
          ...DEFAULT_ROLES,
          {
            key: 'org:billing',
            name: 'Billing manager',
            description: null,
            permissions: ['org:billing:manage', 'org:sys_memberships:read'],
          },
        ],
      },
      async (target) => {
        const org = await createOrg({ name: 'Custom' }, target);
        const user = await createUser(target);
        const added = (await addMember(org.id, user.id, 'org:billing', target)).body as WireOrganizationMembership;
        expect([added.role, added.role_name, added.permissions]).toEqual([
          'org:billing',
          'Billing manager',
          ['org:billing:manage', 'org:sys_memberships:read'],
        ]);
        const admin = (await setRole(org.id, user.id, 'org:admin', target)).body as WireOrganizationMembership;
        expect(admin.role_name).toBe('Admin');
        expect(admin.permissions).toContain('org:sys_memberships:manage');
      },
    );
    await withSettings({ unknown_roles_refused: false }, async (target) => {
      const org = await createOrg({ name: 'Open' }, target);
      const user = await createUser(target);
      const added = (await addMember(org.id, user.id, 'org:any_thing', target)).body as WireOrganizationMembership;
      expect([added.role, added.role_name, added.permissions]).toEqual(['org:any_thing', 'Any Thing', []]);
    });
  });

  it("gives the creator the instance's creator role, which must be one of the instance's roles", async () => {
    await withSettings({ organization_settings: { creator_role: 'org:member' } }, async (target) => {
      const creator = await createUser(target);
      const org = await createOrg({ name: 'Member-made', created_by: creator.id }, target);
      expect((await members(org.id, target)).map((item) => item.role)).toEqual(['org:member']);
    });
    // A creator role that is not one of the instance's roles never reaches a request: the settings are refused,
    // at start and on update, naming the key (so POST /organizations never meets a missing creator role).
    await expect(
      startEmulator({ port: 0, settings: { organization_settings: { creator_role: 'org:gone' } } }),
    ).rejects.toMatchObject({ key: 'organization_settings.creator_role', reason: 'invalid_value' });
    expect(() => emu.updateSettings({ organization_settings: { creator_role: 'org:gone' } })).toThrow(
      EmulatorSettingsError,
    );
    expect(emu.settings().organization_settings.creator_role).toBe('org:admin');
  });
});

describe('the last admin', () => {
  it('refuses demoting or removing the last admin with 400; a handover (promote, then demote) works', async () => {
    emu.reset();
    const [owner, other] = [await createUser(), await createUser()];
    const org = await createOrg({ name: 'Admins', created_by: owner.id });
    expect((await members(org.id)).map((item) => item.role)).toEqual(['org:admin']);
    expect((await addMember(org.id, other.id)).status).toBe(200);

    const demoted = await setRole(org.id, owner.id, 'org:member');
    expect(demoted.status).toBe(400);
    expect(firstError(demoted)).toEqual(MINIMUM_PERMISSIONS);
    const removed = await removeMember(org.id, owner.id);
    expect(removed.status).toBe(400);
    expect(firstError(removed)).toEqual(MINIMUM_PERMISSIONS);
    // Setting the admin role again is no demotion; removing a non-admin is fine.
    expect((await setRole(org.id, owner.id, 'org:admin')).status).toBe(200);

    expect((await setRole(org.id, other.id, 'org:admin')).status).toBe(200);
    expect((await setRole(org.id, owner.id, 'org:member')).status).toBe(200);
    expect((await removeMember(org.id, owner.id)).status).toBe(200);
    expect(firstError(await removeMember(org.id, other.id))).toEqual(MINIMUM_PERMISSIONS);
    expect((await members(org.id)).map((item) => [item.public_user_data?.user_id, item.role])).toEqual([
      [other.id, 'org:admin'],
    ]);
  });

  it('counts any role with the manage-members permission as an admin role', async () => {
    await withSettings(
      {
        roles: [
          ...DEFAULT_ROLES,
          {
            key: 'org:owner',
            name: 'Owner',
            description: null,
            permissions: ['org:sys_memberships:manage', 'org:sys_memberships:read'],
          },
        ],
      },
      async (target) => {
        const [first, second] = [await createUser(target), await createUser(target)];
        const org = await createOrg({ name: 'Owners', created_by: first.id }, target);
        expect((await addMember(org.id, second.id, 'org:owner', target)).status).toBe(200);
        expect((await setRole(org.id, first.id, 'org:member', target)).status).toBe(200);
        // The owner is now the last member with the permission.
        const demoted = await setRole(org.id, second.id, 'org:member', target);
        expect(firstError(demoted)).toEqual(MINIMUM_PERMISSIONS);
        expect((await setRole(org.id, second.id, 'org:admin', target)).status).toBe(200);
      },
    );
  });

  it('does not block deleting the last admin user or the organization', async () => {
    emu.reset();
    const [owner, member] = [await createUser(), await createUser()];
    const org = await createOrg({ name: 'Orphaned', created_by: owner.id });
    expect((await addMember(org.id, member.id)).status).toBe(200);
    // The membership endpoint refuses to remove the last admin, but the user itself may go.
    expect(firstError(await removeMember(org.id, owner.id))).toEqual(MINIMUM_PERMISSIONS);
    const deletedUser = await specFetch(emu, 'DELETE', '/users/{user_id}', `/users/${owner.id}`);
    expect(deletedUser.status).toBe(200);
    expect((await members(org.id)).map((item) => item.role)).toEqual(['org:member']);
    // With no admin left, the rule does not stop removing the others.
    expect((await removeMember(org.id, member.id)).status).toBe(200);
    const other = await createOrg({ name: 'Deleted whole', created_by: (await createUser()).id });
    const deletedOrg = await specFetch(emu, 'DELETE', '/organizations/{organization_id}', `/organizations/${other.id}`);
    expect(deletedOrg.status).toBe(200);
  });

  it('lets the last admin go when the instance does not protect it (a new instance does)', async () => {
    emu.reset();
    const protectedOwner = await createUser();
    const protectedOrg = await createOrg({ name: 'Protected', created_by: protectedOwner.id });
    expect(firstError(await setRole(protectedOrg.id, protectedOwner.id, 'org:member'))).toEqual(MINIMUM_PERMISSIONS);
    await withSettings({ last_admin_protected: false }, async (target) => {
      const owner = await createUser(target);
      const org = await createOrg({ name: 'Unprotected', created_by: owner.id }, target);
      expect((await setRole(org.id, owner.id, 'org:member', target)).status).toBe(200);
      expect((await removeMember(org.id, owner.id, target)).status).toBe(200);
    });
  });
});

describe('seeding', () => {
  it('loads memberships past the quota, keeps fixture slugs, then the API enforces the quota again', async () => {
    emu.reset();
    const users = Array.from({ length: 8 }, (_, i) => ({
      external_id: `seeded-${i}`,
      email_address: [`seeded-${i}@example.com`],
      password: 'a-long-enough-passphrase',
    }));
    const response = await emulatorFetch(emu, 'POST', '/__emulator/seed', {
      users,
      organizations: [{ name: 'Seeded Big', slug: 'seeded-big' }, { name: 'Seeded Plain' }],
      memberships: [
        ...users.slice(0, 7).map((user, i) => ({
          organization: 'seeded-big',
          user: user.external_id,
          role: i === 0 ? 'org:admin' : 'org:member',
        })),
        { organization: 'Seeded Plain', user: 'seeded-0', role: 'org:admin' },
      ],
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ users: 8, organizations: 2, memberships: 8 });
    const big = await specFetch(emu, 'GET', '/organizations/{organization_id}', '/organizations/seeded-big');
    const bigOrg = big.body as WireOrganization;
    expect(bigOrg.slug).toBe('seeded-big');
    expect(await members(bigOrg.id)).toHaveLength(7);
    const list = await specFetch(emu, 'GET', '/organizations', '/organizations?query=plain');
    expect((list.body as WirePage<WireOrganization>).data.map((org) => org.slug)).toEqual([null]);

    const eighth = (await specFetch(emu, 'GET', '/users', '/users?external_id=seeded-7')).body as WireUser[];
    expect(firstError(await addMember(bigOrg.id, eighth[0]?.id as string))).toEqual(quotaExceeded(5));
  });

  it('still refuses unknown roles, and the quota holds after a seed that failed', async () => {
    emu.reset();
    const refused = await emulatorFetch(emu, 'POST', '/__emulator/seed', {
      users: [
        { external_id: 'seed-role', email_address: ['seed-role@example.com'], password: 'a-long-enough-passphrase' },
      ],
      organizations: [{ name: 'Seed Roles', slug: 'seed-roles' }],
      memberships: [{ organization: 'seed-roles', user: 'seed-role', role: 'org:billing' }],
    });
    expect(refused.status).toBe(404);
    expect(firstError(refused)).toMatchObject({
      code: 'resource_not_found',
      long_message: 'memberships[0]: Organization role not found',
    });
    const org = (await specFetch(emu, 'GET', '/organizations/{organization_id}', '/organizations/seed-roles'))
      .body as WireOrganization;
    for (let i = 0; i < 5; i++) expect((await addMember(org.id, (await createUser()).id)).status).toBe(200);
    expect(firstError(await addMember(org.id, (await createUser()).id))).toEqual(quotaExceeded(5));
  });
});
