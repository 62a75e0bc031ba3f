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

describe('createRateLimiter (token bucket on a fake clock)', () => {
  it('lets a full burst through at once, then one token per requests/window', async () => {
    const clock = createFakeClock();
    const limiter = createRateLimiter({ requests: 5, windowMs: 1000, now: clock.now, sleep: clock.sleep });
    const burst = Array.from({ length: 5 }, () => track(limiter.acquire()));
    await flush();
    expect(burst.every((entry) => entry.settled())).toBe(true);

    const sixth = track(limiter.acquire());
    await clock.advance(199);
    expect(sixth.settled()).toBe(false);
    await clock.advance(1);
    expect(sixth.settled()).toBe(true);
  });

  it('refills up to capacity only', async () => {
    const clock = createFakeClock();
    const limiter = createRateLimiter({ requests: 3, windowMs: 300, now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 3; i += 1) await limiter.acquire();
    await clock.advance(10_000);
    const next = Array.from({ length: 4 }, () => track(limiter.acquire()));
    await flush();
    expect(next.map((entry) => entry.settled())).toEqual([true, true, true, false]);
    await clock.advance(100);
    expect(next[3]?.settled()).toBe(true);
  });

  it('serves waiters in FIFO order at the refill rate', async () => {
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

  it('pauses every caller after a 429 until Retry-After has passed, and restarts empty', async () => {
    const clock = createFakeClock();
    const limiter = createRateLimiter({ requests: 10, windowMs: 1000, now: clock.now, sleep: clock.sleep });
    await limiter.acquire();
    limiter.pause(3000);
    expect(limiter.pausedUntil()).toBe(clock.now() + 3000);
    const a = track(limiter.acquire());
    const b = track(limiter.acquire());
    await clock.advance(2999);
    expect(a.settled()).toBe(false);
    // No stored burst at the end of the pause: tokens trickle at 10/s (one per 100 ms).
    await clock.advance(1);
    expect(a.settled()).toBe(false);
    await clock.advance(100);
    expect(a.settled()).toBe(true);
    expect(b.settled()).toBe(false);
    await clock.advance(100);
    expect(b.settled()).toBe(true);
  });

  it('a shorter pause never shortens a longer one', async () => {
    const clock = createFakeClock();
    const limiter = createRateLimiter({ requests: 10, windowMs: 1000, now: clock.now, sleep: clock.sleep });
    limiter.pause(5000);
    limiter.pause(1000);
    expect(limiter.pausedUntil()).toBe(clock.now() + 5000);
  });

  it('rejects an aborted waiter without consuming a token', async () => {
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
});
