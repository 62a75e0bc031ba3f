// The report after apply: counts, failures with Clerk's code and message, skipped operations capped with "and N more".

import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { ApplySummary, headline } from '../../src/ui/ApplySummary.tsx';
import { renderApplySummary } from '../../src/ui/render.ts';
import { done, failed, hasAnsi, plain, resultOf, skipped } from './fixtures.ts';

const titles = new Map([
  ['create_user:emp-001', 'user emp-001 (alice@acme.test): create user'],
  ['create_membership:acme/emp-001', 'user emp-001 (alice@acme.test): add to organization acme'],
]);

describe('ApplySummary', () => {
  it('lists failures with code, status and message, and skipped operations with reasons', () => {
    const result = resultOf(
      [
        done('update_user:emp-002'),
        { id: 'update_user:emp-003', type: 'update_user', status: 'unchanged' },
        failed('create_user:emp-001'),
        {
          id: 'delete_user:user_9',
          type: 'delete_user',
          status: 'failed',
          error: { code: 'network_error', message: 'socket hang up', status: 0 },
        },
        skipped('create_membership:acme/emp-001', 'dependency create_user:emp-001 failed'),
      ],
      { requests: 7, elapsedMs: 12_345 },
    );
    const { lastFrame } = render(<ApplySummary result={result} color={false} titles={titles} />);
    expect(plain(lastFrame())).toMatchInlineSnapshot(`
      "Apply finished with errors: 1 applied, 1 already in place, 2 failed, 1 skipped.
      7 requests sent in 12s, retries included.

      Failed (2):
        ✗ user emp-001 (alice@acme.test): create user  [create_user:emp-001]
          form_identifier_exists (HTTP 422): That email address is taken.
        ✗ delete_user:user_9
          network_error (no response): socket hang up

      Skipped (1):
        - user emp-001 (alice@acme.test): add to organization acme  [create_membership:acme/emp-001]
          dependency create_user:emp-001 failed"
    `);
  });

  it('caps long lists with "and N more"', () => {
    const outcomes = Array.from({ length: 30 }, (_, i) => skipped(`op-${i}`, 'stopped after an earlier failure'));
    const { lastFrame } = render(
      <ApplySummary
        result={resultOf(outcomes, { requests: 1, elapsedMs: 1 })}
        color={false}
        titles={new Map()}
        maxSkipped={5}
      />,
    );
    const lines = plain(lastFrame()).split('\n');
    expect(lines.filter((line) => line.startsWith('  - op-'))).toHaveLength(5);
    expect(lines.at(-1)).toBe('  … and 25 more');
    expect(lines).toContain('Skipped (30):');
  });

  it('reports success in one line plus requests and time', () => {
    const text = renderApplySummary(resultOf([done('a'), done('b')], { requests: 2, elapsedMs: 61_000 }), {
      color: false,
      titles: new Map(),
    });
    expect(text).toBe(
      'Apply complete: 2 applied, 0 already in place, 0 failed, 0 skipped.\n2 requests sent in 1m 01s, retries included.\n',
    );
  });

  it('colours only when asked', () => {
    const result = resultOf([failed('create_user:emp-001')], { requests: 1, elapsedMs: 10 });
    expect(hasAnsi(renderApplySummary(result, { color: false, titles }))).toBe(false);
    expect(renderApplySummary(result, { color: true, titles })).toContain('\u001b[31m✗\u001b[39m');
  });
});

describe('headline', () => {
  it('says errors when anything failed or was skipped', () => {
    expect(headline(resultOf([skipped('a', 'x')], { requests: 0, elapsedMs: 0 }))).toMatch(
      /^Apply finished with errors/,
    );
    expect(headline(resultOf([done('a')], { requests: 1, elapsedMs: 0 }))).toMatch(/^Apply complete/);
  });
});
