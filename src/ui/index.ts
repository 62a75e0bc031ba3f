// Public surface of the terminal UI: the only folder that imports Ink. Commands call these functions and never see
// a component. Ink is loaded on first use: a plan Ink would not wrap (or too long for it), JSON or Markdown output
// and `drift` never load it, which spares half a second of module loading (docs/performance.md).

import type { ApplyResult, PlannedRequest } from '../apply/types.ts';
import type { PlanPresentation } from '../plan/index.ts';
import type { ConfirmOptions } from './confirm.ts';
import { DEFAULT_COLUMNS } from './output.ts';
import { plainPlanText } from './plan-rows.ts';
import type { ApplyProgressOptions, ApplyProgressReporter } from './progress-reporter.ts';

export type { ConfirmOptions } from './confirm.ts';
export { DEFAULT_COLUMNS, type Output, shouldUseColor } from './output.ts';
export type { ApplyProgressOptions, ApplyProgressReporter } from './progress-reporter.ts';

/** Asks for `yes` on a terminal (Ink), or reads a line elsewhere; see confirm.ts. */
export async function confirm(options: ConfirmOptions): Promise<boolean> {
  return (await import('./confirm.ts')).confirm(options);
}

/** The live progress of an apply on stderr; see progress-reporter.ts. */
export async function createApplyProgress(options: ApplyProgressOptions): Promise<ApplyProgressReporter> {
  return (await import('./progress-reporter.ts')).createApplyProgress(options);
}

/** The plan like `terraform plan`, ending with a newline; see render.ts. */
export async function renderPlanText(
  presentation: PlanPresentation,
  options: { color: boolean; columns?: number; title?: string },
): Promise<string> {
  const title = options.title !== undefined ? { title: options.title } : {};
  const columns = options.columns !== undefined && options.columns > 0 ? options.columns : DEFAULT_COLUMNS;
  return (
    plainPlanText(presentation, { color: options.color, ...title, fitColumns: columns }) ??
    (await import('./render.ts')).renderPlanText(presentation, options)
  );
}

/** The report after apply; see render.ts. */
export async function renderApplySummary(
  result: ApplyResult,
  options: { color: boolean; titles: Map<string, string>; columns?: number },
): Promise<string> {
  return (await import('./render.ts')).renderApplySummary(result, options);
}

/** The requests apply would send; see render.ts. */
export async function renderDryRun(
  requests: PlannedRequest[],
  options: { color: boolean; max?: number; columns?: number },
): Promise<string> {
  return (await import('./render.ts')).renderDryRun(requests, options);
}
