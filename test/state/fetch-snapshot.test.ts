// fetchLiveSnapshot and the lookups, through the real client, against the in-test fake Clerk API.

import { afterEach, describe, expect, it } from 'vitest';
import { type ClerkClient, createClerkClient } from '../../src/clerk/index.ts';
import { LiveStateError } from '../../src/errors.ts';
import {
  type FetchedLiveSnapshot,
  fetchLiveSnapshot,
  fetchObjectVersions,
  findMembership,
  findOrganizationBySlug,
  findUserByKey,
  fromWireMembership,
  fromWireOrganization,
  fromWireUser,
  indexLiveUsersStrict,
  type OrganizationRef,
  type SnapshotProgress,
} from '../../src/state/index.ts';
import { type FakeClerk, seedFake, startFakeClerk } from './fake-clerk.ts';
import { wireEmail } from './wire-fixtures.ts';

const open: { fake: FakeClerk; client: ClerkClient }[] = [];

afterEach(async () => {
  for (const { fake, client } of open.splice(0)) {
    await client.close();
    await fake.close();
  }
});

async function setup(concurrency = 8): Promise<{ fake: FakeClerk; client: ClerkClient }> {
  const fake = await startFakeClerk();
  const client = createClerkClient({
    baseUrl: fake.url,
    secretKey: 'sk_test_fake',
    rateLimit: { requests: 100_000, windowMs: 1000 },
    concurrency,
    maxWaitMs: 1000,
  });
  const pair = { fake, client };
  open.push(pair);
  return pair;
}

/** GET /instance, /instance/organization_settings and /organization_roles: read with every snapshot. */
const SETTINGS_REQUESTS = 3;

/** The seeded organizations `org-NNN` as the manifest declares them. */
function refs(slugs: string[]): OrganizationRef[] {
  return slugs.map((slug) => ({ key: slug, name: `Org ${slug.slice(4)}` }));
}

/** What the snapshot must be: the fake's data mapped, filtered to managed orgs (by slug here) and sorted. */
function expected(fake: FakeClerk, managed: string[]): FetchedLiveSnapshot {
  const orgs = fake.organizations.filter((org) => org.slug !== null && managed.includes(org.slug));
  const orgIds = new Set(orgs.map((org) => org.id));
  return {
    users: fake.users.map(fromWireUser).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id)),
    organizations: orgs.map(fromWireOrganization).sort((a, b) => (a.slug ?? '').localeCompare(b.slug ?? '')),
    memberships: fake.memberships
      .filter((membership) => orgIds.has(membership.organization.id))
      .map(fromWireMembership)
      .sort((a, b) => a.organizationId.localeCompare(b.organizationId) || a.userId.localeCompare(b.userId)),
    // The fake's default settings (fake-clerk.ts).
    instance: {
      environment: 'development',
      slugsEnabled: true,
      maxAllowedMemberships: 5,
      creatorRole: 'org:admin',
      roles: ['org:admin', 'org:member'],
      userCount: fake.users.length,
    },
    apiUrl: fake.url,
    readWarnings: [],
  };
}

