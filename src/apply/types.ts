// The contract between the executor (src/apply) and whoever watches it (src/ui progress views, commands): events
// while it runs, and the result at the end. Plain data, JSON-safe.

import type { HttpMethod } from '../clerk/index.ts';
import type { CreateUserOp, OperationType } from '../plan/index.ts';

/** done: applied. unchanged: its effect was already live (no mutating request sent). */
export type OperationStatus = 'done' | 'unchanged' | 'failed' | 'skipped';

export interface OperationOutcome {
  /** Operation id from the plan (`create_user:emp-001`). */
  id: string;
  type: OperationType;
  status: OperationStatus;
  /** For failed: Clerk's error code (or ours), message and HTTP status (0 = no response). */
  error?: { code: string; message: string; status: number };
  /** For skipped: why (`dependency create_user:emp-001 failed`, `stopped after an earlier failure`). */
  reason?: string;
}

export type ApplyEvent =
  | { type: 'start'; total: number }
  | { type: 'operation'; outcome: OperationOutcome }
  /** One HTTP request finished (any status, retries included). */
  | { type: 'request'; method: HttpMethod; path: string; status: number }
  /** The API answered 429; the executor waits `waitMs` before sending more. */
  | { type: 'rate_limited'; waitMs: number };

export interface ApplyResult {
  outcomes: OperationOutcome[];
  done: number;
  unchanged: number;
  failed: number;
  skipped: number;
  /** HTTP requests sent, retries included. */
  requests: number;
  elapsedMs: number;
}

/** One request apply would send, for --dry-run (secrets already redacted). */
export interface PlannedRequest {
  operationId: string;
  /** A bulk request (bans, unbans): every operation it carries, the first being operationId. */
  operationIds?: string[];
  method: HttpMethod;
  path: string;
  body?: unknown;
}

// ---- Inputs of the executor (added by the executor; the event/result contract above is unchanged). ----

/**
 * Live ids of objects the plan refers to by manifest key only, because they are created earlier in the same apply.
 * `undefined` when not (yet) known.
 */
export interface IdResolver {
  userIdForKey(key: string): string | undefined;
  organizationIdForSlug(slug: string): string | undefined;
}

/** The password for a user being created: read at request time, never stored in a plan, journal, event or error. */
export type SecretResolver = (op: CreateUserOp) => string | undefined;

/** What an operation created, as the journal and undo know it. */
export type CreatedObjectKind = 'user' | 'organization' | 'membership' | 'email_address' | 'phone_number';

/** The executor's clock, timer and randomness, injected so retry and backoff tests run on a fake clock. */
export interface ApplyRuntime {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** In [0, 1), as Math.random: the jitter of apply's own backoff. */
  random(): number;
}
