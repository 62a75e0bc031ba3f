// The saved-plan file: serializePlan writes the Plan as 2-space JSON (key order as built, so the same inputs give
// the same bytes); read-plan.ts reads one back. The format is documented in docs/json-plan.md.

import { InternalError } from '../errors.ts';
import type { Plan, PlanFingerprints } from './types.ts';

/** The plan's fingerprints; a plan made without them (PlanOptions.fingerprints false) cannot be saved or applied. */
export function fingerprintsOf(plan: Plan): PlanFingerprints {
  if (plan.fingerprints === null) {
    throw new InternalError('a plan computed without fingerprints was saved or applied', {
      hint: 'This is a bug in clerk-sync: plan with fingerprints wherever the plan is written or executed.',
    });
  }
  return plan.fingerprints;
}

export function serializePlan(plan: Plan): string {
  fingerprintsOf(plan);
  return `${JSON.stringify(plan, null, 2)}\n`;
}
