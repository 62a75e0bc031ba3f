// The executor's default runtime (real clock, timers, Math.random) and apply's own backoff, computed from it.

import { setTimeout as sleepTimer } from 'node:timers/promises';
import type { ApplyRuntime } from './types.ts';

export const defaultRuntime: ApplyRuntime = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    await sleepTimer(ms, undefined, signal === undefined ? undefined : { signal });
  },
  random: () => Math.random(),
};

/** `runtime` with every part it leaves out taken from the default. */
export function withDefaults(runtime: Partial<ApplyRuntime> = {}): ApplyRuntime {
  return { ...defaultRuntime, ...runtime };
}

/** Delay before apply's retry number `retry` (1, 2, ...): doubled per retry, with ±25 % jitter so lanes spread out. */
export function backoffMs(retry: number, baseMs: number, random: () => number): number {
  return baseMs * 2 ** (retry - 1) * (0.75 + random() / 2);
}
