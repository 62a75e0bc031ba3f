// A fake clock for the rate limiter and client tests: `sleep` registers a timer that fires only when the test
// advances time, so waits of seconds run in microseconds and the assertions never depend on the real clock.

interface Timer {
  at: number;
  resolve: () => void;
}

export interface FakeClock {
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Moves time forward by `ms`, firing due timers in order and letting their continuations run. */
  advance: (ms: number) => Promise<void>;
  /** Fires timers (advancing time to each) until none is pending. */
  runAll: (limit?: number) => Promise<void>;
  pending: () => number;
  /** Every sleep duration requested so far. */
  sleeps: number[];
}

/** Lets every queued promise continuation run (they all run before the next macrotask). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function createFakeClock(start = 1_700_000_000_000): FakeClock {
  let time = start;
  let timers: Timer[] = [];
  const sleeps: number[] = [];
  const fireNext = (until: number): boolean => {
    timers.sort((a, b) => a.at - b.at);
    const next = timers[0];
    if (!next || next.at > until) return false;
    timers = timers.slice(1);
    time = Math.max(time, next.at);
    next.resolve();
    return true;
  };
  return {
    now: () => time,
    sleeps,
    sleep(ms, signal) {
      sleeps.push(ms);
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        const timer: Timer = { at: time + ms, resolve };
        timers.push(timer);
        signal?.addEventListener(
          'abort',
          () => {
            timers = timers.filter((t) => t !== timer);
            reject(signal.reason);
          },
          { once: true },
        );
      });
    },
    async advance(ms) {
      const target = time + ms;
      await flush();
      while (fireNext(target)) await flush();
      time = target;
      await flush();
    },
    async runAll(limit = 10_000) {
      await flush();
      for (let fired = 0; fired < limit && fireNext(Number.POSITIVE_INFINITY); fired += 1) await flush();
    },
    pending: () => timers.length,
  };
}

/** A clock whose sleep returns at once after moving time forward: for client tests that only count waits. */
export function createAutoClock(start = 1_700_000_000_000): {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  sleeps: number[];
} {
  let time = start;
  const sleeps: number[] = [];
  return {
    now: () => time,
    sleeps,
    sleep: async (ms) => {
      sleeps.push(ms);
      time += ms;
    },
  };
}
