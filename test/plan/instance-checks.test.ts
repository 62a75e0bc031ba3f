// Plan-time refusals from the instance's settings and Clerk's rules (issue 13): unknown roles, member limits, the
// last admin, the last identifier, linked emails and a development instance's user cap. Each is an error of the
// plan, with a stable code and the manifest position of what causes it; and an admin handover plans in one apply.

import { describe, expect, it } from 'vitest';
import { UNRESTRICTED_INSTANCE } from '../../src/fields/constants.ts';
import { parseManifest } from '../../src/manifest/index.ts';
import type {
  DesiredMembership,
  DesiredState,
  LiveInstance,
  LiveOrganization,
  LiveSnapshot,
} from '../../src/model/index.ts';
import {
  createPlan,
  DEFAULT_PLAN_OPTIONS,
  type PlanDiagnostic,
  type PlanOptions,
  type PlanResult,
} from '../../src/plan/index.ts';
import { isDestructive } from '../../src/plan/order.ts';
import { at, desiredState, desiredUser, liveMembership, liveOrg, liveUser, MARK, org, snapshot } from './builders.ts';

const NEW_INSTANCE: LiveInstance = {
  environment: 'development',
  slugsEnabled: false,
  maxAllowedMemberships: 5,
  creatorRole: 'org:admin',
  roles: ['org:admin', 'org:member'],
  userCount: 0,
};

function instance(fields: Partial<LiveInstance> = {}): LiveInstance {
  return { ...NEW_INSTANCE, ...fields };
}

function plan(desired: DesiredState, live: LiveSnapshot, options: Partial<PlanOptions> = {}): PlanResult {
  return createPlan(desired, live, { ...DEFAULT_PLAN_OPTIONS, ...options });
}

/** code and position of each error: what the tables compare. */
function codes(result: PlanResult): { code: string; source?: PlanDiagnostic['source'] }[] {
  return result.errors.map(({ code, source }) => (source ? { code, source } : { code }));
}

function member(orgKey: string, role: string, line: number): DesiredMembership {
  return { org: orgKey, role, source: at(line, 9) };
}

function withLimit(organization: LiveOrganization, maxAllowedMemberships: number): LiveOrganization {
  return { ...organization, maxAllowedMemberships };
}

const acme = liveOrg('org_acme', 'acme', 'Acme');
const acmeDeclared = org('acme', 'Acme', 2);

/** Live users u1..un (external ids emp-1..emp-n), none marked. */
function liveUsers(count: number, from = 1) {
  return Array.from({ length: count }, (_, index) =>
    liveUser(`user_${index + from}`, { externalId: `emp-${index + from}`, emails: [`u${index + from}@acme.test`] }),
  );
}

describe('unknown_role', () => {
  it('refuses a role the instance does not define, at the membership, with a suggestion and the roles', () => {
    const desired = desiredState([desiredUser('emp-1', { memberships: [member('acme', 'org:admn', 20)] })], {
      organizations: [acmeDeclared],
    });
    const result = plan(desired, snapshot({ organizations: [acme], instance: instance() }));
    expect(codes(result)).toStrictEqual([{ code: 'unknown_role', source: at(20, 9) }]);
    const [error] = result.errors;
    expect(error?.message).toBe(
      'role "org:admn" of user "emp-1" in organization "acme" is not a role of this instance (did you mean "org:admin"?)',
    );
    expect(error?.hint).toContain("The instance's roles: org:admin, org:member.");
  });

  it('refuses a role change to an unknown role; says nothing of roles the plan does not send', () => {
    const desired = desiredState(
      [
        desiredUser('emp-1', { externalId: 'emp-1', memberships: [member('acme', 'org:billing', 20)] }),
        desiredUser('emp-2', { externalId: 'emp-2', memberships: [member('acme', 'org:legacy', 21)] }),
      ],
      { organizations: [acmeDeclared] },
    );
    const live = snapshot({
      users: liveUsers(2),
      organizations: [acme],
      memberships: [
        liveMembership('orgmem_1', 'org_acme', 'user_1', 'org:admin'),
        // A role the instance no longer lists, unchanged: nothing is sent, nothing to refuse.
        liveMembership('orgmem_2', 'org_acme', 'user_2', 'org:legacy'),
        liveMembership('orgmem_3', 'org_acme', 'user_3', 'org:admin'),
      ],
    });
    const result = plan(desired, { ...live, users: liveUsers(3), instance: instance() });
    expect(codes(result)).toStrictEqual([{ code: 'unknown_role', source: at(20, 9) }]);
    expect(result.errors[0]?.message).not.toContain('did you mean');
  });

  it('checks roles only when they were read; reports the typo, not the missing admin it causes', () => {
    const desired = desiredState([desiredUser('emp-1', { memberships: [member('acme', 'org:admn', 20)] })], {
      organizations: [acmeDeclared],
    });
    const read = plan(desired, snapshot({ organizations: [acme], instance: instance() }));
    expect(read.errors.map((error) => error.code)).toStrictEqual(['unknown_role']);
    const unread = plan(desired, snapshot({ organizations: [acme], instance: instance({ roles: null }) }));
    expect(unread.errors.map((error) => error.code)).toStrictEqual(['organization_without_admin']);
  });
});

