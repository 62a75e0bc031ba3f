// Organization and membership endpoints (clerk-api-notes §4, §5). Organizations resolve by id or slug; membership
// paths key on the user id, not the `orgmem_` id; a duplicate membership is a 400, not a 422 (§8.8).
// Instance rules come from `store.settings` (a new instance by default): slugs off, a membership quota, roles that
// must exist, the last admin kept. Codes and messages are those of Clerk's error catalog (clerk/clerk-docs
// data/api_errors.json, entries named in each helper below).

import { CLERK_API_VERSION, type WireMetadata } from '../clerk/index.ts';
import { newId, randomSuffix } from './ids.ts';
import { applyMetadata } from './metadata-update.ts';
import { ClerkApiProblem, identifierExists, organizationNotFound, paramUnknown, paramValueInvalid } from './problem.ts';
import {
  queryBool,
  queryInt,
  queryLimit,
  queryList,
  queryOffset,
  queryOrderBy,
  querySignedList,
  queryString,
} from './query.ts';
import { type HandlerContext, type HandlerResult, ok, okJson, type RouteDefinition } from './router.ts';
import { membershipsPageJson, wireMembership, wireOrganization } from './serialize.ts';
import type { EmulatorRole } from './settings.ts';
import type { MembershipRecord, OrgRecord, Store, UserRecord } from './store.ts';
import { sortBy } from './user-list.ts';
import { requireUser } from './user-rules.ts';
import { bodySpec, checkBody, checkMetadataSize, isPlainObject, parseTimestamp } from './validate.ts';

const CREATE_ORG = bodySpec({
  name: 'string!',
  created_by: 'string?',
  private_metadata: 'object?',
  public_metadata: 'object?',
  slug: 'string?',
  max_allowed_memberships: 'integer?',
  created_at: 'string?',
  role_set_key: 'string?',
});
const UPDATE_ORG_FIELDS = {
  name: 'string?',
  slug: 'string?',
  max_allowed_memberships: 'integer?',
  admin_delete_enabled: 'boolean?',
  created_at: 'string?',
  role_set_key: 'string?',
};
const UPDATE_ORG = bodySpec(UPDATE_ORG_FIELDS);
const UPDATE_ORG_LEGACY = bodySpec({ ...UPDATE_ORG_FIELDS, public_metadata: 'object?', private_metadata: 'object?' });
const ORG_METADATA = bodySpec({ public_metadata: 'object?', private_metadata: 'object?' });
const CREATE_MEMBERSHIP = bodySpec({
  user_id: 'string!',
  role: 'string!',
  public_metadata: 'object?',
  private_metadata: 'object?',
});
const UPDATE_MEMBERSHIP = bodySpec({ role: 'string!' });
const MEMBERSHIP_METADATA = bodySpec({ public_metadata: 'object?', private_metadata: 'object?' });

const ORG_METADATA_FIELDS = ['public_metadata', 'private_metadata'] as const;
const MEMBERSHIP_ORDER_FIELDS = ['created_at', 'email_address', 'phone_number', 'first_name', 'last_name', 'username'];

export function requireOrg(store: Store, idOrSlug: string | undefined): OrgRecord {
  const org = idOrSlug === undefined ? undefined : store.findOrg(idOrSlug);
  if (!org) throw organizationNotFound();
  return org;
}

/** The permission that makes a role an admin role for the last-admin rule (Clerk's "manage members"). */
const MANAGE_MEMBERS = 'org:sys_memberships:manage';

/** Catalog OrganizationSlugsDisabled. */
function slugsDisabled(): ClerkApiProblem {
  return new ClerkApiProblem(
    403,
    'organization_slugs_disabled',
    'organization slugs not enabled',
    'This instance does not have slugs enabled for organizations.',
  );
}

