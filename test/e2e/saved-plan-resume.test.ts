// Resuming a saved plan whose apply was killed more than once (issue 14), end to end (the killed runs are the built
// binary, `npm run build` first): each run executes the plan recomputed from the manifest and the live state, under the
// saved file's identity in the journal, so the next run knows what every earlier one started.

import { describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { type E2eContext, e2eContext, mutatingRequests, startCli, waitFor } from '../helpers/cli.ts';
import { emulatorFetch } from '../helpers/emulator.ts';

const COUNT = 40;

function manifest(): string {
  const lines = ['apiVersion: clerk-sync/v1', 'organizations:', '  - { slug: team, name: Team }', 'users:'];
  for (let n = 0; n < COUNT; n++) {
    lines.push(
      `  - externalId: rsm-${String(n).padStart(2, '0')}`,
      `    emailAddresses: [rsm-${n}@acme.test]`,
      `    memberships: [{ org: team, role: "${n === 0 ? 'org:admin' : 'org:member'}" }]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const writes = (emulator: RunningEmulator): number =>
  Object.values(mutatingRequests(emulator.stats())).reduce((a, b) => a + b, 0);

async function killAfter(e2e: E2eContext, more: number): Promise<void> {
  const from = writes(e2e.emulator);
  const run = startCli(['apply', 'plan.json', '--auto-approve', '--concurrency', '2', '--rate-limit', '5000/1s'], {
    cwd: e2e.dir,
    env: e2e.env,
  });
  await waitFor(() => writes(e2e.emulator) >= from + more, `the apply to send ${more} changes`);
  run.child.kill('SIGKILL');
  expect((await run.done).signal).toBe('SIGKILL');
}

describe('apply PLAN after two killed runs', () => {
  it('finishes the job without duplicates, and the manifest then plans to No changes', async () => {
    // No member limit: 40 members in one organization.
    const e2e = await e2eContext({ faults: 'latency=15ms', preset: 'permissive' });
    const file = await e2e.write('users.yaml', manifest());
    const saved = await e2e.cli(['plan', '-f', file, '--out', 'plan.json']);
    expect(saved.code, saved.stderr).toBe(0);

    await killAfter(e2e, 12);
    await killAfter(e2e, 12);
    const last = await e2e.cli(['apply', 'plan.json', '--auto-approve', '--rate-limit', '5000/1s']);
    expect(last.code, last.stderr).toBe(0);
    expect(last.stderr).toMatch(/Resuming: the journal shows \d+ operation\(s\) of this plan already started\./);

    const users = (await emulatorFetch(e2e.emulator, 'GET', '/users?limit=500')).body as { external_id: string }[];
    expect(new Set(users.map((user) => user.external_id)).size).toBe(COUNT);
    expect(users).toHaveLength(COUNT);
    const plan = await e2e.cli(['plan', '-f', file]);
    expect(plan.stdout).toMatch(/^No changes\./);
  }, 300_000);
});
