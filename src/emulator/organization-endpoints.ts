// Organization endpoints: list, get, update (PATCH), metadata (PATCH merges, PUT replaces) and delete.

import { CLERK_API_VERSION } from '../clerk/index.ts';
import { applyMetadata } from './metadata-update.ts';
import { checkName, checkSlug, requireOrg, slugsDisabled } from './organization-rules.ts';
import { identifierExists, paramUnknown, paramValueInvalid } from './problem.ts';
import { queryBool, queryLimit, queryOffset, queryOrderBy, querySignedList, queryString } from './query.ts';
import { type HandlerContext, type HandlerResult, ok } from './router.ts';
import { wireOrganization } from './serialize-organization.ts';
import { sortBy } from './user-sort.ts';
import { bodySpec, checkBody, isPlainObject, parseTimestamp } from './validate.ts';

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

export const ORG_METADATA_FIELDS = ['public_metadata', 'private_metadata'] as const;

export function listOrganizations(context: HandlerContext): HandlerResult {
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

export function getOrganization(context: HandlerContext): HandlerResult {
  const { store, query } = context;
  const org = requireOrg(store, context.params.organization_id);
  const withCount = queryBool(query, 'include_members_count') === true;
  queryBool(query, 'include_missing_member_with_elevated_permissions');
  return ok(wireOrganization(store, org, withCount));
}

export function updateOrganization(context: HandlerContext): HandlerResult {
  const { store } = context;
  const org = requireOrg(store, context.params.organization_id);
  const legacy = context.apiVersion < CLERK_API_VERSION;
  if (!legacy && isPlainObject(context.body)) {
    // API 2026-05-12 removed metadata from PATCH /organizations/{id}
    // (docs/clerk-api.md#metadata-left-patch-in-2026-05-12).
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

export function organizationMetadata(mode: 'merge' | 'replace') {
  return (context: HandlerContext): HandlerResult => {
    const { store } = context;
    const org = requireOrg(store, context.params.organization_id);
    const body = checkBody(context.body ?? {}, ORG_METADATA);
    applyMetadata(org, body, ORG_METADATA_FIELDS, mode);
    store.touchOrg(org);
    return ok(wireOrganization(store, org, false));
  };
}

export function deleteOrganization(context: HandlerContext): HandlerResult {
  const { store } = context;
  const org = requireOrg(store, context.params.organization_id);
  store.removeOrg(org);
  // DeletedObject's `slug` is an optional string (spec): left out for an organization without one.
  return ok({ object: 'organization', id: org.id, ...(org.slug === null ? {} : { slug: org.slug }), deleted: true });
}