describe('fetchLiveSnapshot', () => {
  it('reads a small instance exactly, in a handful of requests', async () => {
    const { fake, client } = await setup();
    seedFake(fake, { users: 30, organizations: 3, memberships: 40 });
    const managed = ['org-000', 'org-002'];
    const snapshot = await fetchLiveSnapshot(client, { managedOrgs: refs(managed) });
    expect(snapshot).toStrictEqual(expected(fake, managed));
    expect(snapshot.organizations.map((org) => org.slug)).toEqual(managed);
    expect(snapshot.memberships.length).toBeGreaterThan(0);
    // count + one user page + one organization page + one membership page + the instance's settings
    expect(fake.total()).toBe(4 + SETTINGS_REQUESTS);
    expect(fake.byRoute.get('GET /v1/users')).toBe(1);
  });

  it('reads 5,000 users, 20 orgs and 6,000 memberships exactly, close to the minimum number of requests', async () => {
    const { fake, client } = await setup(8);
    seedFake(fake, { users: 5000, organizations: 20, memberships: 6000 });
    const managed = ['org-001', 'org-004', 'org-007', 'org-010', 'org-019'];
    const progress: SnapshotProgress[] = [];
    const snapshot = await fetchLiveSnapshot(client, {
      managedOrgs: refs(managed),
      concurrency: 8,
      onProgress: (p) => progress.push(p),
    });
    expect(snapshot).toStrictEqual(expected(fake, managed));
    expect(snapshot.users).toHaveLength(5000);
    // users/500 pages + one short page per range (K = 8) + count + two bounds.
    const userRequests = (fake.byRoute.get('GET /v1/users') ?? 0) + (fake.byRoute.get('GET /v1/users/count') ?? 0);
    expect(userRequests).toBeLessThanOrEqual(5000 / 500 + 8 + 3);
    expect(userRequests).toBeGreaterThanOrEqual(5000 / 500 + 1);
    // 5 managed orgs of 300 members: one page each beats 12 instance-wide pages; the organization list's
    // members_count already told the instance total, so no request is spent learning it.
    expect(fake.byRoute.get('GET /v1/organizations/{id}/memberships')).toBe(5);
    expect(fake.byRoute.get('GET /v1/organization_memberships')).toBeUndefined();
    expect(fake.total()).toBeLessThan(40);
    const lastUsers = progress.filter((p) => p.phase === 'users').at(-1);
    expect(lastUsers?.total).toBe(5000);
  });

  it('reads memberships instance-wide when managed orgs hold most of them', async () => {
    const { fake, client } = await setup();
    seedFake(fake, { users: 1200, organizations: 4, memberships: 2400 });
    const managed = ['org-000', 'org-001', 'org-002', 'org-003'];
    const snapshot = await fetchLiveSnapshot(client, { managedOrgs: refs(managed) });
    expect(snapshot).toStrictEqual(expected(fake, managed));
    expect(snapshot.memberships).toHaveLength(2400);
    // 5 instance-wide pages (2400 / 500) rather than 4 orgs x 2 pages.
    expect(fake.byRoute.get('GET /v1/organization_memberships')).toBe(5);
    expect(fake.byRoute.get('GET /v1/organizations/{id}/memberships')).toBeUndefined();
  });

  it('does not read organizations or memberships when the manifest manages none', async () => {
    const { fake, client } = await setup();
    seedFake(fake, { users: 10, organizations: 2, memberships: 5 });
    const snapshot = await fetchLiveSnapshot(client, { managedOrgs: [] });
    expect(snapshot.organizations).toEqual([]);
    expect(snapshot.memberships).toEqual([]);
    expect([...fake.byRoute.keys()].sort()).toEqual([
      'GET /v1/instance',
      'GET /v1/instance/organization_settings',
      'GET /v1/organization_roles',
      'GET /v1/users',
      'GET /v1/users/count',
    ]);
  });

  it('looks a marked organization up by slug when that is cheaper than paging every organization', async () => {
    const { fake, client } = await setup();
    seedFake(fake, { users: 5, organizations: 1100, memberships: 0 });
    // Organizations clerk-sync created on an instance with slugs: slug and mark are the manifest key.
    for (const org of fake.organizations) org.private_metadata = { clerkSync: { key: org.slug } };
    const snapshot = await fetchLiveSnapshot(client, { managedOrgs: refs(['org-1099', 'org-003']) });
    expect(snapshot.organizations.map((org) => org.slug)).toEqual(['org-003', 'org-1099']);
    expect(fake.byRoute.get('GET /v1/organizations')).toBe(1);
    expect(fake.byRoute.get('GET /v1/organizations/{id}')).toBe(1);
    // Not every organization was listed, so the instance's membership total comes from the first list page.
    expect(fake.byRoute.get('GET /v1/organization_memberships')).toBe(1);
  });

  it('cannot be made to miss a user by users created during the read', async () => {
    const { fake, client } = await setup(4);
    seedFake(fake, { users: 3000, organizations: 1, memberships: 0, spanMs: 3000 });
    const seeded = new Set(fake.users.map((user) => user.id));
    let inserted = 0;
    fake.onRequest = (route, query) => {
      if (route !== 'GET /v1/users' || query.get('limit') === '1') return;
      // Before every page: a user in the middle of the already-covered time, one at the current cursor's
      // millisecond, and one brand new.
      const anchor = fake.users.find((user) => user.id === query.get('starting_after')) ?? fake.users[1500];
      const at = anchor?.created_at ?? 0;
      for (const createdAt of [at - 1, at, Date.now()]) {
        inserted += 1;
        fake.addUser({
          id: `user_new${String(inserted).padStart(4, '0')}`,
          created_at: createdAt,
          updated_at: createdAt,
        });
      }
    };
    const snapshot = await fetchLiveSnapshot(client, { managedOrgs: [] });
    const read = new Set(snapshot.users.map((user) => user.id));
    expect(inserted).toBeGreaterThan(10);
    expect([...seeded].filter((id) => !read.has(id))).toEqual([]);
    expect(read.size).toBe(snapshot.users.length);
  });

  it('returns the same snapshot whatever the concurrency', async () => {
    const { fake, client } = await setup(1);
    seedFake(fake, { users: 2600, organizations: 3, memberships: 100 });
    const one = await fetchLiveSnapshot(client, { managedOrgs: refs(['org-001']), concurrency: 1 });
    const many = await fetchLiveSnapshot(client, { managedOrgs: refs(['org-001']), concurrency: 16 });
    expect(many).toStrictEqual(one);
    expect(one).toStrictEqual(expected(fake, ['org-001']));
  });

  it('lets duplicate live keys surface as LiveStateError live_duplicate_key', async () => {
    const { fake, client } = await setup();
    fake.addUser({ id: 'user_a', external_id: 'emp-1', created_at: 1 });
    fake.addUser({ id: 'user_b', external_id: 'emp-1', created_at: 2 });
    const snapshot = await fetchLiveSnapshot(client, { managedOrgs: [] });
    expect(() => indexLiveUsersStrict(snapshot, 'externalId')).toThrow(/user_a and user_b/);
    await expect(findUserByKey(client, 'externalId', 'emp-1')).rejects.toMatchObject({
      code: 'live_duplicate_key',
      meta: { userIds: ['user_a', 'user_b'] },
    });
    await expect(findUserByKey(client, 'externalId', 'emp-1')).rejects.toBeInstanceOf(LiveStateError);
  });
});

