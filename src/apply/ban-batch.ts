// Which bans (unbans) go together in one bulk request: Clerk bans or unbans up to 50 users per request
// (docs/clerk-api.md#bulk-ban-and-unban-50-ids), so bans ready at the same time share one request.

import type { BanUserOp, Operation, UnbanUserOp } from '../plan/index.ts';
import { BULK_BAN_LIMIT } from './to-request.ts';

export type BanOp = BanUserOp | UnbanUserOp;

export function isBan(op: Operation): op is BanOp {
  return op.type === 'ban_user' || op.type === 'unban_user';
}

/**
 * `operations[index]` and, in plan order, the later operations of the same type that `joinable` accepts, at most
 * one per lane and BULK_BAN_LIMIT in all.
 */
export function banBatch(
  operations: readonly Operation[],
  index: number,
  joinable: (op: Operation) => boolean,
  laneOf: (op: Operation) => string,
): BanOp[] {
  const first = operations[index] as BanOp;
  const batch: BanOp[] = [first];
  const lanes = new Set([laneOf(first)]);
  for (let next = index + 1; next < operations.length && batch.length < BULK_BAN_LIMIT; next += 1) {
    const other = operations[next] as Operation;
    if (other.type !== first.type || lanes.has(laneOf(other)) || !joinable(other)) continue;
    batch.push(other as BanOp);
    lanes.add(laneOf(other));
  }
  return batch;
}
