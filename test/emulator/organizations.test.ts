// Raw HTTP tests of organizations and memberships: id-or-slug lookup, list filters and orderings, metadata,
// membership rules (user-id paths, duplicate = 400, quota), instance-wide listing, cascading deletes.

import { describe, expect, it } from 'vitest';
import type { WireOrganization, WireOrganizationMembership, WirePage, WireUser } from '../../src/clerk/index.ts';
import { withEmulator } from '../helpers/emulator.ts';
import { firstError, specFetch } from './spec-fetch.ts';

let now = 1_710_000_000_000;
// About organizations on an instance with slugs enabled (lookup by slug, slug checks), not the password rule
// (test/emulator/user-rules.test.ts has that); test/emulator/instance-rules-orgs.test.ts has slugs disabled.
const emu = withEmulator({
  clock: () => now,
  settings: { password_required: false, organization_settings: { slug_disabled: false } },
});

async function createUser(externalId: string, extra: Record<string, unknown> = {}): Promise<WireUser> {
  const response = await specFetch(emu, 'POST', '/users', '/users', { external_id: externalId, ...extra });
  expect(response.status).toBe(200);
  return response.body as WireUser;
}

async function createOrg(body: Record<string, unknown>): Promise<WireOrganization> {
  const response = await specFetch(emu, 'POST', '/organizations', '/organizations', body);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as WireOrganization;
}

async function addMember(orgId: string, userId: string, role = 'org:member'): Promise<WireOrganizationMembership> {
  const response = await specFetch(
    emu,
    'POST',
    '/organizations/{organization_id}/memberships',
    `/organizations/${orgId}/memberships`,
    { user_id: userId, role },
  );
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as WireOrganizationMembership;
}

