// What executing one operation needs, and apply's own retry rules (the client retries 429s and, where it is safe,
// 5xx; apply retries what only it can judge: a create with an unknown outcome, a 404 right after a create, a 409).

import type { ClerkClient } from '../clerk/index.ts';
import type { ApiError } from '../errors.ts';
import type { UserKeyKind } from '../model/index.ts';
import type { Operation } from '../plan/index.ts';
import type { Send } from './events.ts';
import type { Resumed } from './journal-writes.ts';
import type { KnownIds } from './known-ids.ts';
import type { SecretResolver } from './types.ts';

/** Attempts per operation for apply's own retries (creates with unknown outcome, read-after-write 404s, 409). */
export const MAX_ATTEMPTS = 4;

export interface ExecutionContext {
  client: ClerkClient;
  userKey: UserKeyKind;
  secrets: SecretResolver;
  ids: KnownIds;
  resumed: Resumed;
  send: Send;
  /** Journals the operation's intent (once); must resolve before its first request. */
  writeIntent(op: Operation): Promise<void>;
  /** Waits before apply's retry number `retry` (1, 2, ...). */
  backoff(retry: number): Promise<void>;
}

/** No answer, a server error, or a 2xx we could not read: the request may or may not have taken effect. */
export function isUnknownOutcome(error: ApiError): boolean {
  return error.status === 0 || error.status >= 500 || error.code === 'api_response_invalid';
}

/** Another request is changing the same object (docs/clerk-api.md#concurrent-writes-409-resource_locked). */
export function isLocked(error: ApiError): boolean {
  return error.status === 409 && error.clerkCode === 'resource_locked';
}

/** The `id` of an answer, if it has a non-empty one. */
export function idOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const id = (body as { id?: unknown }).id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
