// startLiveRead (issue 17, "Overlap"): what does not depend on the manifest starts before it is known, a full read
// that is certain starts at once and is what the snapshot holds, and an undecided read waits for the manifest.

import { afterEach, describe, expect, it } from 'vitest';
import { type ClerkClient, createClerkClient } from '../../src/clerk/index.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { startLiveRead } from '../../src/state/index.ts';
import { waitFor } from '../helpers/cli.ts';

const running: { emulator: RunningEmulator; client: ClerkClient }[] = [];

afterEach(async () => {
  for (const { emulator, client } of running.splice(0)) {
    await client.close();
    await emulator.close();
  }
});

async function setup(users: number, organizations = 0) {
  const emulator = await startEmulator({
    port: 0,
    settings: { user_cap: null },
    seed: {
      users: Array.from({ length: users }, (_, i) => ({ external_id: `emp-${i}`, skip_password_requirement: true })),
      organizations: Array.from({ length: organizations }, (_, i) => ({ name: `Org ${i}`, slug: `org-${i}` })),
      // Two members in each organization: the first users.
      memberships: Array.from({ length: organizations * 2 }, (_, i) => ({
        organization: `org-${Math.floor(i / 2)}`,
        user: `emp-${i}`,
        role: 'org:admin',
      })),
    },
  });
  const client = createClerkClient({
    baseUrl: emulator.url,
    secretKey: emulator.secretKey,
    rateLimit: { requests: 100_000, windowMs: 1000 },
    concurrency: 8,
    maxWaitMs: 30_000,
  });
  running.push({ emulator, client });
  emulator.resetStats();
  return { emulator, client };
}

const users = (stats: RunningEmulator['stats']) => stats().byRoute['GET /v1/users'] ?? 0;
const memberships = (stats: RunningEmulator['stats']) =>
  Object.entries(stats().byRoute)
    .filter(([route]) => route.includes('memberships'))
    .reduce((sum, [, count]) => sum + count, 0);

