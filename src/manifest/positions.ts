// Source positions: a parsed manifest file (text, YAML tree, line index) and the helpers that turn YAML node ranges
// and JSON pointers (as ajv reports them) into 1-based file:line:col diagnostics.

import { isAlias, isMap, isScalar, isSeq, type Node, type ParsedNode, type Scalar } from 'yaml';
import type { SourceRef } from '../model/index.ts';
import type { InterpolationResult } from './interpolate.ts';
import type { LinePositions } from './line-starts.ts';
import type { Diagnostic, ManifestSource } from './types.ts';

export interface ParsedFile {
  source: ManifestSource;
  lineCounter: LinePositions;
  /** Root node of the document; undefined when the file could not be parsed. */
  root: ParsedNode | null | undefined;
  /** Resolves an alias to its anchored node (bound to the file's document). */
  resolveAlias: (node: Node) => Node | undefined;
  /** The file as plain JSON data (interpolated); undefined when the file is unusable. */
  value: unknown;
  /** String scalars whose value came, at least in part, from environment variables. */
  interpolated: Map<Scalar, InterpolationResult>;
  diagnostics: Diagnostic[];
  /** Set when the fast reader (fast-yaml.ts) read the file: then `root` is undefined and positions come from here. */
  fast?: FastPositions;
}

/** Offsets of the children of one mapping or list that the fast reader read. */
export interface FastContainer {
  /** A mapping: keyStart, keyEnd, valueStart, valueEnd per key, in key order. A list: start, end per item. */
  offsets: number[];
  /** Nodes of the strings that came from the environment (see ParsedFile.interpolated), by child index. */
  nodes?: Map<number, Scalar>;
}

/**
 * Positions of a fast-read file: an entry per mapping or list of its value (by identity) down to a depth, and a
 * way to read any value again (at its start offset) with the positions of everything inside it.
 */
export interface FastPositions {
  containers: Map<object, FastContainer>;
  root: Span;
  /** The value starting at `start` read again: an equal value, and the offsets of all its mappings and lists. */
  reread: (start: number) => { value: unknown; containers: Map<object, FastContainer> };
}

export interface Span {
  start: number;
  end: number;
}

type DiagnosticFields = Pick<Diagnostic, 'severity' | 'code' | 'message'> & {
  hint?: string | undefined;
  concealed?: boolean;
};

/** 1-based line and column of an offset. */
export function positionOf(lineCounter: LinePositions, offset: number): { line: number; column: number } {
  const { line, col } = lineCounter.linePos(offset);
  // linePos answers line 0 before the first line start it knows of; the first line starts at offset 0.
  return line === 0 ? { line: 1, column: offset + 1 } : { line, column: col };
}

/**
 * `{ file, line, column }` at an offset, made as one literal: a spread of positionOf's answer gave each of 100,000 users'
 * refs a separate property array (8 MB against 4.8 MB, heap snapshot of the 100,000-user manifest).
 */
export function sourceAt(file: string, lineCounter: LinePositions, offset: number): SourceRef {
  const { line, column } = positionOf(lineCounter, offset);
  return { file, line, column };
}

export function diagnosticAt(
  file: ParsedFile | { source: ManifestSource; lineCounter: LinePositions },
  span: Span,
  fields: DiagnosticFields,
): Diagnostic {
  const start = positionOf(file.lineCounter, span.start);
  const end = positionOf(file.lineCounter, Math.max(span.start, span.end));
  const diagnostic: Diagnostic = {
    file: file.source.file,
    line: start.line,
    column: start.column,
    endLine: end.line,
    endColumn: end.column,
    severity: fields.severity,
    code: fields.code,
    message: fields.message,
  };
  if (fields.hint !== undefined) diagnostic.hint = fields.hint;
  if (fields.concealed) diagnostic.concealed = true;
  return diagnostic;
}

export function spanOf(node: Node | null | undefined): Span {
  const range = node?.range;
  if (!range) return { start: 0, end: 0 };
  return { start: range[0], end: range[1] };
}

