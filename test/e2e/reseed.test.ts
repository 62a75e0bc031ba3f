// Re-seeding a reset instance (issue 17): the same manifest applied to an emptied instance, with the journal of the
// finished first run beside it, is the same plan (the same journal file) and must cost what the first seeding cost:
// a completed run does not make the next one look every create up. A killed run still does.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type JournalEntry, parseJournal } from '../../src/apply/index.ts';
import type { EmulatorStats } from '../../src/emulator/index.ts';
import { type E2eContext, e2eContext } from '../helpers/cli.ts';
import { emulatorFetch } from '../helpers/emulator.ts';

const PASSWORD = 'Reseed-Password-2026!';
const FLAGS = ['--auto-approve', '--skip-verify', '--journal', 'seed.jsonl'];

function manifest(count: number): string {
  const lines = ['apiVersion: clerk-sync/v1', 'organizations:', '  - { slug: staff, name: Staff }', 'users:'];
  for (let n = 0; n < count; n++) {
    lines.push(
      `  - externalId: seed-${n}`,
      `    emailAddresses: [seed-${n}@acme.test]`,
      '    password: ${SEED_PASSWORD}',
      `    memberships: [{ org: staff, role: "${n === 0 ? 'org:admin' : 'org:member'}" }]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Requests by route, reads and writes alike. */
function byRoute(stats: EmulatorStats): Record<string, number> {
  return { ...stats.byRoute };
}

async function seed(e2e: E2eContext, file: string): Promise<{ routes: Record<string, number>; stdout: string }> {
  e2e.emulator.resetStats();
  const run = await e2e.cli(['apply', '-f', file, ...FLAGS], { env: { SEED_PASSWORD: PASSWORD } });
  expect(run.code, run.stderr).toBe(0);
  return { routes: byRoute(e2e.emulator.stats()), stdout: run.stdout };
}

async function journal(e2e: E2eContext, name = 'seed.jsonl'): Promise<JournalEntry[]> {
  return parseJournal(await readFile(join(e2e.dir, name), 'utf8'));
}

const GET_USERS = 'GET /v1/users';
const GET_ORGANIZATIONS = 'GET /v1/organizations';

describe('apply on a reset instance, the journal of the finished run beside it', () => {
  it('sends the requests of the first seeding, looks up no user, and reports every create as applied', async () => {
    const e2e = await e2eContext({ preset: 'permissive' });
    const file = await e2e.write('users.yaml', manifest(4));
    const first = await seed(e2e, file);
    expect(first.stdout).toContain('Apply complete: 9 applied, 0 already in place');
    const lines = (await journal(e2e)).length;

    for (let n = 0; n < 2; n++) {
      e2e.emulator.reset();
      const again = await seed(e2e, file);
      // One lookup of the organization: nothing unique refuses a second one. No user or membership is looked up.
      const lookups = { [GET_ORGANIZATIONS]: (first.routes[GET_ORGANIZATIONS] ?? 0) + 1 };
      expect(again.routes).toStrictEqual({ ...first.routes, ...lookups });
      expect(again.stdout).toContain('Apply complete: 9 applied, 0 already in place');
      // One run's lines, ending with its end line: the journal does not grow with the re-runs.
      const entries = await journal(e2e);
      expect(entries).toHaveLength(lines);
      expect(entries.at(-1)).toMatchObject({ kind: 'end', outcome: 'complete', done: 9, failed: 0, skipped: 0 });
      expect(await journal(e2e, 'seed.public.jsonl')).toHaveLength(lines);
    }
  });

  it('undo of the journal then removes the users of the last seeding, and names none of the reset ones', async () => {
    const e2e = await e2eContext({ preset: 'permissive' });
    const file = await e2e.write('users.yaml', manifest(2));
    await seed(e2e, file);
    e2e.emulator.reset();
    await seed(e2e, file);
    const live = ((await emulatorFetch(e2e.emulator, 'GET', '/users?limit=500')).body as { id: string }[]).map(
      (user) => user.id,
    );
    const undo = await e2e.cli(['undo', 'seed.jsonl', '--format', 'json']);
    expect(undo.code, undo.stderr).toBe(0);
    const deleted = (
      JSON.parse(undo.stdout) as { operations: { type: string; user?: { userId: string } }[] }
    ).operations
      .filter((op) => op.type === 'delete_user')
      .map((op) => op.user?.userId);
    expect(deleted).toHaveLength(2);
    expect(new Set(deleted)).toStrictEqual(new Set(live));
    expect(undo.stderr).not.toMatch(/user_/);
  });

  it('still looks up what a killed run may have created (a journal without its end line)', async () => {
    const e2e = await e2eContext({ preset: 'permissive' });
    const file = await e2e.write('users.yaml', manifest(4));
    const first = await seed(e2e, file);
    // Killed after its last outcome, before the end line: the creates it shows are not known to be settled.
    const text = await readFile(join(e2e.dir, 'seed.jsonl'), 'utf8');
    await writeFile(join(e2e.dir, 'seed.jsonl'), text.replace(/^\{"kind":"end".*\n/m, ''));
    e2e.emulator.reset();
    const again = await seed(e2e, file);
    // Each user and membership create is looked up first (the organization is found by the live read's list).
    expect(again.routes[GET_USERS]).toBe((first.routes[GET_USERS] ?? 0) + 4);
    expect(again.stdout).toContain('Apply complete: 9 applied, 0 already in place');
  });
});
