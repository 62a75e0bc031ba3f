// Organization identity (docs/manifest.md "How organizations are identified"): a declared organization's key matches
// the live organization carrying clerk-sync's mark with it, else the one with that slug, else the one unmarked
// organization with exactly its name (adopted: marked). Ambiguity is an error at the declaration. Creates send a
// slug only where the instance has slugs, and always the mark.

import { describe, expect, it } from 'vitest';
import { UNRESTRICTED_INSTANCE } from '../../src/fields/constants.ts';
import type { DesiredState, LiveSnapshot } from '../../src/model/index.ts';
import {
  classifyDrift,
  createPlan,
  DEFAULT_PLAN_OPTIONS,
  lookUpOrganization,
  type Operation,
  presentPlan,
} from '../../src/plan/index.ts';
import { at, desiredState, desiredUser, liveMembership, liveOrg, liveUser, org, snapshot } from './builders.ts';

const ORG_SRC = { file: 'users.yaml', line: 2 };
const ALICE = { key: 'emp-1', userId: 'user_a', label: 'alice@acme.test' };
const alice = () => liveUser('user_a', { externalId: 'emp-1', emails: ['alice@acme.test'] });

/** One declared organization `acme` ("Acme Inc"), and alice wanting to be its admin. */
function acmeWithAdmin(extra: DesiredState['organizations'] = []): DesiredState {
  return desiredState(
    [desiredUser('emp-1', { externalId: 'emp-1', memberships: [{ org: 'acme', role: 'org:admin', source: at(20) }] })],
    { organizations: [org('acme', 'Acme Inc'), ...extra] },
  );
}

function ops(desired: DesiredState, live: LiveSnapshot): Operation[] {
  const result = createPlan(desired, live, DEFAULT_PLAN_OPTIONS);
  expect(result.errors).toStrictEqual([]);
  return result.plan.operations;
}

const roleChange = (orgId: string): Operation => ({
  id: 'update_membership_role:acme/emp-1',
  type: 'update_membership_role',
  org: { slug: 'acme', organizationId: orgId },
  user: ALICE,
  membershipId: 'orgmem_1',
  changes: { role: { before: 'org:member', after: 'org:admin' } },
  downgrade: false,
  dependsOn: [],
  source: { file: 'users.yaml', line: 20 },
});

describe('matching a declared organization with a live one', () => {
  it("(a) by clerk-sync's mark: whatever its slug and name, memberships and renames go to it", () => {
    const live = snapshot({
      users: [alice()],
      organizations: [
        liveOrg('org_marked', null, 'Acme (old name)', { key: 'acme' }),
        liveOrg('org_slug', 'acme', 'Acme Inc'),
      ],
      memberships: [liveMembership('orgmem_1', 'org_marked', 'user_a', 'org:member')],
    });
    expect(ops(acmeWithAdmin(), live)).toStrictEqual([
      {
        id: 'update_organization:acme',
        type: 'update_organization',
        org: { slug: 'acme', organizationId: 'org_marked' },
        changes: { name: { before: 'Acme (old name)', after: 'Acme Inc' } },
        dependsOn: [],
        source: ORG_SRC,
      },
      roleChange('org_marked'),
    ]);
  });

  it('(c) by its unique exact name, without slug or mark: adopted with one mark_organization', () => {
    const live = snapshot({
      users: [alice()],
      organizations: [
        liveOrg('org_named', null, 'Acme Inc'),
        liveOrg('org_near', null, 'Acme Inc.'),
        // Marked for another key: not a candidate, whatever its name.
        liveOrg('org_theirs', null, 'Acme Inc', { key: 'other' }),
      ],
      memberships: [liveMembership('orgmem_1', 'org_named', 'user_a', 'org:member')],
    });
    expect(ops(acmeWithAdmin(), live)).toStrictEqual([
      {
        id: 'mark_organization:acme',
        type: 'mark_organization',
        org: { slug: 'acme', organizationId: 'org_named' },
        name: 'Acme Inc',
        matchedBy: 'name',
        dependsOn: [],
        source: ORG_SRC,
      },
      roleChange('org_named'),
    ]);
  });

  it('(c) by name also adopts an unmarked organization whose slug is something else', () => {
    const live = snapshot({ organizations: [liveOrg('org_named', 'acme-inc-1', 'Acme Inc')] });
    expect(ops(desiredState([], { organizations: [org('acme', 'Acme Inc')] }), live)).toMatchObject([
      { id: 'mark_organization:acme', org: { organizationId: 'org_named' } },
    ]);
  });

  it('(b) by slug, without a mark (a slug is identity enough); the mark wins over a slug, a slug over a name', () => {
    const live = snapshot({
      users: [alice()],
      organizations: [
        liveOrg('org_slug', 'acme', 'Acme Inc'),
        liveOrg('org_marked', 'acme-2', 'Acme Inc 2', { key: 'acme' }),
        liveOrg('org_beta_named', null, 'Beta'),
        liveOrg('org_beta_slug', 'beta', 'Beta'),
      ],
      memberships: [liveMembership('orgmem_1', 'org_beta_slug', 'user_a', 'org:member')],
    });
    const desired = desiredState(
      [desiredUser('emp-1', { externalId: 'emp-1', memberships: [{ org: 'beta', role: 'org:member' }] })],
      { organizations: [org('acme', 'Acme Inc 2'), org('beta', 'Beta', 3)] },
    );
    // acme is org_marked (its name already matches); beta is org_beta_slug, alice's membership is there already, and
    // it is not marked: nothing to do at all.
    expect(ops(desired, live)).toStrictEqual([]);
  });

  it('a name is not an identity: an organization another key holds is not a candidate (the second one is created)', () => {
    const live = snapshot({ organizations: [liveOrg('org_slug', 'acme', 'Acme Inc')] });
    const desired = desiredState([], { organizations: [org('acme', 'Acme Inc'), org('acme-eu', 'Acme Inc', 3)] });
    expect(ops(desired, live)).toStrictEqual([
      {
        id: 'create_organization:acme-eu',
        type: 'create_organization',
        org: { slug: 'acme-eu', organizationId: null },
        name: 'Acme Inc',
        slug: 'acme-eu',
        dependsOn: [],
        source: { file: 'users.yaml', line: 3 },
      },
    ]);
  });

  it('memberships of users the manifest lists are removed from an organization without a slug, found by its mark', () => {
    const live = snapshot({
      users: [alice()],
      organizations: [liveOrg('org_named', null, 'Acme Inc', { key: 'acme' })],
      memberships: [liveMembership('orgmem_1', 'org_named', 'user_a', 'org:member')],
    });
    const desired = desiredState([desiredUser('emp-1', { externalId: 'emp-1' })], {
      organizations: [org('acme', 'Acme Inc')],
    });
    expect(ops(desired, live)).toStrictEqual([
      {
        id: 'delete_membership:acme/emp-1',
        type: 'delete_membership',
        org: { slug: 'acme', organizationId: 'org_named' },
        user: ALICE,
        membershipId: 'orgmem_1',
        role: 'org:member',
        dependsOn: [],
        source: { file: 'users.yaml', line: 10 },
      },
    ]);
  });
});