/** Catalog OrganizationMembershipQuotaExceeded (%d = the organization's limit). */
function membershipQuotaExceeded(limit: number): ClerkApiProblem {
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

function isAdminRole(store: Store, key: string): boolean {
  return findRole(store, key)?.permissions.includes(MANAGE_MEMBERS) ?? false;
}

// Clerk role keys are namespaced `org:<key>` (org:admin, org:member, custom org:billing_manager…); with
// `unknown_roles_refused` the key must also be one of the instance's roles (GET /organization_roles).
function checkRole(store: Store, role: string): string {
  if (!/^org:[A-Za-z0-9_:-]+$/.test(role)) {
    throw paramValueInvalid('role', `${role} is not a valid role. Roles look like org:admin or org:member.`);
  }
  if (store.settings.unknown_roles_refused && findRole(store, role) === undefined) throw roleNotFound();
  return role;
}

/** The organization's own limit when it sets one, else the instance's; 0 = unlimited (docs organizations/configure). */
function membershipLimit(store: Store, org: OrgRecord): number {
  return org.max_allowed_memberships > 0
    ? org.max_allowed_memberships
    : store.settings.organization_settings.max_allowed_memberships;
}

/**
 * The last-admin rule: a change that takes away the last admin role of an organization (demotion or removal) is
 * refused. Only the membership endpoints check it: deleting the user (DELETE /users/{id}) or the organization is
 * not blocked, as neither the catalog nor the docs name a refusal for either.
 */
function assertNotLastAdmin(store: Store, membership: MembershipRecord): void {
  if (!store.settings.last_admin_protected || !isAdminRole(store, membership.role)) return;
  for (const other of store.membershipsByOrg.get(membership.org_id)?.values() ?? []) {
    if (other !== membership && isAdminRole(store, other.role)) return;
  }
  throw minimumPermissionsNeeded();
}

function checkSlug(slug: string): string {
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug) || slug.length > 256) {
    throw paramValueInvalid(
      'slug',
      'slug can only contain lowercase alphanumeric characters and the dash "-" character.',
    );
  }
  return slug;
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 256) {
    throw paramValueInvalid('name', 'name must be between 1 and 256 characters long.');
  }
  return trimmed;
}

function slugFromName(store: Store, name: string): string {
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'org';
  let slug = base;
  while (store.orgsBySlug.has(slug)) slug = `${base}-${randomSuffix(6)}`;
  return slug;
}

/**
 * POST /organizations (and the seed). `keepSlug` (the seed): a fixture's slug is kept while slugs are disabled, as an
 * organization created before they were turned off (docs organizations/configure: older applications may turn
 * slugs off later; what Clerk then does with existing slugs is not documented).
 */
export function createOrganization(store: Store, rawBody: unknown, options: { keepSlug?: boolean } = {}): OrgRecord {
  const body = checkBody(rawBody ?? {}, CREATE_ORG);
  const name = checkName(body.name as string);
  const slugText = body.slug as string | null | undefined;
  const slugsOff = store.settings.organization_settings.slug_disabled;
  // Stricter than documented: any string slug (even "") is refused while slugs are off; an absent or null one is not.
  if (slugsOff && typeof slugText === 'string' && !options.keepSlug) throw slugsDisabled();
  // Slugs off: no slug at all. Clerk does not document what it answers; null is the harder case for clients.
  const slug = slugText ? checkSlug(slugText) : slugsOff ? null : slugFromName(store, name);
  if (slug !== null && store.orgsBySlug.has(slug)) throw identifierExists('slug');
  const max = (body.max_allowed_memberships as number | null | undefined) ?? 0;
  if (max < 0) throw paramValueInvalid('max_allowed_memberships', 'max_allowed_memberships must be 0 or greater.');
  const publicMetadata = (body.public_metadata as WireMetadata | null | undefined) ?? {};
  const privateMetadata = (body.private_metadata as WireMetadata | null | undefined) ?? {};
  checkMetadataSize('public_metadata', publicMetadata);
  checkMetadataSize('private_metadata', privateMetadata);
  const createdBy = (body.created_by as string | null | undefined) || null;
  let creator: UserRecord | undefined;
  if (createdBy !== null) {
    creator = store.users.get(createdBy);
    if (!creator) {
      throw new ClerkApiProblem(
        400,
        'organization_creator_not_found',
        'creator not found',
        `No user was found with id ${createdBy}.`,
        { paramName: 'created_by' },
      );
    }
  }
  const createdAtText = body.created_at as string | null | undefined;
  const now = store.now();
  const createdAt = createdAtText ? parseTimestamp('created_at', createdAtText) : now;
  const org: OrgRecord = {
    id: newId('org'),
    name,
    slug,
    has_image: false,
    public_metadata: publicMetadata,
    private_metadata: privateMetadata,
    max_allowed_memberships: max,
    admin_delete_enabled: true,
    created_by: createdBy,
    created_at: createdAt,
    updated_at: Math.max(now, createdAt),
  };
  // The creator's role must exist before anything is stored (checked again by addMembership).
  const creatorRole = store.settings.organization_settings.creator_role;
  if (creator) checkRole(store, creatorRole);
  store.insertOrg(org);
  // The creator becomes a member with the instance's creator role (spec POST /organizations, `created_by`).
  if (creator) addMembership(store, org, creator, { role: creatorRole });
  return org;
}

