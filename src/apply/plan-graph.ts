// The plan as the scheduler reads it: a graph of operations by id, each on one lane (its user or organization).

import { InternalError } from '../errors.ts';
import type { Operation, Plan } from '../plan/index.ts';
import type { OperationStatus } from './types.ts';

export type RunState = OperationStatus | 'pending' | 'running';

/** One operation at a time per lane (docs/clerk-api.md#concurrent-writes-409-resource_locked). */
export function laneOf(op: Operation): string {
  if ('user' in op) return `user:${op.user.key ?? op.user.userId}`;
  return `org:${op.org.slug}`;
}

/** A plan the scheduler could not finish: two operations with one id, or a dependency that is not in it. */
export function validatePlan(plan: Plan): void {
  const ids = new Set<string>();
  for (const op of plan.operations) {
    if (ids.has(op.id)) throw new InternalError(`plan has two operations with id ${op.id}`);
    ids.add(op.id);
  }
  for (const op of plan.operations) {
    for (const dependency of op.dependsOn) {
      if (!ids.has(dependency)) {
        throw new InternalError(`operation ${op.id} depends on ${dependency}, which is not in the plan`);
      }
    }
  }
}

/** The first dependency of `op` that failed or was skipped, as the reason `op` is skipped. */
export function blockedBy(op: Operation, state: ReadonlyMap<string, RunState>): string | undefined {
  for (const dependency of op.dependsOn) {
    const status = state.get(dependency);
    if (status === 'failed') return `dependency ${dependency} failed`;
    if (status === 'skipped') return `dependency ${dependency} was skipped`;
  }
  return undefined;
}
