// Operations that never start: skipped because a dependency failed or was skipped, because the run stopped, or
// because their dependencies form a cycle.

import type { Operation } from '../plan/index.ts';
import { blockedBy } from './plan-graph.ts';
import { isPending, type Scheduler, settle } from './scheduler.ts';
import type { OperationOutcome } from './types.ts';

function skip(s: Scheduler, op: Operation, reason: string): OperationOutcome {
  const outcome: OperationOutcome = { id: op.id, type: op.type, status: 'skipped', reason };
  settle(s, outcome);
  return outcome;
}

/** Skips every pending operation whose dependency failed or was skipped, transitively; returns them in order. */
export function skipBlocked(s: Scheduler): OperationOutcome[] {
  const skipped: OperationOutcome[] = [];
  while (s.blockedMayExist) {
    s.blockedMayExist = false;
    for (const op of s.operations) {
      const reason = isPending(s, op) ? blockedBy(op, s.state) : undefined;
      if (reason !== undefined) skipped.push(skip(s, op, reason));
    }
  }
  return skipped;
}

/** Skips what never started (the run stopped, or a dependency cycle); returns those outcomes. */
export function skipRest(s: Scheduler): OperationOutcome[] {
  const cycle = (op: Operation): string => `not started: its dependencies (${op.dependsOn.join(', ')}) form a cycle`;
  return s.operations.filter((op) => isPending(s, op)).map((op) => skip(s, op, s.stopReason ?? cycle(op)));
}
