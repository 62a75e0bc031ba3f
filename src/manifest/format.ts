// Diagnostics as text for people (compiler-like: `file:line:col: error[code]: message`, the source line quoted
// with a caret under the column, then the hint) and as a stable JSON array for editors and CI annotations.
// The quoted line is the source as written, so a secret that interpolation filled in is never shown; the span of a
// concealed diagnostic (a password written in the manifest) is masked wherever its line is quoted.

import { plural } from '../util/plural.ts';
import type { Diagnostic, ManifestSource } from './types.ts';

function compare(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  if (a.column !== b.column) return a.column - b.column;
  if (a.severity !== b.severity) return a.severity === 'error' ? -1 : 1;
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/** Sorted by file, then line, then column (errors before warnings at one place). Does not mutate its input. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(compare);
}

const ANSI = {
  bold: '\u001b[1m',
  red: '\u001b[31m',
  yellow: '\u001b[33m',
  cyan: '\u001b[36m',
  dim: '\u001b[2m',
  reset: '\u001b[0m',
};

/** The text of a line (1-based), without its line break; undefined when out of range. */
function lineOf(lines: Map<string, string[]>, sources: readonly ManifestSource[], file: string, line: number) {
  let split = lines.get(file);
  if (!split) {
    const source = sources.find((candidate) => candidate.file === file);
    if (!source) return undefined;
    split = source.text.split(/\r?\n/);
    lines.set(file, split);
  }
  return split[line - 1];
}

/**
 * Terminal cells a character takes: 2 for emoji and other characters past U+FFFF and for East Asian wide ranges
 * (Unicode UAX #11: Hangul Jamo, CJK, Hangul syllables, compatibility ideographs, fullwidth forms), else 1.
 */
function cellWidth(char: string): number {
  const code = char.codePointAt(0) ?? 0;
  if (code > 0xffff) return 2;
  if (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6)
  ) {
    return 2;
  }
  return 1;
}

/** Longest quoted source line: a minified or generated file must not flood the terminal. */
const MAX_QUOTE = 200;

/** What stands for a concealed span: fixed, so the quote does not tell the password's length. */
const MASK = '********';

/** 1-based column ranges [start, end) of `line` that concealed diagnostics cover, sorted, not overlapping. */
function concealedRanges(concealed: readonly Diagnostic[], file: string, line: number, length: number) {
  const ranges: { start: number; end: number }[] = [];
  for (const diagnostic of concealed) {
    if (diagnostic.file !== file) continue;
    const endLine = diagnostic.endLine ?? diagnostic.line;
    if (line < diagnostic.line || line > endLine) continue;
    const start = line === diagnostic.line ? diagnostic.column : 1;
    const end = line === endLine && diagnostic.endColumn !== undefined ? diagnostic.endColumn : length + 1;
    if (end > start) ranges.push({ start, end });
  }
  ranges.sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last && range.start <= last.end) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  return merged;
}

/**
 * The line's characters (code points, as columns count them) with each range replaced by MASK, and where a column
 * of the line lands in the masked characters.
 */
function maskLine(chars: readonly string[], ranges: readonly { start: number; end: number }[]) {
  // concat, not push(...): a minified line has more characters than a call may take arguments.
  let out: string[] = [];
  let from = 1;
  for (const range of ranges) {
    out = out.concat(chars.slice(from - 1, range.start - 1), Array.from(MASK));
    from = range.end;
  }
  out = out.concat(chars.slice(from - 1));
  const column = (original: number): number => {
    let shift = 0;
    for (const range of ranges) {
      if (original >= range.end) shift += MASK.length - (range.end - range.start);
      else if (original > range.start) return range.start + shift;
    }
    return original + shift;
  };
  return { chars: out, column };
}

