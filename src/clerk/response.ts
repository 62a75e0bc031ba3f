// Turning one HTTP exchange into a parsed body or a Failure, and a Failure into the ApiError users see. Pure
// (no I/O), so the hostile cases (HTML from a proxy, truncated JSON, wrong content type) are plain data here.
// Clerk's error envelope is `{"errors":[{code,message,long_message,meta?}]}` on every 4xx/5xx
// (docs/clerk-api.md#the-error-envelope).

import type { Buffer } from 'node:buffer';
import { ApiError } from '../errors.ts';
import { redactSecret } from './config.ts';
import { parseJsonInPieces } from './json-pieces.ts';
import type { HttpMethod, RowMapping } from './request.ts';

export type FailureKind =
  | 'api_error'
  | 'api_response_invalid'
  | 'api_unreachable'
  | 'api_rate_limited'
  /** An answer beyond the client's bounds (body size cap, request deadline). */
  | 'live_response_invalid';

/** One failed attempt, before it becomes an ApiError (the final error also knows how many attempts were made). */
export interface Failure {
  kind: FailureKind;
  status: number;
  /** What went wrong, without the request line: `422 form_identifier_exists: That email address is taken.` */
  detail: string;
  clerkCode?: string;
  /** `meta.param_name` of Clerk's first error (form errors). */
  paramName?: string;
  body?: unknown;
  /** Raw Retry-After header. */
  retryAfter?: string;
  cause?: unknown;
  /** Never retried, whatever the status: the same request would get the same answer (a body over the size cap). */
  final?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export type Outcome = { ok: true; value: unknown } | { ok: false; failure: Failure };

function header(headers: RawResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty body)';
  return JSON.stringify(flat.length > 160 ? `${flat.slice(0, 160)}…` : flat);
}

function isJsonContentType(value: string | undefined): boolean {
  // Clerk sends exactly `application/json` (docs/clerk-api.md#json-only-with-the-exact-content-type); parameters such
  // as charset are harmless.
  return (value ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
}

interface ClerkErrorEntry {
  code?: unknown;
  message?: unknown;
  long_message?: unknown;
  meta?: unknown;
}

function firstClerkError(body: unknown): ClerkErrorEntry | undefined {
  if (typeof body !== 'object' || body === null || !('errors' in body)) return undefined;
  const errors = (body as { errors: unknown }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const first: unknown = errors[0];
  return typeof first === 'object' && first !== null ? (first as ClerkErrorEntry) : undefined;
}

/** From this size a success body is parsed in pieces (json-pieces.ts); V8 puts strings over 128 KiB in old space. */
export const PIECES_MIN_BYTES = 64 * 1024;

/** A parsed body with the rows of its list mapped in place (RowMapping); other bodies as they are. */
export function mapRows(body: unknown, rows: RowMapping | undefined): unknown {
  if (rows === undefined) return body;
  const list =
    rows.at === 'body'
      ? body
      : typeof body === 'object' && body !== null && !Array.isArray(body)
        ? (body as { data?: unknown }).data
        : undefined;
  if (!Array.isArray(list)) return body;
  for (let index = 0; index < list.length; index += 1) list[index] = rows.map(list[index]);
  return body;
}

/**
 * interpretResponse for a body still in bytes: a large JSON success is parsed without one page-sized string. The rows
 * of a success are mapped (RowMapping); a `map` that throws throws here.
 */
export function interpretBytes(response: Omit<RawResponse, 'text'> & { bytes: Buffer }, rows?: RowMapping): Outcome {
  const { status, headers, bytes } = response;
  const success = status >= 200 && status < 300 && isJsonContentType(header(headers, 'content-type'));
  if (success && bytes.length >= PIECES_MIN_BYTES) {
    const parsed = parseJsonInPieces(bytes, rows);
    if (parsed !== undefined) return { ok: true, value: parsed.value };
  }
  const outcome = interpretResponse({ status, headers, text: bytes.toString('utf8') });
  return outcome.ok ? { ok: true, value: mapRows(outcome.value, rows) } : outcome;
}

/** Classifies a complete HTTP answer: a 2xx JSON body is success; everything else is a Failure. */
export function interpretResponse(response: RawResponse): Outcome {
  const { status, text } = response;
  const retryAfter = header(response.headers, 'retry-after');
  const contentType = header(response.headers, 'content-type');
  const base = { status, ...(retryAfter === undefined ? {} : { retryAfter }) };
  let body: unknown;
  let parsed = false;
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
      parsed = true;
    } catch {
      parsed = false;
    }
  }
  const ok = status >= 200 && status < 300;
  if (ok) {
    if (parsed && isJsonContentType(contentType)) return { ok: true, value: body };
    return {
      ok: false,
      failure: {
        ...base,
        kind: 'api_response_invalid',
        detail: `${status} with ${parsed ? `content type ${contentType ?? '(none)'}` : 'a body that is not JSON'}: ${excerpt(text)}`,
      },
    };
  }
  if (!parsed) {
    return {
      ok: false,
      failure: {
        ...base,
        kind: status === 429 ? 'api_rate_limited' : 'api_response_invalid',
        detail: `${status} with a body that is not JSON (${contentType ?? 'no content type'}): ${excerpt(text)}`,
      },
    };
  }
  const first = firstClerkError(body);
  const clerkCode = typeof first?.code === 'string' ? first.code : undefined;
  const longMessage = typeof first?.long_message === 'string' ? first.long_message : undefined;
  const message = typeof first?.message === 'string' ? first.message : undefined;
  const meta = first?.meta;
  const paramName =
    typeof meta === 'object' && meta !== null && typeof (meta as { param_name?: unknown }).param_name === 'string'
      ? (meta as { param_name: string }).param_name
      : undefined;
  const text1 = longMessage || message || (first ? 'no message' : `unexpected error body ${excerpt(text)}`);
  return {
    ok: false,
    failure: {
      ...base,
      kind: status === 429 ? 'api_rate_limited' : 'api_error',
      detail: `${status}${clerkCode ? ` ${clerkCode}` : ''}: ${text1}`,
      body,
      ...(clerkCode === undefined ? {} : { clerkCode }),
      ...(paramName === undefined ? {} : { paramName }),
    },
  };
}

