// Plan-time refusals from the instance's settings (issue 13): what a real Clerk instance would refuse halfway through
// an apply is refused before any write, at the manifest line. Pure: reads the plan's operations, the live snapshot
// and the desired state. Organizations are resolved through the operations (a live id, or the manifest key of one
// the plan creates), never by matching slugs here. Plans that do not come from a manifest (undo) pass the same
// checks without one: each refusal is then placed at its operation's own source (the journal line it reverses).

import { didYouMean } from '../manifest/suggest.ts';
import type { DesiredState, DesiredUser, LiveMembership, LiveSnapshot, SourceRef } from '../model/index.ts';
import { plural } from '../util/plural.ts';
import { ADMIN_ROLE } from './destructive.ts';
import { membershipSource } from './diff-user.ts';
import type { UserMatch } from './identity.ts';
import { compareStrings } from './json-values.ts';
import type {
  CreateMembershipOp,
  CreateUserOp,
  Operation,
  OrgRef,
  PlanDiagnostic,
  PlanOptions,
  UserRef,
} from './types.ts';

export { ADMIN_ROLE };

export interface InstanceCheckContext {
  options: Pick<PlanOptions, 'developmentUserCap'>;
  /**
   * Manifest users and the live users they matched: a member that is none of these is unmanaged. null for a plan
   * without a manifest (undo), whose messages do not speak of one.
   */
  matches: readonly UserMatch[] | null;
}

/** Every refusal the instance's settings call for, in a fixed order: roles, organizations, identifiers, user cap. */
export function instanceChecks(
  desired: DesiredState | null,
  live: LiveSnapshot,
  operations: readonly Operation[],
  context: InstanceCheckContext,
): PlanDiagnostic[] {
  const positions = new Positions(desired);
  const roles = unknownRoles(live, operations, positions);
  return [
    ...roles.errors,
    ...organizationChecks(live, operations, context, positions, roles.organizations),
    ...identifierChecks(live, operations, positions),
    ...userCap(live, operations, context.options, positions),
  ];
}

// ---- positions ----

type Source = NonNullable<PlanDiagnostic['source']>;

function diagnostic(code: string, message: string, source: Source | undefined, hint: string): PlanDiagnostic {
  return { code, message, ...(source ? { source } : {}), hint };
}

function position(ref: SourceRef): Source {
  return { file: ref.file, line: ref.line, column: ref.column };
}

/**
 * Manifest positions, found only when a refusal needs one (looking a user's up computes them). Without a
 * manifest, the operation's own source.
 */
class Positions {
  private readonly desired: DesiredState | null;
  private users: Map<string, DesiredUser> | undefined;

  constructor(desired: DesiredState | null) {
    this.desired = desired;
  }

  user(key: string | null): DesiredUser | undefined {
    if (key === null || this.desired === null) return undefined;
    this.users ??= new Map(this.desired.users.map((user) => [user.key, user]));
    return this.users.get(key);
  }

  /** The first of `fields` the user's entry records, else the user's entry, else the operation's line. */
  field(op: Operation & { user: UserRef }, ...fields: string[]): Source | undefined {
    const user = this.user(op.user.key);
    if (!user) return fallback(op);
    const sources = this.desired?.positions?.user(user.key);
    for (const field of fields) {
      const ref = sources?.[field];
      if (ref) return position(ref);
    }
    return position(user.source);
  }

  /** The membership of the operation's user in its organization as declared, else the user's `memberships`. */
  membership(op: Operation & { user: UserRef; org: OrgRef }): Source | undefined {
    const user = this.user(op.user.key);
    if (!user) return fallback(op);
    const declared = user.memberships?.find((membership) => membership.org === op.org.slug);
    if (declared) return position(membershipSource(user, declared, this.desired?.positions));
    return this.field(op, 'memberships');
  }

  /** The organization's entry under `organizations:`. */
  organization(key: string): Source | undefined {
    const declared = this.desired?.organizations.find((org) => org.slug === key);
    return declared ? position(declared.source) : undefined;
  }
}

function fallback(op: Operation): Source | undefined {
  return op.source ? { file: op.source.file, line: op.source.line, column: 1 } : undefined;
}

function userName(user: UserRef): string {
  const name = user.key ?? user.userId ?? '?';
  return user.label !== undefined && user.label !== name ? `"${name}" (${user.label})` : `"${name}"`;
}

