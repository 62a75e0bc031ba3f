// fetchTouchedSnapshot against the emulator: exactly the users and organizations asked for (missing ones are gone),
// every membership of those organizations, the organizations a deleted user leaves, and the instance's settings.
// With checkedUndoPlan: an undo that deletes the user an apply created refuses when that user has since become the
// last admin of an organization the undo does not otherwise touch.

import { afterEach, describe, expect, it } from 'vitest';
import { checkedUndoPlan, type JournalEntry } from '../../src/apply/index.ts';
import { type ClerkClient, createClerkClient } from '../../src/clerk/index.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { fetchTouchedSnapshot } from '../../src/state/fetch-touched.ts';
import { emulatorFetch } from '../helpers/emulator.ts';

const running: { emulator: RunningEmulator; client: ClerkClient }[] = [];

afterEach(async () => {
  for (const { emulator, client } of running.splice(0)) {
    await client.close();
    await emulator.close();
  }
});

async function setup() {
  const emulator = await startEmulator({
    port: 0,
    seed: {
      organizations: [
        { name: 'Acme', slug: 'acme' },
        { name: 'Beta', slug: 'beta' },
        { name: 'Gamma', slug: 'gamma' },
      ],
      users: [
        { external_id: 'emp-1', email_address: ['a@acme.test'] },
        { external_id: 'emp-2', email_address: ['b@acme.test'] },
        { external_id: 'emp-3', email_address: ['c@acme.test'] },
      ],
      memberships: [
        { organization: 'acme', user: 'emp-1', role: 'org:admin' },
        { organization: 'acme', user: 'emp-2', role: 'org:member' },
        { organization: 'beta', user: 'emp-3', role: 'org:admin' },
        { organization: 'beta', user: 'emp-2', role: 'org:member' },
        { organization: 'gamma', user: 'emp-2', role: 'org:admin' },
      ],
    },
  });
  const client = createClerkClient({
    baseUrl: emulator.url,
    secretKey: emulator.secretKey,
    rateLimit: { requests: 10_000, windowMs: 1000 },
    concurrency: 4,
    maxWaitMs: 30_000,
  });
  running.push({ emulator, client });
  const ids = new Map<string, string>();
  for (const key of ['emp-1', 'emp-2', 'emp-3']) {
    const [user] = (await emulatorFetch(emulator, 'GET', `/users?external_id=${key}`)).body as { id: string }[];
    ids.set(key, user?.id ?? '');
  }
  for (const slug of ['acme', 'beta', 'gamma']) {
    ids.set(slug, ((await emulatorFetch(emulator, 'GET', `/organizations/${slug}`)).body as { id: string }).id);
  }
  return { emulator, client, id: (name: string) => ids.get(name) ?? '' };
}

describe('fetchTouchedSnapshot', () => {
  it('reads the users and organizations asked for, all their members, and what a deleted user leaves', async () => {
    const { client, id } = await setup();
    const live = await fetchTouchedSnapshot(client, {
      users: [id('emp-1'), id('emp-3'), 'user_gone'],
      organizations: [id('acme'), 'org_gone'],
      deletedUsers: [id('emp-3')],
    });
    expect(live.users.map((user) => user.externalId).sort()).toStrictEqual(['emp-1', 'emp-3']);
    // acme asked for; beta because emp-3, deleted, is a member; not gamma.
    expect(live.organizations.map((org) => org.slug).sort()).toStrictEqual(['acme', 'beta']);
    expect(
      live.memberships.map((m) => `${m.organizationId === id('acme') ? 'acme' : 'beta'} ${m.role}`).sort(),
    ).toStrictEqual(['acme org:admin', 'acme org:member', 'beta org:admin', 'beta org:member']);
    expect(live.instance.userCount).toBe(3);
    expect(live.instance.roles).toContain('org:admin');
  });

  it('lets an undo refuse deleting a created user that has become the last admin of another organization', async () => {
    const { client, id } = await setup();
    const created = id('emp-3');
    const op = {
      id: 'create_user:emp-3',
      type: 'create_user' as const,
      user: { key: 'emp-3', userId: null },
      attributes: { externalId: 'emp-3', emailAddresses: ['c@acme.test'] },
      dependsOn: [],
    };
    const entries: JournalEntry[] = [
      { kind: 'header', version: 1, plan: 'p1', startedAt: 'now', userKey: 'externalId', operations: 1 },
      { kind: 'intent', plan: 'p1', at: 'now', op },
      {
        kind: 'done',
        plan: 'p1',
        at: 'now',
        op: op.id,
        type: op.type,
        status: 'done',
        created: { kind: 'user', id: created },
      },
    ];
    const live = await fetchTouchedSnapshot(client, { users: [created], organizations: [], deletedUsers: [created] });
    const { errors, plan } = checkedUndoPlan(entries, live, { journal: 'j.jsonl' });
    expect(plan.operations.map((operation) => operation.id)).toStrictEqual(['delete_user:emp-3']);
    expect(errors.map((error) => [error.code, error.source])).toStrictEqual([
      // At the journal line of the create the deletion reverses.
      ['organization_without_admin', { file: 'j.jsonl', line: 2, column: 1 }],
    ]);
    expect(errors[0]?.message).toContain('organization "beta" would have 1 member and no org:admin');
  });
});
