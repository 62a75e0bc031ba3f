// A large JSON body parsed one element at a time from its bytes. A page of 500 users is about 1 MB of JSON; as one
// string it is allocated straight into V8's old generation (a string over 128 KiB goes to the large-object space),
// where each page stays as garbage until the next full collection: hundreds of MB across a 100,000-user read. Each
// element's text is small and dies young. Only the top level and the arrays directly under it are split; every
// piece is still parsed by JSON.parse, so values, errors and key order are JSON.parse's own. The rows of a list answer
// are mapped one by one as they are parsed (RowMapping), so the page's wire objects never coexist.

import { Buffer } from 'node:buffer';
import type { RowMapping } from './request.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Thrown inside this module only: the bytes are not the JSON shape split here, and the caller's plain path decides. */
class NotSplit extends Error {}

function skipSpace(bytes: Uint8Array, at: number): number {
  let i = at;
  for (;;) {
    const c = bytes[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i += 1;
  }
}

/** Index of the quote that closes the string opening at `at`. */
function closingQuote(bytes: Buffer, at: number): number {
  let i = at;
  for (;;) {
    i = bytes.indexOf(QUOTE, i + 1);
    if (i < 0) throw new NotSplit();
    let backslashes = 0;
    while (bytes[i - 1 - backslashes] === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return i;
  }
}

/** Index just past the value starting at `at` (an object, array, string, or a scalar ending at `,` `}` `]`). */
function valueEnd(bytes: Buffer, at: number): number {
  const first = bytes[at];
  if (first === QUOTE) return closingQuote(bytes, at) + 1;
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    let i = at;
    while (i < bytes.length && bytes[i] !== COMMA && bytes[i] !== CLOSE_BRACE && bytes[i] !== CLOSE_BRACKET) i += 1;
    return i;
  }
  let depth = 0;
  for (let i = at; i < bytes.length; i += 1) {
    const c = bytes[i];
    if (c === QUOTE) i = closingQuote(bytes, i);
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth += 1;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
  }
  throw new NotSplit();
}

function parsePiece(bytes: Buffer, start: number, end: number): unknown {
  try {
    return JSON.parse(bytes.toString('utf8', start, end));
  } catch {
    throw new NotSplit();
  }
}

/**
 * `},` and how a list's first row begins when that is `{"id":"prefix_`, as Clerk's rows do (user_, orgmem_, org_):
 * found with one native search, it ends each row without walking the row's bytes. Such a match can only be a real
 * `}` (a `"` inside a string is escaped), so it is either the end of a row or the end of an object nested in one; the
 * latter leaves the row's own `{` open, which JSON.parse refuses, and that row is then walked byte by byte.
 */
function rowSeparator(bytes: Buffer, start: number): Buffer | undefined {
  const head = /^\{"id":"[a-z0-9]+_/.exec(bytes.toString('latin1', start, Math.min(start + 40, bytes.length)));
  return head === null ? undefined : Buffer.from(`},${head[0]}`, 'latin1');
}

/** The row starting at `at` ended by the separator's `}`, parsed; undefined when there is none or it is not a row. */
function rowBefore(bytes: Buffer, at: number, separator: Buffer): [unknown, number] | undefined {
  const found = bytes.indexOf(separator, at);
  if (found < 0) return undefined;
  try {
    return [JSON.parse(bytes.toString('utf8', at, found + 1)), found + 1];
  } catch {
    return undefined;
  }
}

/** The array opening at `at`, each element parsed alone (and mapped); returns it and the index past its `]`. */
function splitArray(bytes: Buffer, at: number, map?: RowMapping['map']): [unknown[], number] {
  const items: unknown[] = [];
  let i = skipSpace(bytes, at + 1);
  if (bytes[i] === CLOSE_BRACKET) return [items, i + 1];
  let separator: Buffer | undefined;
  for (;;) {
    let row = separator === undefined ? undefined : rowBefore(bytes, i, separator);
    if (row === undefined) {
      const end = valueEnd(bytes, i);
      row = [parsePiece(bytes, i, end), end];
      if (items.length === 0) separator = rowSeparator(bytes, i);
    }
    const [item, end] = row;
    items.push(map === undefined ? item : map(item));
    i = skipSpace(bytes, end);
    if (bytes[i] === CLOSE_BRACKET) return [items, i + 1];
    if (bytes[i] !== COMMA) throw new NotSplit();
    i = skipSpace(bytes, i + 1);
  }
}

/** The object opening at `at`, its array members split (`data`'s rows mapped); returns it and the index past its `}`. */
function splitObject(bytes: Buffer, at: number, dataRows?: RowMapping['map']): [Record<string, unknown>, number] {
  const object: Record<string, unknown> = {};
  let i = skipSpace(bytes, at + 1);
  if (bytes[i] === CLOSE_BRACE) return [object, i + 1];
  for (;;) {
    if (bytes[i] !== QUOTE) throw new NotSplit();
    const keyEnd = closingQuote(bytes, i) + 1;
    const key = parsePiece(bytes, i, keyEnd) as string;
    i = skipSpace(bytes, keyEnd);
    if (bytes[i] !== COLON) throw new NotSplit();
    i = skipSpace(bytes, i + 1);
    let value: unknown;
    if (bytes[i] === OPEN_BRACKET) [value, i] = splitArray(bytes, i, key === 'data' ? dataRows : undefined);
    else {
      const end = valueEnd(bytes, i);
      value = parsePiece(bytes, i, end);
      i = end;
    }
    // As JSON.parse does: "__proto__" becomes an own property, never the prototype.
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
    i = skipSpace(bytes, i);
    if (bytes[i] === CLOSE_BRACE) return [object, i + 1];
    if (bytes[i] !== COMMA) throw new NotSplit();
    i = skipSpace(bytes, i + 1);
  }
}

/**
 * The JSON array or object in `bytes` (UTF-8), parsed piece by piece; undefined when the bytes are anything else or
 * not valid JSON, for the caller to parse (or refuse) as text. Never returns a value JSON.parse would refuse. With
 * `rows`, the list's rows are mapped as they are parsed (what mapRows does to a parsed body).
 */
export function parseJsonInPieces(bytes: Buffer, rows?: RowMapping): { value: unknown } | undefined {
  try {
    const start = skipSpace(bytes, 0);
    const first = bytes[start];
    if (first !== OPEN_BRACKET && first !== OPEN_BRACE) return undefined;
    const [value, end] =
      first === OPEN_BRACKET
        ? splitArray(bytes, start, rows?.at === 'body' ? rows.map : undefined)
        : splitObject(bytes, start, rows?.at === 'data' ? rows.map : undefined);
    return skipSpace(bytes, end) === bytes.length ? { value } : undefined;
  } catch (error) {
    if (error instanceof NotSplit) return undefined;
    throw error;
  }
}