describe('startLiveRead', () => {
  it('reads the count, the settings and, when one page holds every user, every user before the manifest is known', async () => {
    const { emulator, client } = await setup(300);
    const reading = startLiveRead(client, { option: 'auto' });
    await waitFor(() => users(emulator.stats) === 1, 'the full read to start before finish');
    expect(emulator.stats().byRoute['GET /v1/users/count']).toBe(1);
    expect(emulator.stats().byRoute['GET /v1/instance']).toBe(1);
    const desired = [{ key: 'emp-1', source: { file: 'm.yaml', line: 1, column: 1 }, externalId: 'emp-1' }];
    const live = await reading.finish({
      managedOrgs: [],
      users: { option: 'auto', prune: false, declared: desired, userKey: 'externalId' },
    });
    expect(live.users).toHaveLength(300);
    expect(live.read).toMatchObject({ strategy: 'full', reason: 'cost', requests: { full: 1, targeted: 1 } });
    // Nothing read twice: the one page, the count and the instance's three settings.
    expect(users(emulator.stats)).toBe(1);
    expect(emulator.stats().total).toBe(5);
  });

  it('waits for the manifest when a targeted read may be cheaper, then reads only what it names', async () => {
    const { emulator, client } = await setup(1200);
    const reading = startLiveRead(client, { option: 'auto' });
    await waitFor(() => emulator.stats().byRoute['GET /v1/users/count'] === 1, 'the count');
    expect(users(emulator.stats)).toBe(0);
    const desired = [{ key: 'emp-7', source: { file: 'm.yaml', line: 1, column: 1 }, externalId: 'emp-7' }];
    const live = await reading.finish({
      managedOrgs: [],
      users: { option: 'auto', prune: false, declared: desired, userKey: 'externalId' },
    });
    expect(live.users.map((user) => user.externalId)).toEqual(['emp-7']);
    expect(live.read).toMatchObject({ strategy: 'targeted', reason: 'cost', instanceUsers: 1200 });
    expect(live.instance.userCount).toBe(1200);
    expect(users(emulator.stats)).toBe(1);
  });

  it('a manifest size that makes the full read certain starts it early; the plan says so when it was not needed', async () => {
    const { emulator, client } = await setup(1200);
    const reading = startLiveRead(client, { option: 'auto', manifestBytes: 10_000_000 });
    await waitFor(() => users(emulator.stats) >= 3, 'the full read to start before finish');
    const desired = [{ key: 'emp-7', source: { file: 'm.yaml', line: 1, column: 1 }, externalId: 'emp-7' }];
    const live = await reading.finish({
      managedOrgs: [],
      users: { option: 'auto', prune: false, declared: desired, userKey: 'externalId' },
    });
    expect(live.users).toHaveLength(1200);
    expect(live.read).toMatchObject({ strategy: 'full', reason: 'early' });
  });

  it('hands the users over once they are read, in the array the snapshot holds', async () => {
    const { client } = await setup(1200);
    const reading = startLiveRead(client, { option: 'full' });
    const handed: (readonly unknown[])[] = [];
    const desired = [{ key: 'emp-7', source: { file: 'm.yaml', line: 1, column: 1 }, externalId: 'emp-7' }];
    const live = await reading.finish({
      managedOrgs: [],
      users: { option: 'full', prune: false, declared: desired, userKey: 'externalId' },
      onUsers: (users) => handed.push(users),
    });
    expect(handed).toHaveLength(1);
    expect(handed[0]).toBe(live.users);
    expect(live.users).toHaveLength(1200);
  });

  it('reads the memberships of the organizations it is told of before finish, and not again', async () => {
    const { emulator, client } = await setup(1200, 30);
    const reading = startLiveRead(client, { option: 'full' });
    const refs = [
      { key: 'org-3', name: 'Org 3' },
      { key: 'org-7', name: 'Org 7' },
    ];
    reading.organizationsKnown(refs);
    await waitFor(() => memberships(emulator.stats) > 0, 'the memberships to be read before finish');
    const desired = [{ key: 'emp-7', source: { file: 'm.yaml', line: 1, column: 1 }, externalId: 'emp-7' }];
    const request = { option: 'full' as const, prune: false, declared: desired, userKey: 'externalId' as const };
    const live = await reading.finish({ managedOrgs: refs, users: request });
    const read = memberships(emulator.stats);
    expect(live.organizations.map((org) => org.slug)).toEqual(['org-3', 'org-7']);
    expect(live.memberships.map((m) => m.userId).length).toBe(4);
    // The same snapshot as a read told of them only at finish, and no more membership requests.
    emulator.resetStats();
    const plain = await startLiveRead(client, { option: 'full' }).finish({ managedOrgs: refs, users: request });
    expect(plain).toStrictEqual(live);
    expect(memberships(emulator.stats)).toBe(read);
  });

  it('reads again when finish names other organizations than it was told of', async () => {
    const { client } = await setup(600, 30);
    const reading = startLiveRead(client, { option: 'full' });
    reading.organizationsKnown([{ key: 'org-3', name: 'Org 3' }]);
    const desired = [{ key: 'emp-7', source: { file: 'm.yaml', line: 1, column: 1 }, externalId: 'emp-7' }];
    const request = { option: 'full' as const, prune: false, declared: desired, userKey: 'externalId' as const };
    const final = [
      { key: 'org-3', name: 'Org 3' },
      { key: 'org-9', name: 'Org 9' },
    ];
    const live = await reading.finish({ managedOrgs: final, users: request });
    expect(live.organizations.map((org) => org.slug)).toEqual(['org-3', 'org-9']);
    const plain = await startLiveRead(client, { option: 'full' }).finish({ managedOrgs: final, users: request });
    expect(live).toStrictEqual(plain);
  });
});
