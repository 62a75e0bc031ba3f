// StringTable keeps each distinct string once with the numbers it was first given, like a Map from string to its
// first numbers would, through growth and for strings that differ only in case, in one code unit, or in length.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StringTable } from '../../src/manifest/string-table.ts';

describe('StringTable', () => {
  it('answers like a Map of first occurrences for any sequence of strings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 6, unit: fc.constantFrom('a', 'A', 'b', 'é', '😀', '\u0000') })),
        (texts) => {
          const table = new StringTable();
          const first = new Map<string, [number, number]>();
          texts.forEach((text, number) => {
            const earlier = table.addOrGet(text, number, number + 1000);
            const expected = first.get(text);
            if (expected === undefined) {
              expect(earlier).toBeUndefined();
              first.set(text, [number, number + 1000]);
            } else {
              expect(earlier).toBeDefined();
              expect([table.first(earlier as number), table.second(earlier as number)]).toStrictEqual(expected);
            }
          });
        },
      ),
      { numRuns: 500, seed: 3 },
    );
  });

  it('keeps every string through many growths, and finds each again', () => {
    const table = new StringTable();
    const count = 200_000;
    for (let index = 0; index < count; index += 1) {
      expect(table.addOrGet(`user${index}@bench.test`, index, index % 7)).toBeUndefined();
    }
    for (let index = 0; index < count; index += 997) {
      const entry = table.addOrGet(`user${index}@bench.test`, -1, -1) as number;
      expect([table.first(entry), table.second(entry)]).toStrictEqual([index, index % 7]);
      expect(table.addOrGet(`USER${index}@bench.test`, -1, -1)).toBeUndefined();
    }
    expect(table.find('user199999@bench.test')).toBe(199_999);
    expect(table.find('USER0@bench.test')).toBeDefined();
    expect(table.find('nobody@bench.test')).toBeUndefined();
    expect(table.find('')).toBeUndefined();
    expect(table.addOrGet('', 5, 0)).toBeUndefined();
    expect(table.find('')).toBeDefined();
    expect(table.first(table.addOrGet('', 6, 1) as number)).toBe(5);
  });
});
