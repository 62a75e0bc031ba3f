// The snapshot's memberships: each id once (where it was first read, as it was last read), by organization id then
// user id. Pages that shift during a read hand out copies; the result must not depend on how they were found.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LiveMembership } from '../../src/model/index.ts';
import { sortMemberships } from '../../src/state/fetch-organizations.ts';

/** The plain way: a map by id (first position, last copy), then a stable sort by organization and user. */
function reference(list: readonly LiveMembership[]): LiveMembership[] {
  const byId = new Map<string, LiveMembership>();
  for (const membership of list) byId.set(membership.id, membership);
  const key = (m: LiveMembership): string => `${m.organizationId}\u0000${m.userId}`;
  return [...byId.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

// A membership id always names the same organization and user; reads differ in role and updatedAt only.
const membership = fc
  .record({
    org: fc.integer({ min: 0, max: 3 }),
    user: fc.integer({ min: 0, max: 5 }),
    copy: fc.integer({ min: 0, max: 2 }),
    role: fc.constantFrom('org:admin', 'org:member'),
    updatedAt: fc.nat(),
  })
  .map(
    ({ org, user, copy, role, updatedAt }): LiveMembership => ({
      id: `orgmem_${org}_${user}_${copy}`,
      organizationId: `org_${org}`,
      userId: `user_${user}`,
      role,
      updatedAt,
    }),
  );

describe('sortMemberships', () => {
  it('equals the map-then-sort result for any reads, copies included', () => {
    fc.assert(
      fc.property(fc.array(membership, { maxLength: 40 }), (list) => {
        expect(sortMemberships(list)).toStrictEqual(reference(list));
      }),
      { numRuns: 1000, seed: 17 },
    );
  });

  it('keeps the last copy of a membership read twice, at the place of the first', () => {
    const first: LiveMembership = {
      id: 'm1',
      organizationId: 'org_a',
      userId: 'user_1',
      role: 'org:member',
      updatedAt: 1,
    };
    const other: LiveMembership = {
      id: 'm2',
      organizationId: 'org_a',
      userId: 'user_1',
      role: 'org:admin',
      updatedAt: 1,
    };
    const again = { ...first, role: 'org:admin', updatedAt: 2 };
    expect(sortMemberships([first, other, again])).toStrictEqual([again, other]);
  });
});
