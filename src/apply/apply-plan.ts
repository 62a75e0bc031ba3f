// The executor: runs a plan's operations against the API. The parts: scheduler.ts (what may start when),
// execute-operation.ts (one operation -> request -> outcome, with apply's own retries), bulk-bans.ts (bans ready
// together share one request), journal-writes.ts (intent before each mutating request, outcome after). This file
// wires them up and drives the schedule until nothing is running.

import type { ClerkClient } from '../clerk/index.ts';
import type { UserKeyKind } from '../model/index.ts';
import type { Operation, Plan } from '../plan/index.ts';
import { isBan } from './ban-batch.ts';
import { runBanBatch } from './bulk-bans.ts';
import { drive } from './drive.ts';
import { createEmitter, observedClient, type Send } from './events.ts';
import { executeOperation } from './execute-operation.ts';
import type { ExecutionContext } from './execution.ts';
import type { Journal } from './journal.ts';
import { planFingerprint } from './journal.ts';
import { journalWriter, resumeFrom } from './journal-writes.ts';
import { createKnownIds } from './known-ids.ts';
import { validatePlan } from './plan-graph.ts';
import { JOURNAL_FAILED, operationRunner } from './run-operation.ts';
import { backoffMs, withDefaults } from './runtime.ts';
import { createScheduler, type Scheduler, settle, skipRest, type Unit } from './scheduler.ts';
import type { ApplyEvent, ApplyResult, ApplyRuntime, OperationOutcome, SecretResolver } from './types.ts';

export { MAX_ATTEMPTS } from './execution.ts';

export interface ApplyOptions {
  client: ClerkClient;
  /** How the plan's user keys map to live users (lookups after an unknown create outcome). */
  userKey: UserKeyKind;
  /** Maximum operations in flight; a bulk ban/unban request counts as one. */
  concurrency: number;
  /** false: after the first failure nothing new starts; running operations finish; the rest are skipped. */
  continueOnError: boolean;
  /** Password of a user being created, read at request time. */
  secrets: SecretResolver;
  journal?: Journal;
  onEvent?: (event: ApplyEvent) => void;
  /** Abort: nothing new starts, in-flight operations finish (their journal lines are written), the rest are skipped. */
  signal?: AbortSignal;
  /** Clock, sleep and randomness. @default Date.now, node timers, Math.random */
  runtime?: Partial<ApplyRuntime>;
  /**
   * Base delay of apply's own retries (a create after an unknown outcome, a 404 right after a create, 409
   * resource_locked); doubled per attempt, with jitter. Rate limiting and 5xx retries are the client's.
   * @default 200
   */
  retryBaseMs?: number;
  /**
   * The plan's identity in the journal. @default planFingerprint(plan). A saved plan executes its re-plan under
   * the saved file's identity, so each resumed run finds what earlier runs of that file did.
   */
  planId?: string;
}

/** What runs one unit, wired to the scheduler, the journal and the events; `journalError` once a line failed. */
function unitRunner(
  plan: Plan,
  options: ApplyOptions,
  parts: Parts,
): { start(unit: Unit): Promise<void>; journalError(): unknown } {
  const { scheduler, emit, send, runtime } = parts;
  const retryBaseMs = options.retryBaseMs ?? 200;
  const fingerprint = options.planId ?? planFingerprint(plan);
  const ids = createKnownIds(plan.operations);
  const journal = journalWriter(options.journal, fingerprint, runtime.now);
  const context: ExecutionContext = {
    client: options.client,
    userKey: options.userKey,
    secrets: options.secrets,
    ids,
    resumed: resumeFrom(options.journal, fingerprint),
    send,
    writeIntent: journal.intent,
    backoff: (retry) => runtime.sleep(backoffMs(retry, retryBaseMs, runtime.random)),
  };
  let journalError: unknown;
  const runner = operationRunner({
    execute: (op) => executeOperation(op, context),
    settle: (outcome) => {
      settle(scheduler, outcome);
      emit({ type: 'operation', outcome });
    },
    journal,
    ids,
    secrets: options.secrets,
    journalFailed: (error, stopRun) => {
      journalError ??= error;
      if (stopRun) scheduler.stopReason ??= JOURNAL_FAILED;
    },
  });
  const bulk = { runner, ids, send, writeIntent: journal.intent };
  return {
    start: (unit) => (unit.every(isBan) ? runBanBatch(unit, bulk) : runner.run(unit[0] as Operation)),
    journalError: () => journalError,
  };
}

interface Parts {
  scheduler: Scheduler;
  emit: (event: ApplyEvent) => void;
  send: Send;
  runtime: ApplyRuntime;
}

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
  return {
    outcomes,
    done: count(outcomes, 'done'),
    unchanged: count(outcomes, 'unchanged'),
    failed: count(outcomes, 'failed'),
    skipped: count(outcomes, 'skipped'),
    requests: options.client.stats().requests - requestsBefore,
    elapsedMs: runtime.now() - startedAt,
  };
}
