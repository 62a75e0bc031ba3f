import { describe, expect, it } from 'vitest';
import { backoffCeilingMs, type RetryPolicyOptions, retryAfterMs, retryPolicy } from '../../src/clerk/index.ts';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');

function options(overrides: Partial<RetryPolicyOptions> = {}): RetryPolicyOptions {
  return { maxWaitMs: 120_000, random: () => 0.5, now: () => NOW, ...overrides };
}

describe('retryPolicy: which failures are retried', () => {
  it.each([
    [0, 'connection error / timeout'],
    [429, 'rate limited'],
    [500, 'internal error'],
    [502, 'bad gateway'],
    [503, 'unavailable'],
    [504, 'gateway timeout'],
  ])('retries status %i (%s)', (status) => {
    expect(retryPolicy({ status }, 1, options())).toBeTypeOf('number');
  });

  it.each([[200], [400], [401], [403], [404], [409], [422], [501]])('stops on status %i', (status) => {
    expect(retryPolicy({ status }, 1, options())).toBe('stop');
  });
});

describe('retryPolicy: Retry-After', () => {
  it('honours integer seconds exactly, ignoring jitter', () => {
    expect(retryPolicy({ status: 429, retryAfter: '7' }, 1, options({ random: () => 0 }))).toBe(7000);
    expect(retryPolicy({ status: 429, retryAfter: 3 }, 2, options())).toBe(3000);
  });

  it('reads an HTTP date relative to the injected clock', () => {
    const date = new Date(NOW + 42_000).toUTCString();
    expect(retryPolicy({ status: 429, retryAfter: date }, 1, options())).toBe(42_000);
  });

  it('treats a date in the past as "now"', () => {
    const date = new Date(NOW - 60_000).toUTCString();
    expect(retryPolicy({ status: 429, retryAfter: date }, 1, options())).toBe(0);
  });

  it('stops when Retry-After exceeds maxWaitMs', () => {
    expect(retryPolicy({ status: 429, retryAfter: '3600' }, 1, options({ maxWaitMs: 120_000 }))).toBe('stop');
    expect(retryPolicy({ status: 429, retryAfter: '120' }, 1, options({ maxWaitMs: 120_000 }))).toBe(120_000);
  });

  it('falls back to backoff when Retry-After is missing or unreadable', () => {
    const opts = options({ random: () => 0.5 });
    expect(retryPolicy({ status: 429 }, 1, opts)).toBe(125);
    expect(retryPolicy({ status: 429, retryAfter: 'soon' }, 1, opts)).toBe(125);
    expect(retryPolicy({ status: 429, retryAfter: '1.5' }, 1, opts)).toBe(125);
  });

  it('ignores Retry-After on 5xx (backoff applies)', () => {
    expect(retryPolicy({ status: 503, retryAfter: '30' }, 1, options({ random: () => 0.5 }))).toBe(125);
  });

  it('parses values without a policy', () => {
    expect(retryAfterMs('0', () => NOW)).toBe(0);
    expect(retryAfterMs(undefined, () => NOW)).toBeUndefined();
    expect(retryAfterMs(-1, () => NOW)).toBeUndefined();
    expect(retryAfterMs('Mon, 01 Jun 2026 12:00:10 GMT', () => NOW)).toBe(10_000);
  });
});

describe('retryPolicy: backoff and attempts', () => {
  it('grows exponentially from 250 ms by 2 and caps at 10 s', () => {
    const opts = options();
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffCeilingMs(n, opts))).toEqual([
      250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });

  it('uses full jitter: random() scales the whole ceiling', () => {
    const high = options({ random: () => 0.999_999, maxAttempts: 20 });
    const low = options({ random: () => 0, maxAttempts: 20 });
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      const ceiling = backoffCeilingMs(attempt, high);
      const upper = retryPolicy({ status: 500 }, attempt, high);
      expect(upper).toBeLessThan(ceiling);
      expect(upper).toBeGreaterThanOrEqual(ceiling - 1);
      expect(retryPolicy({ status: 500 }, attempt, low)).toBe(0);
    }
  });

  it('stays within [0, ceiling) for many random values', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 16_807) % 2_147_483_647;
      return (seed - 1) / 2_147_483_646;
    };
    for (let i = 0; i < 500; i += 1) {
      const attempt = (i % 5) + 1;
      const delay = retryPolicy({ status: 502 }, attempt, options({ random }));
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(backoffCeilingMs(attempt, options()));
    }
  });

  it('clamps backoff to maxWaitMs', () => {
    expect(retryPolicy({ status: 500 }, 5, options({ random: () => 0.99, maxWaitMs: 100 }))).toBe(100);
  });

  it('stops after maxAttempts (default 6)', () => {
    expect(retryPolicy({ status: 500 }, 5, options())).toBeTypeOf('number');
    expect(retryPolicy({ status: 500 }, 6, options())).toBe('stop');
    expect(retryPolicy({ status: 429, retryAfter: '1' }, 6, options())).toBe('stop');
    expect(retryPolicy({ status: 500 }, 2, options({ maxAttempts: 2 }))).toBe('stop');
    expect(retryPolicy({ status: 500 }, 1, options({ maxAttempts: 2 }))).toBeTypeOf('number');
  });
});