// ---- roles ----

/**
 * Roles a membership operation would send that the instance does not define (Clerk: 404 "Organization role not
 * found"), and the organizations they are in (whose admin check would only repeat the typo).
 */
function unknownRoles(
  live: LiveSnapshot,
  operations: readonly Operation[],
  positions: Positions,
): { errors: PlanDiagnostic[]; organizations: Set<string> } {
  const errors: PlanDiagnostic[] = [];
  const organizations = new Set<string>();
  const roles = live.instance.roles;
  if (roles === null) return { errors, organizations };
  const known = new Set(roles);
  for (const op of operations) {
    if (op.type !== 'create_membership' && op.type !== 'update_membership_role') continue;
    const role = op.type === 'create_membership' ? op.role : op.changes.role.after;
    if (known.has(role)) continue;
    organizations.add(orgId(op.org));
    const listed = [...roles].sort(compareStrings);
    const shown = listed.length > 10 ? `${listed.slice(0, 10).join(', ')}, …` : listed.join(', ');
    errors.push(
      diagnostic(
        'unknown_role',
        `role "${role}" of user ${userName(op.user)} in organization "${op.org.slug}" is not a role of this instance${didYouMean(role, roles)}`,
        positions.membership(op),
        `The instance's roles: ${shown === '' ? '(none)' : shown}. Use one of them, or create the role in the Clerk dashboard first (Clerk answers 404 "Organization role not found" to an unknown role).`,
      ),
    );
  }
  return { errors, organizations };
}

// ---- organizations: member limit and admin ----

/** What the plan does to one organization's members, in plan order. */
interface OrgChanges {
  /** Manifest key (the operations' org.slug), or the live organization's mark, slug or name. */
  name: string;
  /** Live id; null for an organization the plan creates. */
  liveId: string | null;
  /** Membership operations in this organization, in plan order. */
  operations: (Operation & { type: 'create_membership' | 'update_membership_role' | 'delete_membership' })[];
  /** Live members deleted with their user (prune), with the deletion and its index in the plan. */
  pruned: { userId: string; role: string; at: number; op: Operation }[];
  live: LiveMembership[];
}

/** An organization: its live id, or `+<manifest key>` for one the plan creates. */
function orgId(org: OrgRef): string {
  return org.organizationId ?? `+${org.slug}`;
}

/** A member of an organization: its live user id, or `key:<manifest key>` for a user the plan creates. */
function memberKey(user: UserRef): string {
  return user.userId ?? `key:${user.key ?? ''}`;
}

function organizationChecks(
  live: LiveSnapshot,
  operations: readonly Operation[],
  context: InstanceCheckContext,
  positions: Positions,
  unknownRoleOrgs: ReadonlySet<string>,
): PlanDiagnostic[] {
  const orgs = new Map<string, OrgChanges>();
  const touch = (id: string, name: string, liveId: string | null): OrgChanges => {
    let changes = orgs.get(id);
    if (!changes) {
      changes = { name, liveId, operations: [], pruned: [], live: [] };
      orgs.set(id, changes);
    }
    return changes;
  };
  const deletedUsers = new Map<string, { op: Operation; at: number }>();
  operations.forEach((op, at) => {
    if (op.type === 'create_organization') touch(orgId(op.org), op.org.slug, null);
    else if (
      op.type === 'create_membership' ||
      op.type === 'update_membership_role' ||
      op.type === 'delete_membership'
    ) {
      touch(orgId(op.org), op.org.slug, op.org.organizationId).operations.push(op);
    } else if (op.type === 'delete_user' && op.user.userId !== null) deletedUsers.set(op.user.userId, { op, at });
  });
  if (deletedUsers.size > 0) {
    // A deleted user's memberships go with it (Clerk deletes them): they leave every organization they were in.
    const liveOrgs = new Map(live.organizations.map((org) => [org.id, org]));
    for (const membership of live.memberships) {
      const deleted = deletedUsers.get(membership.userId);
      if (!deleted) continue;
      const org = liveOrgs.get(membership.organizationId);
      const name = org ? (org.key ?? org.slug ?? org.name) : membership.organizationId;
      touch(membership.organizationId, name, membership.organizationId).pruned.push({
        userId: membership.userId,
        role: membership.role,
        ...deleted,
      });
    }
  }
  if (orgs.size === 0) return [];
  for (const membership of live.memberships) orgs.get(membership.organizationId)?.live.push(membership);

  let managed: Set<string> | undefined;
  const { matches } = context;
  const isManaged =
    matches === null
      ? null
      : (member: string): boolean => {
          managed ??= new Set(matches.flatMap((match) => (match.live ? [match.live.id] : [])));
          return member.startsWith('key:') || managed.has(member);
        };
  const limits = new Map(live.organizations.map((org) => [org.id, org.maxAllowedMemberships]));
  const errors: PlanDiagnostic[] = [];
  // Sorted by name, then id: the same inputs in any order give the same errors.
  const sorted = [...orgs.entries()].sort(
    ([idA, a], [idB, b]) => compareStrings(a.name, b.name) || compareStrings(idA, idB),
  );
  for (const [id, changes] of sorted) {
    const own = changes.liveId === null ? 0 : (limits.get(changes.liveId) ?? 0);
    // The organization's own limit wins; 0 means the instance's (Clerk: max_allowed_memberships).
    const limit = own > 0 ? own : live.instance.maxAllowedMemberships;
    const quota = membershipQuota(changes, limit, isManaged, positions);
    if (quota) errors.push(quota);
    // An unknown role may be the admin role misspelt: that error is the one to fix.
    const admin = unknownRoleOrgs.has(id) ? null : organizationAdmin(changes, positions);
    if (admin) errors.push(admin);
  }
  return errors;
}

