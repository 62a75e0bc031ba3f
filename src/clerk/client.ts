// The Clerk Backend API client: an undici Pool (keep-alive, one connection per concurrent request), or undici's
// EnvHttpProxyAgent when a proxy is configured (HTTPS_PROXY / NO_PROXY; the key travels inside the CONNECT tunnel,
// never in the proxy's own headers), the headers Clerk expects (docs/clerk-api.md#headers-the-sdk-sends), a concurrency
// cap, the sliding-window rate limiter, and retries per the pure retry policy and the caller's RetryMode. Every failure
// leaves as an ApiError with the secret key redacted.

import type { Buffer } from 'node:buffer';
import { type Dispatcher, EnvHttpProxyAgent, Pool } from 'undici';
import { InternalError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { type BodyBuffers, createBodyBuffers } from './body-buffers.ts';
import type { ClientConfig } from './config.ts';
import { abortReason, createRateLimiter, createSemaphore, realSleep } from './rate-limiter.ts';
import type {
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
import {
  deadlineFailure,
  type Failure,
  interpretBytes,
  type Outcome,
  oversizeFailure,
  type RawResponse,
  toApiError,
  unreachableFailure,
} from './response.ts';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_RATE_LIMITED_ATTEMPTS, retryAfterMs, retryPolicy } from './retry-policy.ts';
import { CLERK_API_VERSION } from './wire.ts';

/** An answer as received: its body still in bytes. */
type Received = Omit<RawResponse, 'text'> & { bytes: Buffer };

const DEFAULT_TIMEOUT_MS = 30_000;
/** A 500-user page streams in seconds; two minutes leaves room for slow links and still ends a trickled body. */
export const DEFAULT_DEADLINE_MS = 120_000;
/**
 * A 500-user page is at most ~500 x (8 KB of metadata, Clerk's documented limit, plus ~4 KB of other fields) = 6 MB;
 * 64 MiB is ten times that, and small enough that the text and its parse fit in any heap.
 */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Query string with arrays as repeated keys (OpenAPI spec 2026-05-12, LimitParameter); undefined values dropped, 0 and false kept. */
export function buildQuery(query: Record<string, QueryValue> | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, String(item));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * Whether a failure may be retried by the client itself. A 429 means Clerk refused before doing anything, so it is
 * safe for any method; a POST that failed with 5xx or no answer may have been applied (no idempotency key exists,
 * docs/clerk-api.md#no-idempotency-keys), so only the caller can decide ('always').
 */
export function mayRetry(method: HttpMethod, status: number, mode: RetryMode): boolean {
  if (mode === 'never') return false;
  if (status === 429 || mode === 'always') return true;
  return method !== 'POST';
}

/** The body's bytes, or undefined once more than `limit` bytes arrived (the rest is not read). */
async function readCapped(
  body: Dispatcher.ResponseData['body'],
  limit: number,
  buffers: BodyBuffers,
): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return buffers.join(chunks, size);
}

function contentLength(headers: Dispatcher.ResponseData['headers']): number | undefined {
  const value = headers['content-length'];
  const text = Array.isArray(value) ? value[0] : value;
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

export function createClerkClient(config: ClientConfig): ClerkClient {
  const base = new URL(config.baseUrl);
  const origin = base.origin;
  const prefix = base.pathname.replace(/\/+$/, '');
  const now = config.now ?? Date.now;
  const sleep = config.sleep ?? realSleep;
  const random = config.random ?? Math.random;
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxAttempts = config.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const maxRateLimited = config.maxRateLimitedAttempts ?? DEFAULT_MAX_RATE_LIMITED_ATTEMPTS;
  const deadlineMs = config.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const maxBodyBytes = config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const poolOptions = {
    connections: config.concurrency,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 10_000,
  };
  const proxy = config.proxy;
  // Only the configured values reach undici: with '' it never falls back to process.env's proxy variables.
  const dispatcher: Dispatcher = proxy
    ? new EnvHttpProxyAgent({
        ...poolOptions,
        httpProxy: proxy.httpProxy,
        httpsProxy: proxy.httpsProxy,
        noProxy: proxy.noProxy,
      })
    : new Pool(origin, poolOptions);
  const reached = proxy
    ? `${origin} (${proxy.variable}=${proxy.display}, NO_PROXY=${proxy.noProxy === '' ? 'unset' : proxy.noProxy})`
    : origin;
  const limiter = createRateLimiter({ ...config.rateLimit, now, sleep });
  const slots = createSemaphore(config.concurrency);
  const buffers = createBodyBuffers(config.concurrency);
  const listeners = new Set<(event: ClientEvent) => void>();
  const counters: ClientStats = { requests: 0, retries: 0, rateLimited: 0, byMethod: {} };
  const headers = {
    authorization: `Bearer ${config.secretKey}`,
    'clerk-api-version': CLERK_API_VERSION,
    'user-agent': `clerk-sync/${VERSION}`,
    accept: 'application/json',
  };

  function emit(event: ClientEvent): void {
    for (const listener of listeners) listener(event);
  }

  async function sendOnce(spec: RequestSpec, signal: AbortSignal | undefined, rows?: RowMapping): Promise<Outcome> {
    const received = await receive(spec, signal);
    if ('ok' in received) return received;
    try {
      // Outside receive's catch: an error of the rows' map is the caller's, not a network failure to retry.
      return interpretBytes(received, rows);
    } finally {
      // interpretBytes copies what it keeps (strings, parsed values): the bytes can serve the next response.
      buffers.release(received.bytes);
    }
  }

  /** One exchange: the answer's status, headers and body bytes, or the Failure that ended it. */
  async function receive(spec: RequestSpec, signal: AbortSignal | undefined): Promise<Received | Outcome> {
    if (signal?.aborted) throw abortReason(signal);
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    // One deadline for headers and body: undici's timeouts bound each silence, not a body trickled byte by byte.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), deadlineMs);
    const stop = (): void => deadline.abort();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      const response = await dispatcher.request({
        origin,
        method: spec.method,
        path: `${prefix}${spec.path}${buildQuery(spec.query)}`,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body }),
        signal: deadline.signal,
      });
      const announced = contentLength(response.headers);
      if (announced !== undefined && announced > maxBodyBytes) {
        response.body.destroy();
        return { ok: false, failure: oversizeFailure(response.statusCode, maxBodyBytes, announced) };
      }
      const bytes = await readCapped(response.body, maxBodyBytes, buffers);
      if (bytes === undefined) return { ok: false, failure: oversizeFailure(response.statusCode, maxBodyBytes) };
      return { status: response.statusCode, headers: response.headers, bytes };
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      if (deadline.signal.aborted) return { ok: false, failure: deadlineFailure(deadlineMs, reached) };
      return { ok: false, failure: unreachableFailure(error, reached) };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
    }
  }

  async function attempt(spec: RequestSpec, options: RequestOptions): Promise<Outcome> {
    const { signal, rows } = options;
    await slots.acquire(signal, options.ahead);
    try {
      await limiter.acquire(signal);
      counters.requests += 1;
      counters.byMethod[spec.method] = (counters.byMethod[spec.method] ?? 0) + 1;
      return await sendOnce(spec, signal, rows);
    } finally {
      slots.release();
    }
  }

  async function request<T>(spec: RequestSpec, options: RequestOptions = {}): Promise<T> {
    if (!spec.path.startsWith('/') || spec.path.includes('?') || /(^|\/)\.\.?(\/|$)/.test(spec.path)) {
      throw new InternalError(`request path must start with "/" and hold no query or dot segments: ${spec.path}`);
    }
    const mode = options.retry ?? 'safe';
    const signal = options.signal;
    // A 429 is a refusal before any work, and others may hold the budget: it has its own, larger attempt count.
    const failures = { rateLimited: 0, other: 0 };
    for (let attemptNo = 1; ; attemptNo += 1) {
      const outcome = await attempt(spec, options);
      const status = outcome.ok ? 200 : outcome.failure.status;
      emit({ type: 'response', method: spec.method, path: spec.path, status, attempt: attemptNo });
      if (outcome.ok) return outcome.value as T;
      const failure = outcome.failure;
      if (failure.status === 429) counters.rateLimited += 1;
      const limited = failure.status === 429;
      if (limited) failures.rateLimited += 1;
      else failures.other += 1;
      const decision =
        !failure.final && mayRetry(spec.method, failure.status, mode)
          ? retryPolicy(failure, limited ? failures.rateLimited : failures.other, {
              maxAttempts: limited ? maxRateLimited : maxAttempts,
              maxWaitMs: config.maxWaitMs,
              random,
              now,
            })
          : 'stop';
      if (decision === 'stop') throw finalError(spec, failure, attemptNo);
      if (failure.status === 429) {
        limiter.pause(decision);
        emit({ type: 'rate_limited', method: spec.method, path: spec.path, waitMs: decision });
      }
      counters.retries += 1;
      emit({ type: 'retry', method: spec.method, path: spec.path, status, attempt: attemptNo, delayMs: decision });
      await sleep(decision, signal);
    }
  }

  function finalError(spec: RequestSpec, failure: Failure, attempts: number) {
    const context = { method: spec.method, path: spec.path, secretKey: config.secretKey, attempts };
    const waitMs = retryAfterMs(failure.retryAfter, now);
    const retryAfterSeconds = waitMs === undefined ? undefined : Math.ceil(waitMs / 1000);
    const withRetryAfter = retryAfterSeconds === undefined ? context : { ...context, retryAfterSeconds };
    if (failure.status === 429 && waitMs !== undefined && waitMs > config.maxWaitMs) {
      return toApiError(failure, {
        ...withRetryAfter,
        code: 'api_rate_limited',
        note: `Clerk asked to wait ${Math.ceil(waitMs / 1000)} s (Retry-After), longer than the ${Math.round(config.maxWaitMs / 1000)} s --max-wait allows`,
      });
    }
    return toApiError(failure, withRetryAfter);
  }

  return {
    baseUrl: config.baseUrl,
    request,
    stats: () => ({ ...counters, byMethod: { ...counters.byMethod } }),
    close: () => dispatcher.close(),
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
