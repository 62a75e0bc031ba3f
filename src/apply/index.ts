// Public surface of the executor: Operation -> request table, dry-run requests, applyPlan, the journal and undo.

export { type ApplyOptions, applyPlan, MAX_ATTEMPTS } from './apply-plan.ts';
export {
  type CreateJournalOptions,
  createJournal,
  JOURNAL_VERSION,
  type Journal,
  type JournalDone,
  type JournalEnd,
  type JournalEntry,
  type JournalFailed,
  type JournalHeader,
  type JournalIntent,
  type JournalOperationEntry,
  journalLine,
  operationOf,
  parseJournal,
  planFingerprint,
  publicJournalFile,
  readJournal,
  startedOperations,
} from './journal.ts';
export {
  type AcquireOptions,
  acquireLock,
  type HeldLock,
  instanceLockFile,
  journalLockFile,
  type LockHolder,
  processIsRunning,
} from './lock.ts';
export { findOrganizationByKey } from './lookups.ts';
export { BULK_BAN_LIMIT, plannedRequests, type RequestKind, requestKindOf, toRequest } from './to-request.ts';
export * from './types.ts';
export {
  buildUndoPlan,
  type CheckedUndoPlan,
  checkedUndoPlan,
  journalUserKey,
  readUndoLive,
  type UndoCheckOptions,
  type UndoPlan,
  undoLiveIds,
} from './undo.ts';
