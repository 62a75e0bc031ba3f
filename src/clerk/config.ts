// Client configuration: where to send requests, with which key, how fast, through which proxy. Resolved once from
// env and flags so the rest of the client never reads `process`. The default rate is a share of Clerk's documented
// per-instance limit (docs: guides/how-clerk-works/system-limits, production 1000 req/10 s, development
// 100 req/10 s), because the application using the same key draws on the same limit.

import { ConfigError, UsageError } from '../errors.ts';
import { isLoopbackHost, type ProxyConfig, resolveProxy } from './proxy.ts';

export interface RateLimit {
  requests: number;
  windowMs: number;
}

export interface ClientConfig {
  /** Base URL including /v1, without a trailing slash: `https://api.clerk.com/v1`. */
  baseUrl: string;
  secretKey: string;
  /** Client-side request budget: never more than `requests` starts in any `windowMs` (sliding window). */
  rateLimit: RateLimit;
  /** Set when `rateLimit` is this share of Clerk's documented limit for the key (not an explicit --rate-limit). */
  rateShare?: number;
  /** The proxy for the API URL (HTTPS_PROXY / HTTP_PROXY, NO_PROXY); absent = direct connections. */
  proxy?: ProxyConfig;
  /** Requests in flight at once (and undici Pool connections). @default 8 */
  concurrency: number;
  /** Longest Retry-After (or backoff) the client waits before giving up. @default 120_000 */
  maxWaitMs: number;
  /** Attempts per logical request, the first included. @default 6 */
  maxAttempts?: number;
  /** Attempts answered 429 a request may make (each waits Retry-After). @default 20 */
  maxRateLimitedAttempts?: number;
  /** Headers and body timeout of one attempt (the longest silence between two chunks). @default 30_000 */
  timeoutMs?: number;
  /** Total deadline of one attempt, headers and body together: a body trickled byte by byte still ends. @default 120_000 */
  deadlineMs?: number;
  /** Largest response body read; a longer one is aborted as it streams. @default 64 MiB */
  maxBodyBytes?: number;
  /** Injected for tests: clock (ms), sleep and jitter source. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export const DEFAULT_API_URL = 'https://api.clerk.com/v1';
export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_MAX_WAIT_MS = 120_000;
/** Clerk docs guides/how-clerk-works/system-limits: production instances, shared by every user of the key. */
export const PRODUCTION_RATE_LIMIT: RateLimit = { requests: 1000, windowMs: 10_000 };
/** Clerk docs guides/how-clerk-works/system-limits: development instances, shared by every user of the key. */
export const DEVELOPMENT_RATE_LIMIT: RateLimit = { requests: 100, windowMs: 10_000 };
/** The share of the documented limit clerk-sync takes by default: the rest is left to the application. */
export const DEFAULT_RATE_SHARE = 0.5;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `1000/10s`, `100/1s`, `50/500ms`, `20/1m` (a missing number means 1: `100/s`). */
export function parseRateLimit(text: string): RateLimit {
  const match = /^\s*(\d+)\s*\/\s*(\d+)?\s*(ms|s|m|h)\s*$/.exec(text);
  const requests = match ? Number(match[1]) : Number.NaN;
  const amount = match ? Number(match[2] ?? '1') : Number.NaN;
  const unit = match?.[3] === undefined ? undefined : UNIT_MS[match[3]];
  if (!Number.isSafeInteger(requests) || requests < 1 || !(amount >= 1) || unit === undefined) {
    throw new UsageError(`invalid rate limit "${text}": expected REQUESTS/WINDOW such as 1000/10s, 100/1s, 50/500ms`, {
      hint: 'Write --rate-limit as a whole number of requests, a slash and a window in ms, s, m or h (e.g. 1000/10s).',
    });
  }
  return { requests, windowMs: amount * unit };
}

/** Parses a share of the documented limit: a number in (0, 1] (`0.5`, `.25`, `1`) or a percentage (`50%`). */
export function parseRateShare(text: string, source = '--rate-share'): number {
  const match = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(%?)\s*$/.exec(text);
  const share = match ? Number(match[1]) / (match[2] === '%' ? 100 : 1) : Number.NaN;
  if (!(share > 0 && share <= 1)) {
    throw new UsageError(`invalid rate share "${text}" in ${source}: expected a number above 0 and at most 1`, {
      hint: "Give the share of Clerk's limit clerk-sync may use, e.g. 0.5 (the default) or 25%; for an exact rate use --rate-limit N/T.",
    });
  }
  return share;
}

/** True for a production instance key (`sk_live_…`); development keys are `sk_test_…`. */
export function isProductionKey(secretKey: string): boolean {
  return secretKey.startsWith('sk_live_');
}

/** Clerk's documented per-instance limit for the key's instance (production for sk_live_, else development). */
export function documentedRateLimit(secretKey: string): RateLimit {
  return isProductionKey(secretKey) ? { ...PRODUCTION_RATE_LIMIT } : { ...DEVELOPMENT_RATE_LIMIT };
}

/** `share` of `limit`, rounded down (never below 1 request): 0.5 of 100/10s is 50/10s. */
export function shareOfRateLimit(limit: RateLimit, share: number): RateLimit {
  // The epsilon keeps 0.29 * 100 (28.999999999999996 in floating point) at 29.
  return { requests: Math.max(1, Math.floor(limit.requests * share + 1e-9)), windowMs: limit.windowMs };
}

/** Replaces every occurrence of the secret key in `text` by a marker that keeps only its kind. */
export function redactSecret(text: string, secret: string): string {
  if (secret.length === 0 || !text.includes(secret)) return text;
  const kind = /^(sk|pk)_(live|test)_/.exec(secret)?.[0] ?? '';
  return text.split(secret).join(`${kind}[REDACTED]`);
}

/** Normalises an API base URL: https (or http on loopback), path ending in /v1, no trailing slash, query or hash. */
export function normalizeBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(`the API URL "${raw}" is not a valid URL`, {
      hint: 'Set --api-url or CLERK_API_URL to a URL like https://api.clerk.com/v1',
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`the API URL "${raw}" must use https://`, {
      hint: 'Set --api-url or CLERK_API_URL to a URL like https://api.clerk.com/v1',
    });
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    // The secret key travels in the Authorization header: plain HTTP would expose it on the network.
    throw new ConfigError(`refusing plain http:// for ${url.host}: the secret key would be sent unencrypted`, {
      meta: { host: url.host },
      hint: 'Use https://, or plain http:// only for a loopback host (127.0.0.1, ::1, localhost) such as the emulator.',
    });
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError('the API URL must not contain credentials', {
      hint: 'Remove user:password@ from the URL; the secret key comes from CLERK_SECRET_KEY.',
    });
  }
  let path = url.pathname.replace(/\/+$/, '');
  // Clerk's /v1 is a path segment, not the dated API version (OpenAPI spec 2026-05-12, LimitParameter); @clerk/backend's apiUrl has none.
  if (!path.endsWith('/v1')) path = `${path}/v1`;
  return `${url.origin}${path}`;
}

