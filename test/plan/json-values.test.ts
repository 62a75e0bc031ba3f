// deepEqual is JSON equality (key order ignored), checked against the canonical text.
// canonicalSha256 streams the canonical JSON into the hash; it must give exactly sha256Hex(canonicalJson(value)),
// also past the 64 KiB chunk size and with astral characters (surrogate pairs) anywhere.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../src/model/index.ts';
import {
  canonicalJson,
  canonicalSha256,
  deepEqual,
  getPath,
  mergeMetadata,
  sha256Hex,
  valueAt,
  withPath,
} from '../../src/plan/json-values.ts';

/** The canonical form, written the obvious way: sorted keys (in string order, integer-like keys too). */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${reference(record[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('canonicalJson', () => {
  it('is the JSON text with the keys of every object sorted', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value as JsonValue)).toBe(reference(value));
      }),
      { numRuns: 500, seed: 11 },
    );
  });
});

describe('canonicalSha256', () => {
  it('equals the hash of the canonical text for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalSha256(value as JsonValue)).toBe(sha256Hex(canonicalJson(value as JsonValue)));
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it('equals it for values larger than a chunk, with surrogate pairs and unsorted keys', () => {
    const users = Array.from({ length: 3000 }, (_, index) => ({
      z: `😀${index}`,
      a: { y: [index, null, true, 'é'], b: `x${'😀'.repeat(index % 7)}` },
    }));
    const value = { users, organizations: [], empty: {} } as unknown as JsonValue;
    expect(canonicalJson(value).length).toBeGreaterThan(150_000);
    expect(canonicalSha256(value)).toBe(sha256Hex(canonicalJson(value)));
  });
});

describe('deepEqual', () => {
  it('is true exactly when the canonical texts are equal, for any two JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 3 }), (a, b) => {
        const [left, right] = [a as JsonValue, b as JsonValue];
        expect(deepEqual(left, right)).toBe(canonicalJson(left) === canonicalJson(right));
        expect(deepEqual(left, structuredClone(left))).toBe(true);
      }),
      { numRuns: 1000, seed: 5 },
    );
  });

  it('ignores key order and tells apart objects that differ by one key, arrays and objects, null and absent', () => {
    expect(deepEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(deepEqual({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(deepEqual({ a: 1, b: 2 }, { a: 1, c: 2 })).toBe(false);
    expect(deepEqual({ a: null }, {})).toBe(false);
    expect(deepEqual([], {})).toBe(false);
    expect(deepEqual({}, [])).toBe(false);
    expect(deepEqual({ 0: 'x' } as JsonValue, ['x'])).toBe(false);
    expect(deepEqual(null, undefined)).toBe(false);
  });
});

describe('keys named __proto__, constructor and prototype (issue 15)', () => {
  const parse = (text: string): JsonObject => JSON.parse(text) as JsonObject;

  it('mergeMetadata adds, merges and deletes them as own keys, like any other key', () => {
    const added = mergeMetadata(
      parse('{"a":1}'),
      parse('{"__proto__":{"admin":true},"constructor":"c","prototype":[1]}'),
    );
    expect(JSON.stringify(added)).toBe('{"a":1,"__proto__":{"admin":true},"constructor":"c","prototype":[1]}');
    expect(Object.getPrototypeOf(added)).toBe(Object.prototype);
    const merged = mergeMetadata(parse('{"__proto__":{"x":1}}'), parse('{"__proto__":{"y":2}}'));
    expect(JSON.stringify(merged)).toBe('{"__proto__":{"x":1,"y":2}}');
    // A nested object under an absent key starts empty, not from Object.prototype's own properties.
    expect(JSON.stringify(mergeMetadata({}, parse('{"constructor":{"name":"n"}}')))).toBe(
      '{"constructor":{"name":"n"}}',
    );
    expect(JSON.stringify(mergeMetadata(parse('{"__proto__":1,"b":2}'), parse('{"__proto__":null}')))).toBe('{"b":2}');
  });

  it('getPath, valueAt and withPath read and write only own keys', () => {
    expect(getPath({}, ['__proto__'])).toBeUndefined();
    expect(getPath({}, ['constructor'])).toBeUndefined();
    expect(valueAt({ a: {} }, ['a', '__proto__'])).toBeUndefined();
    expect(getPath(parse('{"__proto__":{"k":1}}'), ['__proto__', 'k'])).toBe(1);
    const written = withPath({}, ['__proto__', 'k'], 1);
    expect(JSON.stringify(written)).toBe('{"__proto__":{"k":1}}');
    expect(JSON.stringify(withPath({ a: 1 }, ['__proto__'], 2))).toBe('{"a":1,"__proto__":2}');
    expect(withPath({ a: 1 }, ['constructor', 'x'], undefined)).toStrictEqual({ a: 1 });
  });

  it('deepEqual and canonicalJson see them', () => {
    expect(deepEqual(parse('{"__proto__":{"a":1}}'), {})).toBe(false);
    expect(deepEqual(parse('{"__proto__":{"a":1}}'), parse('{"__proto__":{"a":1}}'))).toBe(true);
    expect(canonicalJson(parse('{"b":1,"__proto__":2}'))).toBe('{"__proto__":2,"b":1}');
  });
});