export function sourceRef(file: ParsedFile, node: Node | null | undefined): SourceRef {
  return sourceAt(file.source.file, file.lineCounter, spanOf(node).start);
}

/** The string a mapping key stands for, as the converter stores it (scalar keys only). */
export function keyString(key: unknown): string | undefined {
  if (!isScalar(key)) return undefined;
  const value = key.value;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export interface Located {
  /** The value node (undefined when the key has no value, `key:` meaning null). */
  node: Node | undefined;
  /** The key node, for a mapping entry. */
  key: Node | undefined;
}

function deref(file: ParsedFile, node: Node | null | undefined): Node | undefined {
  let current: Node | undefined = node ?? undefined;
  // An alias chain is short (aliases point at anchors, never at aliases); the bound stops a malformed loop.
  for (let hops = 0; current !== undefined && isAlias(current) && hops < 8; hops += 1) {
    current = file.resolveAlias(current);
  }
  return current;
}

/** A stand-in node that only carries a range: what spanOf and sourceRef read. */
function rangeNode(start: number, end: number): Node {
  return { range: [start, end, end] } as unknown as Node;
}

function locateFast(file: ParsedFile, fast: FastPositions, path: readonly string[]): Located | undefined {
  let value: unknown = file.value;
  let containers = fast.containers;
  let start = fast.root.start;
  let located: Located = { node: rangeNode(fast.root.start, fast.root.end), key: undefined };
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    let container = containers.get(value);
    if (!container) {
      // Deeper than the first read recorded: read this value again, with all its positions.
      const again = fast.reread(start);
      value = again.value;
      containers = again.containers;
      container = typeof value === 'object' && value !== null ? containers.get(value) : undefined;
      if (!container) return undefined;
    }
    const { offsets, nodes } = container;
    if (Array.isArray(value)) {
      const index = Number(segment);
      if (!(index >= 0 && index < value.length) || !Number.isInteger(index)) return undefined;
      start = offsets[2 * index] as number;
      located = {
        node: nodes?.get(index) ?? rangeNode(start, offsets[2 * index + 1] as number),
        key: undefined,
      };
      value = value[index];
    } else {
      const index = Object.keys(value as object).indexOf(segment);
      if (index < 0) return undefined;
      const at = 4 * index;
      start = offsets[at + 2] as number;
      located = {
        node: nodes?.get(index) ?? rangeNode(start, offsets[at + 3] as number),
        key: rangeNode(offsets[at] as number, offsets[at + 1] as number),
      };
      value = (value as Record<string, unknown>)[segment];
    }
  }
  return located;
}

/** Finds the node at a path of keys/indices, following aliases like the converter did. */
export function locate(file: ParsedFile, path: readonly string[]): Located | undefined {
  if (file.fast) return locateFast(file, file.fast, path);
  let located: Located = { node: file.root ?? undefined, key: undefined };
  for (const segment of path) {
    const node = deref(file, located.node);
    if (isMap(node)) {
      let found: Located | undefined;
      // The last entry wins, as in the converted value.
      for (const pair of node.items) {
        if (keyString(pair.key) === segment) {
          found = { node: (pair.value as Node | null) ?? undefined, key: pair.key as Node };
        }
      }
      if (!found) return undefined;
      located = found;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | null | undefined;
      if (item === undefined) return undefined;
      located = { node: item ?? undefined, key: undefined };
    } else {
      return undefined;
    }
  }
  return located;
}

/** Span of the value at a path, else of its key, else of the nearest ancestor that exists. */
export function spanAt(file: ParsedFile, path: readonly string[], prefer: 'value' | 'key' = 'value'): Span {
  for (let length = path.length; length >= 0; length -= 1) {
    const located = locate(file, path.slice(0, length));
    if (!located) continue;
    const first = prefer === 'key' && length === path.length ? located.key : located.node;
    const second = first === located.key ? located.node : located.key;
    if (first?.range) return spanOf(first);
    if (second?.range) return spanOf(second);
  }
  return { start: 0, end: 0 };
}