export function addMembership(
  store: Store,
  org: OrgRecord,
  user: UserRecord,
  input: {
    role: string;
    public_metadata?: WireMetadata | null | undefined;
    private_metadata?: WireMetadata | null | undefined;
  },
): MembershipRecord {
  const role = checkRole(store, input.role);
  if (store.findMembership(org.id, user.id)) {
    throw new ClerkApiProblem(
      400,
      'already_a_member_in_organization',
      'already a member',
      `${store.primaryEmail(user) ?? user.id} is already a member of the organization.`,
    );
  }
  const limit = membershipLimit(store, org);
  if (!store.bypassLimits && limit > 0 && store.membersCount(org.id) >= limit) throw membershipQuotaExceeded(limit);
  const publicMetadata = input.public_metadata ?? {};
  const privateMetadata = input.private_metadata ?? {};
  checkMetadataSize('public_metadata', publicMetadata);
  checkMetadataSize('private_metadata', privateMetadata);
  const now = store.now();
  const membership: MembershipRecord = {
    id: newId('orgmem'),
    org_id: org.id,
    user_id: user.id,
    role,
    public_metadata: publicMetadata,
    private_metadata: privateMetadata,
    created_at: now,
    updated_at: now,
  };
  store.insertMembership(membership);
  return membership;
}

function listOrganizations(context: HandlerContext): HandlerResult {
  const { store, query } = context;
  const limit = queryLimit(query);
  const offset = queryOffset(query);
  const order = queryOrderBy(query, ['name', 'created_at', 'members_count'], '-created_at');
  const withCount = queryBool(query, 'include_members_count') === true;
  queryBool(query, 'include_missing_member_with_elevated_permissions');
  const text = queryString(query, 'query')?.toLowerCase();
  const userIds = querySignedList(query, 'user_id');
  const orgIds = querySignedList(query, 'organization_id');
  const included = new Set(orgIds.include);
  const excluded = new Set(orgIds.exclude);
  const matching = store.orgsByCreated.filter((org) => {
    if (
      text !== undefined &&
      org.id.toLowerCase() !== text &&
      !org.name.toLowerCase().includes(text) &&
      !(org.slug?.includes(text) ?? false)
    ) {
      return false;
    }
    if (included.size > 0 && !included.has(org.id)) return false;
    if (excluded.has(org.id)) return false;
    const members = store.membershipsByOrg.get(org.id);
    if (userIds.include.length > 0 && !userIds.include.some((id) => members?.has(id))) return false;
    if (userIds.exclude.some((id) => members?.has(id))) return false;
    return true;
  });
  const sorted = sortBy(matching, order, (org) =>
    order.field === 'name'
      ? org.name.toLowerCase()
      : order.field === 'members_count'
        ? store.membersCount(org.id)
        : null,
  );
  const data = sorted.slice(offset, offset + limit).map((org) => wireOrganization(store, org, withCount));
  return ok({ data, total_count: matching.length });
}

