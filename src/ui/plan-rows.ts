// The plan text as rows: what each line of `terraform plan`-style output says, at which indentation, behind which
// symbol. PlanView lays the rows out with Ink (wrapping long lines under their text); formatPlanRows writes them
// as plain lines for plans too large for Ink's layout. One source for the content keeps both outputs identical
// wherever nothing needs wrapping.

import { describeWarning, oneLine, type PlanPresentation, type PresentedLine } from '../plan/index.ts';
import { INK_MAX_PLAN_ROWS } from './output.ts';
import { GLYPH, paint, SYMBOL_TONE } from './theme.ts';

export interface PlanRow {
  /** Cells before the symbol (or the text, when there is no symbol). */
  indent: number;
  /** Coloured `+`/`~`/`-`, shown in a two-cell column; absent for title, summary and explanation rows. */
  symbol?: string;
  text: string;
  /** An empty line goes before this row. */
  gapBefore?: boolean;
}

export const NO_CHANGES_EXPLANATION = 'The live Clerk instance already matches the manifest; apply would send nothing.';
/** An approved subset with nothing to do says so of its targets only: what it left out may still differ. */
export const NO_TARGETED_CHANGES = 'The targets already match the manifest; apply would send nothing.';

/** Indentation per level, in cells. */
const INDENT = 4;

/** The text after a line's label: `: "Ada" -> "Adah"` for a change, `: "admin"` for an addition, ` (org:member)` for a removal. */
export function lineValue(line: PresentedLine): string {
  const { before, after } = line;
  if (line.symbol === '~') {
    if (before === undefined && after === undefined) return '';
    return `: ${before ?? '(none)'} ${GLYPH.arrow} ${after ?? '(none)'}`;
  }
  if (line.symbol === '-') {
    const value = before ?? after;
    if (value === undefined) return '';
    // A marker is parenthesised already (`(sensitive)`, `(from ${VAR})`); values are JSON, never bare `(`.
    return value.startsWith('(') && value.endsWith(')') ? ` ${value}` : ` (${value})`;
  }
  const value = after ?? before;
  return value === undefined ? '' : `: ${value}`;
}

export function planRows(presentation: PlanPresentation, options: { color: boolean; title?: string }): PlanRow[] {
  const { color } = options;
  const rows: PlanRow[] = [];
  if (options.title !== undefined) rows.push({ indent: 0, text: paint(options.title, 'strong', color) });
  const gap = options.title !== undefined;
  if (presentation.noChanges) {
    rows.push({
      indent: 0,
      text: `${paint('No changes.', 'strong', color)} ${presentation.targetLine === undefined ? NO_CHANGES_EXPLANATION : NO_TARGETED_CHANGES}`,
      gapBefore: gap,
    });
    rows.push(...readRows(presentation, color));
    rows.push(...warningRows(presentation, color));
    return rows;
  }
  const symbol = (s: keyof typeof SYMBOL_TONE) => paint(s, SYMBOL_TONE[s], color);
  for (const [index, group] of presentation.groups.entries()) {
    const row: PlanRow = { indent: 0, symbol: symbol(group.symbol), text: paint(group.title, 'strong', color) };
    if (gap && index === 0) row.gapBefore = true;
    rows.push(row);
    for (const operation of group.operations) {
      rows.push({ indent: INDENT, symbol: symbol(operation.symbol), text: operation.title });
      for (const line of operation.lines) {
        const value = lineValue(line);
        // Masked values stay visibly masked: faint, so nobody reads `(sensitive)` as the real value.
        const text =
          paint(line.label, SYMBOL_TONE[line.symbol], color) +
          (line.sensitive ? paint(value, 'muted', color) : value) +
          (line.setBy === undefined ? '' : paint(`   (set by ${line.setBy})`, 'muted', color));
        rows.push({ indent: INDENT * 2, symbol: symbol(line.symbol), text });
      }
    }
  }
  rows.push({ indent: 0, text: paint(presentation.summaryLine, 'strong', color), gapBefore: true });
  rows.push(...readRows(presentation, color));
  rows.push(...warningRows(presentation, color));
  return rows;
}

/** How the live users were read, under the summary (the plan header's line in the Markdown and JSON plans). */
function readRows(presentation: PlanPresentation, color: boolean): PlanRow[] {
  const rows: PlanRow[] =
    presentation.readLine === undefined ? [] : [{ indent: 0, text: paint(presentation.readLine, 'muted', color) }];
  // An approved subset says so, with what it leaves out, wherever the plan is shown.
  if (presentation.targetLine !== undefined)
    rows.push({ indent: 0, text: paint(presentation.targetLine, 'warn', color) });
  return rows;
}

export const REFUSAL_HEADING = 'Apply will refuse this plan unless the flags named in the hints are given:';
export const WARNING_HEADING = 'Warnings (apply goes ahead):';

/**
 * The plan's refusals, then its warnings, after the plan on the same stream, so a saved log shows them with it.
 * Manifest text in them is shown on one line without control characters (no terminal escape sequences).
 */
export function warningRows(presentation: PlanPresentation, color: boolean): PlanRow[] {
  const rows: PlanRow[] = [];
  const section = (severity: 'refusal' | 'warning', heading: string) => {
    const list = presentation.warnings.filter((warning) => warning.severity === severity);
    if (list.length === 0) return;
    const tone = severity === 'refusal' ? 'error' : 'warn';
    rows.push({ indent: 0, text: paint(heading, 'strong', color), gapBefore: true });
    for (const warning of list) {
      const { headline, hint } = describeWarning(warning);
      rows.push({ indent: INDENT, text: paint(oneLine(headline), tone, color) });
      if (hint !== undefined) rows.push({ indent: INDENT * 2, text: `hint: ${oneLine(hint)}` });
    }
  };
  section('refusal', REFUSAL_HEADING);
  section('warning', WARNING_HEADING);
  return rows;
}

/** The rows as plain lines, without wrapping: the symbol column is the symbol and one space, as in PlanView. */
export function formatPlanRows(rows: PlanRow[]): string {
  return rows
    .map((row) => {
      const line = ' '.repeat(row.indent) + (row.symbol === undefined ? '' : `${row.symbol} `) + row.text;
      return row.gapBefore ? `\n${line}` : line;
    })
    .join('\n');
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character starts every colour code.
const COLOUR_CODE = /\u001b\[[0-9;]*m/g;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * The plan as plain lines where Ink would not lay it out: more rows than INK_MAX_PLAN_ROWS, or, given `fitColumns`,
 * no line as wide as the output (Ink only wraps; formatPlanRows is its layout otherwise, PlanView.test). Lines with
 * other than printable ASCII are left to Ink, which knows their width. Else undefined: Ink's turn.
 */
export function plainPlanText(
  presentation: PlanPresentation,
  options: { color: boolean; title?: string; fitColumns?: number },
): string | undefined {
  const rows = planRows(presentation, options);
  const text = `${formatPlanRows(rows)}\n`;
  if (rows.length > INK_MAX_PLAN_ROWS) return text;
  if (options.fitColumns === undefined) return undefined;
  for (const line of text.split('\n')) {
    const visible = line.replace(COLOUR_CODE, '');
    if (visible.length >= options.fitColumns || !PRINTABLE_ASCII.test(visible)) return undefined;
  }
  return text;
}
