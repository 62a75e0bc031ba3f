// A fast reader for the plain subset of YAML that manifests are written in (block mappings and sequences, one-line
// flow collections, plain and quoted one-line scalars, comments). The yaml package spends most of a 100,000-user
// manifest's time and memory on its lexer, token objects and node tree (about 10 KB per user, docs/performance.md);
// this reader builds the plain JSON value directly, interpolating `${VAR}` like read-yaml.ts does, plus a compact table
// of offsets per mapping and list (FastPositions) for positions.ts. LF and CRLF line ends are both read. A syntax error
// it is sure the yaml package refuses too (a misindented key, a key line without `:`, a quote or a one-line flow
// collection never closed) it reports itself, worded and placed as read-yaml.ts reports the yaml package's, so a
// file with a typo is read once. Anything else outside the subset (anchors, tags, block scalars, multi-line scalars or
// flow collections, duplicate keys, tabs, a lone CR, `---`) or anything the full reader would report (a bad `${`, a
// string over the limit, nesting too deep) makes it answer undefined, and the caller parses the file with the yaml
// package instead. Its start offsets are the yaml package's; an end offset of a mapping or list can differ (comments
// and blank lines after it).

import { Scalar } from 'yaml';
import { runSteps, stepEndsAfter } from '../util/steps.ts';
import { findIndentationProblem } from './indentation.ts';
import { type InterpolationResult, interpolate } from './interpolate.ts';
import { LineStarts } from './line-starts.ts';
import type { FastContainer, FastPositions, Span } from './positions.ts';
import { LIMITS } from './types.ts';

/** Thrown inside the reader only, to leave the subset; never escapes this module. */
class OutsideSubset {}
const OUTSIDE = new OutsideSubset();

function outside(): never {
  throw OUTSIDE;
}

/** A syntax error the yaml package reports at the same place with the same message (fast-yaml.test.ts checks it). */
class SyntaxProblem {
  readonly start: number;
  readonly end: number;
  readonly message: string;

  constructor(start: number, end: number, message: string) {
    this.start = start;
    this.end = end;
    this.message = message;
  }
}

/** A key line whose indentation fits no block (the one at `at`): indentation.ts words it, as for the yaml package. */
class Misindented {
  readonly at: number;

  constructor(at: number) {
    this.at = at;
  }
}

/** A CR not followed by LF: YAML reads it as a line break, this reader does not. */
const LONE_CR = /\r(?!\n)/;
/** `---` or `...` at a line start: they end a quoted scalar that runs on. */
const DOCUMENT_MARKER = /^(?:---|\.\.\.)(?:[ \r\n]|$)/gm;