describe('creating an organization', () => {
  const create = (slugsEnabled: boolean) =>
    ops(acmeWithAdmin(), { ...snapshot({ users: [alice()] }), instance: { ...UNRESTRICTED_INSTANCE, slugsEnabled } });

  it('records the slug to send when the instance has slugs', () => {
    expect(create(true)[0]).toStrictEqual({
      id: 'create_organization:acme',
      type: 'create_organization',
      org: { slug: 'acme', organizationId: null },
      name: 'Acme Inc',
      slug: 'acme',
      dependsOn: [],
      source: ORG_SRC,
    });
  });

  it('shows the slug it sends, and none when it sends none', () => {
    const lines = (slugsEnabled: boolean) => {
      const live = { ...snapshot(), instance: { ...UNRESTRICTED_INSTANCE, slugsEnabled } };
      const { plan } = createPlan(
        desiredState([], { organizations: [org('acme', 'Acme Inc')] }),
        live,
        DEFAULT_PLAN_OPTIONS,
      );
      return presentPlan(plan).groups[0]?.operations[0]?.lines.map((item) => `${item.label}: ${item.after}`);
    };
    expect(lines(true)).toStrictEqual(['name: "Acme Inc"', 'slug: "acme"']);
    expect(lines(false)).toStrictEqual(['name: "Acme Inc"']);
  });

  it('records no slug when the instance has slugs disabled; memberships still wait for the create', () => {
    const [first, second] = create(false);
    expect(first).toMatchObject({ type: 'create_organization', org: { slug: 'acme' }, slug: null });
    expect(second).toMatchObject({
      id: 'create_membership:acme/emp-1',
      org: { slug: 'acme', organizationId: null },
      dependsOn: ['create_organization:acme'],
    });
  });
});

