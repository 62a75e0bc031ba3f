// What the HTTP side answers: a status, a JSON text and extra headers. Content-Type is exactly `application/json`:
// `@clerk/backend` parses a body only on that exact value (docs/clerk-api.md#json-only-with-the-exact-content-type), so
// framework helpers that append `; charset=utf-8` would break it.

import type { ServerResponse } from 'node:http';
import { newTraceId } from './ids.ts';
import { ClerkApiProblem } from './problem.ts';

export interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/** Clerk's `ClerkErrors` body for a refused request. */
export function errorReply(problem: ClerkApiProblem, headers?: Record<string, string>): Reply {
  const body = JSON.stringify({ errors: [problem.toClerkError()], clerk_trace_id: newTraceId() });
  return { status: problem.status, body, ...(headers ? { headers } : {}) };
}

export function problem(status: number, code: string, message: string, longMessage: string): ClerkApiProblem {
  return new ClerkApiProblem(status, code, message, longMessage);
}

export function tooManyRequests(retryAfterSeconds: number): Reply {
  return errorReply(problem(429, 'too_many_requests', 'Too many requests', 'Too many requests, retry later'), {
    'Retry-After': String(retryAfterSeconds),
  });
}

/** 500 internal_clerk_error with Clerk's short message and the given long one. */
export function internalError(
  longMessage = "There was an internal error on our servers. We've been notified and are working on fixing it.",
): Reply {
  return errorReply(problem(500, 'internal_clerk_error', 'Oops, an unexpected error occurred', longMessage));
}

/** Writes a reply unless the connection is gone or already answered. */
export function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(reply.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(reply.body),
    ...reply.headers,
  });
  res.end(reply.body);
}
