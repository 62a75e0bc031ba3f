// Property: for random manifests and instances (<= 8 users, 3 organizations), executing the plan against the
// in-memory model gives an instance that satisfies the manifest, touches nothing else, and planning again yields
// no operations. Cases the planner rejects with errors are skipped (and counted, so the test cannot pass vacuously).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UNRESTRICTED_INSTANCE } from '../../src/fields/constants.ts';
import type {
  DesiredMembership,
  DesiredState,
  DesiredUser,
  JsonObject,
  JsonValue,
  LiveMembership,
  LiveOrganization,
  LiveSnapshot,
  LiveUser,
  MetadataField,
  UserKeyKind,
} from '../../src/model/index.ts';
import { createPlan, DEFAULT_PLAN_OPTIONS, type PlanOptions } from '../../src/plan/index.ts';
import { at, MARK } from './builders.ts';
import { clerkDeepMerge, executePlan } from './model-executor.ts';

const IDENTITIES = [0, 1, 2, 3, 4, 5, 6, 7];
const SLUGS = ['acme', 'globex', 'initech'];
const IGNORABLE = ['firstName', 'publicMetadata.a', 'unsafeMetadata', 'privateMetadata.b.c'];
const METADATA: MetadataField[] = ['publicMetadata', 'privateMetadata', 'unsafeMetadata'];

const emailsOf = (i: number) => [`u${i}a@x.test`, `u${i}b@x.test`, `u${i}c@x.test`];
const phonesOf = (i: number) => [`+1555000${i}1`, `+1555000${i}2`];
const keyOf = (kind: UserKeyKind, i: number) =>
  kind === 'externalId' ? `ext-${i}` : kind === 'emailAddress' ? `u${i}a@x.test` : `user${i}`;

// ---- arbitraries ----

const leaf: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.integer({ min: 0, max: 2 }),
  fc.constantFrom('x', 'y'),
  fc.constant(null),
  fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }),
);
const objectOf = (value: fc.Arbitrary<JsonValue>): fc.Arbitrary<JsonObject> =>
  fc
    .uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'c'), value), { maxLength: 3, selector: ([key]) => key })
    .map((entries) => Object.fromEntries(entries));
const metadata: fc.Arbitrary<JsonObject> = objectOf(fc.oneof(leaf, objectOf(leaf)));

/** Drops undefined properties (exactOptionalPropertyTypes: absent, not undefined). */
function compact<T extends object>(value: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}

const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });

function liveUserArb(i: number): fc.Arbitrary<LiveUser> {
  return fc
    .record({
      externalId: fc.constantFrom(`ext-${i}`, null),
      emails: fc.shuffledSubarray(emailsOf(i)),
      phones: fc.shuffledSubarray(phonesOf(i)),
      username: fc.constantFrom(`user${i}`, null),
      firstName: fc.constantFrom('A', 'B', null),
      lastName: fc.constantFrom('L', null),
      legalAcceptedAt: fc.constantFrom('2024-05-01T12:00:00.000Z', null),
      publicMetadata: metadata,
      privateMetadata: metadata,
      unsafeMetadata: metadata,
      marked: fc.boolean(),
      banned: fc.boolean(),
      locked: fc.boolean(),
    })
    .map((r) => {
      const emailAddresses = r.emails.map((emailAddress, n) => ({
        id: `idn_${i}_e${n}`,
        emailAddress,
        verified: true,
        linked: false,
      }));
      const phoneNumbers = r.phones.map((phoneNumber, n) => ({ id: `idn_${i}_p${n}`, phoneNumber, verified: true }));
      return {
        id: `user_${i}`,
        externalId: r.externalId,
        emailAddresses,
        primaryEmailAddressId: emailAddresses[0]?.id ?? null,
        phoneNumbers,
        primaryPhoneNumberId: phoneNumbers[0]?.id ?? null,
        username: r.username,
        firstName: r.firstName,
        lastName: r.lastName,
        legalAcceptedAt: r.legalAcceptedAt,
        publicMetadata: r.publicMetadata,
        privateMetadata: r.marked ? { ...r.privateMetadata, ...MARK } : r.privateMetadata,
        unsafeMetadata: r.unsafeMetadata,
        banned: r.banned,
        locked: r.locked,
        lockoutExpiresInSeconds: null,
        createdAt: 1000 + i,
        updatedAt: 2000 + i,
      };
    });
}

