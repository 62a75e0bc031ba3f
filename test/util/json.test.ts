import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/model/index.ts';
import { chunks } from '../../src/util/chunks.ts';
import { canonicalJson, isPlainObject, mergeMetadata, pointerSegments } from '../../src/util/json.ts';

describe('isPlainObject', () => {
  it('is true for objects only, not null, arrays or scalars', () => {
    expect([{}, { a: 1 }, Object.create(null)].map(isPlainObject)).toEqual([true, true, true]);
    expect([null, undefined, [], 'x', 1, true].map(isPlainObject)).toEqual([false, false, false, false, false, false]);
  });
});

describe('mergeMetadata', () => {
  it('merges objects deeply, replaces arrays and scalars, deletes on null, and modifies neither argument', () => {
    const target: JsonObject = { keep: 1, nested: { a: 1, b: 2 }, list: [1, 2], gone: 'x' };
    const patch: JsonObject = { nested: { b: null, c: 3 }, list: [3], gone: null, scalar: { now: 'object' } };
    const before = structuredClone({ target, patch });
    expect(mergeMetadata(target, patch)).toEqual({
      keep: 1,
      nested: { a: 1, c: 3 },
      list: [3],
      scalar: { now: 'object' },
    });
    expect({ target, patch }).toEqual(before);
  });

  it('copies the arrays it takes from the patch', () => {
    const patch: JsonObject = { list: [{ a: 1 }] };
    const merged = mergeMetadata({}, patch);
    expect(merged.list).toEqual(patch.list);
    expect(merged.list).not.toBe(patch.list);
  });
});

describe('canonicalJson', () => {
  it('gives the same text whatever the key order', () => {
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: null })).toBe(canonicalJson({ a: null, b: [{ c: 2, d: 1 }] }));
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });
});

describe('pointerSegments', () => {
  it('unescapes ~1 and ~0 in that order', () => {
    expect(pointerSegments('')).toEqual([]);
    expect(pointerSegments('/a/b~1c/~01')).toEqual(['a', 'b/c', '~1']);
  });
});

describe('chunks', () => {
  it('cuts a list into slices of at most the size, in order', () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunks([], 100)).toEqual([]);
  });
});