/** A Failure for a request that got no (complete) answer: connection refused/reset, DNS, timeout. */
export function unreachableFailure(cause: unknown, origin: string): Failure {
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  const message = cause instanceof Error ? cause.message : String(cause);
  const timedOut =
    code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
  return {
    kind: 'api_unreachable',
    status: 0,
    detail: `${timedOut ? 'timed out waiting for' : 'no complete response from'} ${origin} (${message}${typeof code === 'string' ? `, ${code}` : ''})`,
    cause,
  };
}

/** A Failure for a body longer than the cap: never retried, the same request would get it again. */
export function oversizeFailure(status: number, limit: number, announced?: number): Failure {
  const size = announced === undefined ? 'a body' : `a body of ${announced} bytes (Content-Length)`;
  return {
    kind: 'live_response_invalid',
    status,
    detail: `${status} with ${size} over the ${limit}-byte limit of one response`,
    final: true,
  };
}

/** A Failure for an attempt that did not complete (headers and body) within the request deadline. */
export function deadlineFailure(deadlineMs: number, origin: string): Failure {
  return {
    kind: 'live_response_invalid',
    status: 0,
    detail: `no complete response from ${origin} within the ${deadlineMs >= 1000 ? `${Math.round(deadlineMs / 1000)} s` : `${deadlineMs} ms`} deadline of one request`,
  };
}

export function hintFor(failure: Failure): string | undefined {
  if (failure.kind === 'live_response_invalid') {
    return 'Clerk answers a 500-user page in a few MB and seconds: something between clerk-sync and Clerk (--api-url / CLERK_API_URL, a proxy) sent an endless or trickled answer.';
  }
  if (failure.kind === 'api_unreachable') {
    return 'Check the network, the API URL (--api-url / CLERK_API_URL) and any proxy (HTTPS_PROXY, NO_PROXY); run again when Clerk is reachable.';
  }
  if (failure.kind === 'api_response_invalid' && failure.status >= 200 && failure.status < 300) {
    return 'The answer did not come from the Clerk API; check --api-url / CLERK_API_URL and any proxy in between.';
  }
  switch (failure.status) {
    case 401:
      return 'Check CLERK_SECRET_KEY: Clerk rejected it. Use the secret key (sk_live_… or sk_test_…) of this instance, from Clerk Dashboard > API keys.';
    case 403:
      return "The key was accepted but this action is not allowed for the instance (plan feature, quota or setting); see Clerk's message.";
    case 409:
      return failure.clerkCode === 'resource_locked'
        ? 'Another request was modifying the same object; run again.'
        : undefined;
    case 422:
      if (failure.clerkCode === 'form_identifier_exists') {
        return `Another user already has this ${failure.paramName ?? 'identifier'}: email addresses, phone numbers, usernames and external ids are unique per instance.`;
      }
      return failure.paramName ? `Check the value sent for "${failure.paramName}".` : undefined;
    case 429:
      return 'The instance limit (1000 req/10 s in production, 100 req/10 s in development) is shared with the application using the same key: lower --rate-share or --rate-limit (or --concurrency), or raise --max-wait.';
    default:
      if (failure.status >= 500) return 'Clerk had a server-side problem; run again later (https://status.clerk.com).';
      return undefined;
  }
}

function redactUnknown(value: unknown, secret: string): unknown {
  if (value === undefined || secret === '') return value;
  const json = JSON.stringify(value);
  if (json === undefined || !json.includes(secret)) return value;
  return JSON.parse(redactSecret(json, secret)) as unknown;
}

/** The cause is kept for debugging unless it mentions the secret key; then a redacted copy replaces it. */
function redactCause(cause: unknown, secret: string): unknown {
  if (!(cause instanceof Error) || secret === '') return cause;
  const leaks = [cause.message, cause.stack ?? '', String((cause as { cause?: unknown }).cause ?? '')].some((text) =>
    text.includes(secret),
  );
  if (!leaks) return cause;
  const copy = new Error(redactSecret(cause.message, secret));
  copy.name = cause.name;
  copy.stack = redactSecret(cause.stack ?? '', secret);
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}

export interface ToApiErrorContext {
  method: HttpMethod;
  path: string;
  secretKey: string;
  attempts: number;
  /** Why retrying stopped early, appended to the message. */
  note?: string;
  /** Code override (api_rate_limited when Retry-After exceeds max wait). */
  code?: string;
  retryAfterSeconds?: number;
}

export function toApiError(failure: Failure, context: ToApiErrorContext): ApiError {
  const attempts = context.attempts > 1 ? ` (after ${context.attempts} attempts)` : '';
  const note = context.note ? `; ${context.note}` : '';
  const message = redactSecret(
    `${context.method} ${context.path} failed: ${failure.detail}${attempts}${note}`,
    context.secretKey,
  );
  const hint = hintFor(failure);
  return new ApiError(message, {
    method: context.method,
    path: context.path,
    status: failure.status,
    clerkCode: failure.clerkCode,
    retryAfter: context.retryAfterSeconds,
    body: redactUnknown(failure.body, context.secretKey),
    code: context.code ?? failure.kind,
    ...(hint === undefined ? {} : { hint: redactSecret(hint, context.secretKey) }),
    ...(failure.cause === undefined ? {} : { cause: redactCause(failure.cause, context.secretKey) }),
  });
}