function desiredUserArb(kind: UserKeyKind, i: number, declaredSlugs: string[]): fc.Arbitrary<DesiredUser> {
  const key = keyOf(kind, i);
  return fc
    .record({
      externalId: maybe(kind === 'externalId' ? fc.constant(key) : fc.constantFrom(`ext-${i}`, `ext-${i}-new`)),
      emails: maybe(fc.shuffledSubarray(emailsOf(i))),
      phones: maybe(fc.shuffledSubarray(phonesOf(i))),
      username: maybe(kind === 'username' ? fc.constant(key) : fc.constantFrom(`user${i}`, `user${i}b`, null)),
      firstName: maybe(fc.constantFrom('A', 'B', null)),
      lastName: maybe(fc.constantFrom('L', null)),
      legalAcceptedAt: maybe(fc.constantFrom('2024-05-01T12:00:00.000Z', '2025-01-02T03:04:05.000Z')),
      publicMetadata: maybe(metadata),
      privateMetadata: maybe(metadata),
      unsafeMetadata: maybe(metadata),
      banned: maybe(fc.boolean()),
      locked: maybe(fc.boolean()),
      memberships: maybe(
        fc.uniqueArray(
          fc.record({
            org: fc.constantFrom(...(declaredSlugs.length > 0 ? declaredSlugs : ['-'])),
            role: fc.constantFrom('org:admin', 'org:member'),
          }),
          { maxLength: 3, selector: (m) => m.org },
        ),
      ),
    })
    .map((r) => {
      // The key is always one of the user's addresses (the manifest requires it).
      const emails = kind === 'emailAddress' && r.emails && !r.emails.includes(key) ? [key, ...r.emails] : r.emails;
      const memberships: DesiredMembership[] | undefined = r.memberships
        ?.filter((m) => declaredSlugs.includes(m.org))
        .map((m, n) => ({ ...m, source: at(100 + n) }));
      return compact<DesiredUser>({
        key,
        source: at(10 + i),
        externalId: r.externalId,
        emailAddresses: emails,
        phoneNumbers: r.phones,
        username: r.username,
        firstName: r.firstName,
        lastName: r.lastName,
        legalAcceptedAt: r.legalAcceptedAt,
        publicMetadata: r.publicMetadata,
        privateMetadata: r.privateMetadata,
        unsafeMetadata: r.unsafeMetadata,
        banned: r.banned,
        locked: r.locked,
        memberships,
      });
    });
}

