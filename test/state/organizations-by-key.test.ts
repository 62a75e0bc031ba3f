// Organizations are identified by manifest key (issue 13, design decision 2): the reader keeps every live
// organization that can match a declared one (clerk-sync's mark, slug, exact name), on instances with and without
// slugs; findOrganizationByKey answers an idempotent create; organizations without a slug never trip anything.

import { describe, expect, it } from 'vitest';
import type { WireOrganization } from '../../src/clerk/index.ts';
import {
  fetchLiveSnapshot,
  findOrganizationByKey,
  findOrganizationBySlug,
  fromWireOrganization,
  matchOrganization,
  type SnapshotProgress,
} from '../../src/state/index.ts';
import { type FakeClerk, seedFake } from './fake-clerk.ts';
import { fakeClerkPerTest } from './fake-setup.ts';
import { wireMembership, wireOrganization } from './wire-fixtures.ts';

const setup = fakeClerkPerTest();

function org(id: string, slug: string | null, name: string, key?: string, createdAt = 1): WireOrganization {
  return wireOrganization({
    id,
    slug,
    name,
    created_at: createdAt,
    ...(key === undefined ? {} : { private_metadata: { clerkSync: { key }, other: true } }),
  });
}

function addMembers(fake: FakeClerk, organization: WireOrganization, count: number): void {
  for (let i = 0; i < count; i += 1) {
    const user = fake.addUser({ id: `user_${organization.id}_${i}`, created_at: fake.users.length + 1 });
    fake.memberships.push(wireMembership(`orgmem_${organization.id}_${i}`, organization, user.id));
  }
}

function disableSlugs(fake: FakeClerk): void {
  if (typeof fake.settings.organizationSettings === 'object') fake.settings.organizationSettings.slug_disabled = true;
}

describe('the reader keeps organizations by key', () => {
  it('keeps those matched by mark, slug or exact name on an instance without slugs, and reads their members', async () => {
    const { fake, client } = await setup();
    disableSlugs(fake);
    const marked = org('org_marked', null, 'Acme (renamed)', 'acme');
    const named = org('org_named', null, 'Globex');
    const slugged = org('org_slugged', 'initech', 'Initech Inc');
    const other = org('org_other', null, 'Other');
    const markedElse = org('org_else', null, 'Hooli', 'hooli-old');
    fake.organizations.push(marked, named, slugged, other, markedElse);
    for (const organization of fake.organizations) addMembers(fake, organization, 2);
    const progress: SnapshotProgress[] = [];
    const snapshot = await fetchLiveSnapshot(client, {
      managedOrgs: [
        { key: 'acme', name: 'Acme' },
        { key: 'globex', name: 'Globex' },
        { key: 'initech', name: 'Initech' },
      ],
      onProgress: (p) => progress.push(p),
    });
    // By slug, organizations without one last, by id.
    expect(snapshot.organizations).toStrictEqual([slugged, marked, named].map(fromWireOrganization));
    expect(snapshot.organizations.map((o) => o.key)).toEqual([null, 'acme', null]);
    expect(new Set(snapshot.memberships.map((m) => m.organizationId))).toEqual(
      new Set(['org_marked', 'org_named', 'org_slugged']),
    );
    expect(snapshot.memberships).toHaveLength(6);
    expect(progress.find((p) => p.phase === 'organizations')).toEqual({ phase: 'organizations', done: 5, total: 5 });
  });

  it('lists every organization when slugs are disabled, with no slug lookups', async () => {
    const { fake, client } = await setup();
    disableSlugs(fake);
    for (let i = 0; i < 1100; i += 1) {
      fake.organizations.push(org(`org_${String(i).padStart(4, '0')}`, null, `Team ${i}`, `team-${i}`, i));
    }
    const snapshot = await fetchLiveSnapshot(client, {
      managedOrgs: [
        { key: 'team-3', name: 'Team 3' },
        { key: 'team-1099', name: 'Team 1099' },
      ],
    });
    expect(snapshot.organizations.map((o) => o.key)).toEqual(['team-3', 'team-1099']);
    expect(fake.byRoute.get('GET /v1/organizations')).toBe(3);
    expect(fake.byRoute.get('GET /v1/organizations/{id}')).toBeUndefined();
  });

  it('lists every organization when a slug lookup finds an unmarked one: a marked one elsewhere comes first', async () => {
    const { fake, client } = await setup();
    seedFake(fake, { users: 5, organizations: 1600, memberships: 0 });
    // org-003 (unmarked) is on the first page; the organization clerk-sync marked as org-003 was renamed later.
    const renamed = org('org_renamed', 'acme-renamed', 'Acme', 'org-003', 2_000_000_000_000);
    fake.organizations.push(renamed);
    const snapshot = await fetchLiveSnapshot(client, {
      managedOrgs: [
        { key: 'org-003', name: 'Org 003' },
        { key: 'org-1599', name: 'Org 1599' },
      ],
    });
    expect(snapshot.organizations.map((o) => o.id)).toEqual(['org_renamed', 'org_003', 'org_1599']);
    expect(matchOrganization(snapshot.organizations, { key: 'org-003' })).toMatchObject({
      kind: 'found',
      by: 'key',
      organization: { id: 'org_renamed' },
    });
    // Two lookups (fewer than the 3 remaining pages), then every page.
    expect(fake.byRoute.get('GET /v1/organizations/{id}')).toBe(2);
    expect(fake.byRoute.get('GET /v1/organizations')).toBe(4);
  });

  it('reads 1,000 declared organizations and their memberships in the minimum + a constant', async () => {
    const { fake, client } = await setup();
    seedFake(fake, { users: 1000, organizations: 1000, memberships: 3000 });
    const managedOrgs = fake.organizations.map((o) => ({ key: o.slug ?? '', name: o.name }));
    const snapshot = await fetchLiveSnapshot(client, { managedOrgs });
    expect(snapshot.organizations).toHaveLength(1000);
    expect(snapshot.memberships).toHaveLength(3000);
    const minimum = Math.ceil(1000 / 500) + Math.ceil(3000 / 500) + Math.ceil(1000 / 500);
    expect(fake.byRoute.get('GET /v1/organizations')).toBe(2);
    // + the users count, the empty page that ends the user walk and the instance's settings (3).
    expect(fake.total()).toBeLessThanOrEqual(minimum + 5);
  });
});

