// A fast reader for the plain subset of YAML that manifests are written in (block mappings and sequences, one-line
// flow collections, plain and quoted one-line scalars, comments). It builds the same yaml nodes (with the same
// start offsets) as the yaml package's composer, which spends most of a 100,000-user manifest's time and memory on
// its lexer, concrete syntax tree and token objects (bench/BENCHMARKS.md). Anything outside the subset (anchors,
// tags, block scalars, multi-line scalars or flow collections, duplicate keys, tabs, CR line ends, `---`, odd
// indentation) makes it answer undefined, and the caller parses the file with the yaml package instead. It never
// reports diagnostics: a manifest with any problem is parsed again the full way (parse-manifest.ts), so every
// diagnostic, position and message comes from one implementation.

import { type LineCounter, Pair, type ParsedNode, Scalar, YAMLMap, YAMLSeq } from 'yaml';

/** Thrown inside the reader only, to leave the subset; never escapes this module. */
class OutsideSubset {}
const OUTSIDE = new OutsideSubset();

function outside(): never {
  throw OUTSIDE;
}

// YAML 1.2 core schema resolution of plain scalars, as the yaml package's default schema does it
// (yaml/dist/schema/core: null, bool, int, float). Octal/hex ints, .inf and .nan leave the subset.
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT = /^[-+]?[0-9]{1,15}$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const SPECIAL_NUMBER = /^(?:0o|0x|[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)$|[-+]?[0-9]{16})/;
/** A plain mapping key followed by `:` and a space or the line end; keys that resolve to null/bool/number leave. */
const KEY = /[A-Za-z_][A-Za-z0-9_.-]*:(?=[ \n]|$)/y;
const KEY_WORDS = /^(?:null|Null|NULL|true|True|TRUE|false|False|FALSE)$/;
/** Characters that cannot start a plain scalar (or start something this reader does not read). */
const PLAIN_START = new Set(['?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '%', '@', '`']);
/** JSON escapes, which JSON.parse decodes exactly like YAML does; YAML's other escapes leave the subset. */
const JSON_ESCAPE = /\\[^"\\/bfnrtu]/;

function resolvePlain(text: string): string | number | boolean | null {
  if (NULL.test(text)) return null;
  if (BOOL.test(text)) return text[0] === 't' || text[0] === 'T';
  if (SPECIAL_NUMBER.test(text)) outside();
  if (INT.test(text)) return Number(text);
  if (FLOAT.test(text)) return Number.parseFloat(text);
  return text;
}

function scalar(value: unknown, start: number, end: number, type: Scalar.Type): Scalar.Parsed {
  const node = new Scalar(value) as Scalar.Parsed;
  node.range = [start, end, end];
  node.type = type;
  return node;
}

/** Nesting past this leaves the subset: the yaml package path reports `too_deep` without exhausting the stack. */
const MAX_DEPTH = 64;

class Reader {
  private readonly text: string;
  private depth = 0;
  constructor(text: string) {
    this.text = text;
  }

  private enter(): void {
    this.depth += 1;
    if (this.depth > MAX_DEPTH) outside();
  }

  /** Offset of the end of the line containing `at` (its '\n', or the text's end). */
  private lineEnd(at: number): number {
    const end = this.text.indexOf('\n', at);
    return end < 0 ? this.text.length : end;
  }

  /** From a line start: the start of the next line holding content (blank and comment lines skipped). */
  nextContentLine(lineStart: number): number {
    const text = this.text;
    let at = lineStart;
    while (at < text.length) {
      let column = at;
      while (text.charCodeAt(column) === 32) column += 1;
      const code = text.charCodeAt(column);
      if (column >= text.length) return text.length;
      if (code === 10) {
        at = column + 1;
      } else if (code === 35) {
        at = this.lineEnd(column) + 1;
      } else {
        if (code === 9) outside();
        return at;
      }
    }
    return text.length;
  }

  private indentOf(lineStart: number): number {
    let column = lineStart;
    while (this.text.charCodeAt(column) === 32) column += 1;
    return column - lineStart;
  }

  /** After a value: only spaces and an optional ` # comment` may follow on the line. Returns the next line start. */
  private endOfLine(at: number): number {
    const text = this.text;
    let column = at;
    while (text.charCodeAt(column) === 32) column += 1;
    if (column >= text.length) return text.length;
    const code = text.charCodeAt(column);
    if (code === 10) return column + 1;
    if (code === 35 && column > at) return this.lineEnd(column) + 1;
    return outside();
  }

  private isSequenceEntry(lineStart: number, indent: number): boolean {
    const at = lineStart + indent;
    if (this.text.charCodeAt(at) !== 45) return false;
    const next = this.text.charCodeAt(at + 1);
    return next === 32 || next === 10 || at + 1 >= this.text.length;
  }

  private keyAt(at: number): number | undefined {
    KEY.lastIndex = at;
    return KEY.test(this.text) ? KEY.lastIndex : undefined;
  }

  /** The whole document: a block mapping at column 0. */
  document(): ParsedNode {
    const first = this.nextContentLine(0);
    if (first >= this.text.length || this.indentOf(first) !== 0) outside();
    const { node, next } = this.blockMap(first, 0);
    if (next < this.text.length) outside();
    return node;
  }

  /** A block mapping whose first key starts at `keyAt`, in column `indent`. */
  private blockMap(keyAt: number, indent: number): { node: YAMLMap.Parsed; next: number } {
    this.enter();
    const map = new YAMLMap<Scalar, ParsedNode>() as YAMLMap.Parsed<Scalar.Parsed, ParsedNode>;
    const keys = new Set<string>();
    let at = keyAt;
    let end = keyAt;
    for (;;) {
      const colon = this.keyAt(at);
      if (colon === undefined) outside();
      const keyText = this.text.slice(at, colon - 1);
      if (KEY_WORDS.test(keyText) || keys.has(keyText)) outside();
      keys.add(keyText);
      const key = scalar(keyText, at, colon - 1, 'PLAIN');
      let column = colon;
      while (this.text.charCodeAt(column) === 32) column += 1;
      const code = this.text.charCodeAt(column);
      let value: ParsedNode;
      let next: number;
      if (column >= this.text.length || code === 10 || (code === 35 && column > colon)) {
        // The value is on the following lines: a nested block, or a sequence at the same indentation.
        const lineStart = this.nextContentLine(this.endOfLine(colon));
        if (lineStart >= this.text.length) outside();
        const childIndent = this.indentOf(lineStart);
        if (this.isSequenceEntry(lineStart, childIndent) && childIndent >= indent) {
          ({ node: value, next } = this.blockSeq(lineStart, childIndent));
        } else if (childIndent > indent) {
          ({ node: value, next } = this.blockMap(lineStart + childIndent, childIndent));
        } else {
          return outside();
        }
      } else {
        const inline = this.inlineValue(column);
        value = inline.node;
        next = this.endOfLine(inline.end);
      }
      map.items.push(new Pair(key, value));
      end = value.range[1];
      const lineStart = this.nextContentLine(next);
      if (lineStart >= this.text.length) {
        map.range = [keyAt, end, end];
        this.depth -= 1;
        return { node: map, next: lineStart };
      }
      const lineIndent = this.indentOf(lineStart);
      if (lineIndent < indent || (lineIndent === indent && this.isSequenceEntry(lineStart, lineIndent))) {
        map.range = [keyAt, end, end];
        this.depth -= 1;
        return { node: map, next: lineStart };
      }
      if (lineIndent > indent) outside();
      at = lineStart + indent;
    }
  }

  /** A block sequence whose entries (`- `) are in column `indent`, the first on the line at `lineStart`. */
  private blockSeq(lineStart: number, indent: number): { node: YAMLSeq.Parsed; next: number } {
    this.enter();
    const seq = new YAMLSeq<ParsedNode>() as YAMLSeq.Parsed;
    const start = lineStart + indent;
    let line = lineStart;
    let end = start;
    for (;;) {
      const dash = line + indent;
      let column = dash + 1;
      while (this.text.charCodeAt(column) === 32) column += 1;
      const code = this.text.charCodeAt(column);
      if (column >= this.text.length || code === 10 || code === 35 || column === dash + 1) outside();
      let node: ParsedNode;
      let next: number;
      if (this.keyAt(column) !== undefined) {
        ({ node, next } = this.blockMap(column, column - line));
      } else {
        const inline = this.inlineValue(column);
        node = inline.node;
        next = this.endOfLine(inline.end);
      }
      seq.items.push(node);
      end = node.range[1];
      line = this.nextContentLine(next);
      if (line >= this.text.length) break;
      const lineIndent = this.indentOf(line);
      if (lineIndent > indent) outside();
      if (lineIndent < indent || !this.isSequenceEntry(line, lineIndent)) break;
    }
    seq.range = [start, end, end];
    this.depth -= 1;
    return { node: seq, next: line };
  }

  /** A value that starts and ends on this line: a flow collection, a quoted or a plain scalar. */
  private inlineValue(at: number): { node: ParsedNode; end: number } {
    const code = this.text.charCodeAt(at);
    if (code === 91 || code === 123) return this.flowCollection(at);
    if (code === 34) return this.doubleQuoted(at);
    if (code === 39) return this.singleQuoted(at);
    const lineEnd = this.lineEnd(at);
    const line = this.text.slice(at, lineEnd);
    const comment = line.indexOf(' #');
    const raw = (comment < 0 ? line : line.slice(0, comment)).trimEnd();
    this.checkPlain(raw);
    return { node: scalar(resolvePlain(raw), at, at + raw.length, 'PLAIN'), end: at + raw.length };
  }

  private checkPlain(raw: string): void {
    const first = raw[0];
    if (first === undefined || PLAIN_START.has(first)) outside();
    if (first === '-' && (raw.length === 1 || raw[1] === ' ')) outside();
    if (raw.includes(': ') || raw.endsWith(':') || raw.includes('\t')) outside();
  }

  private doubleQuoted(at: number): { node: Scalar.Parsed; end: number } {
    const text = this.text;
    let column = at + 1;
    for (;;) {
      const code = text.charCodeAt(column);
      if (column >= text.length || code === 10 || code === 9 || code === 13) outside();
      if (code === 92) column += 2;
      else if (code === 34) break;
      else column += 1;
    }
    const source = text.slice(at, column + 1);
    if (JSON_ESCAPE.test(source)) outside();
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch {
      return outside();
    }
    return { node: scalar(value, at, column + 1, 'QUOTE_DOUBLE'), end: column + 1 };
  }

  private singleQuoted(at: number): { node: Scalar.Parsed; end: number } {
    const text = this.text;
    let column = at + 1;
    for (;;) {
      const code = text.charCodeAt(column);
      if (column >= text.length || code === 10 || code === 9 || code === 13) outside();
      if (code === 39) {
        if (text.charCodeAt(column + 1) === 39) column += 2;
        else break;
      } else {
        column += 1;
      }
    }
    const value = text.slice(at + 1, column).replaceAll("''", "'");
    return { node: scalar(value, at, column + 1, 'QUOTE_SINGLE'), end: column + 1 };
  }

  private skipSpaces(at: number): number {
    let column = at;
    while (this.text.charCodeAt(column) === 32) column += 1;
    return column;
  }

  /** `[a, b]` or `{ k: v }` on one line, nested freely. */
  private flowCollection(at: number): { node: ParsedNode; end: number } {
    this.enter();
    const text = this.text;
    const isMap = text.charCodeAt(at) === 123;
    const close = isMap ? 125 : 93;
    const map = isMap ? (new YAMLMap<Scalar, ParsedNode>() as YAMLMap.Parsed<Scalar.Parsed, ParsedNode>) : undefined;
    const seq = isMap ? undefined : (new YAMLSeq<ParsedNode>() as YAMLSeq.Parsed);
    const keys = new Set<string>();
    let column = this.skipSpaces(at + 1);
    if (text.charCodeAt(column) !== close) {
      for (;;) {
        if (map) {
          const colon = this.keyAt(column);
          if (colon === undefined) outside();
          const keyText = text.slice(column, colon - 1);
          if (KEY_WORDS.test(keyText) || keys.has(keyText)) outside();
          keys.add(keyText);
          const key = scalar(keyText, column, colon - 1, 'PLAIN');
          const valueAt = this.skipSpaces(colon);
          const value = this.flowValue(valueAt);
          map.items.push(new Pair(key, value.node));
          column = this.skipSpaces(value.end);
        } else {
          const value = this.flowValue(column);
          seq?.items.push(value.node);
          column = this.skipSpaces(value.end);
        }
        const code = text.charCodeAt(column);
        if (code === close) break;
        if (code !== 44) outside();
        column = this.skipSpaces(column + 1);
        // A trailing comma, or a line break inside the collection, leaves the subset.
        if (text.charCodeAt(column) === close) outside();
      }
    }
    const node = (map ?? seq) as YAMLMap.Parsed | YAMLSeq.Parsed;
    node.flow = true;
    node.range = [at, column + 1, column + 1];
    this.depth -= 1;
    return { node, end: column + 1 };
  }

  private flowValue(at: number): { node: ParsedNode; end: number } {
    const text = this.text;
    const code = text.charCodeAt(at);
    if (code === 91 || code === 123) return this.flowCollection(at);
    if (code === 34) return this.doubleQuoted(at);
    if (code === 39) return this.singleQuoted(at);
    let column = at;
    for (;;) {
      const next = text.charCodeAt(column);
      if (column >= text.length || next === 10 || next === 44 || next === 91 || next === 93 || next === 123) break;
      if (next === 125 || (next === 35 && text.charCodeAt(column - 1) === 32)) break;
      column += 1;
    }
    const raw = text.slice(at, column).trimEnd();
    this.checkPlain(raw);
    return { node: scalar(resolvePlain(raw), at, at + raw.length, 'PLAIN'), end: at + raw.length };
  }
}

/**
 * Parses `text` if it is written in the plain subset (see the header), filling `lineCounter` with its line starts
 * as the yaml package's parser would; undefined means "outside the subset: use the yaml package".
 */
export function readFastYaml(text: string, lineCounter: LineCounter): ParsedNode | undefined {
  if (text.includes('\r') || text.includes('\t') || text.charCodeAt(0) === 0xfeff) return undefined;
  let root: ParsedNode;
  try {
    root = new Reader(text).document();
  } catch (error) {
    if (error === OUTSIDE) return undefined;
    throw error;
  }
  lineCounter.addNewLine(0);
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lineCounter.addNewLine(at + 1);
  return root;
}