interface Case {
  desired: DesiredState;
  live: LiveSnapshot;
  options: PlanOptions;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    userKey: fc.constantFrom<UserKeyKind>('externalId', 'emailAddress', 'username'),
    metadataMode: fc.constantFrom<'replace' | 'merge'>('replace', 'merge'),
    prune: fc.boolean(),
    ignore: fc.subarray(IGNORABLE),
    declaredSlugs: fc.subarray(SLUGS),
    liveSlugs: fc.subarray(SLUGS),
    orgNames: fc.array(fc.constantFrom('Name A', 'Name B'), { minLength: 3, maxLength: 3 }),
    orgPublic: fc.array(maybe(metadata), { minLength: 3, maxLength: 3 }),
    orgPrivate: fc.array(maybe(metadata), { minLength: 3, maxLength: 3 }),
    liveIds: fc.subarray(IDENTITIES),
    desiredIds: fc.subarray(IDENTITIES),
    seed: fc.integer(),
  })
  .chain((base) =>
    fc
      .record({
        liveUsers: fc.tuple(...base.liveIds.map(liveUserArb)),
        desiredUsers: fc.tuple(...base.desiredIds.map((i) => desiredUserArb(base.userKey, i, base.declaredSlugs))),
        roles: fc.array(fc.constantFrom(undefined, 'org:admin', 'org:member'), {
          minLength: IDENTITIES.length * SLUGS.length,
          maxLength: IDENTITIES.length * SLUGS.length,
        }),
        liveNames: fc.array(fc.constantFrom('Name A', 'Name B'), { minLength: 3, maxLength: 3 }),
        // Instances without slugs, organizations without one, and clerk-sync's marks (own key, another, none).
        liveHasSlug: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        liveMarks: fc.array(fc.constantFrom<string | null>(null, null, ...SLUGS), { minLength: 3, maxLength: 3 }),
        livePublic: fc.array(metadata, { minLength: 3, maxLength: 3 }),
        livePrivate: fc.array(metadata, { minLength: 3, maxLength: 3 }),
        slugsEnabled: fc.boolean(),
      })
      .map(
        ({
          liveUsers,
          desiredUsers,
          roles,
          liveNames,
          liveHasSlug,
          liveMarks,
          livePublic,
          livePrivate,
          slugsEnabled,
        }): Case => {
          const organizations = base.liveSlugs.map((slug) => ({
            id: `org_${slug}`,
            slug: liveHasSlug[SLUGS.indexOf(slug)] ? slug : null,
            name: liveNames[SLUGS.indexOf(slug)] as string,
            key: liveMarks[SLUGS.indexOf(slug)] ?? null,
            publicMetadata: livePublic[SLUGS.indexOf(slug)] ?? {},
            privateMetadata: {
              ...livePrivate[SLUGS.indexOf(slug)],
              ...(liveMarks[SLUGS.indexOf(slug)] ? { clerkSync: { key: liveMarks[SLUGS.indexOf(slug)] ?? null } } : {}),
            },
            maxAllowedMemberships: 0,
            updatedAt: 3000,
          }));
          const memberships: LiveMembership[] = [];
          for (const user of liveUsers) {
            for (const org of organizations) {
              const role = roles[Number(user.id.slice(5)) * SLUGS.length + SLUGS.indexOf(org.id.slice(4))];
              if (role)
                memberships.push({
                  id: `orgmem_${user.id}_${org.id}`,
                  organizationId: org.id,
                  userId: user.id,
                  role,
                  updatedAt: 4000,
                });
            }
          }
          return {
            desired: {
              settings: {
                userKey: base.userKey,
                prune: base.prune,
                metadataMode: base.metadataMode,
                ignore: base.ignore,
              },
              organizations: base.declaredSlugs.map((slug) =>
                compact<DesiredState['organizations'][number]>({
                  slug,
                  name: base.orgNames[SLUGS.indexOf(slug)] as string,
                  source: at(2),
                  publicMetadata: base.orgPublic[SLUGS.indexOf(slug)],
                  privateMetadata: base.orgPrivate[SLUGS.indexOf(slug)],
                }),
              ),
              users: desiredUsers,
              files: ['users.yaml'],
            },
            live: {
              users: liveUsers,
              organizations,
              memberships,
              instance: { ...UNRESTRICTED_INSTANCE, slugsEnabled },
            },
            options: { ...DEFAULT_PLAN_OPTIONS, allowMassDelete: true, allowMassChange: true },
          };
        },
      ),
  );

// ---- what "satisfies the manifest" means, written from the manifest rules, not from the planner ----

function setPath(object: JsonObject, path: string[], value: JsonValue | undefined): JsonObject {
  const [head, ...rest] = path;
  if (head === undefined) return object;
  const copy: JsonObject = { ...object };
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
    return copy;
  }
  const child = copy[head];
  if (child === undefined) {
    if (value !== undefined) copy[head] = setPath({}, rest, value);
    return copy;
  }
  if (typeof child !== 'object' || child === null || Array.isArray(child)) return copy;
  copy[head] = setPath(child, rest, value);
  return copy;
}

