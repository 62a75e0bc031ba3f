// Client-side rate limiting: a token bucket (capacity = requests, refilled at requests/windowMs) served in FIFO
// order, plus an adaptive pause: when Clerk answers 429 every caller waits until its Retry-After has passed, since
// Clerk blocks further requests to that endpoint until then (clerk-api-notes §1 Rate limits [docs]).
// Also the concurrency cap (a FIFO semaphore). Clock and sleep are injected, so tests run on a fake clock.

import { setTimeout as sleepTimer } from 'node:timers/promises';

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = async (ms, signal) => {
  await sleepTimer(ms, undefined, signal === undefined ? undefined : { signal });
};

export interface RateLimiterOptions {
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
  /** The server said 429: nobody gets a token for `ms`, and the bucket restarts empty (no burst on resume). */
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

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  if (!(options.requests >= 1) || !(options.windowMs > 0)) {
    throw new RangeError(
      `rate limit needs requests >= 1 and windowMs > 0, got ${options.requests}/${options.windowMs}`,
    );
  }
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const capacity = options.requests;
  const perMs = options.requests / options.windowMs;
  let tokens = capacity;
  let refilledAt = now();
  let pausedUntil = 0;
  const queue: Waiter[] = [];
  let pumping = false;

  function refill(): void {
    const time = now();
    if (time > refilledAt) {
      tokens = Math.min(capacity, tokens + (time - refilledAt) * perMs);
      refilledAt = time;
    }
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length > 0) {
        const time = now();
        if (time < pausedUntil) {
          await sleep(pausedUntil - time);
          continue;
        }
        refill();
        if (tokens >= 1) {
          tokens -= 1;
          const waiter = queue.shift();
          waiter?.cleanup();
          waiter?.resolve();
          continue;
        }
        await sleep(Math.max(1, Math.ceil((1 - tokens) / perMs)));
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
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(waiter);
        void pump();
      });
    },
    pause(ms) {
      const until = now() + Math.max(0, ms);
      if (until <= pausedUntil) return;
      pausedUntil = until;
      // Refill restarts at the end of the pause: the server's window reopens then, and sending a stored burst the
      // moment it does would likely earn the next 429.
      tokens = Math.min(tokens, 0);
      refilledAt = Math.max(refilledAt, until);
    },
    pausedUntil: () => pausedUntil,
    waiting: () => queue.length,
  };
}

export interface Semaphore {
  acquire(signal?: AbortSignal): Promise<void>;
  release(): void;
  active(): number;
}

/** FIFO counting semaphore: at most `limit` holders at once. */
export function createSemaphore(limit: number): Semaphore {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`concurrency must be >= 1, got ${limit}`);
  let active = 0;
  const queue: Waiter[] = [];
  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      if (active < limit && queue.length === 0) {
        active += 1;
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          reject(abortReason(signal as AbortSignal));
        };
        const waiter: Waiter = { resolve, reject, cleanup: () => signal?.removeEventListener('abort', onAbort) };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(waiter);
      });
    },
    release() {
      const next = queue.shift();
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
