// One operation -> its request -> what it achieved, with apply's own retries. Creates are in execute-create.ts.

import type { RetryMode } from '../clerk/index.ts';
import { isApiError } from '../errors.ts';
import type { Operation } from '../plan/index.ts';
import { executeCreate } from './execute-create.ts';
import { type ExecutionContext, isLocked, MAX_ATTEMPTS } from './execution.ts';
import type { Success } from './known-ids.ts';
import type { CreateOp } from './lookups.ts';
import { type RequestKind, requestKindOf, toRequest } from './to-request.ts';

async function executeOther(
  op: Operation,
  kind: Exclude<RequestKind, 'create'>,
  context: ExecutionContext,
): Promise<Success> {
  const spec = toRequest(op, context.ids, context.secrets);
  await context.writeIntent(op);
  // Ban/unban/lock/unlock set a state: repeating them is harmless, so the client may retry even after a 5xx.
  const retry: RetryMode = kind === 'repeatable' ? 'always' : 'safe';
  let lastError: unknown;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    if (attempt > 1) await context.backoff(attempt - 1);
    try {
      await context.send(spec, retry);
      return { status: 'done' };
    } catch (error) {
      if (!isApiError(error)) throw error;
      lastError = error;
      // What this apply just created may not be readable yet (docs/clerk-api.md#read-after-write-a-new-id-can-404).
      if (error.status === 404 && context.ids.touchesJustCreated(op) && attempt < MAX_ATTEMPTS) continue;
      if (error.status === 404 && kind === 'removal') return { status: 'unchanged' };
      if (isLocked(error)) continue;
      throw error;
    }
  }
  throw lastError;
}

/** Sends `op` (retrying what apply retries) and says what it achieved; throws when it failed. */
export function executeOperation(op: Operation, context: ExecutionContext): Promise<Success> {
  const kind = requestKindOf(op);
  return kind === 'create' ? executeCreate(op as CreateOp, context) : executeOther(op, kind, context);
}