function getPath(object: JsonValue | undefined, path: string[]): JsonValue | undefined {
  let current = object;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = current[segment];
  }
  return current;
}

function findByKey(kind: UserKeyKind, key: string, users: LiveUser[]): LiveUser[] {
  return users.filter((user) =>
    kind === 'externalId'
      ? user.externalId === key
      : kind === 'emailAddress'
        ? user.emailAddresses.some((email) => email.emailAddress === key)
        : user.username === key,
  );
}

function expectSatisfies(desired: DesiredState, before: LiveSnapshot, after: LiveSnapshot): void {
  const { settings } = desired;
  const ignored = new Set(settings.ignore);
  const ignoredPaths = (field: MetadataField) =>
    settings.ignore.filter((path) => path.startsWith(`${field}.`)).map((path) => path.split('.').slice(1));
  // docs/manifest.md: an organization is the one carrying clerk-sync's mark with its key, else the one with its slug
  // (an organization adopted by its name or created by clerk-sync carries the mark afterwards).
  const orgFor = (key: string): LiveOrganization | undefined => {
    const marked = after.organizations.filter((org) => org.key === key);
    expect(marked.length).toBeLessThanOrEqual(1);
    return marked[0] ?? after.organizations.find((org) => org.slug === key);
  };
  const managedIds = new Set<string>();

  for (const org of desired.organizations) {
    const live = orgFor(org.slug);
    expect(live?.name).toBe(org.name);
    for (const field of ['publicMetadata', 'privateMetadata'] as const) {
      const declared = org[field];
      const actual = live?.[field];
      if (declared === undefined || actual === undefined) continue;
      // Replace: exactly the declared object (with the mark, which identifies it); merge: merging again changes nothing.
      const { clerkSync: _mark, ...rest } = actual;
      if (settings.metadataMode === 'replace')
        expect(field === 'privateMetadata' ? rest : actual).toStrictEqual(declared);
      else expect(clerkDeepMerge(actual, declared)).toStrictEqual(actual);
    }
  }

  for (const user of desired.users) {
    const found = findByKey(settings.userKey, user.key, after.users);
    expect(found).toHaveLength(1);
    const live = found[0] as LiveUser;
    managedIds.add(live.id);
    for (const field of ['externalId', 'username', 'firstName', 'lastName', 'legalAcceptedAt'] as const) {
      if (user[field] !== undefined && !ignored.has(field)) expect(live[field]).toBe(user[field]);
    }
    if (user.emailAddresses) {
      expect(live.emailAddresses.map((e) => e.emailAddress).sort()).toStrictEqual([...user.emailAddresses].sort());
      const primary = live.emailAddresses.find((e) => e.id === live.primaryEmailAddressId)?.emailAddress;
      expect(primary).toBe(user.emailAddresses[0]);
    }
    if (user.phoneNumbers) {
      expect(live.phoneNumbers.map((p) => p.phoneNumber).sort()).toStrictEqual([...user.phoneNumbers].sort());
      const primary = live.phoneNumbers.find((p) => p.id === live.primaryPhoneNumberId)?.phoneNumber ?? null;
      expect(primary).toBe(user.phoneNumbers[0] ?? null);
    }
    for (const field of METADATA) {
      const declared = user[field];
      if (declared === undefined || ignored.has(field)) continue;
      const actual = live[field];
      let expected: JsonObject;
      if (settings.metadataMode === 'replace') {
        expected = structuredClone(declared);
        for (const path of ignoredPaths(field)) expected = setPath(expected, path, getPath(actual, path));
        if (field === 'privateMetadata' && actual.clerkSync !== undefined) expected = { ...expected, ...MARK };
      } else {
        let sent = structuredClone(declared);
        for (const path of ignoredPaths(field)) sent = setPath(sent, path, undefined);
        // Merge mode is satisfied when merging the declared keys again would change nothing.
        expected = clerkDeepMerge(actual, sent);
        if (field === 'privateMetadata' && actual.clerkSync !== undefined) expected = { ...expected, ...MARK };
      }
      expect(actual).toStrictEqual(expected);
    }
    if (user.banned !== undefined) expect(live.banned).toBe(user.banned);
    if (user.locked !== undefined) expect(live.locked).toBe(user.locked);
    if (settings.prune) expect(live.privateMetadata.clerkSync).toStrictEqual(MARK.clerkSync);

    const wanted = new Map((user.memberships ?? []).map((m) => [m.org, m.role]));
    for (const org of desired.organizations) {
      const orgId = orgFor(org.slug)?.id;
      const membership = after.memberships.find((m) => m.organizationId === orgId && m.userId === live.id);
      expect(membership?.role).toBe(wanted.get(org.slug));
    }
    // Organizations the manifest does not declare keep exactly the memberships they had.
    const undeclared = (m: LiveMembership) =>
      m.userId === live.id && !desired.organizations.some((org) => orgFor(org.slug)?.id === m.organizationId);
    expect(after.memberships.filter(undeclared)).toStrictEqual(before.memberships.filter(undeclared));
  }

  // Users outside the manifest: untouched, unless pruned (only marked ones).
  for (const user of before.users) {
    if (managedIds.has(user.id)) continue;
    const still = after.users.find((candidate) => candidate.id === user.id);
    const marked = user.privateMetadata.clerkSync !== undefined;
    if (settings.prune && marked) {
      expect(still).toBeUndefined();
      expect(after.memberships.filter((m) => m.userId === user.id)).toStrictEqual([]);
    } else {
      expect(still).toStrictEqual(user);
      expect(after.memberships.filter((m) => m.userId === user.id)).toStrictEqual(
        before.memberships.filter((m) => m.userId === user.id),
      );
    }
  }
}

