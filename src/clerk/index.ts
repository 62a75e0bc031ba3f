// Public surface of src/clerk: the HTTP client for the Clerk Backend API, its configuration, retry policy and rate
// limiter, proxy settings, and the shared wire/request contracts.

export { buildQuery, createClerkClient, mayRetry } from './client.ts';
export {
  type ClientConfig,
  DEFAULT_API_URL,
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_WAIT_MS,
  DEFAULT_RATE_SHARE,
  DEVELOPMENT_RATE_LIMIT,
  documentedRateLimit,
  isProductionKey,
  normalizeBaseUrl,
  PRODUCTION_RATE_LIMIT,
  parseRateLimit,
  parseRateShare,
  type RateLimit,
  type ResolveClientConfigInput,
  redactSecret,
  resolveClientConfig,
  shareOfRateLimit,
} from './config.ts';
export { isLoopbackHost, type ProxyConfig, resolveProxy } from './proxy.ts';
export {
  createRateLimiter,
  createSemaphore,
  type RateLimiter,
  type RateLimiterOptions,
  type Semaphore,
  type Sleep,
} from './rate-limiter.ts';
export type {
  ClerkClient,
  ClientEvent,
  ClientStats,
  HttpMethod,
  QueryValue,
  RequestOptions,
  RequestSpec,
  RetryMode,
  RowMapping,
} from './request.ts';
export {
  backoffCeilingMs,
  DEFAULT_MAX_ATTEMPTS,
  isRetryableStatus,
  type RetryableFailure,
  type RetryPolicyOptions,
  retryAfterMs,
  retryPolicy,
} from './retry-policy.ts';
export * from './wire.ts';
