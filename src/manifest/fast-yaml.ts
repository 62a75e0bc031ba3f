// A fast reader for the plain subset of YAML that manifests are written in (block mappings and sequences, one-line
// flow collections, plain and quoted one-line scalars, comments). The yaml package spends most of a 100,000-user
// manifest's time and memory on its lexer, token objects and node tree (about 10 KB per user, BENCHMARKS.md); this
// reader builds the plain JSON value directly, interpolating `${VAR}` like read-yaml.ts does, plus a compact table
// of offsets per mapping and list (FastPositions) for positions.ts. Anything outside the subset (anchors, tags,
// block scalars, multi-line scalars or flow collections, duplicate keys, tabs, CR line ends, `---`, odd
// indentation) or anything the full reader would report (a bad `${`, a string over the limit, nesting too deep)
// makes it answer undefined, and the caller parses the file with the yaml package instead. A manifest with any
// diagnostic is read again the full way (parse-manifest.ts), so every message comes from one implementation.

import { type LineCounter, Scalar } from 'yaml';
import { type InterpolationResult, interpolate } from './interpolate.ts';
import type { FastContainer, FastPositions } from './positions.ts';
import { LIMITS } from './types.ts';

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

function withNode(nodes: Map<number, Scalar> | undefined, index: number, node: Scalar): Map<number, Scalar> {
  const map = nodes ?? new Map<number, Scalar>();
  map.set(index, node);
  return map;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A value read, with its start and end offsets. */
interface Read {
  value: Json;
  start: number;
  end: number;
  /** Set for a string that came from the environment: the node positions.ts hands out for it. */
  node?: Scalar;
}

/** Nesting past the manifest limit leaves the subset: the yaml package path reports `too_deep`. */
const MAX_DEPTH = LIMITS.depth;

class Reader {
  private readonly text: string;
  private readonly env: Readonly<Record<string, string | undefined>>;
  readonly containers = new Map<object, FastContainer>();
  readonly interpolated = new Map<Scalar, InterpolationResult>();
  private depth = 0;
  constructor(text: string, env: Readonly<Record<string, string | undefined>>) {
    this.text = text;
    this.env = env;
  }

  private enter(): void {
    this.depth += 1;
    // The full reader counts depth from the root mapping (0) and refuses at LIMITS.depth.
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

  /** A key's text; keys that would resolve to something other than a plain string, or repeat, leave the subset. */
  private keyText(at: number, colon: number, keys: Record<string, Json>): string {
    const key = this.text.slice(at, colon - 1);
    if (KEY_WORDS.test(key) || key === '__proto__' || Object.hasOwn(keys, key)) outside();
    return key;
  }

  /** The whole document: a block mapping at column 0. */
  document(): Read {
    const first = this.nextContentLine(0);
    if (first >= this.text.length || this.indentOf(first) !== 0) outside();
    const { read, next } = this.blockMap(first, 0);
    if (next < this.text.length) outside();
    return read;
  }

  private container(value: object, offsets: number[], nodes: Map<number, Scalar> | undefined): void {
    this.containers.set(value, nodes ? { offsets, nodes } : { offsets });
  }

  /** A block mapping whose first key starts at `keyAt`, in column `indent`. */
  private blockMap(keyAt: number, indent: number): { read: Read; next: number } {
    this.enter();
    const map: Record<string, Json> = {};
    const offsets: number[] = [];
    let nodes: Map<number, Scalar> | undefined;
    let at = keyAt;
    let end = keyAt;
    for (let index = 0; ; index += 1) {
      const colon = this.keyAt(at);
      if (colon === undefined) outside();
      const key = this.keyText(at, colon, map);
      let column = colon;
      while (this.text.charCodeAt(column) === 32) column += 1;
      const code = this.text.charCodeAt(column);
      let value: Read;
      let next: number;
      if (column >= this.text.length || code === 10 || (code === 35 && column > colon)) {
        // The value is on the following lines: a nested block, or a sequence at the same indentation.
        const lineStart = this.nextContentLine(this.endOfLine(colon));
        if (lineStart >= this.text.length) outside();
        const childIndent = this.indentOf(lineStart);
        if (this.isSequenceEntry(lineStart, childIndent) && childIndent >= indent) {
          ({ read: value, next } = this.blockSeq(lineStart, childIndent));
        } else if (childIndent > indent) {
          ({ read: value, next } = this.blockMap(lineStart + childIndent, childIndent));
        } else {
          return outside();
        }
      } else {
        value = this.inlineValue(column);
        next = this.endOfLine(value.end);
      }
      map[key] = value.value;
      offsets.push(at, colon - 1, value.start, value.end);
      if (value.node) nodes = withNode(nodes, index, value.node);
      end = value.end;
      const lineStart = this.nextContentLine(next);
      const lineIndent = lineStart >= this.text.length ? -1 : this.indentOf(lineStart);
      if (lineIndent < indent || (lineIndent === indent && this.isSequenceEntry(lineStart, lineIndent))) {
        this.container(map, offsets, nodes);
        this.depth -= 1;
        return { read: { value: map, start: keyAt, end }, next: lineStart };
      }
      if (lineIndent > indent) outside();
      at = lineStart + indent;
    }
  }

  /** A block sequence whose entries (`- `) are in column `indent`, the first on the line at `lineStart`. */
  private blockSeq(lineStart: number, indent: number): { read: Read; next: number } {
    this.enter();
    const list: Json[] = [];
    const offsets: number[] = [];
    let nodes: Map<number, Scalar> | undefined;
    const start = lineStart + indent;
    let line = lineStart;
    let end = start;
    for (let index = 0; ; index += 1) {
      const dash = line + indent;
      let column = dash + 1;
      while (this.text.charCodeAt(column) === 32) column += 1;
      const code = this.text.charCodeAt(column);
      if (column >= this.text.length || code === 10 || code === 35 || column === dash + 1) outside();
      let item: Read;
      let next: number;
      if (this.keyAt(column) !== undefined) {
        ({ read: item, next } = this.blockMap(column, column - line));
      } else {
        item = this.inlineValue(column);
        next = this.endOfLine(item.end);
      }
      list.push(item.value);
      offsets.push(item.start, item.end);
      if (item.node) nodes = withNode(nodes, index, item.node);
      end = item.end;
      line = this.nextContentLine(next);
      if (line >= this.text.length) break;
      const lineIndent = this.indentOf(line);
      if (lineIndent > indent) outside();
      if (lineIndent < indent || !this.isSequenceEntry(line, lineIndent)) break;
    }
    this.container(list, offsets, nodes);
    this.depth -= 1;
    return { read: { value: list, start, end }, next: line };
  }

  /** A value that starts and ends on this line: a flow collection, a quoted or a plain scalar. */
  private inlineValue(at: number): Read {
    const code = this.text.charCodeAt(at);
    if (code === 91 || code === 123) return this.flowCollection(at);
    if (code === 34) return this.doubleQuoted(at);
    if (code === 39) return this.singleQuoted(at);
    const lineEnd = this.lineEnd(at);
    const line = this.text.slice(at, lineEnd);
    const comment = line.indexOf(' #');
    const raw = (comment < 0 ? line : line.slice(0, comment)).trimEnd();
    return this.plain(raw, at);
  }

  private plain(raw: string, at: number): Read {
    const first = raw[0];
    if (first === undefined || PLAIN_START.has(first)) outside();
    if (first === '-' && (raw.length === 1 || raw[1] === ' ')) outside();
    if (raw.includes(': ') || raw.endsWith(':')) outside();
    const value = resolvePlain(raw);
    const end = at + raw.length;
    return typeof value === 'string' ? this.string(value, at, end) : { value, start: at, end };
  }

  /** A string value: interpolated and checked as read-yaml.ts's convertString does; problems leave the subset. */
  private string(raw: string, start: number, end: number): Read {
    if (!raw.includes('$')) {
      if (raw.length > LIMITS.stringLength) outside();
      return { value: raw, start, end };
    }
    const result = interpolate(raw, this.env);
    if (result.problems.length > 0 || result.value.length > LIMITS.stringLength) outside();
    if (result.variables.length === 0) return { value: result.value, start, end };
    // Secrets: positions.ts hands out this node, and the checks find the interpolation by it.
    const node = new Scalar(raw);
    node.range = [start, end, end];
    this.interpolated.set(node, result);
    return { value: result.value, start, end, node };
  }

  private doubleQuoted(at: number): Read {
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
    return this.string(value as string, at, column + 1);
  }

  private singleQuoted(at: number): Read {
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
    return this.string(text.slice(at + 1, column).replaceAll("''", "'"), at, column + 1);
  }

  private skipSpaces(at: number): number {
    let column = at;
    while (this.text.charCodeAt(column) === 32) column += 1;
    return column;
  }

  /** `[a, b]` or `{ k: v }` on one line, nested freely. */
  private flowCollection(at: number): Read {
    this.enter();
    const text = this.text;
    const isMap = text.charCodeAt(at) === 123;
    const close = isMap ? 125 : 93;
    const map: Record<string, Json> = {};
    const list: Json[] = [];
    const offsets: number[] = [];
    let nodes: Map<number, Scalar> | undefined;
    let column = this.skipSpaces(at + 1);
    if (text.charCodeAt(column) !== close) {
      for (let index = 0; ; index += 1) {
        let value: Read;
        if (isMap) {
          const colon = this.keyAt(column);
          if (colon === undefined) outside();
          const key = this.keyText(column, colon, map);
          value = this.flowValue(this.skipSpaces(colon));
          map[key] = value.value;
          offsets.push(column, colon - 1, value.start, value.end);
        } else {
          value = this.flowValue(column);
          list.push(value.value);
          offsets.push(value.start, value.end);
        }
        if (value.node) nodes = withNode(nodes, index, value.node);
        column = this.skipSpaces(value.end);
        const code = text.charCodeAt(column);
        if (code === close) break;
        if (code !== 44) outside();
        column = this.skipSpaces(column + 1);
        // A trailing comma, or a line break inside the collection, leaves the subset.
        if (text.charCodeAt(column) === close) outside();
      }
    }
    const value = isMap ? map : list;
    this.container(value, offsets, nodes);
    this.depth -= 1;
    return { value, start: at, end: column + 1 };
  }

  private flowValue(at: number): Read {
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
    return this.plain(text.slice(at, column).trimEnd(), at);
  }
}

export interface FastRead {
  /** The file as plain JSON data, interpolated. */
  value: Record<string, unknown>;
  positions: FastPositions;
  /** Strings that came from the environment, by the node FastPositions hands out for them. */
  interpolated: Map<Scalar, InterpolationResult>;
}

/**
 * Reads `text` if it is written in the plain subset (see the header) and has nothing the full reader would
 * report, filling `lineCounter` with its line starts as the yaml package's parser would; undefined means "use the
 * yaml package".
 */
export function readFastYaml(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  lineCounter: LineCounter,
): FastRead | undefined {
  if (text.includes('\r') || text.includes('\t') || text.charCodeAt(0) === 0xfeff) return undefined;
  const reader = new Reader(text, env);
  let root: Read;
  try {
    root = reader.document();
  } catch (error) {
    if (error === OUTSIDE) return undefined;
    throw error;
  }
  lineCounter.addNewLine(0);
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lineCounter.addNewLine(at + 1);
  return {
    value: root.value as Record<string, unknown>,
    positions: { containers: reader.containers, root: { start: root.start, end: root.end } },
    interpolated: reader.interpolated,
  };
}
