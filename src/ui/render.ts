// The facade commands call for static output: plan text, apply summary, dry-run requests, and the colour decision.
// Everything is rendered with Ink's renderToString, so a terminal and a CI log get the same layout; the caller
// writes the returned string where it belongs (plan on stdout). Command code never touches Ink.

import { renderToString } from 'ink';
import { createElement, type ReactElement } from 'react';
import type { ApplyResult, PlannedRequest } from '../apply/types.ts';
import type { PlanPresentation } from '../plan/index.ts';
import { ApplySummary } from './ApplySummary.tsx';
import { DryRunView } from './DryRunView.tsx';
import { DEFAULT_COLUMNS } from './output.ts';
import { PlanView } from './PlanView.tsx';
import { plainPlanText } from './plan-rows.ts';

export { DEFAULT_COLUMNS, INK_MAX_PLAN_ROWS, type Output, shouldUseColor } from './output.ts';

function toText(element: ReactElement, columns: number | undefined): string {
  const width = columns !== undefined && columns > 0 ? columns : DEFAULT_COLUMNS;
  // Ink pads nothing at line ends, but a wrapped Box can leave trailing spaces; they only make diffs noisy.
  const text = renderToString(element, { columns: width }).replace(/[ \t]+$/gm, '');
  return `${text}\n`;
}

/**
 * The plan like `terraform plan`: per group a header with its symbol, operations and field-level lines indented
 * under it, then the summary line; `No changes.` with one line of explanation when there is nothing to do.
 * Ends with a newline.
 */
export function renderPlanText(
  presentation: PlanPresentation,
  options: { color: boolean; columns?: number; title?: string },
): string {
  const title = options.title !== undefined ? { title: options.title } : {};
  return (
    plainPlanText(presentation, { color: options.color, ...title }) ??
    toText(createElement(PlanView, { presentation, color: options.color, ...title }), options.columns)
  );
}

/** The report after apply: counts, failures with Clerk's code and message, skipped operations, requests and time. */
export function renderApplySummary(
  result: ApplyResult,
  options: { color: boolean; titles: Map<string, string>; columns?: number },
): string {
  return toText(createElement(ApplySummary, { result, color: options.color, titles: options.titles }), options.columns);
}

/** The requests apply would send (bodies already redacted by the caller), at most `max` of them (default 200). */
export function renderDryRun(
  requests: PlannedRequest[],
  options: { color: boolean; max?: number; columns?: number },
): string {
  const props = { requests, color: options.color, ...(options.max !== undefined ? { max: options.max } : {}) };
  return toText(createElement(DryRunView, props), options.columns);
}
