// The executor: runs a plan's operations against the API with a dependency-aware scheduler. Ready operations start
// in plan order, up to `concurrency` at once, one at a time per user (Clerk answers 409 resource_locked to concurrent
// writes on one user and allows 10 updates / 10 s per user: clerk-api-notes.md §1, §8.1, §8.6). Bans and unbans that
// are ready together share one bulk request (up to 50 ids, §8.10). Creates are made idempotent by looking the object
// up after an unknown outcome (no idempotency keys exist, §8.5). Every mutating request is journalled first.

import type { ClerkClient, RequestSpec, RetryMode } from '../clerk/index.ts';
import { ApiError, ClerkSyncError, InternalError, isApiError } from '../errors.ts';
import type { UserKeyKind } from '../model/index.ts';
import {
  type BanUserOp,
  isDestructive,
  type Operation,
  type Plan,
  replaceWholeValue,
  type UnbanUserOp,
} from '../plan/index.ts';
import { type Journal, type JournalEntry, planFingerprint } from './journal.ts';
import { type CreateOp, lookUpCreated } from './lookups.ts';
import {
  BULK_BAN_LIMIT,
  bulkBanRequest,
  type RequestKind,
  requestKindOf,
  resolveUserId,
  toRequest,
} from './to-request.ts';
import type {
  ApplyEvent,
  ApplyResult,
  CreatedObjectKind,
  IdResolver,
  OperationOutcome,
  OperationStatus,
  SecretResolver,
} from './types.ts';

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
  now?: () => number;
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

/** Attempts per operation for apply's own retries (creates with unknown outcome, read-after-write 404s, 409). */
export const MAX_ATTEMPTS = 4;

const INTERRUPTED = 'not started: apply was interrupted';
const STOPPED = 'not started: stopped after an earlier failure (use --continue-on-error to go on)';

type RunState = OperationStatus | 'pending' | 'running';

interface Success {
  status: 'done' | 'unchanged';
  created?: { kind: CreatedObjectKind; id: string };
}

type BanOp = BanUserOp | UnbanUserOp;

const CREATED_KIND: Record<CreateOp['type'], CreatedObjectKind> = {
  create_user: 'user',
  create_organization: 'organization',
  create_membership: 'membership',
  add_email_address: 'email_address',
  add_phone_number: 'phone_number',
};

/** Clerk codes that, after an unknown outcome, mean the earlier attempt succeeded (notes §6, §8.5, §8.8). */
const ALREADY_EXISTS = new Set(['form_identifier_exists', 'already_a_member_in_organization']);

/** No answer, a server error, or a 2xx we could not read: the request may or may not have taken effect. */
function isUnknownOutcome(error: ApiError): boolean {
  return error.status === 0 || error.status >= 500 || error.code === 'api_response_invalid';
}

