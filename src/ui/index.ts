// Public surface of the terminal UI: the only folder that imports Ink. Commands call these functions and never see
// a component.

export { type ConfirmOptions, confirm } from './confirm.ts';
export { type ApplyProgressOptions, type ApplyProgressReporter, createApplyProgress } from './progress-reporter.ts';
export {
  DEFAULT_COLUMNS,
  type Output,
  renderApplySummary,
  renderDryRun,
  renderPlanText,
  shouldUseColor,
} from './render.ts';
