// A plan's read groups the memberships by user as they arrive (FetchedLiveSnapshot.groupedMemberships): exactly the
// snapshot's list, by either way of reading memberships; nothing when not asked; nothing when a copy was dropped.

import { afterEach, describe, expect, it } from 'vitest';
import { type ClerkClient, createClerkClient } from '../../src/clerk/index.ts';
import type { LiveMembership } from '../../src/model/index.ts';
import { groupMembershipsByUser, type MembershipsByUser } from '../../src/plan/memberships-by-user.ts';
import { fetchLiveSnapshot, type OrganizationRef } from '../../src/state/index.ts';
import { type FakeClerk, seedFake, startFakeClerk } from './fake-clerk.ts';
import { wireMembership } from './wire-fixtures.ts';

const open: { fake: FakeClerk; client: ClerkClient }[] = [];

afterEach(async () => {
  for (const { fake, client } of open.splice(0)) {
    await client.close();
    await fake.close();
  }
});

async function setup(): Promise<{ fake: FakeClerk; client: ClerkClient }> {
  const fake = await startFakeClerk();
  const client = createClerkClient({
    baseUrl: fake.url,
    secretKey: 'sk_test_fake',
    rateLimit: { requests: 100_000, windowMs: 1000 },
    concurrency: 8,
    maxWaitMs: 1000,
  });
  open.push({ fake, client });
  return { fake, client };
}

function refs(slugs: string[]): OrganizationRef[] {
  return slugs.map((slug) => ({ key: slug, name: `Org ${slug.slice(4)}` }));
}

/** Each user's membership ids, sorted: the grouping's content whatever order the pages came in. */
function content(byUser: MembershipsByUser): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [userId, held] of byUser) {
    out[userId] = (Array.isArray(held) ? held : [held as LiveMembership]).map((m) => m.id).sort();
  }
  return out;
}

describe('memberships grouped by user during the read', () => {
  it.each([
    [
      'GET /v1/organization_memberships',
      { users: 1200, organizations: 4, memberships: 2400 },
      ['org-000', 'org-001', 'org-002', 'org-003'],
    ],
    [
      'GET /v1/organizations/{id}/memberships',
      { users: 1000, organizations: 20, memberships: 6000 },
      ['org-001', 'org-004', 'org-007', 'org-010', 'org-019'],
    ],
  ])('are the snapshot memberships exactly, read by %s', async (route, seed, managed) => {
    const { fake, client } = await setup();
    seedFake(fake, seed);
    const snapshot = await fetchLiveSnapshot(client, { managedOrgs: refs(managed), groupMemberships: true });
    expect(snapshot.memberships.length).toBeGreaterThan(500);
    expect(fake.byRoute.get(route)).toBeGreaterThan(0);
    expect(snapshot.groupedMemberships?.list).toBe(snapshot.memberships);
    const byUser = snapshot.groupedMemberships?.byUser ?? new Map();
    expect(content(byUser)).toStrictEqual(content(groupMembershipsByUser(snapshot.memberships)));
    // Several users hold more than one membership: the arrays are exercised.
    expect([...byUser.values()].some((held) => Array.isArray(held))).toBe(true);
  });

  it('are not grouped unless the read is asked to', async () => {
    const { fake, client } = await setup();
    seedFake(fake, { users: 30, organizations: 3, memberships: 40 });
    const snapshot = await fetchLiveSnapshot(client, { managedOrgs: refs(['org-000', 'org-001']) });
    expect(snapshot.memberships.length).toBeGreaterThan(0);
    expect(snapshot).not.toHaveProperty('groupedMemberships');
  });

  it('are not given when a membership was read twice (pages shifted) and a copy dropped', async () => {
    const { fake, client } = await setup();
    seedFake(fake, { users: 1200, organizations: 4, memberships: 2400 });
    const org = fake.organizations[0];
    let shifted = false;
    fake.onRequest = (route, query) => {
      // Before the second page: a membership sorts first, so that page starts with the first page's last row again.
      if (shifted || route !== 'GET /v1/organization_memberships' || query.get('offset') !== '500' || !org) return;
      shifted = true;
      fake.memberships.unshift({ ...wireMembership('orgmem_early', org, 'user_000001'), created_at: 0 });
    };
    const snapshot = await fetchLiveSnapshot(client, {
      managedOrgs: refs(['org-000', 'org-001', 'org-002', 'org-003']),
      groupMemberships: true,
    });
    expect(shifted).toBe(true);
    const ids = snapshot.memberships.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(2400);
    expect(snapshot).not.toHaveProperty('groupedMemberships');
  });
});
