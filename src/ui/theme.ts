// Glyphs and colours of every clerk-sync view, in one place. Colour is applied here as plain SGR escape codes rather
// than through Ink's `color` prop: Ink colours through chalk, whose level is process-global and detected from
// process.stdout, while clerk-sync decides per stream (plan on stdout, progress on stderr) and tests need the same
// output on any machine. Ink measures and wraps text that contains SGR codes correctly.

import type { ChangeSymbol } from '../plan/index.ts';

export type Tone = 'create' | 'change' | 'delete' | 'ok' | 'error' | 'warn' | 'muted' | 'strong';

/** [open, close] SGR parameters (ECMA-48): 32 green, 33 yellow, 31 red, 39 default colour, 2 faint, 1 bold, 22 normal. */
const SGR: Record<Tone, readonly [number, number]> = {
  create: [32, 39],
  change: [33, 39],
  delete: [31, 39],
  ok: [32, 39],
  error: [31, 39],
  warn: [33, 39],
  muted: [2, 22],
  strong: [1, 22],
};

/** `text` in the tone's colour when `color` is on, unchanged otherwise. */
export function paint(text: string, tone: Tone, color: boolean): string {
  if (!color || text === '') return text;
  const [open, close] = SGR[tone];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

export const SYMBOL_TONE: Record<ChangeSymbol, Tone> = { '+': 'create', '~': 'change', '-': 'delete' };

export const GLYPH = {
  /** Between a value before and after a change, as in `terraform plan`. */
  arrow: '->',
  done: '✓',
  unchanged: '=',
  failed: '✗',
  skipped: '-',
  barFull: '█',
  barEmpty: '░',
  ellipsis: '…',
} as const;

/** Width of the progress bar, in cells. */
export const BAR_WIDTH = 30;
