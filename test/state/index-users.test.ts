import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiveStateError } from '../../src/errors.ts';
import {
  duplicateLiveKeyError,
  fromWireUser,
  indexLiveUsers,
  indexLiveUsersStrict,
  splitCreatedAtRange,
} from '../../src/state/index.ts';
import { wireEmail, wireUser } from './wire-fixtures.ts';

const users = [
  fromWireUser(
    wireUser({
      id: 'user_a',
      external_id: 'emp-1',
      username: 'ada',
      email_addresses: [wireEmail('e1', 'ada@x.test'), wireEmail('e2', 'shared@x.test')],
    }),
  ),
  fromWireUser(
    wireUser({
      id: 'user_b',
      external_id: 'emp-2',
      username: 'bob',
      email_addresses: [wireEmail('e3', 'Shared@X.test')],
    }),
  ),
  fromWireUser(wireUser({ id: 'user_c', external_id: 'emp-1', username: null })),
  fromWireUser(wireUser({ id: 'user_d', external_id: null, username: 'dan' })),
];

describe('indexLiveUsers', () => {
  it('indexes by external id and reports a shared one naming both users', () => {
    const index = indexLiveUsers({ users }, 'externalId');
    expect([...index.byKey.keys()]).toEqual(['emp-1', 'emp-2']);
    expect(index.byKey.get('emp-2')?.id).toBe('user_b');
    expect(index.duplicates).toEqual([{ key: 'emp-1', userIds: ['user_a', 'user_c'] }]);
  });

  it('indexes every email address (case-insensitively) and reports shared addresses', () => {
    const index = indexLiveUsers({ users }, 'emailAddress');
    expect(index.byKey.get('ada@x.test')?.id).toBe('user_a');
    expect(index.duplicates).toEqual([{ key: 'shared@x.test', userIds: ['user_a', 'user_b'] }]);
  });

  it('indexes by username, skipping users without one', () => {
    const index = indexLiveUsers({ users }, 'username');
    expect([...index.byKey.keys()].sort()).toEqual(['ada', 'bob', 'dan']);
    expect(index.duplicates).toEqual([]);
  });

  it('strict indexing throws live_duplicate_key naming the key and both user ids', () => {
    let error: unknown;
    try {
      indexLiveUsersStrict({ users }, 'externalId');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LiveStateError);
    const live = error as LiveStateError;
    expect(live.code).toBe('live_duplicate_key');
    expect(live.message).toContain('user_a');
    expect(live.message).toContain('user_c');
    expect(live.message).toContain('emp-1');
    expect(live.meta).toMatchObject({ userKey: 'externalId', key: 'emp-1', userIds: ['user_a', 'user_c'] });
    expect(live.hint).toBeTruthy();
    expect(indexLiveUsersStrict({ users }, 'username').size).toBe(3);
  });

  it('summarises many duplicates', () => {
    const many = Array.from({ length: 7 }, (_, i) => ({ key: `k${i}`, userIds: [`user_${i}a`, `user_${i}b`] }));
    expect(duplicateLiveKeyError(many, 'username').message).toContain('and 2 more');
  });
});

describe('splitCreatedAtRange', () => {
  it('covers [min, max] with disjoint ranges, open at both ends', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 1, max: 16 }),
        (min, width, parts) => {
          const max = min + width;
          const ranges = splitCreatedAtRange(min, max, parts);
          expect(ranges.length).toBe(Math.min(parts, width + 1));
          expect(ranges[0]?.from).toBeUndefined();
          expect(ranges[ranges.length - 1]?.to).toBeUndefined();
          for (let t = min - 3; t <= max + 3; t += 1) {
            const holders = ranges.filter(
              (r) => (r.from === undefined || t >= r.from) && (r.to === undefined || t <= r.to),
            );
            expect(holders).toHaveLength(1);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('does not split a single millisecond', () => {
    expect(splitCreatedAtRange(5, 5, 8)).toEqual([{}]);
  });
});