describe('organizations', () => {
  it('creates, reads by id or slug, updates, and checks slugs', async () => {
    const creator = await createUser('org-creator', { first_name: 'Cy' });
    const org = await createOrg({
      name: 'Initech',
      slug: 'initech',
      created_by: creator.id,
      public_metadata: { plan: 'pro' },
    });
    expect(org).toMatchObject({ object: 'organization', name: 'Initech', slug: 'initech', created_by: creator.id });
    const bySlug = await specFetch(
      emu,
      'GET',
      '/organizations/{organization_id}',
      '/organizations/initech?include_members_count=true',
    );
    expect((bySlug.body as WireOrganization).id).toBe(org.id);
    expect((bySlug.body as WireOrganization).members_count).toBe(1);
    const members = await specFetch(
      emu,
      'GET',
      '/organizations/{organization_id}/memberships',
      `/organizations/${org.id}/memberships`,
    );
    const page = members.body as WirePage<WireOrganizationMembership>;
    expect(page.data.map((item) => [item.public_user_data?.user_id, item.role])).toEqual([[creator.id, 'org:admin']]);

    const generated = await createOrg({ name: 'Initech' });
    expect(generated.slug).toMatch(/^initech-[a-z0-9]{6}$/);
    const taken = await specFetch(emu, 'POST', '/organizations', '/organizations', { name: 'Other', slug: 'initech' });
    expect(firstError(taken)).toMatchObject({ code: 'form_identifier_exists', meta: { param_name: 'slug' } });
    const badSlug = await specFetch(emu, 'POST', '/organizations', '/organizations', {
      name: 'Other',
      slug: 'Not A Slug',
    });
    expect(badSlug.status).toBe(422);
    const noCreator = await specFetch(emu, 'POST', '/organizations', '/organizations', {
      name: 'Other',
      created_by: 'user_nope',
    });
    expect(noCreator.status).toBe(400);
    expect(firstError(noCreator)?.code).toBe('organization_creator_not_found');

    const renamed = await specFetch(emu, 'PATCH', '/organizations/{organization_id}', `/organizations/${org.id}`, {
      name: 'Initech LLC',
      slug: 'initech-llc',
    });
    expect(renamed.body).toMatchObject({ name: 'Initech LLC', slug: 'initech-llc' });
    expect((renamed.body as WireOrganization).updated_at).toBeGreaterThan(org.updated_at);
    expect((await specFetch(emu, 'GET', '/organizations/{organization_id}', '/organizations/initech')).status).toBe(
      404,
    );
    const withMetadata = await specFetch(emu, 'PATCH', '/organizations/{organization_id}', `/organizations/${org.id}`, {
      public_metadata: {},
    });
    expect(firstError(withMetadata)).toMatchObject({
      code: 'form_param_unknown',
      meta: { param_name: 'public_metadata' },
    });
  });

  it('merges and replaces organization metadata', async () => {
    const org = await createOrg({
      name: 'Meta Org',
      public_metadata: { a: { b: 1, c: 2 } },
      private_metadata: { p: 1 },
    });
    const merged = await specFetch(
      emu,
      'PATCH',
      '/organizations/{organization_id}/metadata',
      `/organizations/${org.id}/metadata`,
      {
        public_metadata: { a: { b: null, d: 4 } },
      },
    );
    expect((merged.body as WireOrganization).public_metadata).toEqual({ a: { c: 2, d: 4 } });
    const replaced = await specFetch(
      emu,
      'PUT',
      '/organizations/{organization_id}/metadata',
      `/organizations/${org.id}/metadata`,
      {
        private_metadata: { q: 2 },
      },
    );
    expect(replaced.body).toMatchObject({ public_metadata: { a: { c: 2, d: 4 } }, private_metadata: { q: 2 } });
  });

  it('lists with query, id filters, member filters, orderings and counts', async () => {
    emu.reset();
    const member = await createUser('lister');
    const names = ['Zeta Corp', 'alpha works', 'Mid Co'];
    const orgs: WireOrganization[] = [];
    for (const name of names) {
      now += 1000;
      orgs.push(await createOrg({ name }));
    }
    await addMember(orgs[2]?.id as string, member.id);
    const list = async (query: string) => {
      const response = await specFetch(emu, 'GET', '/organizations', `/organizations?${query}`);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body as WirePage<WireOrganization>;
    };
    expect((await list('')).data.map((org) => org.name)).toEqual(['Mid Co', 'alpha works', 'Zeta Corp']);
    expect((await list('order_by=name')).data.map((org) => org.name)).toEqual(['alpha works', 'Mid Co', 'Zeta Corp']);
    expect((await list('order_by=-members_count&include_members_count=true')).data[0]).toMatchObject({
      name: 'Mid Co',
      members_count: 1,
    });
    expect((await list('query=WORK')).data.map((org) => org.name)).toEqual(['alpha works']);
    expect((await list('query=zeta-corp')).total_count).toBe(1);
    expect((await list(`query=${orgs[0]?.id}`)).data.map((org) => org.id)).toEqual([orgs[0]?.id]);
    expect((await list(`user_id=${member.id}`)).data.map((org) => org.name)).toEqual(['Mid Co']);
    expect((await list(`organization_id=-${orgs[0]?.id}`)).total_count).toBe(2);
    const paged = await list('limit=1&offset=1&order_by=created_at');
    expect(paged).toMatchObject({ total_count: 3 });
    expect(paged.data.map((org) => org.name)).toEqual(['alpha works']);
    expect(paged.data[0]?.members_count).toBeUndefined();
  });
});