describe('membership_quota_exceeded', () => {
  // emp-1..emp-n join acme (emp-1 as admin), in plan order create_membership:acme/emp-1, emp-2, ...
  const joining = (count: number) =>
    desiredState(
      Array.from({ length: count }, (_, index) =>
        desiredUser(`emp-${index + 1}`, {
          externalId: `emp-${index + 1}`,
          memberships: [member('acme', index === 0 ? 'org:admin' : 'org:member', 20 + index)],
        }),
      ),
      { organizations: [acmeDeclared] },
    );
  // Members the manifest does not list: they stay, and they count.
  const outsiders = (count: number) => ({
    users: liveUsers(count, 101),
    memberships: liveUsers(count, 101).map((user, index) =>
      liveMembership(`orgmem_${101 + index}`, 'org_acme', user.id, 'org:member'),
    ),
  });

  it('counts unmanaged members that stay and points at the first membership over the limit', () => {
    const { users, memberships } = outsiders(3);
    const result = plan(
      joining(3),
      snapshot({ users: [...liveUsers(3), ...users], organizations: [acme], memberships, instance: instance() }),
    );
    // 3 live + 3 new > 5: the third new one (emp-3, line 22) is the sixth member.
    expect(codes(result)).toStrictEqual([{ code: 'membership_quota_exceeded', source: at(22, 9) }]);
    expect(result.errors[0]?.message).toBe(
      'organization "acme" would have 6 members after the plan (3 in the manifest, 3 not in the manifest: unmanaged members count too), more than its limit of 5; the first one over the limit is user "emp-3" (u3@acme.test)',
    );
    expect(result.errors[0]?.hint).toContain('max_allowed_memberships');
  });

  it("an organization's own limit wins over the instance's; at the limit is fine; 0 everywhere is unlimited", () => {
    const live = (own: number, instanceLimit: number) =>
      snapshot({
        users: liveUsers(3),
        organizations: [withLimit(acme, own)],
        instance: instance({ maxAllowedMemberships: instanceLimit }),
      });
    expect(codes(plan(joining(3), live(2, 5)))).toStrictEqual([
      { code: 'membership_quota_exceeded', source: at(22, 9) },
    ]);
    expect(codes(plan(joining(3), live(3, 2)))).toStrictEqual([]);
    expect(codes(plan(joining(3), live(0, 3)))).toStrictEqual([]);
    expect(codes(plan(joining(3), live(0, 2)))).toStrictEqual([
      { code: 'membership_quota_exceeded', source: at(22, 9) },
    ]);
    expect(codes(plan(joining(8), live(0, 0)))).toStrictEqual([]);
  });

  it('an organization the plan creates has the instance default', () => {
    const result = plan(joining(6), snapshot({ users: liveUsers(6), instance: instance() }));
    expect(codes(result)).toStrictEqual([{ code: 'membership_quota_exceeded', source: at(25, 9) }]);
    expect(result.errors[0]?.message).toContain('would have 6 members after the plan');
  });

  it('refuses a swap in a full organization: additions run before removals', () => {
    // acme is full (5 of 5); the manifest replaces emp-5 with emp-6: 5 after the plan, but 6 when emp-6 is added.
    const desired = desiredState(
      [1, 2, 3, 4, 5, 6].map((n) =>
        desiredUser(`emp-${n}`, {
          externalId: `emp-${n}`,
          memberships: n === 5 ? [] : [member('acme', n === 1 ? 'org:admin' : 'org:member', 20 + n)],
        }),
      ),
      { organizations: [acmeDeclared] },
    );
    const live = snapshot({
      users: liveUsers(6),
      organizations: [acme],
      memberships: [1, 2, 3, 4, 5].map((n) =>
        liveMembership(`orgmem_${n}`, 'org_acme', `user_${n}`, n === 1 ? 'org:admin' : 'org:member'),
      ),
      instance: instance(),
    });
    const result = plan(desired, live);
    expect(codes(result)).toStrictEqual([{ code: 'membership_quota_exceeded', source: at(26, 9) }]);
    expect(result.errors[0]?.message).toBe(
      'organization "acme" has 5 members and the plan adds 1 before it removes any: it would reach 6, more than its limit of 5, at user "emp-6" (u6@acme.test) (after the plan: 5; 5 in the manifest, 0 not in the manifest: unmanaged members count too)',
    );
    expect(result.errors[0]?.hint).toContain('Apply in two steps');
  });
});