function getOrganization(context: HandlerContext): HandlerResult {
  const { store, query } = context;
  const org = requireOrg(store, context.params.organization_id);
  const withCount = queryBool(query, 'include_members_count') === true;
  queryBool(query, 'include_missing_member_with_elevated_permissions');
  return ok(wireOrganization(store, org, withCount));
}

function updateOrganization(context: HandlerContext): HandlerResult {
  const { store } = context;
  const org = requireOrg(store, context.params.organization_id);
  const legacy = context.apiVersion < CLERK_API_VERSION;
  if (!legacy && isPlainObject(context.body)) {
    // API 2026-05-12 removed metadata from PATCH /organizations/{id} (clerk-api-notes §1).
    for (const field of ORG_METADATA_FIELDS) if (field in context.body) throw paramUnknown(field);
  }
  const body = checkBody(context.body ?? {}, legacy ? UPDATE_ORG_LEGACY : UPDATE_ORG);
  if (store.settings.organization_settings.slug_disabled && typeof body.slug === 'string') throw slugsDisabled();
  const name = typeof body.name === 'string' ? checkName(body.name) : undefined;
  const slug = typeof body.slug === 'string' ? checkSlug(body.slug) : undefined;
  if (slug !== undefined && slug !== org.slug && store.orgsBySlug.has(slug)) throw identifierExists('slug');
  const max = body.max_allowed_memberships as number | null | undefined;
  if (typeof max === 'number' && max < 0) {
    throw paramValueInvalid('max_allowed_memberships', 'max_allowed_memberships must be 0 or greater.');
  }
  const createdAtText = body.created_at as string | null | undefined;
  const createdAt = createdAtText ? parseTimestamp('created_at', createdAtText) : undefined;
  if (legacy) applyMetadata(org, body, ORG_METADATA_FIELDS, 'replace');
  if (name !== undefined) org.name = name;
  if (slug !== undefined) store.setSlug(org, slug);
  if (typeof max === 'number') org.max_allowed_memberships = max;
  if (typeof body.admin_delete_enabled === 'boolean') org.admin_delete_enabled = body.admin_delete_enabled;
  if (createdAt !== undefined) store.setOrgCreatedAt(org, createdAt);
  store.touchOrg(org);
  return ok(wireOrganization(store, org, false));
}

function organizationMetadata(mode: 'merge' | 'replace') {
  return (context: HandlerContext): HandlerResult => {
    const { store } = context;
    const org = requireOrg(store, context.params.organization_id);
    const body = checkBody(context.body ?? {}, ORG_METADATA);
    applyMetadata(org, body, ORG_METADATA_FIELDS, mode);
    store.touchOrg(org);
    return ok(wireOrganization(store, org, false));
  };
}

function deleteOrganization(context: HandlerContext): HandlerResult {
  const { store } = context;
  const org = requireOrg(store, context.params.organization_id);
  store.removeOrg(org);
  // DeletedObject's `slug` is an optional string (spec): left out for an organization without one.
  return ok({ object: 'organization', id: org.id, ...(org.slug === null ? {} : { slug: org.slug }), deleted: true });
}

function createMembership(context: HandlerContext): HandlerResult {
  const { store } = context;
  const org = requireOrg(store, context.params.organization_id);
  const body = checkBody(context.body ?? {}, CREATE_MEMBERSHIP);
  const user = requireUser(store, body.user_id as string);
  const membership = addMembership(store, org, user, {
    role: body.role as string,
    public_metadata: body.public_metadata as WireMetadata | null | undefined,
    private_metadata: body.private_metadata as WireMetadata | null | undefined,
  });
  return ok(wireMembership(store, membership));
}

function membershipSortValue(store: Store, membership: MembershipRecord, field: string): string | null {
  const user = store.users.get(membership.user_id);
  if (!user) return null;
  switch (field) {
    case 'email_address':
      return store.primaryEmail(user);
    case 'phone_number':
      return store.primaryPhone(user);
    case 'first_name':
      return user.first_name?.toLowerCase() ?? null;
    case 'last_name':
      return user.last_name?.toLowerCase() ?? null;
    case 'username':
      return user.username?.toLowerCase() ?? null;
    default:
      return null;
  }
}

