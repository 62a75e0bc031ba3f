// One apply at a time per instance and per journal (issue 14), end to end (the holder is the built binary,
// `npm run build` first; the others run in-process): a second apply while one runs is refused before it reads or
// sends anything, naming the holder; a lock left by a killed apply is taken over by the next one, with a warning.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { e2eContext, mutatingRequests, startCli, waitFor } from '../helpers/cli.ts';

/** `count` users to create: enough work, with the emulator's latency, for a second apply to start meanwhile. */
function manifest(count: number): string {
  const lines = ['apiVersion: clerk-sync/v1', 'users:'];
  for (let n = 0; n < count; n++) lines.push(`  - { externalId: lck-${n}, emailAddresses: [lck-${n}@acme.test] }`);
  return `${lines.join('\n')}\n`;
}

const writes = (stats: Parameters<typeof mutatingRequests>[0]): number =>
  Object.values(mutatingRequests(stats)).reduce((a, b) => a + b, 0);

describe('the apply lock', () => {
  it('refuses a second apply of the same instance while one runs, naming it; the next one after it goes ahead', async () => {
    const e2e = await e2eContext({ faults: 'latency=40ms' });
    const file = await e2e.write('users.yaml', manifest(80));
    const first = startCli(['apply', '-f', file, '--auto-approve', '--concurrency', '1', '--rate-limit', '5000/1s'], {
      cwd: e2e.dir,
      env: e2e.env,
    });
    await waitFor(() => writes(e2e.emulator.stats()) >= 3, 'the first apply to send changes');

    // Another manifest and a saved plan: the instance is what is locked, whatever the plan.
    const other = await e2e.write('other.yaml', manifest(1).replace(/lck-0/g, 'other-0'));
    const before = e2e.emulator.stats().total;
    const second = await e2e.cli(['apply', '-f', other, '--auto-approve']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('code: apply_locked');
    expect(second.stderr).toMatch(
      new RegExp(
        `another apply holds the instance http://127\\.0\\.0\\.1:\\d+/v1: clerk-sync apply -f users\\.yaml \\(pid ${first.child.pid} on .+, since \\d{4}-\\d{2}-\\d{2}T`,
      ),
    );
    expect(second.stderr).toContain('hint: Wait for it to finish. If it is not running any more');
    // Refused before reading the live state.
    expect(second.stderr).not.toContain('Reading live state');
    expect(writes(e2e.emulator.stats())).toBeGreaterThan(0);
    expect(e2e.emulator.stats().total - before).toBeLessThan(80);

    // A dry run sends nothing: it is not blocked.
    const dryRun = await e2e.cli(['apply', '-f', other, '--dry-run']);
    expect(dryRun.code, dryRun.stderr).toBe(0);

    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    const after = await e2e.cli(['apply', '-f', other, '--auto-approve']);
    expect(after.code, after.stderr).toBe(0);
  }, 240_000);

  it('refuses a second apply that names the same journal, even against another instance', async () => {
    const first = await e2eContext({ faults: 'latency=40ms' });
    const second = await e2eContext();
    const file = await first.write('users.yaml', manifest(80));
    const journal = join(first.dir, 'shared.jsonl');
    const running = startCli(['apply', '-f', file, '--auto-approve', '--concurrency', '1', '--journal', journal], {
      cwd: first.dir,
      env: first.env,
    });
    await waitFor(() => writes(first.emulator.stats()) >= 3, 'the first apply to send changes');
    const refused = await second.cli(['apply', '-f', join(first.dir, file), '--auto-approve', '--journal', journal]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `another apply holds the journal ${journal}: clerk-sync apply -f users.yaml (pid ${running.child.pid}`,
    );
    expect(writes(second.emulator.stats())).toBe(0);
    expect((await running.done).code).toBe(0);
  }, 240_000);

  it('takes over the lock a killed apply left, with a warning', async () => {
    const e2e = await e2eContext({ faults: 'latency=40ms' });
    const file = await e2e.write('users.yaml', manifest(20));
    const killed = startCli(['apply', '-f', file, '--auto-approve', '--concurrency', '1', '--rate-limit', '5000/1s'], {
      cwd: e2e.dir,
      env: e2e.env,
    });
    await waitFor(() => writes(e2e.emulator.stats()) >= 3, 'the apply to send changes');
    killed.child.kill('SIGKILL');
    expect((await killed.done).signal).toBe('SIGKILL');

    const rerun = await e2e.cli(['apply', '-f', file, '--auto-approve', '--rate-limit', '5000/1s']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(
      new RegExp(
        `warning: taking over the lock on the instance .+ left by .+\\(pid ${killed.child.pid} on .+which is no longer running`,
      ),
    );
  }, 240_000);
});
