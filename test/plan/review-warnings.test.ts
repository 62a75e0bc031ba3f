// withReviewWarnings puts the manifest's and the live read's warnings into the plan after its refusals, where every
// rendering and the JSON plan show them; oneLine keeps user text on one visible line.

import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/manifest/index.ts';
import { createPlan, DEFAULT_PLAN_OPTIONS, oneLine, serializePlan, withReviewWarnings } from '../../src/plan/index.ts';
import { parsePlan } from '../../src/plan/read-plan.ts';
import { desiredState, liveUser, MARK, snapshot } from './builders.ts';

const WARNING: Diagnostic = {
  file: 'clerk/users.yaml',
  line: 12,
  column: 7,
  endLine: 12,
  endColumn: 20,
  severity: 'warning',
  code: 'inline_password',
  message: 'user "emp-001" has an inline password',
  hint: 'Use ${VAR}.',
};

function refusedPlan() {
  const live = snapshot({
    users: Array.from({ length: 11 }, (_, index) => liveUser(`user_${index}`, { privateMetadata: MARK })),
  });
  return createPlan(desiredState([], { settings: { prune: true } }), live, DEFAULT_PLAN_OPTIONS).plan;
}

describe('withReviewWarnings', () => {
  it('keeps the refusals first, then the manifest warnings at their position, then the live read', () => {
    const plan = withReviewWarnings(refusedPlan(), { manifest: [WARNING], liveRead: ['no roles read'] });
    expect(plan.warnings.map((warning) => [warning.severity, warning.code])).toStrictEqual([
      ['refusal', 'mass_delete'],
      ['refusal', 'mass_change'],
      ['warning', 'inline_password'],
      ['warning', 'live_read'],
    ]);
    expect(plan.warnings[2]).toStrictEqual({
      code: 'inline_password',
      severity: 'warning',
      message: 'user "emp-001" has an inline password',
      source: { file: 'clerk/users.yaml', line: 12, column: 7 },
      hint: 'Use ${VAR}.',
    });
    expect(plan.warnings[3]).toStrictEqual({ code: 'live_read', severity: 'warning', message: 'no roles read' });
  });

  it('survives the JSON plan: serialized, parsed back, equal', () => {
    const plan = withReviewWarnings(refusedPlan(), { manifest: [WARNING], liveRead: ['no roles read'] });
    expect(parsePlan(serializePlan(plan)).warnings).toStrictEqual(plan.warnings);
  });

  it('adds nothing twice and leaves the plan it was given as it was', () => {
    const original = refusedPlan();
    const before = structuredClone(original);
    const once = withReviewWarnings(original, { manifest: [WARNING], liveRead: ['no roles read'] });
    const twice = withReviewWarnings(once, { manifest: [WARNING], liveRead: ['no roles read'] });
    expect(twice.warnings).toStrictEqual(once.warnings);
    expect(original).toStrictEqual(before);
  });

  it('takes only warnings from the manifest diagnostics', () => {
    const plan = withReviewWarnings(refusedPlan(), { manifest: [{ ...WARNING, severity: 'error' }] });
    expect(plan.warnings.map((warning) => warning.code)).toStrictEqual(['mass_delete', 'mass_change']);
  });
});

describe('oneLine', () => {
  it('writes line breaks, escape sequences and bidi controls as visible escapes', () => {
    expect(oneLine('a\nb\r\tc')).toBe('a\\nb\\r\\tc');
    expect(oneLine('\u001b[2Jx\u0085\u2028\u202e\u2066')).toBe('\\u001b[2Jx\\u0085\\u2028\\u202e\\u2066');
  });

  it('leaves other text alone, accents and emoji included', () => {
    expect(oneLine('Zoë <b> `x` 🎉')).toBe('Zoë <b> `x` 🎉');
  });
});
