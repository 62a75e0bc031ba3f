// What a reviewer must see besides the operations: the planner's safety refusals (already in plan.warnings), the
// manifest's warnings at their source position, and what the live read had to assume. Every rendering of the plan
// (JSON, text, Markdown, annotations) shows plan.warnings, so this runs before any of them.

import type { Diagnostic } from '../manifest/types.ts';
import type { Plan, PlanWarning } from './types.ts';

/** The code of a warning the live snapshot reader reported (a setting it could not read, what it assumed instead). */
export const LIVE_READ_WARNING = 'live_read';

export interface ReviewFindings {
  /** The manifest's warnings (Diagnostic with severity 'warning'); errors never reach a plan. */
  manifest?: readonly Diagnostic[];
  /** `LiveSnapshot.readWarnings`. */
  liveRead?: readonly string[];
}

function fromDiagnostic(diagnostic: Diagnostic): PlanWarning {
  const warning: PlanWarning = { code: diagnostic.code, severity: 'warning', message: diagnostic.message };
  if (diagnostic.file !== '') {
    warning.source = { file: diagnostic.file, line: diagnostic.line, column: diagnostic.column };
  }
  if (diagnostic.hint !== undefined) warning.hint = diagnostic.hint;
  return warning;
}

function sameWarning(a: PlanWarning, b: PlanWarning): boolean {
  return (
    a.code === b.code &&
    a.severity === b.severity &&
    a.message === b.message &&
    a.hint === b.hint &&
    a.source?.file === b.source?.file &&
    a.source?.line === b.source?.line &&
    a.source?.column === b.source?.column
  );
}

/**
 * The plan with the manifest's and the live read's warnings appended to its own (refusals stay first). A warning
 * the plan already holds is not added twice, so calling it again changes nothing.
 */
export function withReviewWarnings(plan: Plan, findings: ReviewFindings): Plan {
  const added = [
    ...(findings.manifest ?? []).filter((diagnostic) => diagnostic.severity === 'warning').map(fromDiagnostic),
    ...(findings.liveRead ?? []).map(
      (message): PlanWarning => ({ code: LIVE_READ_WARNING, severity: 'warning', message }),
    ),
  ];
  const warnings = [...plan.warnings];
  for (const warning of added) {
    if (!warnings.some((held) => sameWarning(held, warning))) warnings.push(warning);
  }
  return { ...plan, warnings };
}
