// Rules on memberships: roles that must exist, the membership quota and the last admin kept. Codes and messages
// are those of Clerk's error catalog (clerk/clerk-docs data/api_errors.json, entries named in each helper below).

import { ClerkApiProblem, paramValueInvalid } from './problem.ts';
import type { MembershipRecord, OrgRecord } from './records.ts';
import type { EmulatorRole } from './settings.ts';
import type { Store } from './store.ts';

/** The permission that makes a role an admin role for the last-admin rule (Clerk's "manage members"). */
const MANAGE_MEMBERS = 'org:sys_memberships:manage';

/** Catalog OrganizationMembershipQuotaExceeded (%d = the organization's limit). */
export function membershipQuotaExceeded(limit: number): ClerkApiProblem {
  return new ClerkApiProblem(
    403,
    'organization_membership_quota_exceeded',
    'organization membership quota exceeded',
    `You have reached your limit of ${limit} organization memberships, including outstanding invitations.`,
  );
}

/** Catalog OrganizationRoleNotFound (its meta names the parameter). */
function roleNotFound(): ClerkApiProblem {
  return new ClerkApiProblem(404, 'resource_not_found', 'not found', 'Organization role not found', {
    paramName: 'role',
  });
}

/** Catalog OrganizationMinimumPermissionsNeeded. */
function minimumPermissionsNeeded(): ClerkApiProblem {
  return new ClerkApiProblem(
    400,
    'organization_minimum_permissions_needed',
    'minimum organization permissions needed',
    'There has to be at least one organization member with the minimum required permissions',
  );
}

function findRole(store: Store, key: string): EmulatorRole | undefined {
  return store.settings.roles.find((role) => role.key === key);
}

export function isAdminRole(store: Store, key: string): boolean {
  return findRole(store, key)?.permissions.includes(MANAGE_MEMBERS) ?? false;
}

// Clerk role keys are namespaced `org:<key>` (org:admin, org:member, custom org:billing_manager…); with
// `unknown_roles_refused` the key must also be one of the instance's roles (GET /organization_roles).
export function checkRole(store: Store, role: string): string {
  if (!/^org:[A-Za-z0-9_:-]+$/.test(role)) {
    throw paramValueInvalid('role', `${role} is not a valid role. Roles look like org:admin or org:member.`);
  }
  if (store.settings.unknown_roles_refused && findRole(store, role) === undefined) throw roleNotFound();
  return role;
}

/** The organization's own limit when it sets one, else the instance's; 0 = unlimited (docs organizations/configure). */
export function membershipLimit(store: Store, org: OrgRecord): number {
  return org.max_allowed_memberships > 0
    ? org.max_allowed_memberships
    : store.settings.organization_settings.max_allowed_memberships;
}

/**
 * The last-admin rule: a change that takes away the last admin role of an organization (demotion or removal) is
 * refused. Only the membership endpoints check it: deleting the user (DELETE /users/{id}) or the organization is
 * not blocked, as neither the catalog nor the docs name a refusal for either.
 */
export function assertNotLastAdmin(store: Store, membership: MembershipRecord): void {
  if (!store.settings.last_admin_protected || !isAdminRole(store, membership.role)) return;
  for (const other of store.membershipsByOrg.get(membership.org_id)?.values() ?? []) {
    if (other !== membership && isAdminRole(store, other.role)) return;
  }
  throw minimumPermissionsNeeded();
}
