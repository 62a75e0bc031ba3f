// The request contract between callers (state reads, apply's operation table) and the HTTP client. A RequestSpec
// is plain data, so apply's Operation -> request translation is a pure, testable table.

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export type QueryValue = string | number | boolean | undefined | (string | number)[];

export interface RequestSpec {
  method: HttpMethod;
  /** Path below the API base URL (which ends in /v1), starting with '/': `/users/user_123/ban`. */
  path: string;
  /** Arrays become repeated keys (`email_address=a&email_address=b`); undefined values are dropped. */
  query?: Record<string, QueryValue>;
  /** JSON body (snake_case keys, as the API expects). */
  body?: unknown;
}

/**
 * When the client may repeat a request on its own after a retryable failure (429, 5xx, connection error):
 * - 'safe' (default): GET/PUT/PATCH/DELETE are retried; POST is not (its outcome may be unknown: apply decides).
 * - 'always': the caller knows the request is idempotent (POST /users/{id}/ban...).
 * - 'never': no retry at all; the first failure is thrown.
 * A 429 is always safe to retry whatever the method: Clerk rejected the request before doing anything.
 */
export type RetryMode = 'safe' | 'always' | 'never';

export interface RequestOptions {
  retry?: RetryMode;
  signal?: AbortSignal;
  /** Waits for a connection ahead of requests without it: an answer the caller needs before the others'. */
  ahead?: boolean;
  /** Each row of a list answer mapped as it is parsed (RowMapping). */
  rows?: RowMapping;
}

/**
 * Where the rows of a 2xx list answer are, and what each becomes. A row is mapped as soon as it is parsed, so a
 * 500-row page never exists as 500 wire objects at once: they die young instead of being promoted to the old
 * generation (docs/performance.md). `map` must be pure: a body parsed again as one text maps its rows again. A `map`
 * that throws fails the request with that error, without a retry. A body without the list where `at` says is returned
 * as parsed, for the caller's shape check.
 */
export interface RowMapping {
  /** `body`: the body is the list (GET /users); `data`: the list is the body's `data` (`{data,total_count}` pages). */
  at: 'body' | 'data';
  map: (row: unknown) => unknown;
}

export interface ClerkClient {
  /** Base URL including /v1, e.g. https://api.clerk.com/v1 */
  readonly baseUrl: string;
  /** Sends one logical request (with retries per RetryMode); resolves to the parsed JSON body of a 2xx answer. */
  request<T>(spec: RequestSpec, options?: RequestOptions): Promise<T>;
  /** Counters since creation: requests sent (including retries), retries, 429s seen. */
  stats(): ClientStats;
  close(): Promise<void>;
  /** Observes every attempt's outcome and every rate-limit pause (progress views, apply events); returns unsubscribe. */
  subscribe?(listener: (event: ClientEvent) => void): () => void;
}

/** What a client reports while it works. `status` 0 = no response (connection error, timeout). */
export type ClientEvent =
  | { type: 'response'; method: HttpMethod; path: string; status: number; attempt: number }
  /** The API answered 429: every caller of this client waits `waitMs`. */
  | { type: 'rate_limited'; method: HttpMethod; path: string; waitMs: number }
  | { type: 'retry'; method: HttpMethod; path: string; status: number; attempt: number; delayMs: number };

export interface ClientStats {
  requests: number;
  retries: number;
  rateLimited: number;
  byMethod: Partial<Record<HttpMethod, number>>;
}
