// Which Clerk the live suite talks to, and the run's name prefix. With CLERK_LIVE_SECRET_KEY set: a real development
// instance (CLERK_LIVE_API_URL, default https://api.clerk.com/v1); production keys are refused. Without it: an emulator
// the global setup starts with a new instance's default settings. The global setup decides and hands the result to
// the test files through vitest's provide/inject.

import { inject, type TestContext } from 'vitest';

/** Every object the suite creates carries this prefix (external ids, emails, organization names and keys). */
export const PREFIX = 'clerk-sync-live-';

export const DEFAULT_LIVE_API_URL = 'https://api.clerk.com/v1';

/** Objects with the prefix older than this are leftovers of an earlier run and removed at start. */
export const LEFTOVER_AGE_MS = 60 * 60 * 1000;

/** Users the suite may add on a real development instance, which holds 100 (docs/clerk-api.md). */
export const LIVE_USER_BUDGET = 25;

export interface LiveTarget {
  kind: 'live' | 'emulator';
  /** Names the target in describe titles and log lines. */
  label: string;
  /** Base URL ending in /v1. */
  apiUrl: string;
  secretKey: string;
  /** `clerk-sync-live-<run id>`: this run's objects start with it. */
  runPrefix: string;
  /** Smallest gap between two raw requests (client-side pacing; 0 against the emulator). */
  minGapMs: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    clerkLiveTarget: LiveTarget;
  }
}

export type TargetChoice = { kind: 'live'; apiUrl: string; secretKey: string } | { kind: 'emulator'; reason: string };

/** Reads the environment; throws on a production key, which the suite never touches. */
export function chooseTarget(env: NodeJS.ProcessEnv): TargetChoice {
  const secretKey = env.CLERK_LIVE_SECRET_KEY?.trim();
  if (!secretKey) return { kind: 'emulator', reason: 'CLERK_LIVE_SECRET_KEY not set' };
  if (secretKey.startsWith('sk_live_')) {
    throw new Error(
      'CLERK_LIVE_SECRET_KEY is a production key (sk_live_): the live suite runs only against development instances (sk_test_)',
    );
  }
  if (!secretKey.startsWith('sk_test_')) {
    throw new Error('CLERK_LIVE_SECRET_KEY must be a development secret key (sk_test_...)');
  }
  const apiUrl = (env.CLERK_LIVE_API_URL?.trim() || DEFAULT_LIVE_API_URL).replace(/\/+$/, '');
  return { kind: 'live', apiUrl, secretKey };
}

/** `clerk-sync-live-<base36 time><4 random>`: lower-case letters and digits, so it is also a valid slug. */
export function newRunPrefix(now: number = Date.now()): string {
  const random = Math.floor(Math.random() * 36 ** 4)
    .toString(36)
    .padStart(4, '0');
  return `${PREFIX}${now.toString(36)}${random}`;
}

export function currentTarget(): LiveTarget {
  return inject('clerkLiveTarget');
}

/**
 * A rule whose precondition a real instance may not meet (a setting changed in the Dashboard, a feature switched
 * off): there the test is skipped, with the reason on the console. Against the emulator nothing is skipped: it must
 * be a new instance, so the test goes on and its assertions decide.
 */
export function requirePrecondition(context: TestContext, target: LiveTarget, holds: boolean, reason: string): void {
  if (holds || target.kind !== 'live') return;
  console.log(`live: skipped "${context.task.name}": ${reason}`);
  context.skip(reason);
}