describe('organization_without_admin', () => {
  const alice = (role: string | null) =>
    desiredUser('emp-1', { externalId: 'emp-1', memberships: role ? [member('acme', role, 20)] : [] });
  const bob = (role: string) => desiredUser('emp-2', { externalId: 'emp-2', memberships: [member('acme', role, 30)] });
  const live = (memberships = [liveMembership('orgmem_1', 'org_acme', 'user_1', 'org:admin')]) =>
    snapshot({
      users: liveUsers(2),
      organizations: [acme],
      memberships: [...memberships, liveMembership('orgmem_2', 'org_acme', 'user_2', 'org:member')],
    });

  it('refuses demoting the last admin, at the membership that demotes it', () => {
    const result = plan(
      desiredState([alice('org:member'), bob('org:member')], { organizations: [acmeDeclared] }),
      live(),
    );
    expect(codes(result)).toStrictEqual([{ code: 'organization_without_admin', source: at(20, 9) }]);
    expect(result.errors[0]?.message).toBe(
      'organization "acme" would have 2 members and no org:admin after the plan: it takes the role from its last admin "emp-1" (u1@acme.test)',
    );
    expect(result.errors[0]?.hint).toContain('organization_minimum_permissions_needed');
  });

  it("refuses removing the last admin, at the user's memberships", () => {
    const leaving = desiredUser('emp-1', {
      externalId: 'emp-1',
      memberships: [],
    });
    const result = plan(
      desiredState([leaving, bob('org:member')], {
        organizations: [acmeDeclared],
        positions: { 'emp-1': { memberships: at(19, 5) } },
      }),
      live(),
    );
    expect(codes(result)).toStrictEqual([{ code: 'organization_without_admin', source: at(19, 5) }]);
  });

  it('an admin handover plans in one apply: the promotion before the demotion, which is destructive', () => {
    const result = plan(
      desiredState([alice('org:member'), bob('org:admin')], { organizations: [acmeDeclared] }),
      live(),
    );
    expect(result.errors).toStrictEqual([]);
    // The same demotion without the promotion is refused: the check sees the promotion.
    const alone = plan(
      desiredState([alice('org:member'), bob('org:member')], { organizations: [acmeDeclared] }),
      live(),
    );
    expect(alone.errors.map((error) => error.code)).toStrictEqual(['organization_without_admin']);
    const ids = result.plan.operations.map((op) => op.id);
    expect(ids).toStrictEqual(['update_membership_role:acme/emp-2', 'update_membership_role:acme/emp-1']);
    const [promotion, demotion] = result.plan.operations;
    expect(promotion).toMatchObject({
      changes: { role: { before: 'org:member', after: 'org:admin' } },
      downgrade: false,
    });
    expect(demotion).toMatchObject({
      changes: { role: { before: 'org:admin', after: 'org:member' } },
      downgrade: true,
    });
    // The executor starts destructive operations only once every constructive one has finished (README "apply").
    expect(promotion && isDestructive(promotion)).toBe(false);
    expect(demotion && isDestructive(demotion)).toBe(true);
  });

  it('a handover to a new member: the membership is created before the old admin leaves', () => {
    const result = plan(
      desiredState(
        [alice(null), bob('org:member'), desiredUser('emp-3', { memberships: [member('acme', 'org:admin', 40)] })],
        {
          organizations: [acmeDeclared],
        },
      ),
      live(),
    );
    expect(result.errors).toStrictEqual([]);
    const ids = result.plan.operations.map((op) => op.id);
    expect(ids.indexOf('create_membership:acme/emp-3')).toBeLessThan(ids.indexOf('delete_membership:acme/emp-1'));
    const newMember = desiredUser('emp-3', { memberships: [member('acme', 'org:member', 40)] });
    const noAdmin = plan(
      desiredState([alice(null), bob('org:member'), newMember], { organizations: [acmeDeclared] }),
      live(),
    );
    expect(noAdmin.errors.map((error) => error.code)).toStrictEqual(['organization_without_admin']);
  });

  it('an admin the manifest does not manage keeps the organization administered', () => {
    const desired = desiredState([alice('org:member'), bob('org:member')], { organizations: [acmeDeclared] });
    const unmanagedAdmin = liveMembership('orgmem_9', 'org_acme', 'user_9', 'org:admin');
    const withOther = live([liveMembership('orgmem_1', 'org_acme', 'user_1', 'org:admin'), unmanagedAdmin]);
    expect(plan(desired, withOther).errors).toStrictEqual([]);
    expect(plan(desired, live()).errors.map((error) => error.code)).toStrictEqual(['organization_without_admin']);
  });

  it('an organization left with no member at all is not refused; one member left without the role is', () => {
    const leaving = (key: string) => desiredUser(key, { externalId: key, memberships: [] });
    const empty = plan(desiredState([leaving('emp-1'), leaving('emp-2')], { organizations: [acmeDeclared] }), live());
    expect(empty.errors).toStrictEqual([]);
    const one = plan(desiredState([leaving('emp-1'), bob('org:member')], { organizations: [acmeDeclared] }), live());
    expect(one.errors.map((error) => error.code)).toStrictEqual(['organization_without_admin']);
  });

  it('refuses a new organization whose members include no admin, at its declaration', () => {
    const result = plan(
      desiredState([bob('org:member')], { organizations: [org('acme', 'Acme', 7)] }),
      snapshot({ users: liveUsers(2) }),
    );
    expect(codes(result)).toStrictEqual([{ code: 'organization_without_admin', source: at(7) }]);
    expect(result.errors[0]?.message).toContain('a new organization (clerk-sync creates it without members)');
  });

  it('refuses a prune that deletes the last admin while members remain', () => {
    const marked = liveUser('user_1', { externalId: 'emp-1', emails: ['u1@acme.test'], privateMetadata: MARK });
    const result = plan(
      desiredState([bob('org:member')], { settings: { prune: true }, organizations: [acmeDeclared] }),
      { ...live(), users: [marked, ...liveUsers(1, 2)] },
    );
    expect(codes(result)).toStrictEqual([{ code: 'organization_without_admin', source: at(2) }]);
    expect(result.errors[0]?.message).toContain('its last admin "user_1" (emp-1, u1@acme.test)');
  });
});

