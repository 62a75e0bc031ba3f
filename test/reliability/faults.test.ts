// A 300-user manifest (three organizations, memberships, bans, locks, metadata, passwords) applied through the
// CLI (in-process, main(argv, io)) against an emulator that injects seeded faults: 429s, 500s, connection resets
// before the handler and resets after a change was committed (the client never hears about it). Apply is re-run
// until it succeeds; then, with faults off, the instance must be exactly the manifest, without duplicates, and
// `plan` must say no changes. The client's waits (Retry-After, backoff) run on a virtual clock: asked, not slept.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { instantClock } from '../helpers/clock.ts';
import {
  appliedCount,
  type CliRun,
  compareWithManifest,
  countDuplicates,
  generateManifest,
  mutatingRequests,
  readInstance,
  reportFigure,
  runInProcess,
} from './harness.ts';

const FAULTS = '429=0.05,500=0.05,reset=0.03,commit-reset=0.03';
const FAULT_SEED = 20_260_512;
const MAX_RUNS = 5;
const PASSWORD = 'Faults-Password-2026!';

let emulator: RunningEmulator;
let dir: string;
beforeAll(async () => {
  // Volume (faults over many writes): 300 users, 100+ per org: a production key (no user cap), member limit raised.
  emulator = await startEmulator({
    port: 0,
    secretKey: 'sk_live_reliability_faults',
    settings: { organization_settings: { max_allowed_memberships: 0 } },
  });
  dir = await mkdtemp(join(tmpdir(), 'clerk-sync-rel-faults-'));
});
afterAll(async () => {
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('apply under injected faults', () => {
  it('converges to exactly the manifest with no duplicates, and a fresh plan has no changes', async () => {
    const manifest = generateManifest({ count: 300, prefix: 'flt', passwordVariable: 'FAULT_PW' });
    const file = join(dir, 'users.yaml');
    await writeFile(file, manifest.yaml);
    const target = { url: emulator.url, secretKey: emulator.secretKey };
    const env = { FAULT_PW: PASSWORD };
    // Retry-After of the injected 429s is 1 s; the generous budget keeps the client's own limiter out of the way.
    const flags = ['--auto-approve', '--allow-mass-change', '--rate-limit', '5000/1s', '--max-wait', '10'];

    emulator.setFaults(FAULTS, FAULT_SEED);
    const clock = instantClock(FAULT_SEED);
    const runs: CliRun[] = [];
    for (let attempt = 0; attempt < MAX_RUNS; attempt++) {
      const run = await runInProcess(['apply', '-f', file, ...flags], {
        cwd: dir,
        target,
        env,
        clock,
        timeoutMs: 240_000,
      });
      runs.push(run);
      // A failed run must say so (exit 1 with an error code), never crash with a stack trace.
      if (run.code !== 0) {
        expect(run.code, run.stderr).toBe(1);
        expect(run.stderr).toMatch(/code: [a-z_]+/);
        expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
      }
      if (run.code === 0) break;
    }
    emulator.setFaults(undefined);
    const stats = emulator.stats();
    const faultsInjected = Object.values(stats.faults).reduce((sum, count) => sum + count, 0);

    const last = runs[runs.length - 1] as CliRun;
    expect(last.code, `apply never succeeded in ${MAX_RUNS} runs:\n${last.stderr.slice(-3000)}`).toBe(0);
    expect(last.stdout).toContain('Verified: the live state matches the manifest.');
    // The faults really happened, of every kind asked for.
    for (const kind of ['429', '500', 'reset', 'commit-reset']) expect(stats.faults[kind] ?? 0).toBeGreaterThan(0);

    const state = await readInstance(target);
    const duplicatesFound = countDuplicates(state);
    expect(duplicatesFound).toBe(0);
    expect(state.users).toHaveLength(300);
    expect(compareWithManifest(state, manifest)).toEqual([]);

    // The 429s were waited for as Clerk asks (Retry-After: 1 s), on the virtual clock.
    expect(clock.sleeps).toContain(1000);
    const plan = await runInProcess(['plan', '-f', file, '--rate-limit', '5000/1s'], { cwd: dir, target, env });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('No changes.');

    reportFigure('faults', {
      faultsInjected,
      ...Object.fromEntries(Object.entries(stats.faults).map(([kind, count]) => [`fault_${kind}`, count])),
      applyRuns: runs.length,
      operationsApplied: runs.reduce((sum, run) => sum + appliedCount(run.stdout), 0),
      mutatingRequests: mutatingRequests(stats.byRoute),
      requests: stats.total,
      duplicatesFound,
    });
  }, 600_000);
});
