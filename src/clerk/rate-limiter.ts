// Client-side rate limiting: a sliding-window log of the last N request starts, served in FIFO order. A request
// may start at max(now, oldest of the last N starts + T), so no interval of length T ever holds more than N starts,
// from the very first request on (a token bucket that starts full lets about 2N through in the first window, and
// Clerk's limiter algorithm is not documented: docs/clerk-api.md). Plus an adaptive pause: when Clerk answers 429
// every caller waits until its Retry-After has passed, since Clerk blocks further requests to that endpoint until
// then (docs/clerk-api.md, rate limit). Also the concurrency cap (a FIFO semaphore). Clock and sleep are
// injected, so tests run on a fake clock.

import { setMaxListeners } from 'node:events';
import { setTimeout as sleepTimer } from 'node:timers/promises';

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = async (ms, signal) => {
  await sleepTimer(ms, undefined, signal === undefined ? undefined : { signal });
};

export interface RateLimiterOptions {
  /** At most this many request starts in any interval of `windowMs` (half-open: [t, t + windowMs)). */
  requests: number;
  windowMs: number;
  /** @default Date.now */
  now?: () => number;
  /** @default a timers/promises sleep */
  sleep?: Sleep;
}

export interface RateLimiter {
  /** Resolves when the caller may send one request; rejects with the signal's reason if aborted while waiting. */
  acquire(signal?: AbortSignal): Promise<void>;
  /**
   * The server said 429: nobody starts for `ms`, and afterwards requests resume at the steady rate (one per
   * windowMs / requests), not with a full window at once.
   */
  pause(ms: number): void;
  /** Unix ms until which callers are paused (0 or past when not paused). */
  pausedUntil(): number;
  /** Callers currently waiting. */
  waiting(): number;
}

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  cleanup: () => void;
}

const unlimited = new WeakSet<AbortSignal>();

/**
 * Every request waiting for a slot listens to the caller's one signal until it gets the slot; past 10 listeners Node
 * prints a MaxListenersExceededWarning on stderr, though each is removed when its request goes (not a leak).
 */
function listenForAbort(signal: AbortSignal | undefined, onAbort: () => void): void {
  if (signal === undefined) return;
  // Not getMaxListeners: Node 20 throws for a signal whose limit is 0 (unlimited).
  if (!unlimited.has(signal)) {
    setMaxListeners(0, signal);
    unlimited.add(signal);
  }
  signal.addEventListener('abort', onAbort, { once: true });
}

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  if (!Number.isSafeInteger(options.requests) || options.requests < 1 || !(options.windowMs > 0)) {
    throw new RangeError(
      `rate limit needs a whole number of requests >= 1 and windowMs > 0, got ${options.requests}/${options.windowMs}`,
    );
  }
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const capacity = options.requests;
  const windowMs = options.windowMs;
  // Ring buffer of the last `capacity` start times, ascending from `head` (the oldest) once full; before that the
  // first `count` slots. Invariant: any capacity + 1 consecutive starts span at least windowMs.
  const starts = new Float64Array(capacity);
  let count = 0;
  let head = 0;
  let pausedUntil = 0;
  const queue: Waiter[] = [];
  let pumping = false;

  function earliestStart(): number {
    const windowFree = count < capacity ? Number.NEGATIVE_INFINITY : (starts[head] as number) + windowMs;
    return Math.max(windowFree, pausedUntil);
  }

  function record(time: number): void {
    if (count < capacity) {
      starts[count] = time;
      count += 1;
    } else {
      starts[head] = time;
      head = (head + 1) % capacity;
    }
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length > 0) {
        const time = now();
        const at = earliestStart();
        if (time < at) {
          await sleep(Math.max(1, Math.ceil(at - time)));
          continue;
        }
        record(time);
        const waiter = queue.shift();
        waiter?.cleanup();
        waiter?.resolve();
      }
    } catch (error) {
      for (const waiter of queue.splice(0)) {
        waiter.cleanup();
        waiter.reject(error);
      }
    } finally {
      pumping = false;
    }
  }

  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      return new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          reject(abortReason(signal as AbortSignal));
        };
        const waiter: Waiter = {
          resolve,
          reject,
          cleanup: () => signal?.removeEventListener('abort', onAbort),
        };
        listenForAbort(signal, onAbort);
        queue.push(waiter);
        void pump();
      });
    },
    pause(ms) {
      const until = now() + Math.max(0, ms);
      if (until <= pausedUntil) return;
      pausedUntil = until;
      // The log is filled as if a full window had been sent at the steady rate just before `until`, so requests
      // resume one per windowMs / capacity: a whole window sent the moment the server reopens would likely earn the
      // next 429. Each slot keeps the later of the real and the virtual start, so the window rule only tightens.
      const merged = new Float64Array(capacity);
      const step = windowMs / capacity;
      for (let slot = 0; slot < capacity; slot += 1) {
        const virtual = until - windowMs + (slot + 1) * step;
        const realIndex = slot - (capacity - count);
        const real = realIndex < 0 ? Number.NEGATIVE_INFINITY : (starts[(head + realIndex) % capacity] as number);
        merged[slot] = Math.max(virtual, real);
      }
      starts.set(merged);
      count = capacity;
      head = 0;
    },
    pausedUntil: () => pausedUntil,
    waiting: () => queue.length,
  };
}

export interface Semaphore {
  /** `ahead`: waits ahead of every waiter without it (FIFO among its own). */
  acquire(signal?: AbortSignal, ahead?: boolean): Promise<void>;
  release(): void;
  active(): number;
}

/** FIFO counting semaphore: at most `limit` holders at once; waiters that ask to go ahead are served first. */
export function createSemaphore(limit: number): Semaphore {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`concurrency must be >= 1, got ${limit}`);
  let active = 0;
  const first: Waiter[] = [];
  const rest: Waiter[] = [];
  return {
    acquire(signal, ahead = false) {
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      if (active < limit && first.length === 0 && rest.length === 0) {
        active += 1;
        return Promise.resolve();
      }
      const queue = ahead ? first : rest;
      return new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          reject(abortReason(signal as AbortSignal));
        };
        const waiter: Waiter = { resolve, reject, cleanup: () => signal?.removeEventListener('abort', onAbort) };
        listenForAbort(signal, onAbort);
        queue.push(waiter);
      });
    },
    release() {
      const next = first.shift() ?? rest.shift();
      if (next) {
        // The slot passes straight to the next waiter; `active` stays the same.
        next.cleanup();
        next.resolve();
      } else {
        active = Math.max(0, active - 1);
      }
    },
    active: () => active,
  };
}
