import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRateLimiter, createSemaphore } from '../../src/clerk/index.ts';
import { createFakeClock, flush } from './fake-clock.ts';

function track(promise: Promise<unknown>): { settled: () => boolean; result: () => unknown } {
  let settled = false;
  let result: unknown;
  promise.then(
    () => {
      settled = true;
    },
    (error: unknown) => {
      settled = true;
      result = error;
    },
  );
  return { settled: () => settled, result: () => result };
}

/** The largest number of `starts` inside any half-open interval [t, t + windowMs). */
function busiestWindow(starts: number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let best = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last += 1) {
    while ((sorted[last] as number) - (sorted[first] as number) >= windowMs) first += 1;
    best = Math.max(best, last - first + 1);
  }
  return best;
}

describe('createRateLimiter (sliding window on a fake clock)', () => {
  it('lets N start at once, then none until the oldest start is a whole window old', async () => {
    const clock = createFakeClock();
    const limiter = createRateLimiter({ requests: 5, windowMs: 1000, now: clock.now, sleep: clock.sleep });
    const burst = Array.from({ length: 5 }, () => track(limiter.acquire()));
    await flush();
    expect(burst.every((entry) => entry.settled())).toBe(true);

    const sixth = track(limiter.acquire());
    await clock.advance(999);
    expect(sixth.settled()).toBe(false);
    await clock.advance(1);
    expect(sixth.settled()).toBe(true);
  });

  it('never lets more than N start in the first window (a full token bucket let about 2N through)', async () => {
    const clock = createFakeClock();
    const limiter = createRateLimiter({ requests: 10, windowMs: 10_000, now: clock.now, sleep: clock.sleep });
    const origin = clock.now();
    const starts: number[] = [];
    const all = Array.from({ length: 30 }, () => limiter.acquire().then(() => starts.push(clock.now() - origin)));
    await clock.runAll();
    await Promise.all(all);
    expect(starts.filter((at) => at < 10_000)).toHaveLength(10);
    expect(busiestWindow(starts, 10_000)).toBe(10);
    expect(starts).toEqual([
      ...Array.from({ length: 10 }, () => 0),
      ...Array.from({ length: 10 }, () => 10_000),
      ...Array.from({ length: 10 }, () => 20_000),
    ]);
  });

  it('stores no burst beyond N while idle', async () => {
    const clock = createFakeClock();
    const limiter = createRateLimiter({ requests: 3, windowMs: 300, now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 3; i += 1) await limiter.acquire();
    await clock.advance(10_000);
    const next = Array.from({ length: 4 }, () => track(limiter.acquire()));
    await flush();
    expect(next.map((entry) => entry.settled())).toEqual([true, true, true, false]);
    await clock.advance(299);
    expect(next[3]?.settled()).toBe(false);
    await clock.advance(1);
    expect(next[3]?.settled()).toBe(true);
  });

  it('property: no window of T holds more than N starts; FIFO; each start as early as the window allows', async () => {
    const group = fc.record({
      gap: fc.nat({ max: 3000 }),
      count: fc.integer({ min: 1, max: 12 }),
      pause: fc.option(fc.nat({ max: 4000 }), { freq: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.array(group, { minLength: 1, maxLength: 8 }),
        async (requests, windowMs, groups) => {
          const clock = createFakeClock();
          const limiter = createRateLimiter({ requests, windowMs, now: clock.now, sleep: clock.sleep });
          const arrivals: number[] = [];
          const starts: number[] = [];
          const order: number[] = [];
          const pauses: { from: number; until: number; before: Set<number> }[] = [];
          const pending: Promise<unknown>[] = [];
          for (const { gap, count, pause } of groups) {
            await clock.advance(gap);
            if (pause !== null) {
              // Requests already started are not affected; every later start waits for the pause to end.
              pauses.push({ from: clock.now(), until: clock.now() + pause, before: new Set(order) });
              limiter.pause(pause);
            }
            for (let i = 0; i < count; i += 1) {
              const index = arrivals.length;
              arrivals.push(clock.now());
              pending.push(
                limiter.acquire().then(() => {
                  starts[index] = clock.now();
                  order.push(index);
                }),
              );
            }
          }
          await clock.runAll();
          await Promise.all(pending);
          expect(order).toEqual(arrivals.map((_, index) => index));
          expect(busiestWindow(starts, windowMs)).toBeLessThanOrEqual(requests);
          for (const { from, until, before } of pauses) {
            expect(starts.filter((at, index) => !before.has(index) && at >= from && at < until)).toEqual([]);
          }
          if (pauses.length === 0) {
            // Work-conserving: a request waits only for its turn (FIFO) and for the window, never longer.
            starts.forEach((at, k) => {
              const earliest = Math.max(
                arrivals[k] as number,
                k > 0 ? (starts[k - 1] as number) : Number.NEGATIVE_INFINITY,
                k >= requests ? (starts[k - requests] as number) + windowMs : Number.NEGATIVE_INFINITY,
              );
              expect(at).toBe(earliest);
            });
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('serves waiters in FIFO order at the window rate', async () => {
    const clock = createFakeClock();
    const limiter = createRateLimiter({ requests: 1, windowMs: 100, now: clock.now, sleep: clock.sleep });
    await limiter.acquire();
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) => limiter.acquire().then(() => order.push(n)));
    const start = clock.now();
    await clock.advance(100);
    expect(order).toEqual([1]);
    await clock.runAll();
    await Promise.all(waits);
    expect(order).toEqual([1, 2, 3]);
    expect(clock.now() - start).toBe(300);
  });

  it('pauses every caller after a 429 until Retry-After has passed, then resumes at the steady rate', async () => {
    const clock = createFakeClock();
    const limiter = createRateLimiter({ requests: 10, windowMs: 1000, now: clock.now, sleep: clock.sleep });
    await limiter.acquire();
    limiter.pause(3000);
    expect(limiter.pausedUntil()).toBe(clock.now() + 3000);
    const a = track(limiter.acquire());
    const b = track(limiter.acquire());
    await clock.advance(2999);
    expect(a.settled()).toBe(false);
    // No whole window at the end of the pause: requests resume at the steady 10/s (one per 100 ms).
    await clock.advance(1);
    expect(a.settled()).toBe(false);
    await clock.advance(100);
    expect(a.settled()).toBe(true);
    expect(b.settled()).toBe(false);
    await clock.advance(100);
    expect(b.settled()).toBe(true);
  });

  it('a pause shorter than the window still counts the starts before it', async () => {
    const clock = createFakeClock();
    const limiter = createRateLimiter({ requests: 2, windowMs: 1000, now: clock.now, sleep: clock.sleep });
    await limiter.acquire();
    await limiter.acquire();
    limiter.pause(100);
    const third = track(limiter.acquire());
    await clock.advance(999);
    expect(third.settled()).toBe(false);
    await clock.advance(1);
    expect(third.settled()).toBe(true);
  });

  it('a shorter pause never shortens a longer one', async () => {
    const clock = createFakeClock();
    const limiter = createRateLimiter({ requests: 10, windowMs: 1000, now: clock.now, sleep: clock.sleep });
    limiter.pause(5000);
    limiter.pause(1000);
    expect(limiter.pausedUntil()).toBe(clock.now() + 5000);
  });

  it('rejects an aborted waiter without using a slot of the window', async () => {
    const clock = createFakeClock();
    const limiter = createRateLimiter({ requests: 1, windowMs: 1000, now: clock.now, sleep: clock.sleep });
    await limiter.acquire();
    const controller = new AbortController();
    const aborted = track(limiter.acquire(controller.signal));
    const other = track(limiter.acquire());
    controller.abort(new Error('stop'));
    await flush();
    expect(aborted.settled()).toBe(true);
    expect(String(aborted.result())).toContain('stop');
    expect(limiter.waiting()).toBe(1);
    await clock.advance(1000);
    expect(other.settled()).toBe(true);
  });

  it('refuses a nonsensical budget', () => {
    expect(() => createRateLimiter({ requests: 0, windowMs: 1000 })).toThrow(RangeError);
  });
});

describe('createSemaphore', () => {
  it('admits at most `limit` holders and hands slots over in order', async () => {
    const semaphore = createSemaphore(2);
    await semaphore.acquire();
    await semaphore.acquire();
    const third = track(semaphore.acquire());
    const fourth = track(semaphore.acquire());
    await flush();
    expect(third.settled()).toBe(false);
    semaphore.release();
    await flush();
    expect(third.settled()).toBe(true);
    expect(fourth.settled()).toBe(false);
    expect(semaphore.active()).toBe(2);
    semaphore.release();
    semaphore.release();
    await flush();
    expect(fourth.settled()).toBe(true);
    semaphore.release();
    expect(semaphore.active()).toBe(0);
  });

  it('hands a released slot to the waiters that asked to go ahead first, in their order, then to the others', async () => {
    const semaphore = createSemaphore(1);
    await semaphore.acquire();
    const order: string[] = [];
    const waiting = [
      semaphore.acquire().then(() => order.push('plain 1')),
      semaphore.acquire(undefined, true).then(() => order.push('ahead 1')),
      semaphore.acquire().then(() => order.push('plain 2')),
      semaphore.acquire(undefined, true).then(() => order.push('ahead 2')),
    ];
    for (let index = 0; index < waiting.length; index += 1) {
      semaphore.release();
      await flush();
    }
    await Promise.all(waiting);
    expect(order).toStrictEqual(['ahead 1', 'ahead 2', 'plain 1', 'plain 2']);
  });

  it('lets many requests wait on one signal without a MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name);
    };
    process.on('warning', onWarning);
    try {
      const semaphore = createSemaphore(1);
      const controller = new AbortController();
      await semaphore.acquire(controller.signal);
      const reason = new Error('interrupted');
      const waiting = Array.from({ length: 20 }, () =>
        semaphore.acquire(controller.signal).then(
          () => 'acquired',
          (error: unknown) => (error === reason ? 'aborted' : error),
        ),
      );
      controller.abort(reason);
      expect(await Promise.all(waiting)).toEqual(Array(20).fill('aborted'));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });
});