describe('plan, execute, re-plan', () => {
  it('reaches the manifest state and converges (no operations on the second plan)', () => {
    let planned = 0;
    let skipped = 0;
    let withOperations = 0;
    fc.assert(
      fc.property(caseArb, ({ desired, live, options }) => {
        const first = createPlan(desired, live, options);
        if (first.errors.length > 0) {
          skipped += 1;
          return;
        }
        planned += 1;
        if (first.plan.operations.length > 0) withOperations += 1;
        // The guards that keep an apply on managed objects (src/plan/guards.ts) never refuse what the planner makes.
        expect(first.refusals.map((refusal) => refusal.code)).not.toContain('unmanaged_delete');
        expect(first.refusals.map((refusal) => refusal.code)).not.toContain('undeclared_user');
        expect(first.refusals.map((refusal) => refusal.code)).not.toContain('undeclared_organization');
        const { state } = executePlan(first.plan, live);
        expectSatisfies(desired, live, state);
        const second = createPlan(desired, state, options);
        expect(second.errors).toStrictEqual([]);
        expect(second.plan.operations).toStrictEqual([]);
      }),
      { numRuns: 300 },
    );
    // The generator must mostly produce plannable cases with real work, or the property proves little.
    expect(planned).toBeGreaterThan(100);
    expect(withOperations).toBeGreaterThan(80);
    expect(skipped).toBeGreaterThan(0);
  });

  it('plans the same bytes whatever the order of the input arrays', () => {
    fc.assert(
      fc.property(caseArb, fc.integer(), ({ desired, live, options }, seed) => {
        const rotate = <T>(items: T[]): T[] => {
          if (items.length === 0) return items;
          const by = Math.abs(seed) % items.length;
          return [...items.slice(by), ...items.slice(0, by)].reverse();
        };
        const shuffled = createPlan(
          { ...desired, users: rotate(desired.users), organizations: rotate(desired.organizations) },
          {
            users: rotate(live.users),
            organizations: rotate(live.organizations),
            memberships: rotate(live.memberships),
            instance: live.instance,
          },
          options,
        );
        const original = createPlan(desired, live, options);
        expect(JSON.stringify(shuffled)).toBe(JSON.stringify(original));
      }),
      { numRuns: 100 },
    );
  });
});
