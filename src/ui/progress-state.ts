// The apply progress model: a pure reducer from executor events to counts, plus the derived numbers the views show
// (request rate, ETA, rate-limit wait). Time comes in as an argument, so tests drive it with plain numbers.
// Rates are measured over a sliding window of per-second buckets, so a 429 pause shows as a falling rate and a
// growing ETA instead of being averaged away over a long run; memory stays constant for any number of events.

import type { ApplyEvent, OperationOutcome } from '../apply/types.ts';

/** Seconds of history the request rate and ETA are computed from. */
export const RATE_WINDOW_SECONDS = 10;
/** Runs with at most this many operations list every finished operation, not only failures. */
export const LIST_EACH_MAX_TOTAL = 50;
/** Failures listed one by one while running; the summary after apply lists them all (capped there too). */
export const MAX_LISTED_FAILURES = 100;

interface RateBucket {
  /** Whole second since the epoch of `now()`. */
  second: number;
  requests: number;
  operations: number;
}

/** A line worth keeping in the scrollback: a finished operation, or the note that further failures are not listed. */
export type ProgressLine =
  | { kind: 'outcome'; key: string; outcome: OperationOutcome }
  | { kind: 'more_failures'; key: string };

export interface ProgressState {
  total: number;
  startedAt: number;
  done: number;
  unchanged: number;
  failed: number;
  skipped: number;
  requests: number;
  /** Ascending by second, at most RATE_WINDOW_SECONDS + 1 entries. */
  buckets: RateBucket[];
  /** When the executor resumes sending after a 429 (time of `now()`), if it is waiting. */
  waitUntil: number | undefined;
  /** Append-only (Ink's <Static> renders only the items added since its last render). */
  lines: ProgressLine[];
  listedFailures: number;
}

export interface ProgressStats {
  total: number;
  done: number;
  unchanged: number;
  failed: number;
  skipped: number;
  /** Operations with any outcome. */
  finished: number;
  remaining: number;
  requests: number;
  /** Undefined during the first second (a rate measured over less says nothing about the next minute). */
  requestsPerSecond: number | undefined;
  /** Undefined until an operation has finished and a second has passed (no rate to extrapolate from). */
  etaMs: number | undefined;
  elapsedMs: number;
  /** Remaining rate-limit pause, 0 when not waiting. */
  waitingMs: number;
}

export function initialProgress(options: { total: number; startedAt: number }): ProgressState {
  return {
    total: options.total,
    startedAt: options.startedAt,
    done: 0,
    unchanged: 0,
    failed: 0,
    skipped: 0,
    requests: 0,
    buckets: [],
    waitUntil: undefined,
    lines: [],
    listedFailures: 0,
  };
}

function count(buckets: RateBucket[], now: number, add: { requests: number; operations: number }): RateBucket[] {
  const second = Math.floor(now / 1000);
  const kept = buckets.filter((bucket) => bucket.second > second - RATE_WINDOW_SECONDS - 1);
  const last = kept[kept.length - 1];
  if (last !== undefined && last.second === second) {
    kept[kept.length - 1] = {
      second,
      requests: last.requests + add.requests,
      operations: last.operations + add.operations,
    };
  } else {
    kept.push({ second, requests: add.requests, operations: add.operations });
  }
  return kept;
}

function withOutcome(state: ProgressState, outcome: OperationOutcome): ProgressState {
  const next: ProgressState = { ...state };
  next[outcome.status] = state[outcome.status] + 1;
  const listEach = state.total <= LIST_EACH_MAX_TOTAL;
  if (outcome.status === 'failed') {
    if (state.listedFailures < MAX_LISTED_FAILURES) {
      next.lines = [...state.lines, { kind: 'outcome', key: outcome.id, outcome }];
      next.listedFailures = state.listedFailures + 1;
    } else if (state.listedFailures === MAX_LISTED_FAILURES) {
      next.lines = [...state.lines, { kind: 'more_failures', key: 'more_failures' }];
      next.listedFailures = state.listedFailures + 1;
    }
  } else if (listEach) {
    next.lines = [...state.lines, { kind: 'outcome', key: outcome.id, outcome }];
  }
  return next;
}

/** The state after `event` happened at `now`. Never mutates `state`. */
export function reduceProgress(state: ProgressState, event: ApplyEvent, now: number): ProgressState {
  switch (event.type) {
    case 'start':
      return { ...state, total: event.total, startedAt: now };
    case 'operation': {
      const next = withOutcome(state, event.outcome);
      next.buckets = count(state.buckets, now, { requests: 0, operations: 1 });
      return next;
    }
    case 'request':
      return {
        ...state,
        requests: state.requests + 1,
        buckets: count(state.buckets, now, { requests: 1, operations: 0 }),
        // A response means the executor is sending again.
        waitUntil: state.waitUntil !== undefined && state.waitUntil > now ? state.waitUntil : undefined,
      };
    case 'rate_limited':
      return { ...state, waitUntil: Math.max(state.waitUntil ?? 0, now + event.waitMs) };
    default: {
      const unknown: never = event;
      throw new Error(`unhandled apply event ${JSON.stringify(unknown)}`);
    }
  }
}

export function progressStats(state: ProgressState, now: number): ProgressStats {
  const finished = state.done + state.unchanged + state.failed + state.skipped;
  const remaining = Math.max(0, state.total - finished);
  const elapsedMs = Math.max(0, now - state.startedAt);
  const second = Math.floor(now / 1000);
  let requests = 0;
  let operations = 0;
  for (const bucket of state.buckets) {
    if (bucket.second > second - RATE_WINDOW_SECONDS) {
      requests += bucket.requests;
      operations += bucket.operations;
    }
  }
  // Divide by the time the counted buckets actually cover: from the start of the oldest counted second (or the start
  // of the run, if later) to now. No rate before a whole second: the first burst is not a rate (3 requests in 0.0 s
  // are neither 1 nor 3,000 per second).
  const windowStart = Math.max(state.startedAt, (second - RATE_WINDOW_SECONDS + 1) * 1000);
  const spanSeconds = (now - windowStart) / 1000;
  const measured = spanSeconds >= 1;
  const requestsPerSecond = measured ? requests / spanSeconds : undefined;
  const operationsPerSecond = measured ? operations / spanSeconds : 0;
  const waitingMs = state.waitUntil !== undefined ? Math.max(0, state.waitUntil - now) : 0;
  let etaMs: number | undefined;
  if (remaining === 0) etaMs = 0;
  else if (operationsPerSecond > 0) etaMs = (remaining / operationsPerSecond) * 1000 + waitingMs;
  return {
    total: state.total,
    done: state.done,
    unchanged: state.unchanged,
    failed: state.failed,
    skipped: state.skipped,
    finished,
    remaining,
    requests: state.requests,
    requestsPerSecond,
    etaMs,
    elapsedMs,
    waitingMs,
  };
}
