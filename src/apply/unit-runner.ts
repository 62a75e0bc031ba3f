// Wires one unit's run (an operation, or a bulk ban) to the scheduler, the journal and the events.

import type { Operation, Plan } from '../plan/index.ts';
import type { ApplyOptions } from './apply-options.ts';
import { isBan } from './ban-batch.ts';
import { runBanBatch } from './bulk-bans.ts';
import type { Send } from './events.ts';
import { executeOperation } from './execute-operation.ts';
import type { ExecutionContext } from './execution.ts';
import { planFingerprint } from './journal.ts';
import { type JournalWriter, journalWriter, resumeFrom } from './journal-writes.ts';
import { createKnownIds } from './known-ids.ts';
import { JOURNAL_FAILED, operationRunner } from './run-operation.ts';
import { backoffMs } from './runtime.ts';
import { type Scheduler, settle, type Unit } from './scheduler.ts';
import type { ApplyEvent, ApplyRuntime } from './types.ts';

export interface UnitRunnerParts {
  scheduler: Scheduler;
  emit: (event: ApplyEvent) => void;
  send: Send;
  runtime: ApplyRuntime;
}

export interface UnitRunner {
  start(unit: Unit): Promise<void>;
  /** The first journal line that could not be written, rethrown by applyPlan at the end. */
  journalError(): unknown;
  /** Writes the run's end line (once every operation has an outcome). */
  end: JournalWriter['end'];
}

/** What runs one unit, wired to the scheduler, the journal and the events; `journalError` once a line failed. */
export function unitRunner(plan: Plan, options: ApplyOptions, parts: UnitRunnerParts): UnitRunner {
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
    end: journal.end,
  };
}