describe('memberships', () => {
  it('adds, updates, filters and removes memberships keyed by user id', async () => {
    emu.reset();
    const org = await createOrg({ name: 'Members', slug: 'members' });
    const users: WireUser[] = [];
    for (const [i, name] of ['carol', 'alice', 'bob'].entries()) {
      now += 1000;
      users.push(
        await createUser(`m-${name}`, {
          first_name: name,
          username: `user_${name}`,
          email_address: [`${name}@m.test`],
        }),
      );
      now += 1;
      await addMember(org.id, users[i]?.id as string, i === 0 ? 'org:admin' : 'org:member');
    }
    const [carol, alice, bob] = users as [WireUser, WireUser, WireUser];
    const list = async (query: string) => {
      const response = await specFetch(
        emu,
        'GET',
        '/organizations/{organization_id}/memberships',
        `/organizations/${org.id}/memberships?${query}`,
      );
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body as WirePage<WireOrganizationMembership>;
    };
    const ids = (page: WirePage<WireOrganizationMembership>) => page.data.map((item) => item.public_user_data?.user_id);
    expect(ids(await list(''))).toEqual([bob.id, alice.id, carol.id]);
    expect(ids(await list('order_by=first_name'))).toEqual([alice.id, bob.id, carol.id]);
    expect(ids(await list('order_by=%2Bcreated_at&limit=2&offset=1'))).toEqual([alice.id, bob.id]);
    expect(ids(await list('role=org:admin'))).toEqual([carol.id]);
    expect(ids(await list(`user_id=-${carol.id}&order_by=username`))).toEqual([alice.id, bob.id]);
    expect(ids(await list('email_address=BOB@m.test'))).toEqual([bob.id]);
    expect(ids(await list('query=ali'))).toEqual([alice.id]);
    expect((await list('limit=1')).total_count).toBe(3);

    const duplicate = await specFetch(
      emu,
      'POST',
      '/organizations/{organization_id}/memberships',
      `/organizations/${org.id}/memberships`,
      { user_id: bob.id, role: 'org:admin' },
    );
    expect(duplicate.status).toBe(400);
    expect(firstError(duplicate)?.code).toBe('already_a_member_in_organization');
    const badRole = await specFetch(
      emu,
      'POST',
      '/organizations/{organization_id}/memberships',
      `/organizations/${org.id}/memberships`,
      { user_id: (await createUser('m-dave')).id, role: 'admin' },
    );
    expect(firstError(badRole)).toMatchObject({ code: 'form_param_value_invalid', meta: { param_name: 'role' } });

    const promoted = await specFetch(
      emu,
      'PATCH',
      '/organizations/{organization_id}/memberships/{user_id}',
      `/organizations/${org.id}/memberships/${bob.id}`,
      { role: 'org:admin' },
    );
    const promotedBody = promoted.body as WireOrganizationMembership;
    expect(promotedBody.role).toBe('org:admin');
    expect(promotedBody.permissions).toContain('org:sys_memberships:manage');
    const metadata = await specFetch(
      emu,
      'PATCH',
      '/organizations/{organization_id}/memberships/{user_id}/metadata',
      `/organizations/${org.id}/memberships/${bob.id}/metadata`,
      { public_metadata: { desk: 7, x: { y: 1 } } },
    );
    const merged = await specFetch(
      emu,
      'PATCH',
      '/organizations/{organization_id}/memberships/{user_id}/metadata',
      `/organizations/${org.id}/memberships/${bob.id}/metadata`,
      { public_metadata: { x: { y: null } } },
    );
    expect((merged.body as WireOrganizationMembership).public_metadata).toEqual({ desk: 7, x: {} });
    expect((merged.body as WireOrganizationMembership).updated_at).toBeGreaterThan(
      (metadata.body as WireOrganizationMembership).updated_at,
    );

    const missing = await specFetch(
      emu,
      'PATCH',
      '/organizations/{organization_id}/memberships/{user_id}',
      `/organizations/${org.id}/memberships/user_nope`,
      { role: 'org:member' },
    );
    expect(missing.status).toBe(404);

    const removed = await specFetch(
      emu,
      'DELETE',
      '/organizations/{organization_id}/memberships/{user_id}',
      `/organizations/${org.id}/memberships/${alice.id}`,
    );
    expect((removed.body as WireOrganizationMembership).public_user_data?.user_id).toBe(alice.id);
    expect((await list('')).total_count).toBe(2);

    const forUser = await specFetch(
      emu,
      'GET',
      '/users/{user_id}/organization_memberships',
      `/users/${bob.id}/organization_memberships`,
    );
    expect((forUser.body as WirePage<WireOrganizationMembership>).data.map((item) => item.organization.slug)).toEqual([
      'members',
    ]);
  });

  it('enforces max_allowed_memberships', async () => {
    const org = await createOrg({ name: 'Tiny', max_allowed_memberships: 1 });
    await addMember(org.id, (await createUser('tiny-1')).id);
    const refused = await specFetch(
      emu,
      'POST',
      '/organizations/{organization_id}/memberships',
      `/organizations/${org.id}/memberships`,
      { user_id: (await createUser('tiny-2')).id, role: 'org:member' },
    );
    expect(refused.status).toBe(403);
    expect(firstError(refused)?.code).toBe('organization_membership_quota_exceeded');
  });

  it('lists instance-wide memberships by offset in created_at order and cascades deletes', async () => {
    emu.reset();
    const orgA = await createOrg({ name: 'A', slug: 'a-org' });
    const orgB = await createOrg({ name: 'B', slug: 'b-org' });
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      now += 10;
      const user = await createUser(`inst-${i}`);
      created.push((await addMember(i % 2 === 0 ? orgA.id : orgB.id, user.id)).id);
      if (i === 3) {
        now += 1;
        created.push((await addMember(orgA.id, user.id)).id);
      }
    }
    const collect = async (order: string) => {
      const seen: string[] = [];
      for (let offset = 0; ; offset += 3) {
        const response = await specFetch(
          emu,
          'GET',
          '/organization_memberships',
          `/organization_memberships?limit=3&offset=${offset}${order}`,
        );
        const page = response.body as WirePage<WireOrganizationMembership>;
        expect(page.total_count).toBe(8);
        seen.push(...page.data.map((item) => item.id));
        if (page.data.length < 3) break;
      }
      return seen;
    };
    expect(await collect('')).toEqual(created);
    expect(await collect('&order_by=-created_at')).toEqual([...created].reverse());

    // Deleting a user removes its memberships; deleting an organization removes the rest.
    const user3 = (await specFetch(emu, 'GET', '/users', '/users?external_id=inst-3')).body as WireUser[];
    await specFetch(emu, 'DELETE', '/users/{user_id}', `/users/${user3[0]?.id}`);
    const afterUser = await specFetch(emu, 'GET', '/organization_memberships', '/organization_memberships?limit=100');
    expect((afterUser.body as WirePage<unknown>).total_count).toBe(6);
    const deleted = await specFetch(emu, 'DELETE', '/organizations/{organization_id}', `/organizations/${orgA.id}`);
    expect(deleted.body).toEqual({ object: 'organization', id: orgA.id, slug: 'a-org', deleted: true });
    const afterOrg = await specFetch(emu, 'GET', '/organization_memberships', '/organization_memberships?limit=100');
    const remaining = afterOrg.body as WirePage<WireOrganizationMembership>;
    expect(remaining.total_count).toBe(2);
    expect(remaining.data.every((item) => item.organization.id === orgB.id)).toBe(true);
  });
});

