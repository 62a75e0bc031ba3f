// StringTable numbers each distinct string once, like a Map from string to its first number would, through growth
// and for strings that differ only in case, in one code unit, or in length.

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
          const first = new Map<string, number>();
          texts.forEach((text, number) => {
            expect(table.addOrGet(text, number)).toBe(first.get(text));
            if (!first.has(text)) first.set(text, number);
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
      expect(table.addOrGet(`user${index}@bench.test`, index)).toBeUndefined();
    }
    for (let index = 0; index < count; index += 997) {
      expect(table.addOrGet(`user${index}@bench.test`, -1)).toBe(index);
      expect(table.addOrGet(`USER${index}@bench.test`, -1)).toBeUndefined();
    }
    expect(table.addOrGet('', 5)).toBeUndefined();
    expect(table.addOrGet('', 6)).toBe(5);
  });
});