export function formatDiagnostics(
  diagnostics: Diagnostic[],
  sources: ManifestSource[],
  options: { color?: boolean } = {},
): string {
  const paint = (style: keyof typeof ANSI, text: string): string =>
    options.color ? `${ANSI[style]}${text}${ANSI.reset}` : text;
  const lines = new Map<string, string[]>();
  const charsOf = new Map<string, string[]>();
  const concealed = diagnostics.filter((diagnostic) => diagnostic.concealed);
  let out = '';
  for (const diagnostic of sortDiagnostics(diagnostics)) {
    const label =
      diagnostic.severity === 'error'
        ? paint('red', `error[${diagnostic.code}]`)
        : paint('yellow', `warning[${diagnostic.code}]`);
    out += `${paint('bold', `${diagnostic.file}:${diagnostic.line}:${diagnostic.column}:`)} ${label}: ${diagnostic.message}\n`;
    const source = lineOf(lines, sources, diagnostic.file, diagnostic.line);
    // Split once per line (a minified file's one line may carry many diagnostics).
    const lineKey = `${diagnostic.line}:${diagnostic.file}`;
    let sourceChars = source === undefined ? undefined : charsOf.get(lineKey);
    if (source !== undefined && sourceChars === undefined) {
      sourceChars = Array.from(source);
      charsOf.set(lineKey, sourceChars);
    }
    const masked =
      sourceChars === undefined
        ? undefined
        : maskLine(sourceChars, concealedRanges(concealed, diagnostic.file, diagnostic.line, sourceChars.length));
    const chars = masked?.chars;
    const column = masked ? masked.column(diagnostic.column) : diagnostic.column;
    if (chars !== undefined && chars.join('').trim() !== '' && column - 1 <= MAX_QUOTE) {
      const quoted = chars.length > MAX_QUOTE ? `${chars.slice(0, MAX_QUOTE).join('')}...` : chars.join('');
      const gutter = String(diagnostic.line);
      const pad = ' '.repeat(gutter.length);
      // Keep tabs in the prefix so the caret lines up under tab-indented text.
      const prefix = chars
        .slice(0, column - 1)
        .map((char) => (char === '\t' ? char : ' '.repeat(cellWidth(char))))
        .join('');
      const sameLine = diagnostic.endLine === diagnostic.line && diagnostic.endColumn !== undefined;
      const endColumn = sameLine && masked ? masked.column(diagnostic.endColumn ?? 0) : (diagnostic.endColumn ?? 0);
      const width = sameLine ? Math.max(1, Math.min(endColumn - column, MAX_QUOTE)) : 1;
      out += `${paint('cyan', ` ${gutter} |`)} ${quoted}\n`;
      out += `${paint('cyan', ` ${pad} |`)} ${prefix}${paint(diagnostic.severity === 'error' ? 'red' : 'yellow', '^'.repeat(width))}\n`;
    }
    if (diagnostic.hint) out += `  ${paint('dim', 'hint:')} ${diagnostic.hint}\n`;
  }
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length;
  out += `${plural(errors, 'error')}, ${plural(diagnostics.length - errors, 'warning')}\n`;
  return out;
}

/** A stable JSON array (sorted, fixed key order), one object per diagnostic. */
/** Diagnostics as JSON records, sorted: the public shape (docs/json-contract.md), without `concealed`. */
export function diagnosticRecords(diagnostics: readonly Diagnostic[]): { [key: string]: string | number }[] {
  return sortDiagnostics(diagnostics).map((diagnostic) => ({
    file: diagnostic.file,
    line: diagnostic.line,
    column: diagnostic.column,
    ...(diagnostic.endLine === undefined ? {} : { endLine: diagnostic.endLine }),
    ...(diagnostic.endColumn === undefined ? {} : { endColumn: diagnostic.endColumn }),
    severity: diagnostic.severity,
    code: diagnostic.code,
    message: diagnostic.message,
    ...(diagnostic.hint === undefined ? {} : { hint: diagnostic.hint }),
  }));
}

export function diagnosticsToJson(diagnostics: Diagnostic[]): string {
  return `${JSON.stringify(diagnosticRecords(diagnostics), null, 2)}\n`;
}

function escapeAnnotation(text: string, property: boolean): string {
  // GitHub workflow command escaping (actions/toolkit, command.ts escapeData / escapeProperty).
  const data = text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
  return property ? data.replaceAll(':', '%3A').replaceAll(',', '%2C') : data;
}

/** GitHub Actions annotations (`::error file=...,line=...::message`), one line per diagnostic. */
export function diagnosticsToGithub(diagnostics: Diagnostic[]): string {
  return sortDiagnostics(diagnostics)
    .map((diagnostic) => {
      const properties = [
        `file=${escapeAnnotation(diagnostic.file, true)}`,
        `line=${diagnostic.line}`,
        `col=${diagnostic.column}`,
        ...(diagnostic.endLine === undefined ? [] : [`endLine=${diagnostic.endLine}`]),
        ...(diagnostic.endLine === diagnostic.line && diagnostic.endColumn !== undefined
          ? [`endColumn=${diagnostic.endColumn}`]
          : []),
        `title=${escapeAnnotation(`clerk-sync ${diagnostic.code}`, true)}`,
      ];
      const message = diagnostic.hint ? `${diagnostic.message}\n${diagnostic.hint}` : diagnostic.message;
      return `::${diagnostic.severity} ${properties.join(',')}::${escapeAnnotation(message, false)}\n`;
    })
    .join('');
}
