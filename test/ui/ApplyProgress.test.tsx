// The live progress view: status line after events, and finished operations kept in <Static> above it.

import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { ApplyEvent } from '../../src/apply/types.ts';
import { ApplyProgress, progressBar } from '../../src/ui/ApplyProgress.tsx';
import { initialProgress, type ProgressState, reduceProgress } from '../../src/ui/progress-state.ts';
import { done, failed, plain, skipped } from './fixtures.ts';

const titles = new Map([
  ['create_user:emp-001', 'user emp-001 (alice@acme.test): create user'],
  ['update_user:emp-002', 'user emp-002: update profile'],
]);

function applyEvents(state: ProgressState, events: ApplyEvent[], at: number): ProgressState {
  return events.reduce((current, event) => reduceProgress(current, event, at), state);
}

describe('ApplyProgress', () => {
  it('shows the bar, counts, rate and ETA after events, and keeps finished operations above', () => {
    let state = initialProgress({ total: 4, startedAt: 0 });
    const view = render(<ApplyProgress state={state} now={0} color={false} titles={titles} />);
    expect(plain(view.lastFrame())).toBe(`${'░'.repeat(30)} 0/4  0 done · 0 failed · 4 remaining`);

    state = applyEvents(
      state,
      [
        { type: 'request', method: 'PATCH', path: '/users/user_2', status: 200 },
        { type: 'operation', outcome: done('update_user:emp-002') },
        { type: 'request', method: 'POST', path: '/users', status: 422 },
        { type: 'operation', outcome: failed('create_user:emp-001') },
      ],
      2000,
    );
    view.rerender(<ApplyProgress state={state} now={2000} color={false} titles={titles} />);
    expect(plain(view.lastFrame())).toMatchInlineSnapshot(`
      "✓ user emp-002: update profile
      ✗ user emp-001 (alice@acme.test): create user  form_identifier_exists (HTTP 422): That email address
        is taken.
      ███████████████░░░░░░░░░░░░░░░ 2/4  1 done · 1 failed · 2 remaining · 1.0 req/s · ETA 2.0s"
    `);
  });

  it('keeps failure lines in Static while later frames change, and shows a rate-limit wait', () => {
    let state = initialProgress({ total: 500, startedAt: 0 });
    state = applyEvents(state, [{ type: 'operation', outcome: failed('create_user:emp-001') }], 500);
    const view = render(<ApplyProgress state={state} now={500} color={false} titles={titles} />);
    for (let i = 0; i < 100; i++) state = applyEvents(state, [{ type: 'operation', outcome: done(`op-${i}`) }], 1000);
    state = applyEvents(state, [{ type: 'rate_limited', waitMs: 4000 }], 1000);
    view.rerender(<ApplyProgress state={state} now={1000} color={false} titles={titles} />);
    const frame = plain(view.lastFrame());
    const lines = frame.split('\n');
    // The failure wraps at 100 columns under its title.
    expect(lines.slice(0, 2)).toStrictEqual([
      '✗ user emp-001 (alice@acme.test): create user  form_identifier_exists (HTTP 422): That email address',
      '  is taken.',
    ]);
    // Large run: successful operations are counted, not listed.
    expect(lines).toHaveLength(4);
    expect(lines[2]).toContain(' 101/500  100 done · 1 failed · 399 remaining · 0.0 req/s');
    expect(lines[3]).toBe('Rate limited by Clerk (429): resuming in 4.0s');
  });

  it('falls back to the operation id and shows skip reasons', () => {
    const state = applyEvents(
      initialProgress({ total: 2, startedAt: 0 }),
      [
        {
          type: 'operation',
          outcome: skipped('create_membership:acme/emp-001', 'dependency create_user:emp-001 failed'),
        },
      ],
      10,
    );
    const { lastFrame } = render(<ApplyProgress state={state} now={10} color={false} titles={titles} />);
    expect(plain(lastFrame()).split('\n')[0]).toBe(
      '- create_membership:acme/emp-001  skipped: dependency create_user:emp-001 failed',
    );
  });
});

describe('progressBar', () => {
  it('fills in proportion and never overflows', () => {
    expect(progressBar(0, 10)).toBe('░'.repeat(30));
    expect(progressBar(5, 10)).toBe(`${'█'.repeat(15)}${'░'.repeat(15)}`);
    expect(progressBar(12, 10)).toBe('█'.repeat(30));
    expect(progressBar(0, 0)).toBe('█'.repeat(30));
  });
});
