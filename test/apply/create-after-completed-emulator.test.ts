// Creates a completed run of the same plan made (its journal beside the new run), against the emulator: after a
// reset they are sent as in the first run, without looking each one up first (an organization is the exception:
// nothing unique refuses a second one); re-run on the unchanged instance, users and memberships the instance refuses
// as existing are adopted, so nothing is duplicated either way.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApplyResult, applyPlan, createJournal } from '../../src/apply/index.ts';
import { type ClerkClient, createClerkClient, type WireOrganization, type WireUser } from '../../src/clerk/index.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import type { Operation, Plan } from '../../src/plan/index.ts';
import { planOf } from './builders.ts';

let emulator: RunningEmulator;
let client: ClerkClient;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-create-again-'));
  emulator = await startEmulator({ port: 0 });
  client = createClerkClient({
    baseUrl: emulator.url,
    secretKey: emulator.secretKey,
    rateLimit: { requests: 100_000, windowMs: 1000 },
    concurrency: 4,
    maxWaitMs: 5000,
    timeoutMs: 5000,
  });
});
afterEach(async () => {
  await client.close();
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

const KEYS = ['emp-0', 'emp-1'];

function seedPlan(): Plan {
  const ops: Operation[] = [
    {
      id: 'create_organization:acme',
      type: 'create_organization',
      org: { slug: 'acme', organizationId: null },
      name: 'Acme',
      slug: null,
      dependsOn: [],
    },
  ];
  for (const [index, key] of KEYS.entries()) {
    ops.push(
      {
        id: `create_user:${key}`,
        type: 'create_user',
        user: { key, userId: null },
        attributes: { externalId: key, emailAddresses: [`${key}@acme.test`] },
        dependsOn: [],
      },
      {
        id: `create_membership:acme/${key}`,
        type: 'create_membership',
        org: { slug: 'acme', organizationId: null },
        user: { key, userId: null },
        role: index === 0 ? 'org:admin' : 'org:member',
        dependsOn: ['create_organization:acme', `create_user:${key}`],
      },
    );
  }
  return planOf(ops);
}

/** Applies `plan` with the journal in `dir`; the result and the requests it sent, by route. */
async function run(plan: Plan): Promise<{ result: ApplyResult; routes: Record<string, number> }> {
  emulator.resetStats();
  const journal = await createJournal(join(dir, 'journal.jsonl'), plan);
  try {
    const result = await applyPlan(plan, {
      client,
      userKey: 'externalId',
      concurrency: 2,
      continueOnError: false,
      secrets: () => undefined,
      journal,
    });
    return { result, routes: { ...emulator.stats().byRoute } };
  } finally {
    await journal.close();
  }
}

const statuses = (result: ApplyResult): string[] => [...new Set(result.outcomes.map((outcome) => outcome.status))];
const writes = (routes: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(routes).filter(([route]) => !route.startsWith('GET ')));

describe('creates a completed run of the plan made', () => {
  it('after a reset, are sent as in the first run: no user or membership lookup, one per organization', async () => {
    const plan = seedPlan();
    const first = await run(plan);
    expect(statuses(first.result)).toStrictEqual(['done']);
    expect(Object.keys(first.routes).filter((route) => route.startsWith('GET '))).toStrictEqual([]);

    emulator.reset();
    const again = await run(plan);
    expect(statuses(again.result)).toStrictEqual(['done']);
    expect(writes(again.routes)).toStrictEqual(writes(first.routes));
    expect(Object.entries(again.routes).filter(([route]) => route.startsWith('GET '))).toStrictEqual([
      ['GET /v1/organizations', 1],
    ]);
  });

  it('re-sent to the unchanged instance, are adopted where it refuses them as existing: nothing is duplicated', async () => {
    const plan = seedPlan();
    await run(plan);
    const again = await run(plan);
    expect(statuses(again.result)).toStrictEqual(['unchanged']);
    for (const key of KEYS) {
      const users = await client.request<WireUser[]>({ method: 'GET', path: '/users', query: { external_id: [key] } });
      expect(users).toHaveLength(1);
    }
    const orgs = await client.request<{ data: WireOrganization[] }>({ method: 'GET', path: '/organizations' });
    expect(orgs.data).toHaveLength(1);
    const members = await client.request<{ data: unknown[] }>({
      method: 'GET',
      path: `/organizations/${orgs.data[0]?.id}/memberships`,
    });
    expect(members.data).toHaveLength(KEYS.length);
    // Each user and membership: the refused create, then the lookup that adopts it.
    expect(again.routes['POST /v1/users']).toBe(KEYS.length);
    expect(again.routes['POST /v1/organizations/{organization_id}/memberships']).toBe(KEYS.length);
    expect(again.routes['POST /v1/organizations']).toBeUndefined();
  });
});
