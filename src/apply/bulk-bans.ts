// Running a batch of bans (unbans) as one bulk request. A batch the API refuses as a whole is retried one user at a
// time, and a user missing from the answer is confirmed by a request of its own.

import { isApiError } from '../errors.ts';
import type { BanOp } from './ban-batch.ts';
import type { Send } from './events.ts';
import { idOf } from './execution.ts';
import type { OperationRunner } from './run-operation.ts';
import { bulkBanRequest, resolveUserId } from './to-request.ts';
import type { IdResolver } from './types.ts';

export interface BulkBanDeps {
  runner: OperationRunner;
  ids: IdResolver;
  send: Send;
  writeIntent(op: BanOp): Promise<void>;
}

/** The batch with each user's live id; an operation whose id cannot be resolved fails here. */
async function resolveBatch(batch: readonly BanOp[], deps: BulkBanDeps): Promise<{ op: BanOp; userId: string }[]> {
  const resolved: { op: BanOp; userId: string }[] = [];
  for (const op of batch) {
    try {
      resolved.push({ op, userId: resolveUserId(op, deps.ids) });
    } catch (error) {
      await deps.runner.fail(op, error);
    }
  }
  return resolved;
}

/** The ids of the users a bulk answer lists. */
function answeredIds(users: unknown): Set<string> {
  return new Set(Array.isArray(users) ? users.map(idOf).filter((id) => id !== undefined) : []);
}

export async function runBanBatch(batch: readonly BanOp[], deps: BulkBanDeps): Promise<void> {
  const { runner } = deps;
  const resolved = await resolveBatch(batch, deps);
  const [first] = resolved;
  if (first === undefined) return;
  if (resolved.length === 1) {
    await runner.run(first.op);
    return;
  }
  try {
    await Promise.all(resolved.map(({ op }) => deps.writeIntent(op)));
  } catch (error) {
    for (const { op } of resolved) await runner.fail(op, error);
    return;
  }
  let answered: Set<string>;
  try {
    const userIds = resolved.map((item) => item.userId);
    answered = answeredIds(await deps.send(bulkBanRequest(first.op.type, userIds), 'always'));
  } catch (error) {
    // One unknown or invalid id can fail the whole batch: find out which by sending them one by one.
    const perUser = isApiError(error) && (error.status === 400 || error.status === 404 || error.status === 422);
    for (const { op } of resolved) await (perUser ? runner.run(op) : runner.fail(op, error));
    return;
  }
  for (const { op, userId } of resolved) {
    if (answered.has(userId)) await runner.succeed(op, { status: 'done' });
    else await runner.run(op); // not in the answer: confirm with a request of its own
  }
}
