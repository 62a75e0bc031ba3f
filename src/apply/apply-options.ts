// What applyPlan takes besides the plan.

import type { ClerkClient } from '../clerk/index.ts';
import type { UserKeyKind } from '../model/index.ts';
import type { Journal } from './journal.ts';
import type { ApplyEvent, ApplyRuntime, SecretResolver } from './types.ts';

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