function isLocked(error: ApiError): boolean {
  return error.status === 409 && error.clerkCode === 'resource_locked';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function laneOf(op: Operation): string {
  if ('user' in op) return `user:${op.user.key ?? op.user.userId}`;
  return `org:${op.org.slug}`;
}

function isBan(op: Operation): op is BanOp {
  return op.type === 'ban_user' || op.type === 'unban_user';
}

function idOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const id = (body as { id?: unknown }).id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

function validatePlan(plan: Plan): void {
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

/** Applies `plan`. Never throws for a failed operation: failures are outcomes. */
export async function applyPlan(plan: Plan, options: ApplyOptions): Promise<ApplyResult> {
  validatePlan(plan);
  const { client, journal, signal } = options;
  const now = options.now ?? Date.now;
  const startedAt = now();
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const retryBaseMs = options.retryBaseMs ?? 200;
  const fingerprint = options.planId ?? planFingerprint(plan);
  const operations = plan.operations;
  const requestsBefore = client.stats().requests;

  const state = new Map<string, RunState>(operations.map((op) => [op.id, 'pending']));
  const outcomes = new Map<string, OperationOutcome>();
  const busyLanes = new Set<string>();
  const intentWritten = new Set<string>();
  let stopReason: string | undefined;
  let journalError: unknown;

  // Ids: from the plan, then learned from creates (this run or a journalled earlier run of the same plan).
  const userIds = new Map<string, string>();
  const organizationIds = new Map<string, string>();
  for (const op of operations) {
    if ('user' in op && op.user.key !== null && op.user.userId !== null) userIds.set(op.user.key, op.user.userId);
    if ('org' in op && op.org.organizationId !== null) organizationIds.set(op.org.slug, op.org.organizationId);
  }
  const ids: IdResolver = {
    userIdForKey: (key) => userIds.get(key),
    organizationIdForSlug: (slug) => organizationIds.get(slug),
  };
  /** Users and organizations created by this apply: a 404 on them is read-after-write lag (notes §8.4). */
  const justCreated = new Set<string>();

  // A throwing listener (a UI bug) must not leave requests running unobserved: remember it, rethrow at the end.
  let listenerError: unknown;
  const emit = (event: ApplyEvent): void => {
    try {
      options.onEvent?.(event);
    } catch (error) {
      listenerError ??= error;
    }
  };
  const unsubscribe = client.subscribe?.((event) => {
    if (event.type === 'response') {
      emit({ type: 'request', method: event.method, path: event.path, status: event.status });
    } else if (event.type === 'rate_limited') {
      emit({ type: 'rate_limited', waitMs: event.waitMs });
    }
  });
  const observed = unsubscribe !== undefined;

  async function send(spec: RequestSpec, retry: RetryMode): Promise<unknown> {
    try {
      const body = await client.request<unknown>(spec, { retry });
      // Every success here is a 200 (clerk-api-notes.md §1: no 201s); the client reports attempts itself if it can.
      if (!observed) emit({ type: 'request', method: spec.method, path: spec.path, status: 200 });
      return body;
    } catch (error) {
      if (!observed)
        emit({ type: 'request', method: spec.method, path: spec.path, status: isApiError(error) ? error.status : 0 });
      throw error;
    }
  }

  async function journalWrite(entry: JournalEntry): Promise<void> {
    if (!journal) return;
    await journal.write(entry);
  }

  const at = (): string => new Date(now()).toISOString();

  async function writeIntent(op: Operation): Promise<void> {
    if (intentWritten.has(op.id)) return;
    // Must be on disk before the request: a crash right after sending still leaves a record for undo and resume.
    await journalWrite({ kind: 'intent', plan: fingerprint, at: at(), op });
    intentWritten.add(op.id);
  }

  const userIdOf = (op: Operation): string | undefined =>
    'user' in op ? (op.user.userId ?? (op.user.key === null ? undefined : userIds.get(op.user.key))) : undefined;
  const organizationIdOf = (op: Operation): string | undefined =>
    'org' in op ? (op.org.organizationId ?? organizationIds.get(op.org.slug)) : undefined;
  const touchesJustCreated = (op: Operation): boolean => {
    const userId = userIdOf(op);
    const organizationId = organizationIdOf(op);
    return (
      (userId !== undefined && justCreated.has(userId)) ||
      (organizationId !== undefined && justCreated.has(organizationId))
    );
  };
  const backoff = (attempt: number): Promise<void> =>
    sleep(retryBaseMs * 2 ** (attempt - 1) * (0.75 + Math.random() / 2));

  // ---- resume from the journal of an earlier run of this same plan ----
  const journalled = (journal?.previous ?? []).filter((entry) => entry.plan === fingerprint);
  const doneBefore = new Set<string>();
  const intentsBefore = new Set<string>();
  for (const entry of journalled) {
    if (entry.kind === 'intent') intentsBefore.add(entry.op.id);
    if (entry.kind !== 'done') continue;
    doneBefore.add(entry.op);
    // Done in an earlier run of this plan. The journal is not trusted over the live state: the same plan (same
    // live fingerprint) can come back after the instance was reset or the objects deleted, and an id taken from
    // the journal then points at nothing. A create is looked up before it is sent again (found: its id is
    // adopted, nothing is sent); any other operation sets values and is simply sent again.
    if (entry.type in CREATED_KIND) intentsBefore.add(entry.op);
  }

  function learn(op: Operation, success: Success): void {
    if (!success.created) return;
    if (op.type === 'create_user' && op.user.key !== null) userIds.set(op.user.key, success.created.id);
    if (op.type === 'create_organization') organizationIds.set(op.org.slug, success.created.id);
  }

  // Destructive operations (deletes, bans, locks, removals, downgrades) start only once every constructive one
  // has settled, so an apply that stops halfway has done additive work and no removal (the plan's phase order is
  // not enough: with several lanes a later user's ban could otherwise start before an earlier user's create).
  const constructiveLeft = new Set(operations.filter((op) => !isDestructive(op)).map((op) => op.id));
  let barrierOpen = constructiveLeft.size === 0;

  let blockedMayExist = false;
  function settle(op: Operation, outcome: OperationOutcome): void {
    if (constructiveLeft.delete(op.id) && constructiveLeft.size === 0) barrierOpen = true;
    if (outcome.status === 'failed' || outcome.status === 'skipped') blockedMayExist = true;
    state.set(op.id, outcome.status);
    outcomes.set(op.id, outcome);
    emit({ type: 'operation', outcome });
  }

  async function succeed(op: Operation, success: Success): Promise<void> {
    learn(op, success);
    if (success.created && (op.type === 'create_user' || op.type === 'create_organization')) {
      justCreated.add(success.created.id);
    }
    settle(op, { id: op.id, type: op.type, status: success.status });
    const userId = userIdOf(op);
    const organizationId = organizationIdOf(op);
    await journalWrite({
      kind: 'done',
      plan: fingerprint,
      at: at(),
      op: op.id,
      type: op.type,
      status: success.status,
      ...(userId === undefined ? {} : { userId }),
      ...(organizationId === undefined ? {} : { organizationId }),
      ...(success.created ? { created: success.created } : {}),
    }).catch((error: unknown) => {
      journalError ??= error;
      stopReason ??= 'not started: the journal could not be written';
    });
  }

  function redact(message: string, op: Operation): string {
    if (op.type !== 'create_user' || op.password === undefined) return message;
    const secret = options.secrets(op);
    // Whole words only: a password `short` must not turn the code form_password_length_too_short into ..._too_[redacted].
    return secret ? replaceWholeValue(message, secret, '[redacted]') : message;
  }

  async function fail(op: Operation, error: unknown): Promise<void> {
    const status = isApiError(error) ? error.status : 0;
    const code = isApiError(error)
      ? (error.clerkCode ?? error.code)
      : error instanceof ClerkSyncError
        ? error.code
        : 'internal_error';
    const message = redact(error instanceof Error ? error.message : String(error), op);
    settle(op, { id: op.id, type: op.type, status: 'failed', error: { code, message, status } });
    if (!options.continueOnError) stopReason ??= STOPPED;
    await journalWrite({
      kind: 'failed',
      plan: fingerprint,
      at: at(),
      op: op.id,
      type: op.type,
      error: { code, message, status },
    }).catch((journalFailure: unknown) => {
      journalError ??= journalFailure;
    });
  }

  // ---- one operation ----

  async function executeCreate(op: CreateOp): Promise<Success> {
    const kind = CREATED_KIND[op.type];
    // An intent without an outcome in the journal: an earlier run may have created it before dying.
    let uncertain = intentsBefore.has(op.id);
    let lastError: unknown;
    const lookUp = (): Promise<string | undefined> =>
      lookUpCreated(op, {
        client,
        userKey: options.userKey,
        userId: userIdOf(op),
        organizationId: organizationIdOf(op),
      });
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      if (attempt > 1) await backoff(attempt - 1);
      if (uncertain) {
        const found = await lookUp();
        // Found before sending anything, and the journal says an earlier run created it: already in place.
        const status = attempt === 1 && doneBefore.has(op.id) ? 'unchanged' : 'done';
        if (found !== undefined) return { status, created: { kind, id: found } };
      }
      const spec = toRequest(op, ids, options.secrets);
      await writeIntent(op);
      try {
        // 'safe': the client retries a 429 (refused before any effect) but never repeats this POST after a 5xx.
        const body = await send(spec, 'safe');
        const id = idOf(body);
        if (id !== undefined) return { status: 'done', created: { kind, id } };
        uncertain = true; // created, but the answer did not say what: find it
        lastError = new ApiError(`${spec.method} ${spec.path}: the answer has no id`, {
          method: spec.method,
          path: spec.path,
          status: 200,
          code: 'api_response_invalid',
        });
      } catch (error) {
        if (!isApiError(error)) throw error;
        lastError = error;
        if (isUnknownOutcome(error)) {
          uncertain = true;
          continue;
        }
        if (uncertain && error.clerkCode !== undefined && ALREADY_EXISTS.has(error.clerkCode)) {
          // The earlier attempt whose answer was lost did create it (notes §8.5): adopt it.
          const found = await lookUp();
          if (found !== undefined) return { status: 'done', created: { kind, id: found } };
          throw error;
        }
        if (isLocked(error) || (error.status === 404 && touchesJustCreated(op))) continue;
        throw error;
      }
    }
    if (uncertain) {
      const found = await lookUp();
      if (found !== undefined) return { status: 'done', created: { kind, id: found } };
    }
    throw lastError;
  }

  async function executeOther(op: Operation, kind: Exclude<RequestKind, 'create'>): Promise<Success> {
    const spec = toRequest(op, ids, options.secrets);
    await writeIntent(op);
    // Ban/unban/lock/unlock set a state: repeating them is harmless, so the client may retry even after a 5xx.
    const retry: RetryMode = kind === 'repeatable' ? 'always' : 'safe';
    let lastError: unknown;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      if (attempt > 1) await backoff(attempt - 1);
      try {
        await send(spec, retry);
        return { status: 'done' };
      } catch (error) {
        if (!isApiError(error)) throw error;
        lastError = error;
        if (error.status === 404 && touchesJustCreated(op) && attempt < MAX_ATTEMPTS) continue;
        if (error.status === 404 && kind === 'removal') return { status: 'unchanged' };
        if (isLocked(error)) continue;
        throw error;
      }
    }
    throw lastError;
  }

  function execute(op: Operation): Promise<Success> {
    const kind = requestKindOf(op);
    return kind === 'create' ? executeCreate(op as CreateOp) : executeOther(op, kind);
  }

  async function runOne(op: Operation): Promise<void> {
    let success: Success;
    try {
      success = await execute(op);
    } catch (error) {
      await fail(op, error);
      return;
    }
    await succeed(op, success);
  }

  /** Bans (or unbans) in one bulk request; a batch the API refuses as a whole is retried one user at a time. */
  async function runBanBatch(batch: BanOp[]): Promise<void> {
    const resolved: { op: BanOp; userId: string }[] = [];
    for (const op of batch) {
      try {
        resolved.push({ op, userId: resolveUserId(op, ids) });
      } catch (error) {
        await fail(op, error);
      }
    }
    const [first] = resolved;
    if (first === undefined) return;
    if (resolved.length === 1) {
      await runOne(first.op);
      return;
    }
    try {
      await Promise.all(resolved.map(({ op }) => writeIntent(op)));
    } catch (error) {
      for (const { op } of resolved) await fail(op, error);
      return;
    }
    let answered: Set<string>;
    try {
      const users = await send(
        bulkBanRequest(
          first.op.type,
          resolved.map((item) => item.userId),
        ),
        'always',
      );
      answered = new Set(Array.isArray(users) ? users.map(idOf).filter((id) => id !== undefined) : []);
    } catch (error) {
      // One unknown or invalid id can fail the whole batch: find out which by sending them one by one.
      if (isApiError(error) && (error.status === 400 || error.status === 404 || error.status === 422)) {
        for (const { op } of resolved) await runOne(op);
      } else {
        for (const { op } of resolved) await fail(op, error);
      }
      return;
    }
    for (const { op, userId } of resolved) {
      if (answered.has(userId)) await succeed(op, { status: 'done' });
      else await runOne(op); // not in the answer: confirm with a request of its own
    }
  }

  // ---- scheduler ----

  emit({ type: 'start', total: operations.length });
  const running = new Set<Promise<void>>();
  const isSatisfied = (id: string): boolean => {
    const status = state.get(id);
    return status === 'done' || status === 'unchanged';
  };
  const isReady = (op: Operation): boolean =>
    state.get(op.id) === 'pending' &&
    (barrierOpen || !isDestructive(op)) &&
    op.dependsOn.every(isSatisfied) &&
    !busyLanes.has(laneOf(op));

  const launch = (lanes: string[], task: () => Promise<void>): void => {
    for (const lane of lanes) busyLanes.add(lane);
    const promise: Promise<void> = task().finally(() => {
      for (const lane of lanes) busyLanes.delete(lane);
      running.delete(promise);
    });
    running.add(promise);
  };

  /** Skips every pending operation whose dependency failed or was skipped, transitively. */
  const skipBlocked = (): void => {
    if (!blockedMayExist) return;
    blockedMayExist = false;
    let changed = true;
    while (changed) {
      changed = false;
      for (const op of operations) {
        if (state.get(op.id) !== 'pending') continue;
        for (const dependency of op.dependsOn) {
          const status = state.get(dependency);
          if (status !== 'failed' && status !== 'skipped') continue;
          settle(op, {
            id: op.id,
            type: op.type,
            status: 'skipped',
            reason: `dependency ${dependency} ${status === 'failed' ? 'failed' : 'was skipped'}`,
          });
          changed = true;
          break;
        }
      }
    }
  };

  let firstPending = 0;
  const startReady = (): void => {
    while (firstPending < operations.length && state.get(operations[firstPending]?.id ?? '') !== 'pending') {
      firstPending += 1;
    }
    // Lanes whose next operation waits at the destructive barrier: later operations of that user do not overtake it.
    const held = new Set<string>();
    for (let index = firstPending; index < operations.length && running.size < concurrency; index += 1) {
      const op = operations[index] as Operation;
      if (held.has(laneOf(op))) continue;
      if (!barrierOpen && isDestructive(op) && state.get(op.id) === 'pending') {
        held.add(laneOf(op));
        continue;
      }
      if (!isReady(op)) continue;
      if (isBan(op)) {
        const batch: BanOp[] = [op];
        const lanes = [laneOf(op)];
        for (let next = index + 1; next < operations.length && batch.length < BULK_BAN_LIMIT; next += 1) {
          const other = operations[next] as Operation;
          if (other.type !== op.type || !isReady(other) || lanes.includes(laneOf(other)) || held.has(laneOf(other)))
            continue;
          batch.push(other as BanOp);
          lanes.push(laneOf(other));
        }
        for (const item of batch) state.set(item.id, 'running');
        launch(lanes, () => runBanBatch(batch));
      } else {
        state.set(op.id, 'running');
        launch([laneOf(op)], () => runOne(op));
      }
    }
  };

  try {
    for (;;) {
      skipBlocked();
      if (signal?.aborted) stopReason ??= INTERRUPTED;
      if (stopReason === undefined) startReady();
      if (running.size === 0 && stopReason === undefined && !barrierOpen) {
        // Constructive operations remain but none can start (one waits on a destructive one): open the barrier
        // rather than stop, so the plan's own dependencies decide.
        barrierOpen = true;
        startReady();
      }
      if (running.size === 0) break;
      await Promise.race(running);
    }
  } finally {
    unsubscribe?.();
  }
  for (const op of operations) {
    if (state.get(op.id) !== 'pending') continue;
    settle(op, {
      id: op.id,
      type: op.type,
      status: 'skipped',
      reason: stopReason ?? `not started: its dependencies (${op.dependsOn.join(', ')}) form a cycle`,
    });
  }
  if (journalError !== undefined) throw journalError;
  if (listenerError !== undefined) throw listenerError;

  const ordered = operations.map((op) => outcomes.get(op.id) as OperationOutcome);
  const count = (status: OperationStatus): number => ordered.filter((outcome) => outcome.status === status).length;
  return {
    outcomes: ordered,
    done: count('done'),
    unchanged: count('unchanged'),
    failed: count('failed'),
    skipped: count('skipped'),
    requests: client.stats().requests - requestsBefore,
    elapsedMs: now() - startedAt,
  };
}
