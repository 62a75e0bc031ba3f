// A fake executor runtime: a clock that moves only when apply sleeps, a sleep that records its delay and returns at
// once, and a fixed "random" number, so retry and backoff tests take no real time and see exact delays.

import type { ApplyRuntime } from '../../src/apply/index.ts';

export interface FakeRuntime extends ApplyRuntime {
  /** Every delay apply asked to sleep, in order. */
  sleeps: number[];
}

/** `random` 0.5 makes apply's jitter factor exactly 1. */
export function createFakeRuntime(random = 0.5, start = 1_000_000): FakeRuntime {
  let time = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => time,
    sleep: async (ms) => {
      sleeps.push(ms);
      time += ms;
    },
    random: () => random,
  };
}
