// anonymizeSnapshot: fake values derived from the seed and the original only (not from the order users are read
// in), distinct values kept distinct even where the derived values collide, and what is kept kept.

import { beforeAll, describe, expect, it } from 'vitest';
import { MANAGED_MARK_KEY, MANAGED_MARK_VALUE } from '../../src/fields/constants.ts';
import { anonymizeSnapshot } from '../../src/manifest/anonymize.ts';
import { loadFakeValues } from '../../src/manifest/generate-fake.ts';
import type { LiveSnapshot, LiveUser } from '../../src/model/index.ts';

beforeAll(loadFakeValues);

function user(n: number, extra: Partial<LiveUser> = {}): LiveUser {
  return {
    id: `user_${String(n).padStart(6, '0')}`,
    externalId: `emp-${n}`,
    emailAddresses: [{ id: `idn_e${n}`, emailAddress: `person${n}@corp.test`, verified: true, linked: false }],
    primaryEmailAddressId: `idn_e${n}`,
    phoneNumbers: [{ id: `idn_p${n}`, phoneNumber: `+4420${String(n).padStart(8, '0')}`, verified: true }],
    primaryPhoneNumberId: `idn_p${n}`,
    username: `person${n}`,
    firstName: 'Real',
    lastName: null,
    legalAcceptedAt: null,
    publicMetadata: { team: `team-${n % 3}`, seats: n, active: true, none: null },
    privateMetadata: { [MANAGED_MARK_KEY]: { ...MANAGED_MARK_VALUE }, plan: 'gold' },
    unsafeMetadata: {},
    banned: n === 1,
    locked: false,
    lockoutExpiresInSeconds: null,
    createdAt: 0,
    updatedAt: 0,
    ...extra,
  };
}

function snapshot(users: LiveUser[]): LiveSnapshot {
  return {
    users,
    organizations: [],
    memberships: [],
    instance: { environment: null } as unknown as LiveSnapshot['instance'],
  };
}

describe('anonymizeSnapshot', () => {
  it('replaces every personal value, keeps the shape, and is the same whatever the read order', () => {
    const users = Array.from({ length: 3000 }, (_, n) => user(n + 1));
    const options = { seed: 'seed-1', keepMetadata: ['plan'] };
    const forward = anonymizeSnapshot(snapshot(users), options).users;
    const backward = anonymizeSnapshot(snapshot([...users].reverse()), options).users;
    expect(backward).toEqual(forward);
    const first = forward[0] as LiveUser;
    expect(first.id).toBe('user_000001');
    expect(first.externalId).toMatch(/^anon-[0-9a-f]{16}$/);
    expect(first.emailAddresses[0]?.emailAddress).toMatch(/^[a-z]*\.[a-z]*\.[0-9a-f]{6}@example\.com$/);
    expect(first.phoneNumbers[0]?.phoneNumber).toMatch(/^\+1555[0-9]{7}$/);
    expect(first.username).toMatch(/^user_[0-9a-f]{12}$/);
    expect(first.firstName).not.toBe('Real');
    expect(first.lastName).toBeNull();
    expect(first.banned).toBe(true);
    expect(first.publicMetadata.active).toBe(true);
    expect(first.publicMetadata.none).toBeNull();
    expect(typeof first.publicMetadata.seats).toBe('number');
    expect(first.publicMetadata.team).toMatch(/^anon-/);
    // Kept: the key --keep-metadata names, and clerk-sync's mark.
    expect(first.privateMetadata).toEqual({ [MANAGED_MARK_KEY]: MANAGED_MARK_VALUE, plan: 'gold' });
    // Distinct stays distinct (a derived value already taken is derived again); equal stays equal.
    for (const pick of [
      (u: LiveUser) => u.externalId,
      (u: LiveUser) => u.emailAddresses[0]?.emailAddress,
      (u: LiveUser) => u.phoneNumbers[0]?.phoneNumber,
      (u: LiveUser) => u.username,
    ]) {
      expect(new Set(forward.map(pick)).size).toBe(3000);
    }
    expect(new Set(forward.map((u) => u.publicMetadata.team)).size).toBe(3);
  });

  it('gives another seed other values', () => {
    const users = [user(1), user(2)];
    const a = anonymizeSnapshot(snapshot(users), { seed: 'a', keepMetadata: [] }).users;
    const b = anonymizeSnapshot(snapshot(users), { seed: 'b', keepMetadata: [] }).users;
    expect(a[0]?.externalId).not.toBe(b[0]?.externalId);
    expect(a[0]?.emailAddresses[0]?.emailAddress).not.toBe(b[0]?.emailAddresses[0]?.emailAddress);
    expect(a[0]?.privateMetadata.plan).not.toBe('gold');
  });
});