describe('lookups', () => {
  it('finds users by external id, email address (any case) and username, or undefined', async () => {
    const { fake, client } = await setup();
    fake.addUser({
      id: 'user_a',
      external_id: 'emp-1',
      username: 'ada',
      email_addresses: [wireEmail('idn_a', 'ada@example.test')],
    });
    expect((await findUserByKey(client, 'externalId', 'emp-1'))?.id).toBe('user_a');
    expect((await findUserByKey(client, 'emailAddress', 'Ada@Example.test'))?.id).toBe('user_a');
    expect((await findUserByKey(client, 'username', 'ada'))?.id).toBe('user_a');
    expect(await findUserByKey(client, 'externalId', 'emp-2')).toBeUndefined();
  });

  it('finds organizations by slug and memberships by org and user', async () => {
    const { fake, client } = await setup();
    seedFake(fake, { users: 3, organizations: 2, memberships: 3 });
    const org = await findOrganizationBySlug(client, 'org-001');
    expect(org).toStrictEqual(fromWireOrganization(fake.organizations[1] as never));
    expect(await findOrganizationBySlug(client, 'missing')).toBeUndefined();
    const wire = fake.memberships[0];
    const orgId = wire?.organization.id ?? '';
    const userId = wire?.public_user_data?.user_id ?? '';
    expect(await findMembership(client, orgId, userId)).toStrictEqual(fromWireMembership(wire as never));
    expect(await findMembership(client, orgId, 'user_nobody')).toBeUndefined();
    expect(await findMembership(client, 'org_gone', userId)).toBeUndefined();
  });

  it('fetchObjectVersions reads versions in batches of 100 and marks what is gone', async () => {
    const { fake, client } = await setup();
    seedFake(fake, { users: 250, organizations: 3, memberships: 6 });
    const userIds = [...fake.users.map((user) => user.id), 'user_deleted1', 'user_deleted2'];
    const m0 = fake.memberships[0];
    const m1 = fake.memberships[1];
    const versions = await fetchObjectVersions(client, {
      users: userIds,
      organizations: ['org_000', 'org_001', 'org_deleted'],
      memberships: [
        { orgId: m0?.organization.id ?? '', userId: m0?.public_user_data?.user_id ?? '' },
        { orgId: m1?.organization.id ?? '', userId: m1?.public_user_data?.user_id ?? '' },
        { orgId: 'org_000', userId: 'user_deleted1' },
        { orgId: 'org_deleted', userId: 'user_000001' },
      ],
    });
    expect(Object.keys(versions.users)).toHaveLength(252);
    expect(versions.users.user_000000).toBe(fake.users[0]?.updated_at);
    expect(versions.users.user_deleted1).toBe('deleted');
    expect(versions.organizations).toEqual({ org_000: 2, org_001: 2, org_deleted: 'deleted' });
    expect(versions.memberships).toEqual([
      {
        orgId: m0?.organization.id,
        userId: m0?.public_user_data?.user_id,
        membershipId: m0?.id,
        role: m0?.role,
        updatedAt: 20,
      },
      {
        orgId: m1?.organization.id,
        userId: m1?.public_user_data?.user_id,
        membershipId: m1?.id,
        role: m1?.role,
        updatedAt: 20,
      },
      { orgId: 'org_000', userId: 'user_deleted1', membershipId: null, role: null, updatedAt: 'deleted' },
      { orgId: 'org_deleted', userId: 'user_000001', membershipId: null, role: null, updatedAt: 'deleted' },
    ]);
    expect(fake.byRoute.get('GET /v1/users')).toBe(3);
    expect(fake.byRoute.get('GET /v1/organizations')).toBe(1);
  });
});
