// Reads that survive a real server: GET /users ignoring or refusing starting_after (created_at pages instead), the
// cursor user deleted mid-read, pages silently capped (checked against GET /users/count), users deleted mid-read.

import { describe, expect, it } from 'vitest';
import type { LiveUser } from '../../src/model/index.ts';
import { fetchLiveSnapshot, fromWireUser } from '../../src/state/index.ts';
import { type FakeClerk, seedFake } from './fake-clerk.ts';
import { fakeClerkPerTest } from './fake-setup.ts';

const setup = fakeClerkPerTest();

function expectedUsers(fake: FakeClerk): LiveUser[] {
  return fake.users.map(fromWireUser).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
}

function userRequests(fake: FakeClerk): number {
  return fake.byRoute.get('GET /v1/users') ?? 0;
}

describe('GET /users without a working starting_after', () => {
  it('falls back to created_at pages when the server ignores starting_after (the same page twice)', async () => {
    const { fake, client } = await setup(8);
    fake.ignoreStartingAfter = true;
    seedFake(fake, { users: 5000, organizations: 0, memberships: 0 });
    const snapshot = await fetchLiveSnapshot(client, { managedOrgs: [], concurrency: 8 });
    expect(snapshot.users).toStrictEqual(expectedUsers(fake));
    expect(snapshot.readWarnings).toEqual([
      'GET /users ignored starting_after (the same page twice): users were read in created_at pages instead',
    ]);
    // 10 full pages + per range (K = 8) a short page, at most one repeated page and one page of overlap at a
    // millisecond boundary, + the two bounds.
    expect(userRequests(fake)).toBeLessThanOrEqual(10 + 3 * 8 + 2);
  });

  it('reads a millisecond holding more than a page of users by offset within it', async () => {
    const { fake, client } = await setup(4);
    fake.ignoreStartingAfter = true;
    // An import that gave 1,300 users one created_at.
    for (let i = 0; i < 1300; i += 1) fake.addUser({ id: `user_${String(i).padStart(5, '0')}`, created_at: 1000 });
    fake.addUser({ id: 'user_later', created_at: 2000 });
    const snapshot = await fetchLiveSnapshot(client, { managedOrgs: [], concurrency: 4 });
    expect(snapshot.users).toStrictEqual(expectedUsers(fake));
  });

  it('falls back to created_at pages when the server refuses starting_after, and says so', async () => {
    const { fake, client } = await setup(4);
    fake.refuseStartingAfter = 422;
    seedFake(fake, { users: 2200, organizations: 0, memberships: 0 });
    const snapshot = await fetchLiveSnapshot(client, { managedOrgs: [], concurrency: 4 });
    expect(snapshot.users).toStrictEqual(expectedUsers(fake));
    expect(snapshot.readWarnings).toEqual([
      'GET /users refused starting_after: users were read in created_at pages instead',
    ]);
  });

  it.each([400, 404, 422])('resumes by created_at when the cursor user was deleted mid-read (%i)', async (status) => {
    const { fake, client } = await setup(4);
    fake.unknownCursorStatus = status;
    seedFake(fake, { users: 5000, organizations: 0, memberships: 0 });
    // A cursor user was read (the last of its page) before it was deleted: the snapshot holds every seeded user.
    const seeded = expectedUsers(fake);
    const deleted: string[] = [];
    fake.onRequest = (route, query) => {
      const cursor = query.get('starting_after');
      if (route !== 'GET /v1/users' || cursor === null) return;
      // Each cursor user is deleted just before its page is asked for.
      fake.users = fake.users.filter((user) => user.id !== cursor);
      deleted.push(cursor);
    };
    const snapshot = await fetchLiveSnapshot(client, { managedOrgs: [], concurrency: 4 });
    // Four ranges of 1,250 users: two cursor pages each.
    expect(deleted).toHaveLength(8);
    // Every user once; the cursor stays in use (the server knows the parameter).
    expect(snapshot.users).toStrictEqual(seeded);
    expect(fake.users).toHaveLength(5000 - 8);
    expect(snapshot.readWarnings).toEqual([]);
  });
});

describe('the read checked against GET /users/count', () => {
  it('fails with live_read_incomplete when the server silently caps its pages', async () => {
    const { fake, client } = await setup(4);
    fake.maxPageSize = 100;
    seedFake(fake, { users: 1200, organizations: 0, memberships: 0 });
    await expect(fetchLiveSnapshot(client, { managedOrgs: [] })).rejects.toMatchObject({
      code: 'live_read_incomplete',
      meta: { counted: 1200, recounted: 1200 },
    });
  });

  it('counts again when many users were deleted during the read, and accepts the new count', async () => {
    const { fake, client } = await setup(4);
    seedFake(fake, { users: 1200, organizations: 0, memberships: 0 });
    let deleted = false;
    fake.onRequest = (route, query) => {
      if (deleted || route !== 'GET /v1/users' || query.get('limit') === '1') return;
      // The 60 newest users go before any of them is read.
      deleted = true;
      fake.users = [...fake.users].sort((a, b) => a.created_at - b.created_at).slice(0, 1140);
    };
    const snapshot = await fetchLiveSnapshot(client, { managedOrgs: [] });
    expect(snapshot.users).toStrictEqual(expectedUsers(fake));
    expect(snapshot.instance.userCount).toBe(1140);
    expect(fake.byRoute.get('GET /v1/users/count')).toBe(2);
  });

  it('tolerates a few users deleted during the read without counting again', async () => {
    const { fake, client } = await setup(4);
    seedFake(fake, { users: 1200, organizations: 0, memberships: 0 });
    let deleted = false;
    fake.onRequest = (route, query) => {
      if (deleted || route !== 'GET /v1/users' || query.get('limit') === '1') return;
      deleted = true;
      fake.users = [...fake.users].sort((a, b) => a.created_at - b.created_at).slice(0, 1195);
    };
    const snapshot = await fetchLiveSnapshot(client, { managedOrgs: [] });
    expect(snapshot.users).toHaveLength(1195);
    // The count when the read began.
    expect(snapshot.instance.userCount).toBe(1200);
    expect(fake.byRoute.get('GET /v1/users/count')).toBe(1);
  });
});