describe('ambiguous_organization_match', () => {
  const codes = (desired: DesiredState, live: LiveSnapshot) => {
    const { errors, plan } = createPlan(desired, live, DEFAULT_PLAN_OPTIONS);
    return { errors, operations: plan.operations };
  };

  it('two unmarked organizations with the name: refused at the declaration, naming both; nothing planned there', () => {
    const live = snapshot({
      users: [alice()],
      organizations: [liveOrg('org_2', null, 'Acme Inc'), liveOrg('org_1', null, 'Acme Inc')],
      memberships: [liveMembership('orgmem_1', 'org_1', 'user_a', 'org:member')],
    });
    const { errors, operations } = codes(acmeWithAdmin(), live);
    expect(errors).toStrictEqual([
      {
        code: 'ambiguous_organization_match',
        message: 'organization "acme" matches 2 live organizations by name (org_1 ("Acme Inc"), org_2 ("Acme Inc"))',
        source: at(2),
        hint: expect.stringContaining('rename all but one'),
      },
    ]);
    // No create (it would make a third), no membership, and no unknown_organization for alice's membership.
    expect(operations).toStrictEqual([]);
  });

  it("two organizations carrying the key's mark", () => {
    const live = snapshot({
      organizations: [liveOrg('org_1', null, 'A', { key: 'acme' }), liveOrg('org_2', 'acme', 'B', { key: 'acme' })],
    });
    const { errors } = codes(desiredState([], { organizations: [org('acme', 'Acme Inc')] }), live);
    expect(errors.map((error) => [error.code, error.message])).toStrictEqual([
      [
        'ambiguous_organization_match',
        'organization "acme" matches 2 live organizations by clerk-sync\'s mark (org_1 ("A"), org_2 ("B"))',
      ],
    ]);
  });

  it('one live organization claimed by two declared ones (same name): both refused', () => {
    const live = snapshot({ organizations: [liveOrg('org_1', null, 'Acme Inc')] });
    const desired = desiredState([], { organizations: [org('acme', 'Acme Inc', 2), org('acme-2', 'Acme Inc', 5)] });
    const { errors, operations } = codes(desired, live);
    expect(errors.map((error) => [error.code, error.source?.line, error.message])).toStrictEqual([
      [
        'ambiguous_organization_match',
        2,
        'live organization org_1 ("Acme Inc") is matched by name by 2 manifest organizations ("acme", "acme-2")',
      ],
      [
        'ambiguous_organization_match',
        5,
        'live organization org_1 ("Acme Inc") is matched by name by 2 manifest organizations ("acme", "acme-2")',
      ],
    ]);
    expect(operations).toStrictEqual([]);
  });

  it("a slug match on an organization another key holds by its mark is refused, not created (Clerk's slugs are unique)", () => {
    const live = snapshot({ organizations: [liveOrg('org_1', 'beta', 'Acme Inc', { key: 'acme' })] });
    const desired = desiredState([], { organizations: [org('acme', 'Acme Inc', 2), org('beta', 'Beta', 4)] });
    const { errors, operations } = codes(desired, live);
    expect(errors.map((error) => [error.source?.line, error.message])).toStrictEqual([
      [
        4,
        'organization "beta" matches live organization org_1 ("Acme Inc") by slug, which organization "acme" already matches by clerk-sync\'s mark',
      ],
    ]);
    expect(operations).toStrictEqual([]);
  });
});

describe('mark_organization in the views', () => {
  const live = snapshot({ organizations: [liveOrg('org_named', null, 'Acme Inc')] });
  const desired = desiredState([], { organizations: [org('acme', 'Acme Inc')] });

  it('is shown as an organization change and counted as one change', () => {
    const { plan } = createPlan(desired, live, DEFAULT_PLAN_OPTIONS);
    const presentation = presentPlan(plan);
    expect(presentation.summaryLine).toBe('Plan: 0 to create, 1 to change, 0 to delete.');
    expect(presentation.groups).toStrictEqual([
      {
        key: 'organization:acme',
        kind: 'organization',
        symbol: '~',
        title: 'organization acme (Acme Inc)',
        operations: [
          {
            id: 'mark_organization:acme',
            type: 'mark_organization',
            kind: 'change',
            symbol: '~',
            title: 'mark as managed (matched by name)',
            lines: [{ symbol: '+', label: 'privateMetadata.clerkSync.key', after: '"acme"' }],
          },
        ],
      },
    ]);
    expect(plan.liveVersions.organizations).toStrictEqual({ org_named: { updatedAt: 1_700_000_000_100 } });
  });

  it('is not drift: adopting an organization is identity bookkeeping', () => {
    const { plan } = createPlan(desired, live, DEFAULT_PLAN_OPTIONS);
    expect(classifyDrift(plan, desired, live).summary.total).toBe(0);
  });
});

describe('lookUpOrganization (apply after an unknown create outcome, stale check)', () => {
  const orgs = [
    liveOrg('org_named', null, 'Acme Inc'),
    liveOrg('org_slug', 'acme', 'Other'),
    liveOrg('org_marked', null, 'Whatever', { key: 'acme' }),
  ];

  it('finds by mark, then slug, never by name', () => {
    expect(lookUpOrganization('acme', orgs)).toMatchObject({ kind: 'found', by: 'mark', live: { id: 'org_marked' } });
    expect(lookUpOrganization('acme', orgs.slice(0, 2))).toMatchObject({ kind: 'found', by: 'slug' });
    expect(lookUpOrganization('acme', orgs.slice(0, 1))).toStrictEqual({ kind: 'none' });
  });

  it('reports two marked organizations as ambiguous', () => {
    const twice = [...orgs, liveOrg('org_again', null, 'X', { key: 'acme' })];
    expect(lookUpOrganization('acme', twice)).toMatchObject({ kind: 'ambiguous', by: 'mark' });
  });
});