describe('membership JSON is served from a cache', () => {
  it('shows every change to the membership, its organization and its user, in all three listings', async () => {
    const user = await createUser('cache-user', { first_name: 'Before' });
    const org = await createOrg({ name: 'Cache Org', slug: 'cache-org' });
    await addMember(org.id, user.id);
    const listings = async (): Promise<WireOrganizationMembership[]> => {
      const byOrg = await specFetch(
        emu,
        'GET',
        '/organizations/{organization_id}/memberships',
        `/organizations/${org.id}/memberships`,
      );
      const byUser = await specFetch(
        emu,
        'GET',
        '/users/{user_id}/organization_memberships',
        `/users/${user.id}/organization_memberships`,
      );
      const all = await specFetch(emu, 'GET', '/organization_memberships', '/organization_memberships?limit=500');
      return [byOrg, byUser, all].map((response) => {
        const found = (response.body as WirePage<WireOrganizationMembership>).data.find(
          (item) => item.public_user_data?.user_id === user.id && item.organization.id === org.id,
        );
        expect(found, JSON.stringify(response.body).slice(0, 300)).toBeDefined();
        return found as WireOrganizationMembership;
      });
    };
    // Read once so each listing has cached it.
    expect((await listings()).map((item) => item.role)).toEqual(['org:member', 'org:member', 'org:member']);
    now += 1000;
    const renamed = await specFetch(emu, 'PATCH', '/users/{user_id}', `/users/${user.id}`, { first_name: 'After' });
    expect(renamed.status).toBe(200);
    expect((await listings()).map((item) => item.public_user_data?.first_name)).toEqual(['After', 'After', 'After']);
    const orgRenamed = await specFetch(emu, 'PATCH', '/organizations/{organization_id}', `/organizations/${org.id}`, {
      name: 'Renamed Org',
    });
    expect(orgRenamed.status).toBe(200);
    expect((await listings()).map((item) => item.organization.name)).toEqual([
      'Renamed Org',
      'Renamed Org',
      'Renamed Org',
    ]);
    const promoted = await specFetch(
      emu,
      'PATCH',
      '/organizations/{organization_id}/memberships/{user_id}',
      `/organizations/${org.id}/memberships/${user.id}`,
      { role: 'org:admin' },
    );
    expect(promoted.status).toBe(200);
    expect((await listings()).map((item) => item.role)).toEqual(['org:admin', 'org:admin', 'org:admin']);
  });
});
