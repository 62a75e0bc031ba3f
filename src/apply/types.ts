// The contract between the executor (src/apply) and whoever watches it (src/ui progress views, commands): events
// while it runs, and the result at the end. Plain data, JSON-safe.

import type { HttpMethod } from '../clerk/request.ts';
import type { OperationType } from '../plan/types.ts';

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
  method: HttpMethod;
  path: string;
  body?: unknown;
}
