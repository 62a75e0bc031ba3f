// Global setup of `npm run test:live`: picks the target, says on the console which one (and that the live half was
// skipped when there is no key), starts the emulator when there is no key, removes leftovers of earlier runs from a
// real instance, checks it has room for the suite's users, and at the end removes whatever this run left.

import type { TestProject } from 'vitest/node';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import { ClerkApi, type SweepResult, sweep } from './api.ts';
import { chooseTarget, LEFTOVER_AGE_MS, LIVE_USER_BUDGET, type LiveTarget, newRunPrefix, PREFIX } from './target.ts';

// About 66 requests per 10 s: room under a development instance's 100 for the application sharing the key.
const LIVE_MIN_GAP_MS = 150;
const DEVELOPMENT_USER_CAP = 100;

let emulator: RunningEmulator | undefined;
let target: LiveTarget | undefined;

function describeSweep(what: string, result: SweepResult): string {
  const failures = result.failures.length > 0 ? `; failed: ${result.failures.join('; ')}` : '';
  return `${what}: removed ${result.organizations} organizations and ${result.users} users${failures}`;
}

export async function setup(project: TestProject): Promise<void> {
  const choice = chooseTarget(process.env);
  const runPrefix = newRunPrefix();
  if (choice.kind === 'emulator') {
    // Default settings, no preset: the emulator must answer as a new real instance does.
    emulator = await startEmulator({ port: 0 });
    target = {
      kind: 'emulator',
      label: "the emulator (a new instance's default settings)",
      apiUrl: emulator.url,
      secretKey: emulator.secretKey,
      runPrefix,
      minGapMs: 0,
    };
    console.log(`live: skipped (${choice.reason}): ran against the emulator at ${emulator.url}`);
  } else {
    target = {
      kind: 'live',
      label: `the real development instance at ${new URL(choice.apiUrl).host}`,
      apiUrl: choice.apiUrl,
      secretKey: choice.secretKey,
      runPrefix,
      minGapMs: LIVE_MIN_GAP_MS,
    };
    console.log(`live: running against ${target.label}; this run's objects start with ${runPrefix}-`);
    const api = new ClerkApi(target.apiUrl, target.secretKey, target.minGapMs);
    const instance = await api.json<{ environment_type: string }>('GET', '/instance');
    if (instance.environment_type !== 'development') {
      throw new Error(
        `the live suite runs only against development instances; this one is ${instance.environment_type}`,
      );
    }
    const leftovers = await sweep(api, { runPrefix, createdBefore: Date.now() - LEFTOVER_AGE_MS });
    console.log(describeSweep(`live: leftovers of earlier runs (${PREFIX}*, older than an hour)`, leftovers));
    const { total_count: users } = await api.json<{ total_count: number }>('GET', '/users/count');
    if (users + LIVE_USER_BUDGET > DEVELOPMENT_USER_CAP) {
      throw new Error(
        `the instance has ${users} users; the suite adds up to ${LIVE_USER_BUDGET} and a development instance holds ${DEVELOPMENT_USER_CAP}: free some room first`,
      );
    }
  }
  project.provide('clerkLiveTarget', target);
}

export async function teardown(): Promise<void> {
  try {
    if (target) {
      // The test files clean up after themselves; this catches what a crashed file left behind.
      const api = new ClerkApi(target.apiUrl, target.secretKey, target.minGapMs);
      const rest = await sweep(api, { runPrefix: target.runPrefix, createdBefore: Date.now() - LEFTOVER_AGE_MS });
      if (rest.users + rest.organizations + rest.failures.length > 0)
        console.log(describeSweep('live: final sweep', rest));
      console.log(
        target.kind === 'live'
          ? `live: ran against ${target.label}`
          : 'live: skipped (CLERK_LIVE_SECRET_KEY not set): ran against the emulator',
      );
    }
  } finally {
    await emulator?.close();
  }
}