function userMatchesText(user: UserRecord, text: string): boolean {
  return (
    user.id.toLowerCase().includes(text) ||
    (user.username?.toLowerCase().includes(text) ?? false) ||
    `${user.first_name ?? ''} ${user.last_name ?? ''}`.toLowerCase().includes(text) ||
    user.emails.some((email) => email.value.includes(text)) ||
    user.phones.some((phone) => phone.value.includes(text))
  );
}

function listOrgMemberships(context: HandlerContext): HandlerResult {
  const { store, query } = context;
  const org = requireOrg(store, context.params.organization_id);
  const limit = queryLimit(query);
  const offset = queryOffset(query);
  const order = queryOrderBy(query, MEMBERSHIP_ORDER_FIELDS, '-created_at');
  const userIds = querySignedList(query, 'user_id');
  const emails = new Set(queryList(query, 'email_address').map((email) => email.toLowerCase()));
  const phones = new Set(queryList(query, 'phone_number'));
  const usernames = new Set(queryList(query, 'username').map((name) => name.toLowerCase()));
  const wallets = queryList(query, 'web3_wallet');
  const roles = new Set(queryList(query, 'role'));
  const text = queryString(query, 'query')?.toLowerCase();
  const emailQuery = queryString(query, 'email_address_query')?.toLowerCase();
  const phoneQuery = queryString(query, 'phone_number_query')?.toLowerCase();
  const usernameQuery = queryString(query, 'username_query')?.toLowerCase();
  const nameQuery = queryString(query, 'name_query')?.toLowerCase();
  const createdBefore = queryInt(query, 'created_at_before');
  const createdAfter = queryInt(query, 'created_at_after');
  const activeBefore = queryInt(query, 'last_active_at_before');
  const activeAfter = queryInt(query, 'last_active_at_after');
  const included = new Set(userIds.include);
  const excluded = new Set(userIds.exclude);

  const members = [...(store.membershipsByOrg.get(org.id)?.values() ?? [])];
  const matching = members.filter((membership) => {
    const user = store.users.get(membership.user_id);
    if (!user) return false;
    if (included.size > 0 && !included.has(user.id)) return false;
    if (excluded.has(user.id)) return false;
    if (roles.size > 0 && !roles.has(membership.role)) return false;
    if (emails.size > 0 && !user.emails.some((email) => emails.has(email.value))) return false;
    if (phones.size > 0 && !user.phones.some((phone) => phones.has(phone.value))) return false;
    if (usernames.size > 0 && (user.username === null || !usernames.has(user.username.toLowerCase()))) return false;
    if (wallets.length > 0) return false;
    if (text !== undefined && !userMatchesText(user, text)) return false;
    if (emailQuery !== undefined && !user.emails.some((email) => email.value.includes(emailQuery))) return false;
    if (phoneQuery !== undefined && !user.phones.some((phone) => phone.value.includes(phoneQuery))) return false;
    if (usernameQuery !== undefined && !(user.username?.toLowerCase().includes(usernameQuery) ?? false)) return false;
    if (
      nameQuery !== undefined &&
      !`${user.first_name ?? ''} ${user.last_name ?? ''}`.toLowerCase().includes(nameQuery)
    ) {
      return false;
    }
    if (createdBefore !== undefined && !(membership.created_at < createdBefore)) return false;
    if (createdAfter !== undefined && !(membership.created_at > createdAfter)) return false;
    if (activeBefore !== undefined && !(user.last_active_at !== null && user.last_active_at < activeBefore))
      return false;
    if (activeAfter !== undefined && !(user.last_active_at !== null && user.last_active_at > activeAfter)) return false;
    return true;
  });
  const sorted = sortBy(matching, order, (membership) => membershipSortValue(store, membership, order.field));
  return okJson(membershipsPageJson(store, sorted.slice(offset, offset + limit), matching.length));
}

