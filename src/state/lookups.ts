// Point reads used by apply (idempotent creates: does the object already exist?) and by the saved-plan staleness
// check (current updated_at of many objects, read in bulk with the list filters that accept up to 100 values,
// docs/clerk-api.md#list-filters-take-up-to-100-values, never one request per object where such a filter exists).

import type {
  ClerkClient,
  QueryValue,
  WireOrganization,
  WireOrganizationMembership,
  WirePage,
  WireUser,
} from '../clerk/index.ts';
import { LiveStateError } from '../errors.ts';
import type { LiveMembership, LiveOrganization, LiveUser, UserKeyKind } from '../model/index.ts';
import { chunks } from '../util/chunks.ts';
import { listOrganizations, lookupOrganization } from './fetch-organizations.ts';
import { fromWireMembership, fromWireOrganization, fromWireUser } from './from-wire.ts';
import { duplicateLiveKeyError, liveUserKeys } from './index-users.ts';
import { matchOrganization } from './match-organization.ts';
import { mapLimit } from './parallel.ts';
import { FILTER_BATCH } from './read-strategy.ts';

export { FILTER_BATCH };

const PARALLEL = 8;

const KEY_PARAM: Record<UserKeyKind, string> = {
  externalId: 'external_id',
  emailAddress: 'email_address',
  username: 'username',
};

export interface LookupOptions {
  signal?: AbortSignal;
}

/** Whether an error is a 404 answer: the object (or its parent) is gone. */
export function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 404;
}

function get<T>(
  client: ClerkClient,
  path: string,
  query: Record<string, QueryValue>,
  options: LookupOptions,
): Promise<T> {
  return client.request<T>(
    { method: 'GET', path, query },
    options.signal === undefined ? {} : { signal: options.signal },
  );
}

/**
 * The live user holding `key` (GET /users?external_id=|email_address=|username=, limit 2), or undefined.
 * Two holders -> LiveStateError live_duplicate_key.
 */
export async function findUserByKey(
  client: ClerkClient,
  userKey: UserKeyKind,
  key: string,
  options: LookupOptions = {},
): Promise<LiveUser | undefined> {
  const wanted = userKey === 'emailAddress' ? key.toLowerCase() : key;
  const found = await get<WireUser[]>(
    client,
    '/users',
    { [KEY_PARAM[userKey]]: [wanted], limit: 2, order_by: '+created_at' },
    options,
  );
  // Re-check the match locally: a filter value the API does not recognise would otherwise return everyone.
  const users = found.map(fromWireUser).filter((user) => liveUserKeys(user, userKey).includes(wanted));
  if (users.length > 1) throw duplicateLiveKeyError([{ key: wanted, userIds: users.map((user) => user.id) }], userKey);
  return users[0];
}

/**
 * GET /organizations/{slug} (the path accepts slugs, OpenAPI spec 2026-05-12, GetOrganization); 404 -> undefined. An organization
 * without a slug (slugs disabled) is never found this way, and a null or empty slug asks nothing.
 */
export async function findOrganizationBySlug(
  client: ClerkClient,
  slug: string | null | undefined,
  options: LookupOptions = {},
): Promise<LiveOrganization | undefined> {
  // An empty segment would be GET /organizations/, the list.
  if (slug === null || slug === undefined || slug === '') return undefined;
  const org = await lookupOrganization({ client, signal: options.signal }, slug);
  return org === undefined ? undefined : fromWireOrganization(org);
}

/**
 * The live organization a declared one (manifest key, declared name) is: the one carrying clerk-sync's mark with
 * that key, else the one whose slug is the key, else the only unmarked one with exactly that name (issue 13, design
 * decision 2; match-organization.ts); undefined when none. Two candidates at the deciding step -> LiveStateError
 * ambiguous_organization_match. Lists every organization (few; the mark is not searchable), ceil(n/500) requests.
 */
export async function findOrganizationByKey(
  client: ClerkClient,
  key: string,
  name: string | undefined,
  options: LookupOptions = {},
): Promise<LiveOrganization | undefined> {
  const organizations = await listOrganizations(client, { signal: options.signal, concurrency: PARALLEL });
  const match = matchOrganization(organizations, name === undefined ? { key } : { key, name });
  switch (match.kind) {
    case 'none':
      return undefined;
    case 'found':
      return match.organization;
    case 'ambiguous': {
      const ids = match.candidates.map((org) => org.id);
      const step = {
        key: `carry clerk-sync's mark "${key}"`,
        slug: `have the slug "${key}"`,
        name: `are named "${name}"`,
      };
      throw new LiveStateError(
        'ambiguous_organization_match',
        `organizations ${ids.join(', ')} all ${step[match.by]}: cannot tell which one is "${key}"`,
        {
          meta: { key, name: name ?? null, by: match.by, organizationIds: ids },
          hint: 'Remove the duplicate, or give the organization its own name (or mark) so only one matches.',
        },
      );
    }
    default: {
      const unknown: never = match;
      throw new Error(`unknown match ${JSON.stringify(unknown)}`);
    }
  }
}

