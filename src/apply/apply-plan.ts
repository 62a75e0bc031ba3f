// The executor: runs a plan's operations against the API. The parts: scheduler.ts (what may start when),
// execute-operation.ts (one operation -> request -> outcome, with apply's own retries), bulk-bans.ts (bans ready
// together share one request), journal-writes.ts (intent before each mutating request, outcome after). This file
// wires them up and drives the schedule until nothing is running.

import type { Plan } from '../plan/index.ts';
import type { ApplyOptions } from './apply-options.ts';
import { drive } from './drive.ts';
import { createEmitter, observedClient } from './events.ts';
import { validatePlan } from './plan-graph.ts';
import { withDefaults } from './runtime.ts';
import { createScheduler } from './scheduler.ts';
import { skipRest } from './skips.ts';
import type { ApplyResult, OperationOutcome } from './types.ts';
import { unitRunner } from './unit-runner.ts';

export type { ApplyOptions } from './apply-options.ts';
export { MAX_ATTEMPTS } from './execution.ts';

function count(outcomes: OperationOutcome[], status: OperationOutcome['status']): number {
  return outcomes.filter((outcome) => outcome.status === status).length;
}

/** Applies `plan`. Never throws for a failed operation: failures are outcomes. */
export async function applyPlan(plan: Plan, options: ApplyOptions): Promise<ApplyResult> {
  validatePlan(plan);
  const runtime = withDefaults(options.runtime);
  const startedAt = runtime.now();
  const requestsBefore = options.client.stats().requests;
  const scheduler = createScheduler(plan.operations, options);
  const events = createEmitter(options.onEvent);
  const client = observedClient(options.client, events.emit);
  const units = unitRunner(plan, options, { scheduler, emit: events.emit, send: client.send, runtime });
  const report = (outcome: OperationOutcome): void => events.emit({ type: 'operation', outcome });

  events.emit({ type: 'start', total: plan.operations.length });
  try {
    await drive(scheduler, { start: units.start, signal: options.signal, skipped: report });
  } finally {
    client.stop();
  }
  for (const outcome of skipRest(scheduler)) report(outcome);
  if (units.journalError() !== undefined) throw units.journalError();
  if (events.listenerError !== undefined) throw events.listenerError;
  const outcomes = plan.operations.map((op) => scheduler.outcomes.get(op.id) as OperationOutcome);
  const counts = {
    done: count(outcomes, 'done'),
    unchanged: count(outcomes, 'unchanged'),
    failed: count(outcomes, 'failed'),
    skipped: count(outcomes, 'skipped'),
  };
  // Every operation has its outcome in the journal now: the end line tells a later run that nothing is left uncertain.
  await units.end(counts);
  return {
    outcomes,
    ...counts,
    requests: options.client.stats().requests - requestsBefore,
    elapsedMs: runtime.now() - startedAt,
  };
}
