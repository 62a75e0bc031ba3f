// JSON value helpers the planner needs: deep equality, fingerprints, and dotted-path access used by ignore paths.
// The general ones (canonical JSON, metadata merge, own-key access) live in src/util/json.ts and are re-exported for
// the planner's modules. Pure; node:crypto is used only for hashing.

import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue } from '../model/index.ts';
import { canonicalJson, cloneJson, isJsonObject, ownValue, setOwn } from '../util/json.ts';

export {
  canonicalJson,
  cloneJson,
  isJsonObject,
  mergeMetadata,
  ownValue,
  pointerSegments,
  setOwn,
} from '../util/json.ts';

export function deepEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  // Loops without callbacks or key lists: the planner compares every matched user's metadata.
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let index = 0; index < a.length; index += 1) {
      if (!deepEqual(a[index], b[index])) return false;
    }
    return true;
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    let keys = 0;
    for (const key in a) {
      if (!Object.hasOwn(a, key)) continue;
      if (!Object.hasOwn(b, key) || !deepEqual(a[key], b[key])) return false;
      keys += 1;
    }
    for (const key in b) {
      if (Object.hasOwn(b, key)) keys -= 1;
    }
    return keys === 0;
  }
  return false;
}

/**
 * sha256Hex(canonicalJson(value)) without building the whole text: a 100,000-user snapshot is a string of over
 * 100 MB and as much garbage again (docs/performance.md). The text is fed to the hash in chunks cut between tokens, so
 * no surrogate pair is split and the digest is the same.
 */
export function canonicalSha256(value: JsonValue): string {
  const hash = createHash('sha256');
  let buffer = '';
  const write = (text: string): void => {
    buffer += text;
    if (buffer.length >= 65_536) {
      hash.update(buffer);
      buffer = '';
    }
  };
  // The top two levels (the state, its lists) are walked; each item below is one canonicalJson string, built by
  // string concatenation in V8 (much faster than a write per token, as profiled on 100,000 users).
  const walk = (node: JsonValue, depth: number): void => {
    if (depth >= 2) {
      write(canonicalJson(node));
    } else if (Array.isArray(node)) {
      write('[');
      for (let index = 0; index < node.length; index += 1) {
        if (index > 0) write(',');
        walk(node[index] as JsonValue, depth + 1);
      }
      write(']');
    } else if (isJsonObject(node)) {
      const keys = Object.keys(node)
        .filter((key) => node[key] !== undefined)
        .sort();
      write('{');
      keys.forEach((key, index) => {
        write(`${index > 0 ? ',' : ''}${JSON.stringify(key)}:`);
        walk(node[key] as JsonValue, depth + 1);
      });
      write('}');
    } else {
      write(JSON.stringify(node));
    }
  };
  walk(value, 0);
  hash.update(buffer);
  return hash.digest('hex');
}

export function sha256Lines(lines: readonly string[]): string {
  const hash = createHash('sha256');
  for (let start = 0; start < lines.length; start += 4096) hash.update(lines.slice(start, start + 4096).join(''));
  return hash.digest('hex');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Compares strings by UTF-16 code units: locale-independent, so ordering is the same on every machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Value at a dotted path inside an object (`prefs.theme`), or undefined. */
export function getPath(object: JsonObject, path: string[]): JsonValue | undefined {
  let current: JsonValue | undefined = object;
  for (const segment of path) {
    if (!isJsonObject(current)) return undefined;
    current = ownValue(current, segment);
  }
  return current;
}

/**
 * A copy of `object` where `path` holds `value`, or where `path` is removed when `value` is undefined. Missing
 * parents are created; a parent that holds a non-object value is left alone (the path cannot exist under it).
 */
export function withPath(object: JsonObject, path: string[], value: JsonValue | undefined): JsonObject {
  const [head, ...rest] = path;
  if (head === undefined) return object;
  if (rest.length === 0) {
    if (value === undefined && !Object.hasOwn(object, head)) return object;
    const out: JsonObject = { ...object };
    if (value === undefined) delete out[head];
    else setOwn(out, head, cloneJson(value));
    return out;
  }
  const child = ownValue(object, head);
  if (child === undefined) {
    return value === undefined ? object : { ...object, [head]: withPath({}, rest, value) };
  }
  if (!isJsonObject(child)) return object;
  return { ...object, [head]: withPath(child, rest, value) };
}

/** The value at a pointer's segments, or undefined when the path does not exist. */
export function valueAt(root: JsonValue, segments: string[]): JsonValue | undefined {
  let current: JsonValue | undefined = root;
  for (const segment of segments) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isJsonObject(current)) current = ownValue(current, segment);
    else return undefined;
  }
  return current;
}