/** The membership of `userId` in organization `orgId` (GET /organizations/{id}/memberships?user_id=), or undefined. */
export async function findMembership(
  client: ClerkClient,
  orgId: string,
  userId: string,
  options: LookupOptions = {},
): Promise<LiveMembership | undefined> {
  try {
    const page = await get<WirePage<WireOrganizationMembership>>(
      client,
      `/organizations/${encodeURIComponent(orgId)}/memberships`,
      { user_id: [userId], limit: 10 },
      options,
    );
    const match = page.data.find((membership) => membership.public_user_data?.user_id === userId);
    return match === undefined ? undefined : fromWireMembership(match);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export type ObjectVersion = number | 'deleted';

export interface ObjectVersionIds {
  users: string[];
  organizations: string[];
  memberships: { orgId: string; userId: string }[];
}

export interface MembershipVersion {
  orgId: string;
  userId: string;
  /** The membership's id when it exists. */
  membershipId: string | null;
  role: string | null;
  updatedAt: ObjectVersion;
}

export interface ObjectVersions {
  /** User id -> updated_at (Unix ms), or 'deleted'. */
  users: Record<string, ObjectVersion>;
  /** Organization id -> updated_at, or 'deleted'. */
  organizations: Record<string, ObjectVersion>;
  memberships: MembershipVersion[];
}

/** Current version of each object, for the saved-plan staleness check; bulk reads of up to 100 ids a request. */
export async function fetchObjectVersions(
  client: ClerkClient,
  ids: ObjectVersionIds,
  options: LookupOptions = {},
): Promise<ObjectVersions> {
  const users: Record<string, ObjectVersion> = {};
  const userIds = [...new Set(ids.users)];
  for (const id of userIds) users[id] = 'deleted';
  await mapLimit(chunks(userIds, FILTER_BATCH), PARALLEL, async (batch) => {
    const found = await get<WireUser[]>(client, '/users', { user_id: batch, limit: batch.length }, options);
    for (const user of found) if (Object.hasOwn(users, user.id)) users[user.id] = user.updated_at;
  });

  const organizations: Record<string, ObjectVersion> = {};
  const orgIds = [...new Set(ids.organizations)];
  for (const id of orgIds) organizations[id] = 'deleted';
  await mapLimit(chunks(orgIds, FILTER_BATCH), PARALLEL, async (batch) => {
    const page = await get<WirePage<WireOrganization>>(
      client,
      '/organizations',
      { organization_id: batch, limit: batch.length },
      options,
    );
    for (const org of page.data) if (Object.hasOwn(organizations, org.id)) organizations[org.id] = org.updated_at;
  });

  const byOrg = new Map<string, Set<string>>();
  for (const { orgId, userId } of ids.memberships) {
    const set = byOrg.get(orgId) ?? new Set<string>();
    set.add(userId);
    byOrg.set(orgId, set);
  }
  const found = new Map<string, WireOrganizationMembership>();
  const requests = [...byOrg.entries()].flatMap(([orgId, set]) =>
    chunks([...set], FILTER_BATCH).map((batch) => ({ orgId, batch })),
  );
  await mapLimit(requests, PARALLEL, async ({ orgId, batch }) => {
    try {
      const page = await get<WirePage<WireOrganizationMembership>>(
        client,
        `/organizations/${encodeURIComponent(orgId)}/memberships`,
        { user_id: batch, limit: batch.length },
        options,
      );
      for (const membership of page.data) {
        const userId = membership.public_user_data?.user_id;
        if (userId !== undefined) found.set(`${orgId}\u0000${userId}`, membership);
      }
    } catch (error) {
      // A deleted organization takes its memberships with it
      // (docs/clerk-api.md#deleting-an-organization-deletes-its-memberships).
      if (!isNotFound(error)) throw error;
    }
  });
  const memberships = ids.memberships.map(({ orgId, userId }): MembershipVersion => {
    const membership = found.get(`${orgId}\u0000${userId}`);
    return membership === undefined
      ? { orgId, userId, membershipId: null, role: null, updatedAt: 'deleted' }
      : { orgId, userId, membershipId: membership.id, role: membership.role, updatedAt: membership.updated_at };
  });
  return { users, organizations, memberships };
}
