// The first line of a block-style YAML text whose indentation fits no enclosing block, and what it should be. The
// yaml package reports such a line as a follow-on error elsewhere (the line before it, column 1, or a cascade of
// "implicit key" errors); read-yaml.ts reports this one instead. Only lines of the plain block style are judged: at
// a multi-line flow collection or quoted scalar, a directive or a second document, it answers undefined.

import { plural } from '../util/plural.ts';

export interface IndentationProblem {
  /** Offset of the line's first character and of its end. */
  start: number;
  end: number;
  message: string;
  hint: string;
}

interface Level {
  indent: number;
  kind: 'map' | 'seq';
  /** 1-based line of the level's first entry, and how it starts (a key, or `-`). */
  line: number;
  label: string;
}

const KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"\-[{][^#]*?|-[^\s#][^#]*?)\s*:(?:\s|$)/;
const BLOCK_SCALAR = /^[|>][-+0-9]*\s*(?:#.*)?$/;

/** Whether a value written on its key's line is complete on that line (else the reader cannot judge what follows). */
function closedOnLine(value: string): boolean {
  const first = value[0];
  if (first === '"') return /^"(?:[^"\\]|\\.)*"/.test(value);
  if (first === "'") return /^'(?:[^']|'')*'/.test(value);
  if (first !== '[' && first !== '{') return true;
  let depth = 0;
  let quote = '';
  for (const char of value) {
    if (quote) {
      if (char === quote) quote = '';
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '[' || char === '{') depth += 1;
    else if (char === ']' || char === '}') depth -= 1;
    else if (char === '#' && depth === 0) break;
  }
  return depth === 0 && quote === '';
}

function spaces(count: number): string {
  return plural(count, 'space');
}

function describe(level: Level): string {
  return `${spaces(level.indent)}, like ${level.label} on line ${level.line}`;
}

export function findIndentationProblem(text: string): IndentationProblem | undefined {
  const stack: Level[] = [];
  /** Set when the line before opened a block: the indentation of its key (or dash). */
  let opener: { indent: number; line: number; label: string } | undefined;
  /** Inside a block scalar: lines indented deeper than this are its text. */
  let scalarIndent = -1;
  /** After an inline plain value: more-indented lines without `key:` continue it. */
  let plainAt: { indent: number; line: number; label: string } | undefined;
  let lineStart = 0;
  for (let number = 1; lineStart <= text.length; number += 1) {
    const newline = text.indexOf('\n', lineStart);
    // The CR of a CRLF line end is not part of the line: a CRLF file is judged as its LF twin.
    const lineEnd = newline < 0 ? text.length : newline - (text.charCodeAt(newline - 1) === 13 ? 1 : 0);
    const line = text.slice(lineStart, lineEnd);
    const start = lineStart;
    lineStart = newline < 0 ? text.length + 1 : newline + 1;
    const content = line.trimStart();
    const indent = line.length - content.length;
    if (content === '' || content.startsWith('#')) continue;
    if (scalarIndent >= 0 && indent > scalarIndent) continue;
    scalarIndent = -1;
    if (/^\s*\t/.test(line) || (indent === 0 && /^(?:---|\.\.\.|%)/.test(content))) return undefined;
    // Explicit keys (`? key` / `: value`) are outside what this judges.
    if (/^[?:](?:\s|$)/.test(content)) return undefined;
    const dash = content.startsWith('- ') || content === '-';
    // Matched once: most lines are `key: value`, and the match serves both questions below.
    const contentKey = dash ? null : KEY.exec(content);
    const entry = dash || contentKey !== null;
    if (plainAt && indent > plainAt.indent && !entry) continue;
    const after = plainAt;
    plainAt = undefined;
    const open = opener;
    opener = undefined;
    if (open && (indent > open.indent || (indent === open.indent && content.startsWith('-')))) {
      // The block the line before opened: this line sets its indentation.
    } else {
      // The shallowest enclosing level deeper than this line: the block it most likely meant to continue.
      const below = stack.find((level) => level.indent > indent);
      while (stack.length > 0 && (stack[stack.length - 1] as Level).indent > indent) stack.pop();
      const top = stack[stack.length - 1];
      const problem = (message: string, hint: string): IndentationProblem => ({
        start: start + indent,
        end: lineEnd,
        message,
        hint,
      });
      if (top !== undefined && top.indent < indent) {
        const inner = after && after.indent < indent ? after : undefined;
        if (inner) {
          return problem(
            `this line is indented ${spaces(indent)}, deeper than ${inner.label} on line ${inner.line}, whose value is on that line (nothing can be nested under it)`,
            `Indent it ${describe({ indent: inner.indent, kind: 'map', line: inner.line, label: inner.label })}, or move the value of ${inner.label} to the lines below it.`,
          );
        }
        const choices = [below, top].filter((level): level is Level => level !== undefined);
        if (choices.length === 0) return undefined;
        return problem(
          `this line is indented ${spaces(indent)}, which matches no enclosing block`,
          `Indent it ${choices.map(describe).join(', or ')}.`,
        );
      }
      if (top?.kind === 'seq' && !content.startsWith('-')) {
        stack.pop();
        const parent = stack[stack.length - 1];
        if (parent?.indent !== indent) {
          return problem(
            `a list item without "- " at the list's indentation (${spaces(indent)})`,
            `Start it with "- ", or indent it ${spaces(indent + 2)} to continue the item above.`,
          );
        }
      }
    }
    // The line's own levels: a list item, then the mapping inside it (`- key: value`).
    let column = indent;
    let rest = content;
    while (rest.startsWith('- ') || rest === '-') {
      const top = stack[stack.length - 1];
      if (top?.indent !== column) stack.push({ indent: column, kind: 'seq', line: number, label: 'the "-"' });
      const value = rest.slice(1).trimStart();
      column += rest.length - value.length;
      rest = value;
      if (rest === '' || rest.startsWith('#')) {
        opener = { indent: column - 1, line: number, label: 'the "-"' };
        break;
      }
    }
    if (rest === '' || rest.startsWith('#')) continue;
    const key = rest === content ? contentKey : KEY.exec(rest);
    if (!key) {
      if (!closedOnLine(rest)) return undefined;
      continue;
    }
    const label = `\`${(key[1] as string).trim()}\``;
    const top = stack[stack.length - 1];
    if (top?.indent !== column || top.kind !== 'map') stack.push({ indent: column, kind: 'map', line: number, label });
    const value = rest.slice(key[0].length).trim();
    if (value === '' || value.startsWith('#') || /^[&!][^\s]*\s*(?:#.*)?$/.test(value)) {
      opener = { indent: column, line: number, label };
    } else if (BLOCK_SCALAR.test(value)) {
      scalarIndent = column;
    } else if (!closedOnLine(value)) {
      return undefined;
    } else {
      plainAt = { indent: column, line: number, label };
    }
  }
  return undefined;
}
