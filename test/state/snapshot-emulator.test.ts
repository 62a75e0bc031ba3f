// fetchLiveSnapshot against the emulator seeded like a mid-size instance: exact data, near-minimal requests, and
// users created while the read runs cannot hide seeded ones.

import { afterEach, describe, expect, it } from 'vitest';
import { type ClerkClient, createClerkClient, type WireCreateUserBody } from '../../src/clerk/index.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { fetchLiveSnapshot, indexLiveUsersStrict } from '../../src/state/index.ts';

const running: { emulator: RunningEmulator; client: ClerkClient }[] = [];

afterEach(async () => {
  for (const { emulator, client } of running.splice(0)) {
    await client.close();
    await emulator.close();
  }
});

const USERS = 5000;
const ORGS = 20;
const MEMBERSHIPS = 6000;

function seedUsers(count: number, prefix = 'emp'): WireCreateUserBody[] {
  return Array.from({ length: count }, (_, i) => ({
    external_id: `${prefix}-${String(i).padStart(5, '0')}`,
    email_address: [`${prefix}${i}@example.test`],
    first_name: `First${i}`,
    public_metadata: { n: i },
    skip_password_requirement: true,
  }));
}

async function setup(seed: Parameters<RunningEmulator['seed']>[0]) {
  // Thousands of users: more than a development instance holds (user_cap 100), as a production instance would.
  const emulator = await startEmulator({ port: 0, seed, settings: { user_cap: null } });
  const client = createClerkClient({
    baseUrl: emulator.url,
    secretKey: emulator.secretKey,
    rateLimit: { requests: 100_000, windowMs: 1000 },
    concurrency: 8,
    maxWaitMs: 30_000,
  });
  running.push({ emulator, client });
  return { emulator, client };
}

describe('fetchLiveSnapshot on the emulator', () => {
  it('returns exactly the seeded 5,000 users, 20 orgs and 6,000 memberships with near-minimal requests', async () => {
    const organizations = Array.from({ length: ORGS }, (_, i) => ({ name: `Org ${i}`, slug: `org-${i}` }));
    const memberships = Array.from({ length: MEMBERSHIPS }, (_, i) => ({
      organization: `org-${(i + Math.floor(i / USERS)) % ORGS}`,
      user: `emp-${String(i % USERS).padStart(5, '0')}`,
      role: i % 9 === 0 ? 'org:admin' : 'org:member',
    }));
    const { emulator, client } = await setup({ users: seedUsers(USERS), organizations, memberships });
    emulator.resetStats();
    const managed = organizations.map((org) => org.slug);
    const snapshot = await fetchLiveSnapshot(client, {
      managedOrgs: organizations.map((org) => ({ key: org.slug, name: org.name })),
      concurrency: 8,
    });

    expect(snapshot.users).toHaveLength(USERS);
    expect(new Set(snapshot.users.map((user) => user.externalId))).toEqual(
      new Set(seedUsers(USERS).map((user) => user.external_id)),
    );
    const ada = snapshot.users.find((user) => user.externalId === 'emp-00042');
    expect(ada?.emailAddresses.map((email) => email.emailAddress)).toEqual(['emp42@example.test']);
    expect(ada?.publicMetadata).toEqual({ n: 42 });
    expect(snapshot.organizations.map((org) => org.slug)).toEqual([...managed].sort());
    const slugById = new Map(snapshot.organizations.map((org) => [org.id, org.slug]));
    const externalById = new Map(snapshot.users.map((user) => [user.id, user.externalId]));
    const read = snapshot.memberships.map(
      (m) => `${slugById.get(m.organizationId)}|${externalById.get(m.userId)}|${m.role}`,
    );
    expect(new Set(read)).toEqual(new Set(memberships.map((m) => `${m.organization}|${m.user}|${m.role}`)));
    expect(read).toHaveLength(MEMBERSHIPS);
    // Deterministic order: users by createdAt then id.
    const sorted = [...snapshot.users].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    expect(snapshot.users.map((u) => u.id)).toEqual(sorted.map((u) => u.id));

    const stats = emulator.stats();
    const userRequests = (stats.byRoute['GET /v1/users'] ?? 0) + (stats.byRoute['GET /v1/users/count'] ?? 0);
    expect(userRequests).toBeLessThanOrEqual(USERS / 500 + 8 + 3);
    // 6,000 memberships: 12 instance-wide pages; organizations: 1 page.
    expect(stats.total).toBeLessThanOrEqual(USERS / 500 + 8 + 3 + 1 + MEMBERSHIPS / 500 + 1);
    expect(stats.byRoute['GET /v1/users/{user_id}'] ?? 0).toBe(0);
  });

  it('does not lose a seeded user to users created while it reads', async () => {
    const { client } = await setup({ users: seedUsers(3000) });
    let stop = false;
    let created = 0;
    const writer = (async () => {
      while (!stop) {
        await client.request({
          method: 'POST',
          path: '/users',
          body: { external_id: `new-${created}`, skip_password_requirement: true },
        });
        created += 1;
      }
    })();
    const snapshot = await fetchLiveSnapshot(client, { managedOrgs: [] });
    stop = true;
    await writer;
    const seen = new Set(snapshot.users.map((user) => user.externalId));
    const missing = seedUsers(3000).filter((user) => !seen.has(user.external_id ?? ''));
    expect(missing).toEqual([]);
    expect(created).toBeGreaterThan(0);
    expect(() => indexLiveUsersStrict(snapshot, 'externalId')).not.toThrow();
  });

  it("keeps the organizations clerk-sync's mark, a slug or an exact name matches, with their memberships", async () => {
    const { client } = await setup({
      users: seedUsers(6),
      organizations: [
        // Created by clerk-sync as "acme", renamed (name and slug) since.
        { name: 'Acme Renamed', slug: 'acme-2', private_metadata: { clerkSync: { key: 'acme' } } },
        { name: 'Globex', slug: 'globex-inc' },
        { name: 'Initech', slug: 'initech' },
        { name: 'Unrelated', slug: 'unrelated' },
      ],
      memberships: [
        { organization: 'acme-2', user: 'emp-00000', role: 'org:admin' },
        { organization: 'globex-inc', user: 'emp-00001', role: 'org:admin' },
        { organization: 'initech', user: 'emp-00002', role: 'org:admin' },
        { organization: 'unrelated', user: 'emp-00003', role: 'org:admin' },
      ],
    });
    const snapshot = await fetchLiveSnapshot(client, {
      managedOrgs: [
        { key: 'acme', name: 'Acme' },
        { key: 'globex', name: 'Globex' },
        { key: 'initech', name: 'Initech Corp' },
      ],
    });
    expect(snapshot.organizations.map((org) => [org.slug, org.key])).toEqual([
      ['acme-2', 'acme'],
      ['globex-inc', null],
      ['initech', null],
    ]);
    const slugById = new Map(snapshot.organizations.map((org) => [org.id, org.slug]));
    expect(snapshot.memberships.map((m) => slugById.get(m.organizationId)).sort()).toEqual([
      'acme-2',
      'globex-inc',
      'initech',
    ]);
  });
});
