import { describe, expect, it } from 'vitest';
import { plural } from '../../src/util/plural.ts';

describe('plural', () => {
  it('says 1 user, never 1 users', () => {
    expect([0, 1, 2].map((count) => plural(count, 'user'))).toEqual(['0 users', '1 user', '2 users']);
    expect(plural(1, 'entry', 'entries')).toBe('1 entry');
    expect(plural(3, 'entry', 'entries')).toBe('3 entries');
  });
});