/** Members after the plan: member key -> role. */
function membersAfter(changes: OrgChanges): Map<string, string> {
  const members = new Map(changes.live.map((membership) => [membership.userId, membership.role]));
  for (const op of changes.operations) {
    if (op.type === 'create_membership') members.set(memberKey(op.user), op.role);
    else if (op.type === 'update_membership_role') members.set(memberKey(op.user), op.changes.role.after);
    else members.delete(memberKey(op.user));
  }
  for (const { userId } of changes.pruned) members.delete(userId);
  return members;
}

/**
 * More members than the organization allows (Clerk: 403 organization_membership_quota_exceeded). Additions run
 * before removals (src/plan/order.ts), so the count that matters is the live members plus the additions, even when
 * removals bring the final count back under the limit.
 */
function membershipQuota(
  changes: OrgChanges,
  limit: number,
  isManaged: ((member: string) => boolean) | null,
  positions: Positions,
): PlanDiagnostic | null {
  const creates = changes.operations.filter((op): op is CreateMembershipOp => op.type === 'create_membership');
  const current = changes.live.length;
  const peak = current + creates.length;
  if (limit <= 0 || creates.length === 0 || peak <= limit) return null;
  const first = creates[Math.max(0, limit - current)] as CreateMembershipOp;
  const after = [...membersAfter(changes).keys()];
  // Without a manifest (undo) every member is simply a member.
  const unmanaged = isManaged === null ? 0 : after.filter((member) => !isManaged(member)).length;
  const counted =
    isManaged === null
      ? ''
      : `${after.length - unmanaged} in the manifest, ${unmanaged} not in the manifest: unmanaged members count too`;
  if (after.length > limit) {
    return diagnostic(
      'membership_quota_exceeded',
      `organization "${changes.name}" would have ${plural(after.length, 'member')} after the plan${counted === '' ? '' : ` (${counted})`}, more than its limit of ${limit}; the first one over the limit is user ${userName(first.user)}`,
      positions.membership(first),
      `Declare at most ${limit} members (including those not in the manifest), or raise the organization's limit (max_allowed_memberships) in Clerk. Clerk refuses the member past the limit (organization_membership_quota_exceeded).`,
    );
  }
  return diagnostic(
    'membership_quota_exceeded',
    `organization "${changes.name}" has ${plural(current, 'member')} and the plan adds ${creates.length} before it removes any: it would reach ${peak}, more than its limit of ${limit}, at user ${userName(first.user)} (after the plan: ${after.length}${counted === '' ? '' : `; ${counted}`})`,
    positions.membership(first),
    `Apply in two steps: first the manifest without the new members (removals only), then with them; or raise the organization's limit (max_allowed_memberships) in Clerk. Additions run before removals so that a halted apply removes nothing.`,
  );
}