/** GET /organization_memberships: created_at orderings index straight into the chronological array (O(page)). */
function listInstanceMemberships(context: HandlerContext): HandlerResult {
  const { store, query } = context;
  const limit = queryLimit(query);
  const offset = queryOffset(query);
  const order = queryOrderBy(query, MEMBERSHIP_ORDER_FIELDS, '+created_at');
  const all = store.membershipsByCreated;
  let page: MembershipRecord[];
  if (order.field === 'created_at') {
    if (order.descending) {
      const end = Math.max(0, all.length - offset);
      page = all.slice(Math.max(0, end - limit), end).reverse();
    } else {
      page = all.slice(offset, offset + limit);
    }
  } else {
    page = sortBy([...all], order, (membership) => membershipSortValue(store, membership, order.field)).slice(
      offset,
      offset + limit,
    );
  }
  return okJson(membershipsPageJson(store, page, all.length));
}

function requireMembership(context: HandlerContext): MembershipRecord {
  const { store } = context;
  const org = requireOrg(store, context.params.organization_id);
  const userId = context.params.user_id ?? '';
  const membership = store.findMembership(org.id, userId);
  if (!membership) {
    throw new ClerkApiProblem(
      404,
      'resource_not_found',
      'not found',
      `No organization membership was found for user ${userId} in this organization.`,
    );
  }
  return membership;
}

function updateMembership(context: HandlerContext): HandlerResult {
  const { store } = context;
  const membership = requireMembership(context);
  const body = checkBody(context.body ?? {}, UPDATE_MEMBERSHIP);
  const role = checkRole(store, body.role as string);
  if (!isAdminRole(store, role)) assertNotLastAdmin(store, membership);
  membership.role = role;
  store.touchMembership(membership);
  return ok(wireMembership(store, membership));
}

function updateMembershipMetadata(context: HandlerContext): HandlerResult {
  const { store } = context;
  const membership = requireMembership(context);
  const body = checkBody(context.body ?? {}, MEMBERSHIP_METADATA);
  applyMetadata(membership, body, ORG_METADATA_FIELDS, 'merge');
  store.touchMembership(membership);
  return ok(wireMembership(store, membership));
}

function deleteMembership(context: HandlerContext): HandlerResult {
  const { store } = context;
  const membership = requireMembership(context);
  assertNotLastAdmin(store, membership);
  // Clerk answers with the deleted membership itself, not a DeletedObject (clerk-api-notes §4.5).
  const wire = wireMembership(store, membership);
  store.removeMembership(membership);
  return ok(wire);
}

export const ORGANIZATION_ROUTES: RouteDefinition[] = [
  { method: 'GET', path: '/organizations', handler: listOrganizations },
  {
    method: 'POST',
    path: '/organizations',
    handler: ({ store, body }) => ok(wireOrganization(store, createOrganization(store, body), false)),
  },
  { method: 'GET', path: '/organizations/{organization_id}', handler: getOrganization },
  { method: 'PATCH', path: '/organizations/{organization_id}', handler: updateOrganization },
  { method: 'DELETE', path: '/organizations/{organization_id}', handler: deleteOrganization },
  { method: 'PATCH', path: '/organizations/{organization_id}/metadata', handler: organizationMetadata('merge') },
  { method: 'PUT', path: '/organizations/{organization_id}/metadata', handler: organizationMetadata('replace') },
  { method: 'POST', path: '/organizations/{organization_id}/memberships', handler: createMembership },
  { method: 'GET', path: '/organizations/{organization_id}/memberships', handler: listOrgMemberships },
  { method: 'PATCH', path: '/organizations/{organization_id}/memberships/{user_id}', handler: updateMembership },
  { method: 'DELETE', path: '/organizations/{organization_id}/memberships/{user_id}', handler: deleteMembership },
  {
    method: 'PATCH',
    path: '/organizations/{organization_id}/memberships/{user_id}/metadata',
    handler: updateMembershipMetadata,
  },
  { method: 'GET', path: '/organization_memberships', handler: listInstanceMemberships },
];
