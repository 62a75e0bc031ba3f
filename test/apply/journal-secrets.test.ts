// The journal of an apply whose manifest read the environment, against the emulator: no line holds an environment
// value (ids and values undo does not send back are named by reference), the journal keeps the before-images and
// private metadata undo needs, its public copy masks private metadata and is refused by undo, a re-run of the same
// plan still finds what was done, and undo restores the live state from the journal.

import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  applyPlan,
  buildUndoPlan,
  createJournal,
  operationOf,
  publicJournalFile,
  readJournal,
  startedOperations,
} from '../../src/apply/index.ts';
import { type ClerkClient, createClerkClient, type WireUser } from '../../src/clerk/index.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { parseManifest } from '../../src/manifest/index.ts';
import type { DesiredState } from '../../src/model/index.ts';
import {
  createPlan,
  DEFAULT_PLAN_OPTIONS,
  type Disclosure,
  disclosureOf,
  type Plan,
  summarize,
} from '../../src/plan/index.ts';
import { fetchLiveSnapshot } from '../../src/state/index.ts';
import { planOf } from './builders.ts';

const CANARY = `cn${randomBytes(6).toString('hex')}`;
const DIGITS = String(100_000_000 + (randomBytes(4).readUInt32BE() % 900_000_000));

const MANIFEST = `apiVersion: clerk-sync/v1
organizations:
  - slug: acme
    name: Acme \${CANARY}
users:
  - externalId: \${CANARY}
    emailAddresses: ["\${CANARY}@example.test"]
    phoneNumbers: ["+1555\${DIGITS}"]
    username: u\${CANARY}
    firstName: \${CANARY}
    publicMetadata: {a: "\${CANARY}"}
    privateMetadata: {b: "\${CANARY}"}
    unsafeMetadata: {c: "\${CANARY}"}
    memberships: [{org: acme, role: "org:admin"}]
  - externalId: emp-1
    emailAddresses: ["old@example.test", "x\${CANARY}@example.test"]
    username: v\${CANARY}
    firstName: \${CANARY}
    privateMetadata: {b: "\${CANARY}"}
    memberships: [{org: acme, role: "org:admin"}]
`;

let emulator: RunningEmulator;
let client: ClerkClient;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-journal-secrets-'));
  emulator = await startEmulator({ port: 0 });
  // Acme (marked as clerk-sync's `acme`) has an admin the manifest does not list: undo may remove the others.
  emulator.seed({
    organizations: [{ name: 'Acme', private_metadata: { clerkSync: { key: 'acme' } } }],
    memberships: [{ organization: 'Acme', user: 'boss', role: 'org:admin' }],
    users: [
      { external_id: 'boss', email_address: ['boss@example.test'] },
      {
        external_id: 'emp-1',
        email_address: ['old@example.test'],
        username: 'olduser',
        first_name: 'Old',
        private_metadata: { b: 'old-private', clerkSync: { managedBy: 'clerk-sync' } },
      },
    ],
  });
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
  await client?.close();
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

async function planNow(desired: DesiredState): Promise<Plan> {
  const live = await fetchLiveSnapshot(client, {
    managedOrgs: desired.organizations.map((org) => ({ key: org.slug, name: org.name })),
  });
  const { plan, errors } = createPlan(desired, live, DEFAULT_PLAN_OPTIONS);
  expect(errors).toEqual([]);
  return plan;
}

async function apply(plan: Plan, file: string, disclosure: Disclosure) {
  const journal = await createJournal(file, plan, { disclosure });
  try {
    return await applyPlan(plan, {
      client,
      userKey: plan.settings.userKey,
      concurrency: 4,
      continueOnError: false,
      secrets: () => undefined,
      journal,
    });
  } finally {
    await journal.close();
  }
}

const userWith = async (externalId: string): Promise<WireUser | undefined> =>
  (await client.request<WireUser[]>({ method: 'GET', path: '/users', query: { external_id: [externalId] } }))[0];

describe('journal of a manifest that read the environment', () => {
  it('holds no environment value, keeps what undo needs, and undo restores from it', async () => {
    const parsed = parseManifest([{ file: 'users.yaml', text: MANIFEST }], { env: { CANARY, DIGITS } });
    const desired = parsed.desired as DesiredState;
    // --show-env does not reach the journal: it never shows a value.
    const disclosure = disclosureOf(desired, ['CANARY', 'DIGITS']);
    const plan = await planNow(desired);
    expect(JSON.stringify(plan)).toContain(CANARY);
    const file = join(dir, 'journal.jsonl');
    const result = await apply(plan, file, disclosure);
    expect(result.failed).toBe(0);
    expect((await userWith(CANARY))?.first_name).toBe(CANARY);

    const journalText = await readFile(file, 'utf8');
    const publicText = await readFile(publicJournalFile(file), 'utf8');
    for (const text of [journalText, publicText]) {
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain(DIGITS);
      expect(text).toContain('(from ${CANARY})');
    }
    // The journal keeps the before-images (private metadata included); its public copy masks private metadata.
    expect(journalText).toContain('old-private');
    expect(journalText).toContain('"before":"Old"');
    expect(publicText).not.toContain('old-private');
    expect(publicText).toContain('"redacted":true');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(publicJournalFile(file)).toBe(join(dir, 'journal.public.jsonl'));

    // A re-run of the same plan finds every operation it already did, by the plan's own ids; one after a killed
    // run (the same lines, no end line) resumes from them.
    const ids = plan.operations.map((op) => op.id).sort();
    expect([...(await startedOperations(file, plan, disclosure))].sort()).toEqual(ids);
    const killed = join(dir, 'killed.jsonl');
    await writeFile(killed, journalText.replace(/^\{"kind":"end".*\n/m, ''));
    const again = await createJournal(killed, plan, { disclosure });
    await again.close();
    expect(new Set(again.previous.flatMap((entry) => (entry.kind === 'header' ? [] : [entry.kind])))).toEqual(
      new Set(['intent', 'done']),
    );
    expect(new Set(again.resumable.map(operationOf))).toEqual(new Set(ids));

    // Undo from the journal: the values it sends back are the before-images.
    const entries = await readJournal(file);
    const undo = buildUndoPlan(entries);
    const undoPlan = planOf(undo.operations);
    undoPlan.summary = summarize(undo.operations);
    const undone = await apply(undoPlan, join(dir, 'undo.jsonl'), disclosure);
    expect(undone.outcomes.filter((outcome) => outcome.status !== 'done')).toEqual([]);
    const restored = await userWith('emp-1');
    expect(restored).toMatchObject({
      first_name: 'Old',
      username: 'olduser',
      private_metadata: { b: 'old-private', clerkSync: { managedBy: 'clerk-sync' } },
    });
    expect(restored?.email_addresses.map((email) => email.email_address)).toEqual(['old@example.test']);
    expect(await userWith(CANARY)).toBeUndefined();

    // The public copy cannot restore: undo refuses it rather than write masked values.
    expect(() => buildUndoPlan(parseLines(publicText))).toThrow(/public copy/);
  });
});

function parseLines(text: string) {
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}