/**
 * A managed organization whose members after the plan include no admin. Clerk refuses to demote or remove the last
 * admin (400 organization_minimum_permissions_needed); an organization clerk-sync creates starts with no member.
 * Every admin-granting operation runs before every admin-removing one (src/plan/order.ts), so checking the state
 * after the plan is enough: a handover in one apply never passes through "no admin".
 */
function organizationAdmin(changes: OrgChanges, positions: Positions): PlanDiagnostic | null {
  const members = membersAfter(changes);
  if (members.size === 0) return null;
  for (const role of members.values()) if (role === ADMIN_ROLE) return null;
  // What took the role from an admin, in plan order: role changes, removals, then deleted users (destructive last).
  const losses: (Operation & { user: UserRef })[] = [];
  for (const op of changes.operations) {
    const was =
      op.type === 'update_membership_role' ? op.changes.role.before : op.type === 'delete_membership' ? op.role : null;
    if (was === ADMIN_ROLE) losses.push(op);
  }
  const prunedAdmins = changes.pruned.filter((pruned) => pruned.role === ADMIN_ROLE).sort((a, b) => a.at - b.at);
  for (const { op } of prunedAdmins) if ('user' in op) losses.push(op);
  const count = plural(members.size, 'member');
  const hint = `Give at least one of its members the role ${ADMIN_ROLE} in the manifest. To hand admin over, promote the new admin and demote the old one in the same manifest: promotions run first.`;
  const firstLoss = losses[0];
  if (firstLoss) {
    const who = losses.map((loss) => userName(loss.user)).join(', ');
    const op = firstLoss;
    const source =
      op.type === 'update_membership_role' || op.type === 'delete_membership'
        ? positions.membership(op)
        : (positions.organization(changes.name) ?? fallback(op));
    return diagnostic(
      'organization_without_admin',
      `organization "${changes.name}" would have ${count} and no ${ADMIN_ROLE} after the plan: it takes the role from its last ${losses.length === 1 ? 'admin' : 'admins'} ${who}`,
      source,
      `${hint} Clerk refuses to remove or demote the last admin (organization_minimum_permissions_needed).`,
    );
  }
  const firstMember = changes.operations.find((op) => op.type !== 'delete_membership');
  const created = changes.liveId === null ? 'a new organization (clerk-sync creates it without members), ' : '';
  return diagnostic(
    'organization_without_admin',
    `organization "${changes.name}" would have ${count} and no ${ADMIN_ROLE} after the plan: ${created}none of its members is an admin`,
    positions.organization(changes.name) ?? (firstMember ? positions.membership(firstMember) : undefined),
    hint,
  );
}

// ---- identifiers ----

interface IdentifierEdits {
  user: UserRef;
  first: Operation & { user: UserRef };
  /** Live ids of the email addresses the plan removes, with the removal. */
  removedEmails: Map<string, Operation & { user: UserRef }>;
  removedPhones: Set<string>;
  addedEmails: number;
  addedPhones: number;
  /** The username after the plan, when the plan changes it. */
  username?: string | null;
  removesEmail: boolean;
  removesPhone: boolean;
}

/**
 * A plan that leaves a user with no email address, phone number or username (Clerk: 400
 * last_required_identification_deletion_failed), or removes an email address linked to an OAuth/SSO account
 * (Clerk: 400 delete_linked_identification_disallowed).
 */
