// The retry policy: a pure function from (failure, attempt) to a delay or 'stop'. Whether a request may be repeated
// at all (POST outcome unknown) is the client's RetryMode decision; this only says when and how often.
// Clerk answers 429 with `Retry-After: <integer seconds>` (docs/clerk-api.md#one-rate-limit-per-instance-shared); HTTP
// dates are accepted too (RFC 9110 §10.2.3) since a proxy in front of the API may send them.

/** What the policy needs to know about a failure; ApiError satisfies it (status 0 = no response). */
export interface RetryableFailure {
  status: number;
  /** Seconds (number), or the raw Retry-After header (integer seconds or an HTTP date). */
  retryAfter?: number | string | undefined;
}

export interface RetryPolicyOptions {
  /** Attempts in total, the first included. @default 6 */
  maxAttempts?: number;
  /** Longest wait the caller accepts; a Retry-After above it stops retrying. */
  maxWaitMs: number;
  /** @default 250 */
  baseDelayMs?: number;
  /** @default 2 */
  factor?: number;
  /** Cap of the exponential backoff before jitter. @default 10_000 */
  maxDelayMs?: number;
  /** Uniform in [0, 1): the full-jitter source. */
  random: () => number;
  /** Clock in Unix ms, for Retry-After HTTP dates. */
  now: () => number;
}

export const DEFAULT_MAX_ATTEMPTS = 6;
/**
 * Attempts a request may make while answered 429: each waits Retry-After, and with several clients (or several of our
 * own requests) contending for one window, 6 losses in a row are likely enough to fail real runs.
 */
export const DEFAULT_MAX_RATE_LIMITED_ATTEMPTS = 20;

/** 429 (rate limited), transient server errors, and 0 (connection error or timeout: no response). */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([0, 429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/** Milliseconds a Retry-After value asks for (never negative), or undefined when absent or unreadable. */
export function retryAfterMs(value: number | string | undefined, now: () => number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only an HTTP date (with a weekday name) counts; Date.parse accepts too much else ("1.5" would be a date).
  if (!/^[A-Za-z]{3},/.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now());
}

/** Exponential backoff before jitter for the n-th failed attempt (1-based). */
export function backoffCeilingMs(attempt: number, options: RetryPolicyOptions): number {
  const base = options.baseDelayMs ?? 250;
  const factor = options.factor ?? 2;
  const cap = options.maxDelayMs ?? 10_000;
  return Math.min(cap, base * factor ** Math.max(0, attempt - 1));
}

/**
 * Decides after the `attempt`-th failed attempt (1-based) whether to try again, and after how many ms.
 * Retry-After is honoured exactly (it is Clerk's statement of when the window reopens); other failures get
 * full-jitter exponential backoff (random() * min(cap, base * factor^(attempt-1))).
 */
export function retryPolicy(failure: RetryableFailure, attempt: number, options: RetryPolicyOptions): number | 'stop' {
  if (!isRetryableStatus(failure.status)) return 'stop';
  if (attempt >= (options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS)) return 'stop';
  const maxWait = Math.max(0, options.maxWaitMs);
  if (failure.status === 429) {
    const asked = retryAfterMs(failure.retryAfter, options.now);
    if (asked !== undefined) return asked > maxWait ? 'stop' : Math.ceil(asked);
  }
  const jittered = Math.floor(options.random() * backoffCeilingMs(attempt, options));
  return Math.min(maxWait, Math.max(0, jittered));
}
