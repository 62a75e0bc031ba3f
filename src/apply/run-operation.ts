// Running one operation to its outcome: execute it, settle the outcome, journal it. Failures are outcomes, never
// thrown; a journal that cannot be written is reported to the caller, which stops the run.

import { ClerkSyncError, isApiError } from '../errors.ts';
import { type Operation, replaceWholeValue } from '../plan/index.ts';
import type { JournalWriter } from './journal-writes.ts';
import type { KnownIds, Success } from './known-ids.ts';
import type { OperationOutcome, SecretResolver } from './types.ts';

export const JOURNAL_FAILED = 'not started: the journal could not be written';

export interface OperationRunner {
  run(op: Operation): Promise<void>;
  succeed(op: Operation, success: Success): Promise<void>;
  fail(op: Operation, error: unknown): Promise<void>;
}

export interface RunnerDeps {
  execute(op: Operation): Promise<Success>;
  /** Records the outcome (scheduler, events) before it is journalled. */
  settle(outcome: OperationOutcome): void;
  journal: JournalWriter;
  ids: KnownIds;
  secrets: SecretResolver;
  /** The journal refused a line. `stop` for a lost `done` line: later operations would build on a success it lacks. */
  journalFailed(error: unknown, stop: boolean): void;
}

/** The outcome's error for `error`, with the password of a user being created redacted from its message. */
export function failureOf(
  op: Operation,
  error: unknown,
  secrets: SecretResolver,
): NonNullable<OperationOutcome['error']> {
  const status = isApiError(error) ? error.status : 0;
  const code = isApiError(error)
    ? (error.clerkCode ?? error.code)
    : error instanceof ClerkSyncError
      ? error.code
      : 'internal_error';
  let message = error instanceof Error ? error.message : String(error);
  const secret = op.type === 'create_user' && op.password !== undefined ? secrets(op) : undefined;
  // Whole words only: a password `short` must not turn the code form_password_length_too_short into ..._too_[redacted].
  if (secret) message = replaceWholeValue(message, secret, '[redacted]');
  return { code, message, status };
}

export function operationRunner(deps: RunnerDeps): OperationRunner {
  async function succeed(op: Operation, success: Success): Promise<void> {
    deps.ids.learn(op, success);
    deps.settle({ id: op.id, type: op.type, status: success.status });
    const ids = { userId: deps.ids.userIdOf(op), organizationId: deps.ids.organizationIdOf(op) };
    await deps.journal.done(op, success, ids).catch((error: unknown) => deps.journalFailed(error, true));
  }

  async function fail(op: Operation, error: unknown): Promise<void> {
    const failure = failureOf(op, error, deps.secrets);
    deps.settle({ id: op.id, type: op.type, status: 'failed', error: failure });
    await deps.journal.failed(op, failure).catch((journalError: unknown) => deps.journalFailed(journalError, false));
  }

  async function run(op: Operation): Promise<void> {
    let success: Success;
    try {
      success = await deps.execute(op);
    } catch (error) {
      await fail(op, error);
      return;
    }
    await succeed(op, success);
  }

  return { run, succeed, fail };
}