function identifierChecks(
  live: LiveSnapshot,
  operations: readonly Operation[],
  positions: Positions,
): PlanDiagnostic[] {
  const edits = new Map<string, IdentifierEdits>();
  const edit = (op: Operation & { user: UserRef }, userId: string): IdentifierEdits => {
    let found = edits.get(userId);
    if (!found) {
      found = {
        user: op.user,
        first: op,
        removedEmails: new Map(),
        removedPhones: new Set(),
        addedEmails: 0,
        addedPhones: 0,
        removesEmail: false,
        removesPhone: false,
      };
      edits.set(userId, found);
    }
    return found;
  };
  let removes = false;
  for (const op of operations) {
    if (!('user' in op) || op.user.userId === null) continue;
    const userId = op.user.userId;
    if (op.type === 'remove_email_address') {
      const found = edit(op, userId);
      found.removedEmails.set(op.emailAddressId, op);
      found.removesEmail = true;
      removes = true;
    } else if (op.type === 'remove_phone_number') {
      const found = edit(op, userId);
      found.removedPhones.add(op.phoneNumberId);
      found.removesPhone = true;
      removes = true;
    } else if (op.type === 'add_email_address') edit(op, userId).addedEmails += 1;
    else if (op.type === 'add_phone_number') edit(op, userId).addedPhones += 1;
    else if (op.type === 'update_user' && op.changes.username) {
      edit(op, userId).username = op.changes.username.after;
      if (op.changes.username.after === null) removes = true;
    }
  }
  if (!removes) return [];

  const last: PlanDiagnostic[] = [];
  const linked: PlanDiagnostic[] = [];
  for (const user of live.users) {
    const found = edits.get(user.id);
    if (!found) continue;
    for (const email of user.emailAddresses) {
      const op = email.linked ? found.removedEmails.get(email.id) : undefined;
      if (!op) continue;
      linked.push(
        diagnostic(
          'linked_email_removal',
          `the plan removes email address ${email.emailAddress} of user ${userName(found.user)}, which is linked to an OAuth/SSO account`,
          positions.field(op, 'emailAddresses'),
          'Keep the address in emailAddresses, or disconnect the external account in Clerk first. Clerk refuses to delete a linked email address (delete_linked_identification_disallowed).',
        ),
      );
    }
    const emails = user.emailAddresses.filter((email) => !found.removedEmails.has(email.id)).length + found.addedEmails;
    const phones = user.phoneNumbers.filter((phone) => !found.removedPhones.has(phone.id)).length + found.addedPhones;
    const username = found.username !== undefined ? found.username : user.username;
    const removesUsername = found.username === null && user.username !== null;
    if (emails > 0 || phones > 0 || username !== null) continue;
    if (!found.removesEmail && !found.removesPhone && !removesUsername) continue;
    const field = found.removesEmail ? 'emailAddresses' : found.removesPhone ? 'phoneNumbers' : 'username';
    last.push(
      diagnostic(
        'last_identification_removal',
        `user ${userName(found.user)} would be left with no email address, phone number or username: the plan removes its last identifier (${field})`,
        positions.field(found.first, field),
        "Keep at least one email address, phone number or username for the user. Clerk refuses to delete a user's last identification (last_required_identification_deletion_failed).",
      ),
    );
  }
  // Live users come in snapshot order: sorted, the same inputs in any order give the same errors.
  const byMessage = (a: PlanDiagnostic, b: PlanDiagnostic): number => compareStrings(a.message, b.message);
  return [...last.sort(byMessage), ...linked.sort(byMessage)];
}

// ---- user cap ----

/**
 * A development instance holds a fixed number of users (Clerk docs, "Managing environments": 100). Creates run
 * before deletions (src/plan/order.ts), so the count that matters is the live users plus the creates.
 */
function userCap(
  live: LiveSnapshot,
  operations: readonly Operation[],
  options: Pick<PlanOptions, 'developmentUserCap'>,
  positions: Positions,
): PlanDiagnostic[] {
  if (live.instance.environment !== 'development') return [];
  const cap = options.developmentUserCap;
  const creates = operations.filter((op): op is CreateUserOp => op.type === 'create_user');
  const current = live.instance.userCount;
  if (creates.length === 0 || current + creates.length <= cap) return [];
  const deletes = operations.filter((op) => op.type === 'delete_user').length;
  const after = current + creates.length - deletes;
  const first = creates[Math.max(0, cap - current)] as CreateUserOp;
  const source = positions.field(first);
  if (after > cap) {
    return [
      diagnostic(
        'user_cap_exceeded',
        `the plan would bring the development instance to ${plural(after, 'user')} (${current} now, ${creates.length} created, ${deletes} deleted), more than the ${cap} a development instance holds; the first user over the cap is ${userName(first.user)}`,
        source,
        `A development instance holds at most ${cap} users: declare fewer users, delete some, or use a production instance.`,
      ),
    ];
  }
  return [
    diagnostic(
      'user_cap_exceeded',
      `the development instance has ${plural(current, 'user')} and the plan creates ${creates.length} before it deletes ${deletes}: it would reach ${current + creates.length}, more than the ${cap} a development instance holds, at user ${userName(first.user)}`,
      source,
      `Apply in two steps: first the deletions (a manifest without the new users), then the new users. Creates run before deletions so that a halted apply deletes nothing.`,
    ),
  ];
}
