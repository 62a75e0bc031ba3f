// createApplyProgress: plain, bounded lines off a terminal; an Ink view on a terminal that ends with the final counts
// and releases the stream.

import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ApplyEvent } from '../../src/apply/types.ts';
import { createApplyProgress, PLAIN_INTERVAL_MS } from '../../src/ui/progress-reporter.ts';
import { done, failed, hasAnsi, plain } from './fixtures.ts';

function collector(isTTY = false) {
  const stream = new EventEmitter() as EventEmitter & {
    isTTY: boolean;
    columns: number;
    writes: string[];
    write(s: string): boolean;
  };
  stream.isTTY = isTTY;
  stream.columns = 100;
  stream.writes = [];
  stream.write = (s) => {
    stream.writes.push(s);
    return true;
  };
  return stream;
}

function linesOf(writes: string[]): string[] {
  return writes
    .join('')
    .split('\n')
    .filter((line) => line !== '');
}

function feed(progress: { onEvent(event: ApplyEvent): void }, count: number, each: (i: number) => void = () => {}) {
  progress.onEvent({ type: 'start', total: count });
  for (let i = 0; i < count; i++) {
    each(i);
    progress.onEvent({ type: 'request', method: 'POST', path: '/users', status: 200 });
    progress.onEvent({ type: 'operation', outcome: done(`op-${i}`) });
  }
}

describe('createApplyProgress without a terminal', () => {
  it('writes a bounded number of lines for 10,000 operations when time stands still', () => {
    const stream = collector();
    const progress = createApplyProgress({ stream, color: false, total: 10_000, titles: new Map(), now: () => 0 });
    feed(progress, 10_000);
    progress.finish();
    const lines = linesOf(stream.writes);
    expect(lines.length).toBeLessThanOrEqual(12);
    expect(lines.at(-1)).toBe('apply: 10000/10000 done, 0 failed');
    expect(lines.every((line) => line.startsWith('apply: '))).toBe(true);
  });

  it('writes at most one line per interval (plus one per 10%) when time moves', () => {
    const stream = collector();
    let clock = 0;
    const progress = createApplyProgress({
      stream,
      color: false,
      total: 10_000,
      titles: new Map(),
      now: () => clock,
    });
    // 50 operations per second: 200 s in all.
    feed(progress, 10_000, () => {
      clock += 20;
    });
    progress.finish();
    const lines = linesOf(stream.writes);
    const bound = (10_000 * 20) / PLAIN_INTERVAL_MS + 10 + 1;
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.length).toBeLessThanOrEqual(bound);
    expect(lines).toContain('apply: 5000/10000 done, 0 failed, 50 req/s, ETA 1m 40s');
  });

  it('prints each failure with its code and message, and every operation when the run is small', () => {
    const stream = collector();
    const titles = new Map([['create_user:emp-001', 'user emp-001: create user']]);
    const progress = createApplyProgress({ stream, color: false, total: 2, titles, now: () => 0 });
    progress.onEvent({ type: 'operation', outcome: failed('create_user:emp-001') });
    progress.onEvent({ type: 'operation', outcome: done('update_user:emp-002') });
    progress.finish();
    progress.finish();
    expect(linesOf(stream.writes)).toStrictEqual([
      '✗ user emp-001: create user (form_identifier_exists (HTTP 422): That email address is taken.)',
      'apply: 0/2 done, 1 failed',
      '✓ update_user:emp-002',
      'apply: 1/2 done, 1 failed',
    ]);
    expect(hasAnsi(stream.writes.join(''))).toBe(false);
  });

  it('ignores events after finish', () => {
    const stream = collector();
    const progress = createApplyProgress({ stream, color: false, total: 1, titles: new Map(), now: () => 0 });
    progress.finish();
    const before = stream.writes.length;
    progress.onEvent({ type: 'operation', outcome: failed('create_user:emp-001') });
    expect(stream.writes.length).toBe(before);
  });
});

describe('createApplyProgress on a terminal', () => {
  it('draws with Ink and ends with the final counts and the listed operations, then stops listening', () => {
    const stream = collector(true);
    const titles = new Map([['create_user:emp-001', 'user emp-001: create user']]);
    const progress = createApplyProgress({ stream, color: true, total: 3, titles, now: () => 1000 });
    progress.onEvent({ type: 'start', total: 3 });
    progress.onEvent({ type: 'operation', outcome: failed('create_user:emp-001') });
    progress.onEvent({ type: 'operation', outcome: done('update_user:emp-002') });
    progress.onEvent({ type: 'operation', outcome: done('update_user:emp-003') });
    progress.finish();
    const output = stream.writes.join('');
    expect(hasAnsi(output)).toBe(true);
    const text = plain(output);
    expect(text).toContain(
      '✗ user emp-001: create user  form_identifier_exists (HTTP 422): That email address is taken.',
    );
    expect(text).toContain('✓ update_user:emp-003');
    expect(text).toContain('3/3  2 done · 1 failed · 0 remaining');
    expect(stream.listenerCount('resize')).toBe(0);
  });
});