export interface ResolveClientConfigInput {
  env: Record<string, string | undefined>;
  /** The variable holding the secret key (a project environment's secretKeyEnv). @default CLERK_SECRET_KEY */
  secretKeyVariable?: string;
  flags?: {
    apiUrl?: string;
    rateLimit?: string;
    rateShare?: string;
    concurrency?: number;
    maxWaitMs?: number;
  };
}

/**
 * Builds the ClientConfig from env (CLERK_SECRET_KEY, CLERK_API_URL, CLERK_SYNC_RATE_SHARE, HTTPS_PROXY,
 * HTTP_PROXY, NO_PROXY) and command-line flags. --rate-limit is exact and wins over CLERK_SYNC_RATE_SHARE; giving
 * both --rate-limit and --rate-share is a usage error.
 */
export function resolveClientConfig(input: ResolveClientConfigInput): ClientConfig {
  const flags = input.flags ?? {};
  const variable = input.secretKeyVariable ?? 'CLERK_SECRET_KEY';
  const secretKey = (input.env[variable] ?? '').trim();
  if (secretKey === '') {
    throw new ConfigError(`${variable} is not set`, {
      meta: { variable },
      hint: `Export the secret key of the instance (Clerk Dashboard > API keys), e.g. ${variable}=sk_test_…`,
    });
  }
  if (secretKey.startsWith('pk_')) {
    throw new ConfigError(`${variable} holds a publishable key (pk_…), not a secret key`, {
      hint: 'Use the secret key (sk_live_… or sk_test_…) from Clerk Dashboard > API keys.',
    });
  }
  if (/\s/.test(secretKey)) {
    throw new ConfigError(`${variable} contains whitespace`, {
      hint: 'Copy the secret key again; it is a single token like sk_test_….',
    });
  }
  const envUrl = input.env.CLERK_API_URL?.trim();
  const baseUrl = normalizeBaseUrl(flags.apiUrl ?? (envUrl ? envUrl : DEFAULT_API_URL));
  if (flags.rateLimit !== undefined && flags.rateShare !== undefined) {
    throw new UsageError('give --rate-limit or --rate-share, not both', {
      hint: "--rate-limit N/T sets an exact budget; --rate-share F takes that share of Clerk's documented limit for the key.",
    });
  }
  const envShare = input.env.CLERK_SYNC_RATE_SHARE?.trim();
  const rateShare =
    flags.rateLimit !== undefined
      ? undefined
      : flags.rateShare !== undefined
        ? parseRateShare(flags.rateShare)
        : envShare
          ? parseRateShare(envShare, 'CLERK_SYNC_RATE_SHARE')
          : DEFAULT_RATE_SHARE;
  const rateLimit =
    flags.rateLimit !== undefined
      ? parseRateLimit(flags.rateLimit)
      : shareOfRateLimit(documentedRateLimit(secretKey), rateShare ?? DEFAULT_RATE_SHARE);
  const concurrency = flags.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new UsageError(`--concurrency must be a positive whole number, got ${concurrency}`);
  }
  const maxWaitMs = flags.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  if (!Number.isFinite(maxWaitMs) || maxWaitMs < 0) {
    throw new UsageError(`--max-wait must be a number of seconds >= 0, got ${maxWaitMs / 1000}`);
  }
  const proxy = resolveProxy(input.env, baseUrl);
  return {
    baseUrl,
    secretKey,
    rateLimit,
    ...(rateShare === undefined ? {} : { rateShare }),
    ...(proxy === undefined ? {} : { proxy }),
    concurrency,
    maxWaitMs,
  };
}
