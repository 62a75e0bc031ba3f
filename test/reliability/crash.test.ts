// apply killed with SIGKILL (no chance to clean up, a torn journal line possible) after N mutating requests reached
// the emulator, then re-run: it must converge to exactly the manifest, with nothing duplicated, and plan no changes.
// One scenario kills a single run at each point; another kills three runs in a row before letting one finish.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import {
  appliedCount,
  type CliRun,
  compareWithManifest,
  countDuplicates,
  type GeneratedManifest,
  generateManifest,
  mutatingRequests,
  readInstance,
  reportFigure,
  runInProcess,
  startCli,
  type Target,
  waitFor,
} from './harness.ts';

const FLAGS = ['--auto-approve', '--allow-mass-change', '--rate-limit', '5000/1s'];
const PASSWORD = 'Crash-Password-2026!';

let emulator: RunningEmulator;
let dir: string;
let target: Target;
let manifest: GeneratedManifest;
let file: string;
const totals = { kills: 0, writesBeforeKills: 0, operationsApplied: 0, duplicatesFound: 0 };

beforeAll(async () => {
  // Volume (kills up to 120 writes in): 150 users, 60+ per org: a production key (no user cap), member limit raised.
  emulator = await startEmulator({
    port: 0,
    secretKey: 'sk_live_reliability_crash',
    settings: { organization_settings: { max_allowed_memberships: 0 } },
  });
  target = { url: emulator.url, secretKey: emulator.secretKey };
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-rel-crash-'));
  manifest = generateManifest({ count: 150, prefix: 'crs', passwordVariable: 'CRASH_PW' });
  file = join(dir, 'users.yaml');
  await writeFile(file, manifest.yaml);
});
beforeEach(() => {
  emulator.reset();
});
afterAll(async () => {
  reportFigure('crash', totals);
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

const env = { CRASH_PW: PASSWORD };

/** Starts apply and SIGKILLs it once the emulator has seen `after` more mutating requests than now. */
async function killAfter(after: number): Promise<CliRun> {
  const base = mutatingRequests(emulator.stats().byRoute);
  const started = startCli(['apply', '-f', file, ...FLAGS], { cwd: dir, target, env });
  let exited = false;
  void started.done.then(() => {
    exited = true;
  });
  await waitFor(() => exited || mutatingRequests(emulator.stats().byRoute) - base >= after, `${after} writes`);
  // The run must still be going: it was killed mid-apply, not after it finished on its own.
  if (exited) {
    const early = await started.done;
    expect.fail(
      `apply exited (${early.code}) before the kill point:\n${early.stdout.slice(-1500)}\n${early.stderr.slice(-3000)}`,
    );
  }
  started.child.kill('SIGKILL');
  const run = await started.done;
  expect(run.signal).toBe('SIGKILL');
  totals.kills++;
  totals.writesBeforeKills += mutatingRequests(emulator.stats().byRoute) - base;
  return run;
}

// The killed runs must be processes; the re-run and the plan after them need not be.
async function expectConverges(): Promise<void> {
  const run = await runInProcess(['apply', '-f', file, ...FLAGS], { cwd: dir, target, env });
  expect(run.code, run.stderr.slice(-3000)).toBe(0);
  expect(run.stdout).toContain('Verified: the live state matches the manifest.');
  totals.operationsApplied += appliedCount(run.stdout);

  const state = await readInstance(target);
  const found = countDuplicates(state);
  totals.duplicatesFound += found;
  expect(found).toBe(0);
  expect(state.users).toHaveLength(manifest.users.length);
  expect(compareWithManifest(state, manifest)).toEqual([]);

  const plan = await runInProcess(['plan', '-f', file, '--rate-limit', '5000/1s'], { cwd: dir, target, env });
  expect(plan.code, plan.stderr).toBe(0);
  expect(plan.stdout).toContain('No changes.');
}

describe('apply killed with SIGKILL, then re-run', () => {
  it.each([5, 40, 120])(
    'converges after a kill at %i mutating requests',
    async (after) => {
      await killAfter(after);
      // Whatever landed before the kill is real data now, and not yet everything.
      const partial = await readInstance(target);
      expect(partial.users.length).toBeLessThan(manifest.users.length);
      await expectConverges();
    },
    180_000,
  );

  // One more kill at a point that changes from run to run (the seed is in the test name, CRASH_SEED repeats it).
  const seed = Number(process.env.CRASH_SEED ?? Date.now() % 100_000);
  const randomPoint = 1 + ((seed * 7919) % 200);
  it(`converges after a kill at a random point: ${randomPoint} mutating requests (CRASH_SEED=${seed})`, async () => {
    await killAfter(randomPoint);
    await expectConverges();
  }, 180_000);

  it('converges after three killed runs in a row', async () => {
    await killAfter(5);
    await killAfter(40);
    await killAfter(120);
    await expectConverges();
  }, 240_000);
});
