// The progress reducer: counts per outcome, rates over the sliding window, ETA, rate-limit waits and the bounded list
// of noteworthy lines. Time is plain numbers.

import { describe, expect, it } from 'vitest';
import type { ApplyEvent } from '../../src/apply/types.ts';
import { formatStatus } from '../../src/ui/format.ts';
import {
  initialProgress,
  LIST_EACH_MAX_TOTAL,
  MAX_LISTED_FAILURES,
  type ProgressState,
  progressStats,
  RATE_WINDOW_SECONDS,
  reduceProgress,
} from '../../src/ui/progress-state.ts';
import { done, failed, skipped } from './fixtures.ts';

const request: ApplyEvent = { type: 'request', method: 'PATCH', path: '/users/user_1', status: 200 };

function run(state: ProgressState, events: [ApplyEvent, number][]): ProgressState {
  return events.reduce((current, [event, at]) => reduceProgress(current, event, at), state);
}

describe('reduceProgress', () => {
  it('counts each outcome status and the requests, without mutating the input', () => {
    const start = initialProgress({ total: 4, startedAt: 0 });
    const state = run(start, [
      [{ type: 'operation', outcome: done('a') }, 100],
      [{ type: 'operation', outcome: { id: 'b', type: 'update_user', status: 'unchanged' } }, 200],
      [{ type: 'operation', outcome: failed('c') }, 300],
      [{ type: 'operation', outcome: skipped('d', 'dependency c failed') }, 400],
      [request, 500],
      [request, 600],
    ]);
    expect([state.done, state.unchanged, state.failed, state.skipped, state.requests]).toStrictEqual([1, 1, 1, 1, 2]);
    expect(start).toStrictEqual(initialProgress({ total: 4, startedAt: 0 }));
    const stats = progressStats(state, 1000);
    expect(stats.finished).toBe(4);
    expect(stats.remaining).toBe(0);
    expect(stats.etaMs).toBe(0);
  });

  it('takes the total and start time from the start event', () => {
    const state = reduceProgress(initialProgress({ total: 5, startedAt: 0 }), { type: 'start', total: 7 }, 5000);
    const stats = progressStats(state, 6000);
    expect(stats.total).toBe(7);
    expect(stats.remaining).toBe(7);
    expect(stats.elapsedMs).toBe(1000);
    expect(stats.etaMs).toBeUndefined();
  });

  it('measures the request rate over the last seconds only and extrapolates the ETA from the operation rate', () => {
    let state = initialProgress({ total: 1000, startedAt: 0 });
    // 20 s at 10 requests and 5 operations per second.
    for (let second = 0; second < 20; second++) {
      for (let i = 0; i < 10; i++) state = reduceProgress(state, request, second * 1000 + i * 100);
      for (let i = 0; i < 5; i++) {
        state = reduceProgress(
          state,
          { type: 'operation', outcome: done(`op-${second}-${i}`) },
          second * 1000 + i * 200,
        );
      }
    }
    const stats = progressStats(state, 20_000);
    expect(stats.requestsPerSecond).toBe(10);
    expect(stats.remaining).toBe(900);
    expect(stats.etaMs).toBe(180_000);
    // Nothing for 5 s: of the 9 whole seconds the window covers, only the 4 from 16 s to 20 s had traffic.
    const later = progressStats(state, 25_000);
    expect(later.requestsPerSecond).toBeCloseTo(40 / 9, 9);
    expect(later.etaMs).toBeCloseTo((900 / (20 / 9)) * 1000, 3);
    expect(state.buckets.length).toBeLessThanOrEqual(RATE_WINDOW_SECONDS + 1);
  });

  it('reports no rate and no ETA before a whole second: a short apply is not "1.0 req/s"', () => {
    let state = initialProgress({ total: 4, startedAt: 0 });
    for (let i = 0; i < 3; i++) state = reduceProgress(state, request, 10 + i);
    state = reduceProgress(state, { type: 'operation', outcome: done('a') }, 15);
    const early = progressStats(state, 40);
    expect(early.requestsPerSecond).toBeUndefined();
    expect(early.etaMs).toBeUndefined();
    expect(formatStatus(early)).toBe('1/4 done, 0 failed');
    // From a whole second on, the rate is what was sent over the time measured.
    const measured = progressStats(state, 1500);
    expect(measured.requestsPerSecond).toBe(2);
    expect(formatStatus(measured)).toBe('1/4 done, 0 failed, 2.0 req/s, ETA 4.5s');
  });

  it('reports the remaining rate-limit wait, adds it to the ETA, and clears it once requests flow again', () => {
    let state = initialProgress({ total: 10, startedAt: 0 });
    state = reduceProgress(state, { type: 'operation', outcome: done('a') }, 1000);
    state = reduceProgress(state, { type: 'rate_limited', waitMs: 3000 }, 1000);
    const waiting = progressStats(state, 2000);
    expect(waiting.waitingMs).toBe(2000);
    // 1 operation in 2 s: 9 remaining take 18 s, after the 2 s still to wait.
    expect(waiting.etaMs).toBe(20_000);
    state = reduceProgress(state, request, 4500);
    expect(state.waitUntil).toBeUndefined();
    expect(progressStats(state, 4500).waitingMs).toBe(0);
  });

  it('lists every finished operation in small runs, only failures in large ones', () => {
    const small = run(initialProgress({ total: LIST_EACH_MAX_TOTAL, startedAt: 0 }), [
      [{ type: 'operation', outcome: done('a') }, 1],
      [{ type: 'operation', outcome: failed('b') }, 2],
    ]);
    expect(small.lines.map((line) => line.key)).toStrictEqual(['a', 'b']);
    const large = run(initialProgress({ total: LIST_EACH_MAX_TOTAL + 1, startedAt: 0 }), [
      [{ type: 'operation', outcome: done('a') }, 1],
      [{ type: 'operation', outcome: skipped('c', 'stopped after an earlier failure') }, 2],
      [{ type: 'operation', outcome: failed('b') }, 3],
    ]);
    expect(large.lines.map((line) => line.key)).toStrictEqual(['b']);
  });

  it('caps the listed failures with one note, however many fail', () => {
    let state = initialProgress({ total: 5000, startedAt: 0 });
    for (let i = 0; i < 5000; i++) state = reduceProgress(state, { type: 'operation', outcome: failed(`op-${i}`) }, i);
    expect(state.failed).toBe(5000);
    expect(state.lines).toHaveLength(MAX_LISTED_FAILURES + 1);
    expect(state.lines.at(-1)).toStrictEqual({ kind: 'more_failures', key: 'more_failures' });
  });
});