// YAML 1.2 core schema resolution of plain scalars, as the yaml package's default schema does it
// (yaml/dist/schema/core: null, bool, int, float). Octal/hex ints, .inf and .nan leave the subset.
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT = /^[-+]?[0-9]{1,15}$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const SPECIAL_NUMBER = /^(?:0o|0x|[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)$|[-+]?[0-9]{16})/;
/** Plain keys that resolve to null or a boolean leave the subset. */
const KEY_WORDS = /^(?:null|Null|NULL|true|True|TRUE|false|False|FALSE)$/;
/** First characters of ~, null, true and false in any of their spellings. */
const MAYBE_WORD = charTable('~nNtTfF');
/** Characters that cannot start a plain scalar (or start something this reader does not read). */
const PLAIN_START = charTable('?:,[]{}#&*!|>%@`');
/** JSON escapes, which JSON.parse decodes exactly like YAML does; YAML's other escapes leave the subset. */
const JSON_ESCAPE = /\\[^"\\/bfnrtu]/;

/** A lookup table of ASCII codes: an array read instead of a Set lookup per scalar (~3% of the reader's profile). */
function charTable(chars: string): Uint8Array {
  const table = new Uint8Array(128);
  for (const char of chars) table[char.charCodeAt(0)] = 1;
  return table;
}

function inTable(table: Uint8Array, code: number): boolean {
  return code < 128 && table[code] === 1;
}

/**
 * Whether `text` holds `part` at `at`. Not String.prototype.startsWith: it looks up Symbol.match on its argument
 * (the RegExp check the spec asks for) on every call; its calls were ~10% of the reader's profile samples, though
 * the reader's wall time did not change measurably on this machine.
 */
function holdsAt(text: string, part: string, at: number): boolean {
  for (let index = 0; index < part.length; index += 1) {
    if (text.charCodeAt(at + index) !== part.charCodeAt(index)) return false;
  }
  return true;
}

function resolvePlain(text: string): string | number | boolean | null {
  // Most scalars are words: only these first characters can start a null, a boolean or a number.
  const first = text.charCodeAt(0);
  const digit = first >= 48 && first <= 57;
  if (!digit && first !== 45 && first !== 43 && first !== 46 && !inTable(MAYBE_WORD, first) && text.length > 0) {
    return text;
  }
  if (NULL.test(text)) return null;
  if (BOOL.test(text)) return text[0] === 't' || text[0] === 'T';
  if (SPECIAL_NUMBER.test(text)) outside();
  if (INT.test(text)) return Number(text);
  if (FLOAT.test(text)) {
    // Past the double range (1e999) the full reader reports number_out_of_range.
    const value = Number.parseFloat(text);
    return Number.isFinite(value) ? value : outside();
  }
  return text;
}

function withNode(nodes: Map<number, Scalar> | undefined, index: number, node: Scalar): Map<number, Scalar> {
  const map = nodes ?? new Map<number, Scalar>();
  map.set(index, node);
  return map;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A key `__proto__` is data, as JSON.parse makes it: assigning it would set the object's prototype instead. */
function setKey(map: Record<string, Json>, key: string, value: Json): void {
  if (key === '__proto__') {
    Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    map[key] = value;
  }
}

/** Nesting past the manifest limit leaves the subset: the yaml package path reports `too_deep`. */
const MAX_DEPTH = LIMITS.depth;

/**
 * Containers recorded on the first read: the root mapping (depth 1) and its direct children (the users and
 * organizations lists, settings). Recording all of them cost a map entry and an offset array per mapping and list,
 * about 1.5 KB per user at 100,000 users (docs/performance.md); deeper positions come from reading one item again
 * (FastPositions.reread), which only a message or a changed field asks for.
 */
const RECORD_DEPTH = 2;

/** Slots of the reader's cache of key strings (a power of two). */
const KEY_CACHE_SIZE = 256;
/** Slots of its cache of short string values, and the longest value it keeps. */
const VALUE_CACHE_SIZE = 4096;
const SHORT_STRING = 16;
/** A list's items are copied to a list of their exact number below this: a pushed-to list reserves 16 slots. */
const TRIM_BELOW = 16;

/**
 * What every read of one file shares: interpolations, their nodes, and the string caches (reading one user again
 * allocates none of them).
 */
interface Shared {
  interpolated: Map<Scalar, InterpolationResult>;
  nodesAt: Map<number, Scalar>;
  keyCache: (string | undefined)[];
  valueCache: (string | undefined)[];
}

/** A block mapping being read (blockMap, documentInSteps): its entries so far and where the next one starts. */
interface MapRead {
  keyAt: number;
  indent: number;
  map: Record<string, Json>;
  offsets: number[] | undefined;
  nodes: Map<number, Scalar> | undefined;
  /** The entry being read: its key's offset, index, colon, key and whether its value is on the key's line. */
  at: number;
  index: number;
  colon: number;
  key: string;
  inline: boolean;
  /** A block sequence value left to the caller (mapValue with listInSteps): its first line and indentation. */
  childLine: number;
  childIndent: number;
  /** The end offset of the entry read last. */
  end: number;
}

/** A block sequence being read (blockSeq, documentInSteps): its items so far and the line of the next one. */
interface ListRead {
  indent: number;
  list: Json[];
  offsets: number[] | undefined;
  nodes: Map<number, Scalar> | undefined;
  start: number;
  line: number;
  end: number;
}

/** mapValue's answer for a block sequence the caller reads itself, a step at a time. */
const LIST_IN_STEPS = Symbol('list in steps');

/**
 * Each read method returns the value and leaves its start and end offsets (and, for a block, the start of the
 * line after it) in the reader's fields: a result object per value was a third of the reader's allocations.
 */
class Reader {
  private readonly text: string;
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly recordDepth: number;
  readonly containers = new Map<object, FastContainer>();
  /** Strings that came from the environment; shared by every read of one file. */
  readonly interpolated: Map<Scalar, InterpolationResult>;
  /** Their nodes by start offset, so reading an item again hands out the node the first read made. */
  private readonly nodesAt: Map<number, Scalar>;
  private depth = 0;
  private readonly keyCache: (string | undefined)[];
  private readonly valueCache: (string | undefined)[];
  /** Offsets of the value read last. */
  private start = 0;
  private end = 0;
  /** Set when the value read last is a string that came from the environment. */
  private node: Scalar | undefined;
  /** After a block mapping or sequence: the start of the first line after it. */
  private next = 0;
  /** Indentation of the block whose entry the inline value read now belongs to, and its flow nesting. */
  private blockIndent = 0;
  private flowDepth = 0;

  constructor(text: string, env: Readonly<Record<string, string | undefined>>, recordDepth: number, shared?: Shared) {
    this.text = text;
    this.env = env;
    this.recordDepth = recordDepth;
    this.interpolated = shared?.interpolated ?? new Map();
    this.nodesAt = shared?.nodesAt ?? new Map();
    this.keyCache = shared?.keyCache ?? new Array(KEY_CACHE_SIZE);
    this.valueCache = shared?.valueCache ?? new Array(VALUE_CACHE_SIZE);
  }

  get shared(): Shared {
    return {
      interpolated: this.interpolated,
      nodesAt: this.nodesAt,
      keyCache: this.keyCache,
      valueCache: this.valueCache,
    };
  }

  private enter(): boolean {
    this.depth += 1;
    // The full reader counts depth from the root mapping (0) and refuses at LIMITS.depth.
    if (this.depth > MAX_DEPTH) outside();
    return this.depth <= this.recordDepth;
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
      if (code === 10 || code === 13) {
        at = column + (code === 13 ? 2 : 1);
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
    if (code === 13) return column + 2;
    if (code === 35 && column > at) return this.lineEnd(column) + 1;
    return outside();
  }

  private isSequenceEntry(lineStart: number, indent: number): boolean {
    const at = lineStart + indent;
    if (this.text.charCodeAt(at) !== 45) return false;
    const next = this.text.charCodeAt(at + 1);
    return next === 32 || next === 10 || next === 13 || at + 1 >= this.text.length;
  }

  /** The end of a plain key and its `:` at `at` (the offset after the colon), or -1. */
  private keyAt(at: number): number {
    const text = this.text;
    const first = text.charCodeAt(at);
    // [A-Za-z_]
    if (!((first >= 97 && first <= 122) || (first >= 65 && first <= 90) || first === 95)) return -1;
    let column = at + 1;
    for (;;) {
      const code = text.charCodeAt(column);
      // [A-Za-z0-9_.-]
      if (
        (code >= 97 && code <= 122) ||
        (code >= 65 && code <= 90) ||
        (code >= 48 && code <= 57) ||
        code === 95 ||
        code === 46 ||
        code === 45
      ) {
        column += 1;
        continue;
      }
      if (code !== 58) return -1;
      const after = text.charCodeAt(column + 1);
      // `:` followed by a space, the line end or the text end.
      return after === 32 || after === 10 || after === 13 || column + 1 >= text.length ? column + 1 : -1;
    }
  }

  /** A key's text; keys that would resolve to something other than a plain string, or repeat, leave the subset. */
  private keyText(at: number, colon: number, keys: Record<string, Json>): string {
    const length = colon - 1 - at;
    // The same few keys repeat on every user: reuse the string read before (no new string, and the property store
    // finds it already internalized) when the text matches it.
    const slot = (this.text.charCodeAt(at) * 31 + length) & (KEY_CACHE_SIZE - 1);
    let key = this.keyCache[slot];
    if (key === undefined || key.length !== length || !holdsAt(this.text, key, at)) {
      key = this.text.slice(at, colon - 1);
      if (inTable(MAYBE_WORD, key.charCodeAt(0)) && KEY_WORDS.test(key)) outside();
      this.keyCache[slot] = key;
    }
    if (Object.hasOwn(keys, key)) outside();
    return key;
  }

  /**
   * The whole document: a block mapping at column 0, a step per USERS_PER_STEP items of a list under it (a users list
   * of 25,000 took a quarter of a second in one piece, during which no response of a live read beside it was handled).
   */
  *documentInSteps(): Generator<void, Json> {
    const first = this.nextContentLine(0);
    if (first >= this.text.length || this.indentOf(first) !== 0) outside();
    const map = this.openMap(first, 0);
    for (;;) {
      let value = this.mapValue(map, true);
      if (value === LIST_IN_STEPS) {
        const list = this.openList(map.childLine, map.childIndent);
        for (let read = 1; this.listItem(list); read += 1) if (stepEndsAfter(read)) yield;
        value = this.closeList(list);
      }
      if (!this.mapEntryEnd(map, value)) break;
    }
    const value = this.closeMap(map);
    if (this.next < this.text.length) outside();
    return value;
  }

  /** The value that starts at `at`, read again (its start offset came from an earlier read of the same text). */
  valueAt(at: number): Json {
    const lineStart = this.text.lastIndexOf('\n', at - 1) + 1;
    if (this.keyAt(at) >= 0) return this.blockMap(at, at - lineStart);
    if (this.isSequenceEntry(lineStart, at - lineStart)) return this.blockSeq(lineStart, at - lineStart);
    return this.inlineValue(at);
  }

  /** Offsets of the value read last. */
  span(): Span {
    return { start: this.start, end: this.end };
  }

  private container(value: object, offsets: number[], nodes: Map<number, Scalar> | undefined): void {
    this.containers.set(value, nodes ? { offsets, nodes } : { offsets });
  }

  /** A block mapping whose first key starts at `keyAt`, in column `indent`. */
  private blockMap(keyAt: number, indent: number): Json {
    const map = this.openMap(keyAt, indent);
    while (this.mapEntryEnd(map, this.mapValue(map, false) as Json)) {
      // the next entry
    }
    return this.closeMap(map);
  }

  private openMap(keyAt: number, indent: number): MapRead {
    const record = this.enter();
    return {
      keyAt,
      indent,
      map: {},
      offsets: record ? [] : undefined,
      nodes: undefined,
      at: keyAt,
      index: 0,
      colon: 0,
      key: '',
      inline: false,
      childLine: 0,
      childIndent: 0,
      end: keyAt,
    };
  }

  /**
   * The key of the entry at `map.at` and its value; with `listInSteps`, a block sequence value is not read but
   * LIST_IN_STEPS returned (its first line and indentation in map.childLine and map.childIndent).
   */
  private mapValue(map: MapRead, listInSteps: boolean): Json | typeof LIST_IN_STEPS {
    const text = this.text;
    const { at, indent } = map;
    const colon = this.keyAt(at);
    if (colon < 0) {
      // At the root a plain line may run on to the next line (a multi-line key): leave it to the yaml package.
      if (map.index > 0 && indent > 0) this.missingColon(at, indent);
      outside();
    }
    map.colon = colon;
    map.key = this.keyText(at, colon, map.map);
    let column = colon;
    while (text.charCodeAt(column) === 32) column += 1;
    const code = text.charCodeAt(column);
    if (column >= text.length || code === 10 || code === 13 || (code === 35 && column > colon)) {
      // The value is on the following lines: a nested block, or a sequence at the same indentation.
      map.inline = false;
      const lineStart = this.nextContentLine(this.endOfLine(colon));
      if (lineStart >= text.length) outside();
      const childIndent = this.indentOf(lineStart);
      if (this.isSequenceEntry(lineStart, childIndent) && childIndent >= indent) {
        if (!listInSteps) return this.blockSeq(lineStart, childIndent);
        map.childLine = lineStart;
        map.childIndent = childIndent;
        return LIST_IN_STEPS;
      }
      if (childIndent > indent) return this.blockMap(lineStart + childIndent, childIndent);
      return outside();
    }
    map.inline = true;
    this.blockIndent = indent;
    return this.inlineValue(column);
  }

  /** Stores the entry's value; false when it was the mapping's last entry. */
  private mapEntryEnd(map: MapRead, value: Json): boolean {
    const text = this.text;
    const { indent, offsets } = map;
    const next = map.inline ? this.endOfLine(this.end) : this.next;
    setKey(map.map, map.key, value);
    if (offsets) {
      offsets.push(map.at, map.colon - 1, this.start, this.end);
      if (this.node) map.nodes = withNode(map.nodes, map.index, this.node);
    }
    map.end = this.end;
    const lineStart = this.nextContentLine(next);
    const lineIndent = lineStart >= text.length ? -1 : this.indentOf(lineStart);
    if (lineIndent < indent || (lineIndent === indent && this.isSequenceEntry(lineStart, lineIndent))) {
      this.next = lineStart;
      return false;
    }
    if (lineIndent > indent) this.misindented(lineStart, lineIndent);
    map.at = lineStart + indent;
    map.index += 1;
    return true;
  }

  private closeMap(map: MapRead): Json {
    if (map.offsets) this.container(map.map, map.offsets, map.nodes);
    this.depth -= 1;
    this.start = map.keyAt;
    this.end = map.end;
    this.node = undefined;
    return map.map;
  }

  /** A block sequence whose entries (`- `) are in column `indent`, the first on the line at `lineStart`. */
  private blockSeq(lineStart: number, indent: number): Json {
    const list = this.openList(lineStart, indent);
    while (this.listItem(list)) {
      // the next item
    }
    return this.closeList(list);
  }

  private openList(lineStart: number, indent: number): ListRead {
    const record = this.enter();
    const start = lineStart + indent;
    return { indent, list: [], offsets: record ? [] : undefined, nodes: undefined, start, line: lineStart, end: start };
  }

  /** Reads the item on `list.line`; false when it was the list's last. */
  private listItem(list: ListRead): boolean {
    const text = this.text;
    const { indent, line } = list;
    const dash = line + indent;
    let column = dash + 1;
    while (text.charCodeAt(column) === 32) column += 1;
    const code = text.charCodeAt(column);
    if (column >= text.length || code === 10 || code === 13 || code === 35 || column === dash + 1) outside();
    let item: Json;
    let next: number;
    if (this.keyAt(column) >= 0) {
      item = this.blockMap(column, column - line);
      next = this.next;
    } else {
      this.blockIndent = indent;
      item = this.inlineValue(column);
      next = this.endOfLine(this.end);
    }
    const index = list.list.push(item) - 1;
    if (list.offsets) {
      list.offsets.push(this.start, this.end);
      if (this.node) list.nodes = withNode(list.nodes, index, this.node);
    }
    list.end = this.end;
    list.line = this.nextContentLine(next);
    if (list.line >= text.length) return false;
    const lineIndent = this.indentOf(list.line);
    if (lineIndent > indent) this.misindented(list.line, lineIndent);
    return lineIndent >= indent && this.isSequenceEntry(list.line, lineIndent);
  }

  private closeList(list: ListRead): Json {
    const exact = list.list.length < TRIM_BELOW ? list.list.slice() : list.list;
    if (list.offsets) this.container(exact, list.offsets, list.nodes);
    this.depth -= 1;
    this.start = list.start;
    this.end = list.end;
    this.node = undefined;
    this.next = list.line;
    return exact;
  }

  /** A value that starts and ends on this line: a flow collection, a quoted or a plain scalar. */
  private inlineValue(at: number): Json {
    const code = this.text.charCodeAt(at);
    if (code === 91 || code === 123) return this.flowCollection(at);
    if (code === 34) return this.doubleQuoted(at);
    if (code === 39) return this.singleQuoted(at);
    const text = this.text;
    const lineEnd = this.lineEnd(at);
    // The scalar ends before a ` #` comment (or the CR of a CRLF line end), without trailing spaces.
    let end = lineEnd > at && text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd;
    for (let column = at + 1; column < lineEnd; column += 1) {
      if (text.charCodeAt(column) === 35 && text.charCodeAt(column - 1) === 32) {
        end = column;
        break;
      }
    }
    while (end > at && text.charCodeAt(end - 1) === 32) end -= 1;
    return this.plain(at, end);
  }

  /**
   * text.slice(start, end), the same string object for a short text read before: roles, plans, names and slugs
   * repeat across 100,000 users, and a copy each was about 30 MB (a string under 13 characters is a copy, not a
   * slice, in V8).
   */
  private slice(start: number, end: number): string {
    const length = end - start;
    if (length > SHORT_STRING) return this.text.slice(start, end);
    const text = this.text;
    let hash = length;
    for (let at = start; at < end; at += 1) hash = (Math.imul(hash, 31) + text.charCodeAt(at)) | 0;
    const slot = hash & (VALUE_CACHE_SIZE - 1);
    const cached = this.valueCache[slot];
    if (cached !== undefined && cached.length === length && holdsAt(text, cached, start)) return cached;
    const value = text.slice(start, end);
    this.valueCache[slot] = value;
    return value;
  }

  /** A plain scalar from `at` to `end` (already without trailing spaces). */
  private plain(at: number, end: number): Json {
    const text = this.text;
    const first = text.charCodeAt(at);
    if (end <= at || inTable(PLAIN_START, first)) outside();
    if (first === 45 && (end === at + 1 || text.charCodeAt(at + 1) === 32)) outside();
    if (text.charCodeAt(end - 1) === 58) outside();
    const raw = this.slice(at, end);
    if (raw.includes(': ')) outside();
    const value = resolvePlain(raw);
    if (typeof value === 'string') return this.string(value, at, end);
    this.start = at;
    this.end = end;
    this.node = undefined;
    return value;
  }

  /** A string value: interpolated and checked as read-yaml.ts's convertString does; problems leave the subset. */
  private string(raw: string, start: number, end: number): Json {
    this.start = start;
    this.end = end;
    this.node = undefined;
    if (!raw.includes('$')) {
      if (raw.length > LIMITS.stringLength) outside();
      return raw;
    }
    const result = interpolate(raw, this.env);
    if (result.problems.length > 0 || result.value.length > LIMITS.stringLength) outside();
    if (result.variables.length === 0) return result.value;
    // Secrets: positions.ts hands out this node, and the checks find the interpolation by it.
    let node = this.nodesAt.get(start);
    if (!node) {
      node = new Scalar(raw);
      node.range = [start, end, end];
      this.nodesAt.set(start, node);
      this.interpolated.set(node, result);
    }
    this.node = node;
    return result.value;
  }

  private doubleQuoted(at: number): Json {
    const text = this.text;
    let column = at + 1;
    let escaped = false;
    for (;;) {
      const code = text.charCodeAt(column);
      // Control characters (JSON.parse refuses them too) are left to the yaml package.
      if (column >= text.length || code < 32) this.unclosedQuote(column, '"');
      if (code === 92) {
        column += 2;
        escaped = true;
      } else if (code === 34) break;
      else column += 1;
    }
    if (!escaped) return this.string(this.slice(at + 1, column), at, column + 1);
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

  private singleQuoted(at: number): Json {
    const text = this.text;
    let column = at + 1;
    for (;;) {
      const code = text.charCodeAt(column);
      if (column >= text.length || code === 10 || code === 9 || code === 13) this.unclosedQuote(column, "'");
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
  private flowCollection(at: number): Json {
    const record = this.enter();
    this.flowDepth += 1;
    const text = this.text;
    const isMap = text.charCodeAt(at) === 123;
    const close = isMap ? 125 : 93;
    const map: Record<string, Json> | undefined = isMap ? {} : undefined;
    const list: Json[] | undefined = isMap ? undefined : [];
    const offsets: number[] | undefined = record ? [] : undefined;
    let nodes: Map<number, Scalar> | undefined;
    let column = this.skipSpaces(at + 1);
    if (text.charCodeAt(column) !== close) {
      for (let index = 0; ; index += 1) {
        if (map) {
          const colon = this.keyAt(column);
          if (colon < 0) outside();
          const key = this.keyText(column, colon, map);
          setKey(map, key, this.flowValue(this.skipSpaces(colon)));
          offsets?.push(column, colon - 1, this.start, this.end);
        } else {
          (list as Json[]).push(this.flowValue(column));
          offsets?.push(this.start, this.end);
        }
        if (offsets && this.node) nodes = withNode(nodes, index, this.node);
        column = this.skipSpaces(this.end);
        const code = text.charCodeAt(column);
        if (code === close) break;
        if (code !== 44) this.unclosedFlow(column, isMap);
        column = this.skipSpaces(column + 1);
        // A trailing comma, or a line break inside the collection, leaves the subset.
        if (text.charCodeAt(column) === close) outside();
      }
    }
    const value = (map ?? (list && list.length < TRIM_BELOW ? list.slice() : list)) as Json;
    if (offsets) this.container(value as object, offsets, nodes);
    this.depth -= 1;
    this.flowDepth -= 1;
    this.start = at;
    this.end = column + 1;
    this.node = undefined;
    return value;
  }

  /** Whether the line before the one at `lineStart` holds content (a blank or comment line moves yaml's errors). */
  private afterContentLine(lineStart: number): boolean {
    if (lineStart === 0) return false;
    const column = this.skipSpaces(this.text.lastIndexOf('\n', lineStart - 2) + 1);
    const code = this.text.charCodeAt(column);
    return column < lineStart - 1 && code !== 35 && code !== 10 && code !== 13;
  }

  /**
   * A line indented deeper than the block it follows. A key line there is an error for the yaml package (a plain
   * value cannot hold `: `, nor can anything nest under a value on its key's line); any other line may continue a
   * multi-line plain scalar, which is outside the subset.
   */
  private misindented(lineStart: number, lineIndent: number): never {
    const at = lineStart + lineIndent;
    if (this.keyAt(at) >= 0 && this.afterContentLine(lineStart)) throw new Misindented(at);
    return outside();
  }

  /**
   * A line at a mapping's indentation, after its first key, that is a plain scalar with no `:`: the yaml package
   * reads an implicit key without a value. Ended by a comment, a dedent or the text's end, it reports that; with a
   * key line next at the same indentation, it reads a key over two lines, reported up to that key's colon (unless
   * the scalar's first word is one character, which it reads as the former). Anything else is left to it.
   */
  private missingColon(at: number, indent: number): void {
    const text = this.text;
    const first = text.charCodeAt(at);
    // [A-Za-z0-9_]: a plain scalar that no indicator or quote starts.
    if (
      !((first >= 97 && first <= 122) || (first >= 65 && first <= 90) || (first >= 48 && first <= 57) || first === 95)
    ) {
      return;
    }
    const lineEnd = this.lineEnd(at);
    let end = lineEnd;
    let comment = false;
    for (let column = at; column < lineEnd; column += 1) {
      const code = text.charCodeAt(column);
      if (code === 58) return;
      if (code === 35 && text.charCodeAt(column - 1) === 32) {
        [end, comment] = [column, true];
        break;
      }
    }
    while (end > at && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 13)) end -= 1;
    const following = lineEnd + 1;
    const next = this.nextContentLine(following);
    const nextIndent = next < text.length ? this.indentOf(next) : -1;
    const commentNext = following < text.length && text.charCodeAt(this.skipSpaces(following)) === 35;
    if (comment || commentNext || nextIndent < indent || (nextIndent === indent && text.charCodeAt(at + 1) === 32)) {
      throw new SyntaxProblem(at, end, 'Implicit map keys need to be followed by map values');
    }
    const colon = nextIndent === indent ? this.keyAt(next + indent) : -1;
    if (colon >= 0) throw new SyntaxProblem(at, colon - 1, 'Implicit keys need to be on a single line');
  }

  /**
   * A quoted scalar that reaches its line's end. With no closing quote in the rest of the text (and no document
   * marker, which would end it) the yaml package reports the quote missing at the text's end; else it may be a
   * multi-line scalar, outside the subset.
   */
  private unclosedQuote(column: number, quote: '"' | "'"): never {
    const text = this.text;
    const code = text.charCodeAt(column);
    // At the text's very end (no line break after the quote's line) the yaml package reads some texts otherwise.
    if (this.flowDepth > 0 || !(code === 10 || code === 13)) return outside();
    DOCUMENT_MARKER.lastIndex = column;
    if (DOCUMENT_MARKER.test(text)) return outside();
    if (quote === "'") {
      if (text.indexOf("'", column) >= 0) return outside();
    } else {
      for (let at = column; at < text.length; at += 1) {
        const next = text.charCodeAt(at);
        if (next === 92) at += 1;
        else if (next === 34) return outside();
      }
    }
    throw new SyntaxProblem(text.length, text.length + 1, `Missing closing ${quote}quote`);
  }

  /**
   * A flow collection (not nested in another) still open at its line's end, and the next content line no deeper
   * than the block it is in: the yaml package reports the collection unclosed at that line.
   */
  private unclosedFlow(column: number, isMap: boolean): never {
    const text = this.text;
    const code = text.charCodeAt(column);
    if (this.flowDepth !== 1 || !(column >= text.length || code === 10 || code === 13)) return outside();
    const next = this.nextContentLine(this.lineEnd(column) + 1);
    if (next < text.length && this.indentOf(next) > this.blockIndent) return outside();
    const at = next < text.length ? next + this.indentOf(next) : text.length;
    const kind = isMap ? 'Flow map' : 'Flow sequence';
    throw new SyntaxProblem(
      at,
      at + 1,
      `${kind} in block collection must be sufficiently indented and end with a ${isMap ? '}' : ']'}`,
    );
  }

  private flowValue(at: number): Json {
    const text = this.text;
    const code = text.charCodeAt(at);
    if (code === 91 || code === 123) return this.flowCollection(at);
    if (code === 34) return this.doubleQuoted(at);
    if (code === 39) return this.singleQuoted(at);
    let column = at;
    for (;;) {
      const next = text.charCodeAt(column);
      if (column >= text.length || next === 10 || next === 13 || next === 44 || next === 91 || next === 93) break;
      if (next === 123 || next === 125 || (next === 35 && text.charCodeAt(column - 1) === 32)) break;
      column += 1;
    }
    let end = column;
    while (end > at && text.charCodeAt(end - 1) === 32) end -= 1;
    return this.plain(at, end);
  }
}

export interface FastRead {
  /** The file as plain JSON data, interpolated. */
  value: Record<string, unknown>;
  positions: FastPositions;
  /** The file's line starts, for line and column of an offset. */
  lines: LineStarts;
  /** Strings that came from the environment, by the node FastPositions hands out for them. */
  interpolated: Map<Scalar, InterpolationResult>;
}

export interface FastReadOptions {
  /**
   * Mappings and lists nested deeper than this are not in positions.containers (positions.reread finds them).
   * Tests pass Infinity to compare every offset with the yaml package's.
   * @default 2: the root mapping and its values
   */
  recordDepth?: number;
}

/** A syntax error the reader found: where (offsets), and the yaml path's words for it. */
export interface FastSyntaxError {
  error: { start: number; end: number; message: string; hint?: string };
  lines: LineStarts;
}

/** What the reader makes of an error it threw: its report, or undefined (leave the file to the yaml package). */
function syntaxError(text: string, error: unknown): FastSyntaxError | undefined {
  if (error === OUTSIDE) return undefined;
  if (error instanceof SyntaxProblem) {
    return { error: { start: error.start, end: error.end, message: error.message }, lines: new LineStarts(text) };
  }
  if (error instanceof Misindented) {
    // The same words and place read-yaml.ts gives; when indentation.ts judges another line, the yaml package decides.
    const problem = findIndentationProblem(text);
    return problem?.start === error.at ? { error: problem, lines: new LineStarts(text) } : undefined;
  }
  throw error;
}

/**
 * FastPositions.reread of a text the fast reader read: the item at `start` read again, with every offset. Also how
 * load-worker.ts rebuilds a worker-parsed manifest's positions on the main thread, from the text alone.
 */
export function fastReread(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  shared?: Shared,
): FastPositions['reread'] {
  return (start) => {
    const again = new Reader(text, env, Number.POSITIVE_INFINITY, shared);
    return { value: again.valueAt(start), containers: again.containers };
  };
}

/**
 * Reads `text` if it is written in the plain subset (see the header) and has nothing the full reader would
 * report; a FastSyntaxError when it holds a syntax error the reader is sure of; undefined means "use the yaml
 * package".
 */
export function readFastYaml(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  options: FastReadOptions = {},
): FastRead | FastSyntaxError | undefined {
  return runSteps(readFastYamlInSteps(text, env, options));
}

/** readFastYaml, a step per USERS_PER_STEP items of a list at the top of the document. */
export function* readFastYamlInSteps(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  options: FastReadOptions = {},
): Generator<void, FastRead | FastSyntaxError | undefined> {
  if (LONE_CR.test(text) || text.includes('\t') || text.charCodeAt(0) === 0xfeff) return undefined;
  const reader = new Reader(text, env, options.recordDepth ?? RECORD_DEPTH);
  let value: Json;
  try {
    value = yield* reader.documentInSteps();
  } catch (error) {
    return syntaxError(text, error);
  }
  const shared = reader.shared;
  return {
    value: value as Record<string, unknown>,
    positions: {
      containers: reader.containers,
      root: reader.span(),
      // The text was read once already: the item is in the subset, and reads to the same value.
      reread: fastReread(text, env, shared),
    },
    lines: new LineStarts(text),
    interpolated: reader.interpolated,
  };
}
