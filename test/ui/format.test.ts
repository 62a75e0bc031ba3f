// Durations, rates, status line and outcome descriptions as the progress and summary views print them.

import { describe, expect, it } from 'vitest';
import { describeOutcome, formatDuration, formatRate, formatStatus } from '../../src/ui/format.ts';
import { initialProgress, progressStats } from '../../src/ui/progress-state.ts';
import { done, failed, skipped } from './fixtures.ts';

describe('formatDuration', () => {
  it('uses tenths below 10 s, then seconds, minutes and hours', () => {
    expect(formatDuration(0)).toBe('0.0s');
    expect(formatDuration(-5)).toBe('0.0s');
    expect(formatDuration(9_840)).toBe('9.8s');
    expect(formatDuration(16_400)).toBe('16s');
    expect(formatDuration(125_000)).toBe('2m 05s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
  });
});

describe('formatRate', () => {
  it('keeps one decimal only for slow rates', () => {
    expect(formatRate(0.25)).toBe('0.3');
    expect(formatRate(9.94)).toBe('9.9');
    expect(formatRate(47.6)).toBe('48');
  });
});

describe('formatStatus', () => {
  it('leaves out skipped, wait and ETA when there is nothing to say', () => {
    expect(formatStatus(progressStats(initialProgress({ total: 3, startedAt: 0 }), 0))).toBe('0/3 done, 0 failed');
  });
});

describe('describeOutcome', () => {
  it("gives Clerk's code, the HTTP status and the message for failures", () => {
    expect(describeOutcome(failed('a'))).toBe('form_identifier_exists (HTTP 422): That email address is taken.');
    expect(
      describeOutcome({
        id: 'a',
        type: 'delete_user',
        status: 'failed',
        error: { code: 'timeout', message: 'no answer', status: 0 },
      }),
    ).toBe('timeout (no response): no answer');
  });

  it('gives the reason for skipped operations and nothing for applied ones', () => {
    expect(describeOutcome(skipped('a', 'stopped after an earlier failure'))).toBe('stopped after an earlier failure');
    expect(describeOutcome({ id: 'a', type: 'update_user', status: 'unchanged' })).toBe('already in place');
    expect(describeOutcome(done('a'))).toBe('');
  });
});
