import { describe, expect, it } from 'vitest';
import { plural, thousands } from '../../src/util/plural.ts';

describe('plural', () => {
  it('says 1 user, never 1 users', () => {
    expect([0, 1, 2].map((count) => plural(count, 'user'))).toEqual(['0 users', '1 user', '2 users']);
    expect(plural(1, 'entry', 'entries')).toBe('1 entry');
    expect(plural(3, 'entry', 'entries')).toBe('3 entries');
  });
});

describe('thousands', () => {
  it('writes whole numbers as toLocaleString en-US does', () => {
    for (const value of [0, 7, 999, 1000, 12345, 999999, 1000000, 2002, -1234567, Number.MAX_SAFE_INTEGER]) {
      expect(thousands(value)).toBe(value.toLocaleString('en-US'));
    }
    expect(thousands(1000000)).toBe('1,000,000');
  });

  it('leaves other numbers to toLocaleString', () => {
    expect(thousands(1234.5678)).toBe((1234.5678).toLocaleString('en-US'));
  });
});
