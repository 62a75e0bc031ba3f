// What the UI needs without Ink: where output goes, its width, the colour decision and when a plan is too long
// for Ink's layout. Kept apart from render.ts so a command that prints no Ink view never loads Ink (half a second
// of module loading on a 2-core machine, docs/performance.md).

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

/**
 * Plans with more rows than this are written as plain lines (formatPlanRows) instead of through Ink: Ink's layout
 * costs roughly 0.1-0.3 ms per row on a 2-core machine (a 1,000-user plan took 2 s, 100k operations would take
 * minutes). The content is the same; only long lines are not wrapped.
 */
export const INK_MAX_PLAN_ROWS = 2000;
