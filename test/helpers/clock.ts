// A virtual clock for CLI runs against a real (emulated) server: `sleep` moves the clock forward and resolves at
// once, so Retry-After and backoff waits cost nothing while requests still travel over real sockets. Pass it as
// CliIO.clock (runCliInProcess's `clock`); the jitter source is seeded so a run repeats.

export interface InstantClock {
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  /** Every sleep the client asked for, in order. */
  sleeps: number[];
}

export function instantClock(seed = 1): InstantClock {
  let skipped = 0;
  let state = seed >>> 0 || 1;
  const sleeps: number[] = [];
  return {
    now: () => Date.now() + skipped,
    sleeps,
    sleep(ms, signal) {
      sleeps.push(ms);
      if (signal?.aborted) return Promise.reject(signal.reason);
      skipped += Math.max(0, ms);
      // A macrotask, as a real timer: other requests in flight get their turn.
      return new Promise((resolve) => setImmediate(resolve));
    },
    random() {
      // xorshift32: uniform enough for jitter, and repeatable.
      state ^= state << 13;
      state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      return state / 2 ** 32;
    },
  };
}