describe('last_identification_removal and linked_email_removal', () => {
  const sources = { emailAddresses: at(12, 5), phoneNumbers: at(13, 5), username: at(14, 5) };
  const positioned = { positions: { 'emp-1': sources } };

  it("refuses removing a user's only email address, at emailAddresses", () => {
    const result = plan(
      desiredState([desiredUser('emp-1', { externalId: 'emp-1', emailAddresses: [] })], {
        positions: { 'emp-1': sources },
      }),
      snapshot({ users: liveUsers(1) }),
    );
    expect(codes(result)).toStrictEqual([{ code: 'last_identification_removal', source: at(12, 5) }]);
    expect(result.errors[0]?.message).toBe(
      'user "emp-1" (u1@acme.test) would be left with no email address, phone number or username: the plan removes its last identifier (emailAddresses)',
    );
    expect(result.errors[0]?.hint).toContain('last_required_identification_deletion_failed');
  });

  it('refuses removing the last phone number or the username; a remaining identifier of any kind is enough', () => {
    const onlyPhone = liveUser('user_1', { externalId: 'emp-1', phones: ['+15550001'] });
    const onlyUsername = liveUser('user_1', { externalId: 'emp-1', username: 'alice' });
    const phones = desiredUser('emp-1', { externalId: 'emp-1', phoneNumbers: [] });
    const username = desiredUser('emp-1', { externalId: 'emp-1', username: null });
    expect(codes(plan(desiredState([phones], positioned), snapshot({ users: [onlyPhone] })))).toStrictEqual([
      { code: 'last_identification_removal', source: at(13, 5) },
    ]);
    expect(codes(plan(desiredState([username], positioned), snapshot({ users: [onlyUsername] })))).toStrictEqual([
      { code: 'last_identification_removal', source: at(14, 5) },
    ]);
    const both = liveUser('user_1', { externalId: 'emp-1', emails: ['a@acme.test'], username: 'alice' });
    const noEmails = desiredUser('emp-1', { externalId: 'emp-1', emailAddresses: [] });
    expect(codes(plan(desiredState([noEmails]), snapshot({ users: [both] })))).toStrictEqual([]);
    // Replacing the only address adds the new one first: never refused.
    const replaced = desiredUser('emp-1', { externalId: 'emp-1', emailAddresses: ['new@acme.test'] });
    expect(codes(plan(desiredState([replaced]), snapshot({ users: liveUsers(1) })))).toStrictEqual([]);
  });

  it('refuses removing an email address linked to an OAuth account; an unlinked one goes', () => {
    const user = liveUser('user_1', { externalId: 'emp-1', emails: ['a@acme.test', 'a@gmail.test', 'old@acme.test'] });
    const linked = {
      ...user,
      emailAddresses: user.emailAddresses.map((email) =>
        email.emailAddress === 'a@gmail.test' ? { ...email, linked: true } : email,
      ),
    };
    const desired = desiredState(
      [desiredUser('emp-1', { externalId: 'emp-1', emailAddresses: ['a@acme.test'] })],
      positioned,
    );
    const result = plan(desired, snapshot({ users: [linked] }));
    expect(codes(result)).toStrictEqual([{ code: 'linked_email_removal', source: at(12, 5) }]);
    expect(result.errors[0]?.message).toBe(
      'the plan removes email address a@gmail.test of user "emp-1" (a@acme.test), which is linked to an OAuth/SSO account',
    );
    expect(result.errors[0]?.hint).toContain('delete_linked_identification_disallowed');
    expect(codes(plan(desired, snapshot({ users: [user] })))).toStrictEqual([]);
  });
});