describe('findOrganizationByKey', () => {
  it('finds by mark, else slug, else the one unmarked organization with the exact name', async () => {
    const { fake, client } = await setup();
    fake.organizations.push(
      org('org_slug_acme', 'acme', 'Acme'),
      org('org_mark_acme', null, 'Acme Corp', 'acme'),
      org('org_slug_globex', 'globex', 'Globex'),
      org('org_name_initech', null, 'Initech'),
      org('org_marked_initech', null, 'Initech', 'initech-old'),
      org('org_case', null, 'hooli'),
    );
    expect((await findOrganizationByKey(client, 'acme', 'Acme'))?.id).toBe('org_mark_acme');
    expect((await findOrganizationByKey(client, 'globex', 'Anything'))?.id).toBe('org_slug_globex');
    // The organization marked for another key is not adopted by name.
    expect((await findOrganizationByKey(client, 'initech', 'Initech'))?.id).toBe('org_name_initech');
    expect(await findOrganizationByKey(client, 'hooli', 'Hooli')).toBeUndefined();
    expect(await findOrganizationByKey(client, 'initech', undefined)).toBeUndefined();
  });

  it('refuses to pick between two candidates at the deciding step', async () => {
    const { fake, client } = await setup();
    fake.organizations.push(
      org('org_a', null, 'Twin'),
      org('org_b', null, 'Twin'),
      org('org_c', null, 'One', 'dup'),
      org('org_d', 'dup-2', 'Two', 'dup'),
    );
    await expect(findOrganizationByKey(client, 'twin', 'Twin')).rejects.toMatchObject({
      code: 'ambiguous_organization_match',
      meta: { key: 'twin', by: 'name', organizationIds: ['org_a', 'org_b'] },
    });
    await expect(findOrganizationByKey(client, 'dup', 'Whatever')).rejects.toMatchObject({
      code: 'ambiguous_organization_match',
      meta: { by: 'key', organizationIds: ['org_c', 'org_d'] },
    });
  });

  it('looks through every page of organizations', async () => {
    const { fake, client } = await setup();
    for (let i = 0; i < 700; i += 1) fake.organizations.push(org(`org_${i}`, null, `Team ${i}`, undefined, i));
    fake.organizations.push(org('org_last', null, 'Last', 'last', 10_000));
    expect((await findOrganizationByKey(client, 'last', 'Renamed'))?.id).toBe('org_last');
    expect(fake.byRoute.get('GET /v1/organizations')).toBe(2);
  });
});

describe('organizations without a slug', () => {
  it('findOrganizationBySlug asks nothing for a null or empty slug', async () => {
    const { fake, client } = await setup();
    fake.organizations.push(org('org_a', null, 'A'));
    expect(await findOrganizationBySlug(client, null)).toBeUndefined();
    expect(await findOrganizationBySlug(client, '')).toBeUndefined();
    expect(fake.total()).toBe(0);
  });
});
