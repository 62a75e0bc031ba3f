// Text shared by the progress and summary views: durations, rates, the one-line progress status and what an
// operation outcome says (error code and message, skip reason), short enough for a terminal line or a CI log.

import type { OperationOutcome } from '../apply/types.ts';
import type { ProgressStats } from './progress-state.ts';

/** `0.4s`, `9.8s`, `16s`, `2m 05s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  const safe = Math.max(0, ms);
  if (safe < 10_000) return `${(safe / 1000).toFixed(1)}s`;
  const seconds = Math.round(safe / 1000);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** One decimal below 10/s (a rate-limited run sends few), whole numbers above. */
export function formatRate(perSecond: number): string {
  return perSecond < 10 ? perSecond.toFixed(1) : String(Math.round(perSecond));
}

export { plural } from '../util/plural.ts';

/** `1200/2000 done, 0 failed, 48 req/s, ETA 16s`: the counts of a progress status line. */
export function formatStatus(stats: ProgressStats): string {
  const parts = [`${stats.done + stats.unchanged}/${stats.total} done`, `${stats.failed} failed`];
  if (stats.skipped > 0) parts.push(`${stats.skipped} skipped`);
  if (stats.requestsPerSecond !== undefined) parts.push(`${formatRate(stats.requestsPerSecond)} req/s`);
  if (stats.waitingMs > 0) parts.push(`rate limited, resuming in ${formatDuration(stats.waitingMs)}`);
  if (stats.etaMs !== undefined && stats.remaining > 0) parts.push(`ETA ${formatDuration(stats.etaMs)}`);
  return parts.join(', ');
}

/** What follows an outcome's title: the error (Clerk's code, HTTP status, message), the skip reason, or `already in place`. */
export function describeOutcome(outcome: OperationOutcome): string {
  if (outcome.status === 'failed' && outcome.error) {
    const status = outcome.error.status === 0 ? 'no response' : `HTTP ${outcome.error.status}`;
    return `${outcome.error.code} (${status}): ${outcome.error.message}`;
  }
  if (outcome.status === 'skipped') return outcome.reason ?? '';
  if (outcome.status === 'unchanged') return 'already in place';
  return '';
}