describe('user_cap_exceeded', () => {
  const newUsers = (count: number) =>
    Array.from({ length: count }, (_, index) =>
      desiredUser(`new-${index + 1}`, { externalId: `new-${index + 1}`, source: at(40 + index) }),
    );

  it('refuses passing the 100 users of a development instance, at the first user over the cap', () => {
    const result = plan(desiredState(newUsers(3)), snapshot({ instance: instance({ userCount: 98 }) }));
    expect(codes(result)).toStrictEqual([{ code: 'user_cap_exceeded', source: at(42) }]);
    expect(result.errors[0]?.message).toBe(
      'the plan would bring the development instance to 101 users (98 now, 3 created, 0 deleted), more than the 100 a development instance holds; the first user over the cap is "new-3"',
    );
  });

  it('up to the cap is fine; production and unread instances have no cap; the cap is an option', () => {
    expect(codes(plan(desiredState(newUsers(2)), snapshot({ instance: instance({ userCount: 98 }) })))).toStrictEqual(
      [],
    );
    const production = instance({ environment: 'production', userCount: 500 });
    expect(codes(plan(desiredState(newUsers(3)), snapshot({ instance: production })))).toStrictEqual([]);
    const unread = { ...UNRESTRICTED_INSTANCE, userCount: 500 };
    expect(codes(plan(desiredState(newUsers(3)), snapshot({ instance: unread })))).toStrictEqual([]);
    const small = plan(desiredState(newUsers(3)), snapshot({ instance: instance({ userCount: 1 }) }), {
      developmentUserCap: 2,
    });
    expect(codes(small)).toStrictEqual([{ code: 'user_cap_exceeded', source: at(41) }]);
  });

  it('refuses creating before pruning at the cap: creates run before deletions', () => {
    const marked = liveUser('user_old', { externalId: 'old', privateMetadata: MARK });
    const result = plan(
      desiredState(newUsers(1), { settings: { prune: true } }),
      snapshot({ users: [marked], instance: instance({ userCount: 100 }) }),
    );
    expect(codes(result)).toStrictEqual([{ code: 'user_cap_exceeded', source: at(40) }]);
    expect(result.errors[0]?.message).toBe(
      'the development instance has 100 users and the plan creates 1 before it deletes 1: it would reach 101, more than the 100 a development instance holds, at user "new-1"',
    );
  });
});

describe('positions in a manifest read from text', () => {
  const TEXT = `apiVersion: clerk-sync/v1
organizations:
  - { slug: acme, name: Acme }
users:
  - externalId: emp-1
    emailAddresses: []
    memberships:
      - { org: acme, role: "org:owner" }
`;

  it('file:line:col of the membership and of the field', () => {
    const parsed = parseManifest([{ file: 'users.yaml', text: TEXT }], { env: {} });
    expect(parsed.diagnostics).toStrictEqual([]);
    const live = snapshot({
      users: [liveUser('user_1', { externalId: 'emp-1', emails: ['a@acme.test'] })],
      organizations: [acme],
      instance: instance(),
    });
    const result = plan(parsed.desired as DesiredState, live);
    expect(codes(result)).toStrictEqual([
      { code: 'unknown_role', source: { file: 'users.yaml', line: 8, column: 9 } },
      { code: 'last_identification_removal', source: { file: 'users.yaml', line: 6, column: 21 } },
    ]);
  });
});
