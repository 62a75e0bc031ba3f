// What the executor writes to the journal (an intent before each mutating request, the outcome after, an end line
// once every operation has one) and what it reads back from an earlier run of the same plan. The line format is
// journal.ts's.

import type { Operation } from '../plan/index.ts';
import type { Journal, JournalEntry } from './journal.ts';
import { CREATED_KIND, type Success } from './known-ids.ts';
import type { ApplyResult, OperationOutcome } from './types.ts';

export interface JournalWriter {
  /** Once per operation, before its first request; rejects if the line could not be written. */
  intent(op: Operation): Promise<void>;
  done(
    op: Operation,
    success: Success,
    ids: { userId: string | undefined; organizationId: string | undefined },
  ): Promise<void>;
  failed(op: Operation, error: NonNullable<OperationOutcome['error']>): Promise<void>;
  /** Once, after every operation has an outcome: closes the run (a run without it was killed). */
  end(counts: Pick<ApplyResult, 'done' | 'unchanged' | 'failed' | 'skipped'>): Promise<void>;
}

/** Lines go to `journal` (nothing when undefined) under the plan identity `plan`, stamped with `now()`. */
export function journalWriter(journal: Journal | undefined, plan: string, now: () => number): JournalWriter {
  const intentWritten = new Set<string>();
  const at = (): string => new Date(now()).toISOString();
  const write = async (entry: JournalEntry): Promise<void> => {
    if (journal) await journal.write(entry);
  };
  return {
    async intent(op) {
      if (intentWritten.has(op.id)) return;
      // Must be on disk before the request: a crash right after sending still leaves a record for undo and resume.
      await write({ kind: 'intent', plan, at: at(), op });
      intentWritten.add(op.id);
    },
    done: (op, success, ids) =>
      write({
        kind: 'done',
        plan,
        at: at(),
        op: op.id,
        type: op.type,
        status: success.status,
        ...(ids.userId === undefined ? {} : { userId: ids.userId }),
        ...(ids.organizationId === undefined ? {} : { organizationId: ids.organizationId }),
        ...(success.created ? { created: success.created } : {}),
      }),
    failed: (op, error) => write({ kind: 'failed', plan, at: at(), op: op.id, type: op.type, error }),
    end: ({ done, unchanged, failed, skipped }) =>
      write({
        kind: 'end',
        plan,
        at: at(),
        outcome: failed + skipped === 0 ? 'complete' : 'incomplete',
        done,
        unchanged,
        failed,
        skipped,
      }),
  };
}

export interface Resumed {
  /** Operations an earlier run of this plan finished. */
  doneBefore: ReadonlySet<string>;
  /** Creates an earlier run may have made: each is looked up before it is sent again. */
  intentsBefore: ReadonlySet<string>;
  /** Operations a completed run of this plan did, done again now (Journal.completedBefore). */
  completedBefore: ReadonlySet<string>;
}

/**
 * What the journal of earlier runs of plan identity `plan` says was started and finished (Journal.resumable: the
 * runs of a manifest's plan that are not settled). After a run that completed, a manifest's plan is made from the
 * live state since: it does again only what is not in effect, so nothing of that run needs a lookup.
 */
export function resumeFrom(journal: Journal | undefined, plan: string): Resumed {
  const doneBefore = new Set<string>();
  const intentsBefore = new Set<string>();
  for (const entry of journal?.resumable ?? []) {
    if (entry.plan !== plan) continue;
    if (entry.kind === 'intent') intentsBefore.add(entry.op.id);
    if (entry.kind !== 'done') continue;
    doneBefore.add(entry.op);
    // The journal is not trusted over the live state (the instance may have been reset since): a create it shows
    // done is looked up before it is sent again; any other operation sets values and is simply sent again.
    if (entry.type in CREATED_KIND) intentsBefore.add(entry.op);
  }
  return { doneBefore, intentsBefore, completedBefore: journal?.completedBefore ?? new Set() };
}
