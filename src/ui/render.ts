// The facade commands call for static output: plan text, apply summary, dry-run requests, and the colour decision.
// Everything is rendered with Ink's renderToString, so a terminal and a CI log get the same layout; the caller
// writes the returned string where it belongs (plan on stdout). Command code never touches Ink.

import { renderToString } from 'ink';
import { createElement, type ReactElement } from 'react';
import type { ApplyResult, PlannedRequest } from '../apply/types.ts';
import type { PlanPresentation } from '../plan/index.ts';
import { ApplySummary } from './ApplySummary.tsx';
import { DryRunView } from './DryRunView.tsx';
import { PlanView } from './PlanView.tsx';
import { formatPlanRows, planRows } from './plan-rows.ts';

/** Where output goes: stdout/stderr or anything with the same shape. */
export interface Output {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Width used when the stream does not report one (a pipe, a CI log). @default 100 */
export const DEFAULT_COLUMNS = 100;

/**
 * Colour on a terminal, off in pipes and files. FORCE_COLOR wins over everything (0/false turn colour off), then
 * NO_COLOR or NODE_DISABLE_COLORS turn it off, then TERM=dumb; the same precedence as Node's own
 * tty.WriteStream#getColorDepth (nodejs.org/api/tty.html) and https://no-color.org ("present and not empty").
 */
export function shouldUseColor(stream: Output, env: Record<string, string | undefined>): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !['0', 'false'].includes(force.toLowerCase());
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.NODE_DISABLE_COLORS !== undefined && env.NODE_DISABLE_COLORS !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

function toText(element: ReactElement, columns: number | undefined): string {
  const width = columns !== undefined && columns > 0 ? columns : DEFAULT_COLUMNS;
  // Ink pads nothing at line ends, but a wrapped Box can leave trailing spaces; they only make diffs noisy.
  const text = renderToString(element, { columns: width }).replace(/[ \t]+$/gm, '');
  return `${text}\n`;
}

/**
 * Plans with more rows than this are written as plain lines (formatPlanRows) instead of through Ink: Ink's layout
 * costs roughly 0.1-0.3 ms per row on a 2-core machine (a 1,000-user plan took 2 s, 100k operations would take
 * minutes). The content is the same; only long lines are not wrapped.
 */
export const INK_MAX_PLAN_ROWS = 2000;

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
  const rows = planRows(presentation, { color: options.color, ...title });
  if (rows.length > INK_MAX_PLAN_ROWS) return `${formatPlanRows(rows)}\n`;
  return toText(createElement(PlanView, { presentation, color: options.color, ...title }), options.columns);
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
