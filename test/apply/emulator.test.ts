// The executor against the emulator with the real HTTP client: a hand-made plan lands as planned; with connection
// resets (some after the create was committed) and 500s, creates never duplicate; an apply aborted midway converges
// when re-run with its journal.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPlan, createJournal, findOrganizationByKey } from '../../src/apply/index.ts';
import {
  type ClerkClient,
  createClerkClient,
  type WireOrganizationMembership,
  type WirePage,
  type WireUser,
} from '../../src/clerk/index.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import type { Operation } from '../../src/plan/index.ts';
import { planOf } from './builders.ts';

let emulator: RunningEmulator;
let client: ClerkClient;
let dir: string;

async function start(faults?: string): Promise<void> {
  emulator = await startEmulator({ port: 0, ...(faults ? { faults, faultSeed: 7 } : {}) });
  client = createClerkClient({
    baseUrl: emulator.url,
    secretKey: emulator.secretKey,
    rateLimit: { requests: 100_000, windowMs: 1000 },
    concurrency: 8,
    maxWaitMs: 5000,
    timeoutMs: 5000,
    // Retries of reads under injected faults need no real waiting here.
    sleep: () => Promise.resolve(),
  });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-apply-emu-'));
});
afterEach(async () => {
  await client?.close();
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

const usersWith = (externalId: string): Promise<WireUser[]> =>
  client.request<WireUser[]>({ method: 'GET', path: '/users', query: { external_id: [externalId], limit: 10 } });

// A new instance has organization slugs off: the organization is found by clerk-sync's mark (its key).
async function membershipsOf(key: string): Promise<WireOrganizationMembership[]> {
  const org = await findOrganizationByKey(client, key);
  if (org === undefined) throw new Error(`organization ${key} not found`);
  const page = await client.request<WirePage<WireOrganizationMembership>>({
    method: 'GET',
    path: `/organizations/${org.id}/memberships`,
    query: { limit: 500 },
  });
  return page.data;
}

/** A new instance allows 5 members per organization: user i goes to organization `orgKeyOf(i)`. */
const MEMBERS_PER_ORG = 5;
const orgKeyOf = (index: number): string => {
  const group = Math.floor(index / MEMBERS_PER_ORG);
  return group === 0 ? 'acme' : `acme-${group + 1}`;
};
const orgKeysFor = (keys: string[]): string[] => [...new Set(keys.map((_, index) => orgKeyOf(index)))];

/** Every membership of the organizations `keys` were spread over. */
async function allMembershipsOf(keys: string[]): Promise<WireOrganizationMembership[]> {
  return (await Promise.all(orgKeysFor(keys).map((key) => membershipsOf(key)))).flat();
}

function newUserOps(keys: string[]): Operation[] {
  // Created as on a new instance: without a slug (slugs are off there); each organization's first member is its admin.
  const ops: Operation[] = orgKeysFor(keys).map((slug, group) => ({
    id: `create_organization:${slug}`,
    type: 'create_organization',
    org: { slug, organizationId: null },
    name: group === 0 ? 'Acme' : `Acme ${group + 1}`,
    slug: null,
    dependsOn: [],
  }));
  for (const key of keys) {
    ops.push({
      id: `create_user:${key}`,
      type: 'create_user',
      user: { key, userId: null },
      attributes: {
        externalId: key,
        emailAddresses: [`${key}@acme.test`],
        firstName: key.toUpperCase(),
        publicMetadata: { team: 'eng' },
        privateMetadata: { clerkSync: { managedBy: 'clerk-sync' } },
      },
      dependsOn: [],
    });
  }
  keys.forEach((key, index) => {
    const slug = orgKeyOf(index);
    ops.push({
      id: `create_membership:${slug}/${key}`,
      type: 'create_membership',
      org: { slug, organizationId: null },
      user: { key, userId: null },
      role: index % MEMBERS_PER_ORG === 0 ? 'org:admin' : 'org:member',
      dependsOn: [`create_organization:${slug}`, `create_user:${key}`],
    });
  });
  return ops;
}

describe('applyPlan against the emulator', () => {
  it('applies a hand-made plan: org, users, memberships, bulk bans, metadata, profile', async () => {
    await start();
    emulator.seed({
      users: [
        { external_id: 'old-1', email_address: ['old1@acme.test'], first_name: 'Old' },
        { external_id: 'old-2', email_address: ['old2@acme.test'] },
        { external_id: 'old-3', email_address: ['old3@acme.test'] },
      ],
    });
    const old = await Promise.all(
      ['old-1', 'old-2', 'old-3'].map(async (key) => (await usersWith(key))[0] as WireUser),
    );
    const [old1, old2, old3] = old as [WireUser, WireUser, WireUser];
    const ops: Operation[] = [
      ...newUserOps(['emp-0', 'emp-1', 'emp-2']),
      {
        id: 'update_user:old-1',
        type: 'update_user',
        user: { key: 'old-1', userId: old1.id },
        changes: { firstName: { before: 'Old', after: 'Older' } },
        dependsOn: [],
      },
      {
        id: 'update_metadata:old-1',
        type: 'update_metadata',
        user: { key: 'old-1', userId: old1.id },
        mode: 'merge',
        changes: {},
        body: { public_metadata: { level: 3 } },
        dependsOn: [],
      },
      { id: 'ban_user:old-2', type: 'ban_user', user: { key: 'old-2', userId: old2.id }, dependsOn: [] },
      { id: 'ban_user:old-3', type: 'ban_user', user: { key: 'old-3', userId: old3.id }, dependsOn: [] },
    ];
    const result = await applyPlan(planOf(ops), {
      client,
      userKey: 'externalId',
      concurrency: 4,
      continueOnError: false,
      secrets: () => undefined,
    });
    expect(result.outcomes.filter((outcome) => outcome.status !== 'done')).toStrictEqual([]);
    expect(emulator.stats().byRoute['POST /v1/users/ban']).toBe(1);

    const created = await usersWith('emp-1');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ first_name: 'EMP-1', public_metadata: { team: 'eng' } });
    expect(created[0]?.email_addresses.map((email) => email.email_address)).toStrictEqual(['emp-1@acme.test']);
    const members = await membershipsOf('acme');
    expect(members.map((m) => [m.public_user_data?.first_name, m.role]).sort()).toStrictEqual([
      ['EMP-0', 'org:admin'],
      ['EMP-1', 'org:member'],
      ['EMP-2', 'org:member'],
    ]);
    expect((await usersWith('old-1'))[0]).toMatchObject({ first_name: 'Older', public_metadata: { level: 3 } });
    expect((await usersWith('old-2'))[0]?.banned).toBe(true);
    expect((await usersWith('old-3'))[0]?.banned).toBe(true);
  });

  it('never duplicates a create under resets (some after commit) and 500s', async () => {
    await start('commit-reset=0.3,reset=0.1,500=0.1');
    const keys = Array.from({ length: 20 }, (_, index) => `emp-${index}`);
    const plan = planOf(newUserOps(keys));
    const journal = await createJournal(join(dir, 'journal.jsonl'), plan);
    const first = await applyPlan(plan, {
      client,
      userKey: 'externalId',
      concurrency: 6,
      continueOnError: true,
      secrets: () => undefined,
      journal,
      retryBaseMs: 1,
    });
    await journal.close();
    expect(emulator.stats().faults['commit-reset'] ?? 0).toBeGreaterThan(0);
    expect(first.done + first.failed + first.skipped).toBe(plan.operations.length);
    emulator.setFaults(undefined);
    // No create ran twice, even where the answer to a committed create was lost.
    for (const key of keys) expect((await usersWith(key)).length).toBeLessThanOrEqual(1);

    // Whatever failed under faults, a re-run of the same plan with its journal completes it.
    const again = await createJournal(join(dir, 'journal.jsonl'), plan);
    const second = await applyPlan(plan, {
      client,
      userKey: 'externalId',
      concurrency: 6,
      continueOnError: true,
      secrets: () => undefined,
      journal: again,
      retryBaseMs: 1,
    });
    await again.close();
    expect(second.failed + second.skipped).toBe(0);

    for (const key of keys) expect(await usersWith(key)).toHaveLength(1);
    const members = await allMembershipsOf(keys);
    expect(members).toHaveLength(keys.length);
    expect(new Set(members.map((m) => m.public_user_data?.user_id)).size).toBe(keys.length);
  });

  it('an aborted apply converges when re-run with its journal', async () => {
    await start();
    const keys = Array.from({ length: 12 }, (_, index) => `emp-${index}`);
    const plan = planOf(newUserOps(keys));
    const controller = new AbortController();
    let finished = 0;
    const journal = await createJournal(join(dir, 'journal.jsonl'), plan);
    const first = await applyPlan(plan, {
      client,
      userKey: 'externalId',
      concurrency: 3,
      continueOnError: false,
      secrets: () => undefined,
      journal,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'operation' && ++finished === 6) controller.abort();
      },
    });
    await journal.close();
    expect(first.skipped).toBeGreaterThan(0);
    expect(first.failed).toBe(0);

    const again = await createJournal(join(dir, 'journal.jsonl'), plan);
    const second = await applyPlan(plan, {
      client,
      userKey: 'externalId',
      concurrency: 3,
      continueOnError: false,
      secrets: () => undefined,
      journal: again,
    });
    await again.close();
    expect(second.failed + second.skipped).toBe(0);
    expect(second.unchanged).toBe(first.done);
    expect(second.done).toBe(first.skipped);
    for (const key of keys) expect(await usersWith(key)).toHaveLength(1);
    expect(await allMembershipsOf(keys)).toHaveLength(keys.length);
  });
});
