// A live snapshot of only the objects a plan acts on, for plans that do not come from a manifest (undo): the users
// by id, the organizations by id with every one of their memberships (the member limit and last-admin checks count
// all members), the organizations a deleted user leaves, and the instance's settings. Bulk reads of up to 100 ids a
// request (the list filters, docs/clerk-api.md#list-filters-take-up-to-100-values), every page of a membership list.

import type {
  ClerkClient,
  QueryValue,
  WireOrganization,
  WireOrganizationMembership,
  WirePage,
  WireTotalCount,
  WireUser,
} from '../clerk/index.ts';
import { LiveStateError } from '../errors.ts';
import type { LiveOrganization, LiveSnapshot, LiveUser } from '../model/index.ts';
import { chunks } from '../util/chunks.ts';
import { fetchInstanceSettings } from './fetch-instance.ts';
import { sortMemberships } from './fetch-organizations.ts';
import {
  countProblem,
  fromWireMembership,
  fromWireOrganization,
  fromWireUser,
  readBeyondCount,
  readMargin,
} from './from-wire.ts';
import { FILTER_BATCH, isNotFound } from './lookups.ts';
import { mapLimit } from './parallel.ts';
import { PAGE_SIZE } from './read-pages.ts';

const PARALLEL = 8;

export interface TouchedIds {
  /** Users the plan acts on. */
  users: readonly string[];
  /** Organizations the plan acts on (their memberships are read too). */
  organizations: readonly string[];
  /** Users the plan deletes: every organization they are a member of is read too (they leave it). */
  deletedUsers: readonly string[];
}

export interface TouchedSnapshot extends LiveSnapshot {
  /** What could not be read and what was assumed instead (instance settings), for the caller to print. */
  readWarnings: string[];
}

function request<T>(
  client: ClerkClient,
  path: string,
  query: Record<string, QueryValue>,
  signal: AbortSignal | undefined,
): Promise<T> {
  return client.request<T>({ method: 'GET', path, query }, signal === undefined ? {} : { signal });
}

/** Every page of a `{data,total_count}` list; a 404 (the parent is gone) is an empty list. */
async function allPages<T>(client: ClerkClient, path: string, signal: AbortSignal | undefined): Promise<T[]> {
  const items: T[] = [];
  try {
    // The first page's total: later pages may not raise it forever.
    let counted: number | undefined;
    for (let offset = 0; ; offset += PAGE_SIZE) {
      const page = await request<WirePage<T>>(client, path, { limit: PAGE_SIZE, offset }, signal);
      const problem = Array.isArray(page?.data) ? countProblem(page.total_count) : 'not a {data, total_count} list';
      if (problem !== undefined) {
        throw new LiveStateError(
          'live_response_invalid',
          `the API answered GET ${path} with an unexpected shape: ${problem}`,
          {
            meta: { request: `GET ${path}` },
            hint: 'Check that --api-url / CLERK_API_URL points at the Clerk Backend API.',
          },
        );
      }
      counted ??= page.total_count;
      if (items.length + page.data.length > counted + readMargin(counted)) {
        throw readBeyondCount(`GET ${path}`, items.length + page.data.length, counted);
      }
      items.push(...page.data);
      if (page.data.length < PAGE_SIZE || offset + page.data.length >= page.total_count) return items;
    }
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

/** Users by id (those not found are deleted) and organizations by id, with every membership of each organization. */
async function readObjects(
  client: ClerkClient,
  ids: TouchedIds,
  signal: AbortSignal | undefined,
): Promise<Pick<LiveSnapshot, 'users' | 'organizations' | 'memberships'>> {
  const userIds = new Set(ids.users);
  const users: LiveUser[] = [];
  await mapLimit(chunks([...userIds], FILTER_BATCH), PARALLEL, async (batch) => {
    const found = await request<WireUser[]>(client, '/users', { user_id: batch, limit: batch.length }, signal);
    for (const user of found) if (userIds.has(user.id)) users.push(fromWireUser(user));
  });

  // A deleted user leaves every organization it is in: those organizations are touched as well.
  const orgIds = new Set(ids.organizations);
  const found = new Set(users.map((user) => user.id));
  const deleted = [...new Set(ids.deletedUsers)].filter((id) => found.has(id));
  const joined = await mapLimit(deleted, PARALLEL, (id) =>
    allPages<WireOrganizationMembership>(client, `/users/${encodeURIComponent(id)}/organization_memberships`, signal),
  );
  for (const membership of joined.flat()) orgIds.add(membership.organization.id);

  const organizations: LiveOrganization[] = [];
  await mapLimit(chunks([...orgIds], FILTER_BATCH), PARALLEL, async (batch) => {
    const page = await request<WirePage<WireOrganization>>(
      client,
      '/organizations',
      { organization_id: batch, limit: batch.length },
      signal,
    );
    for (const org of page.data) if (orgIds.has(org.id)) organizations.push(fromWireOrganization(org));
  });
  const lists = await mapLimit(organizations, PARALLEL, (org) =>
    allPages<WireOrganizationMembership>(client, `/organizations/${encodeURIComponent(org.id)}/memberships`, signal),
  );
  return { users, organizations, memberships: lists.flat().map(fromWireMembership) };
}

async function countUsers(client: ClerkClient, signal: AbortSignal | undefined): Promise<number> {
  const count = await request<WireTotalCount>(client, '/users/count', {}, signal);
  const problem = countProblem(count?.total_count);
  if (problem !== undefined) {
    throw new LiveStateError(
      'live_response_invalid',
      `the API answered GET /users/count with an unexpected shape: ${problem}`,
      {
        meta: { request: 'GET /users/count' },
        hint: 'Check that --api-url / CLERK_API_URL points at the Clerk Backend API.',
      },
    );
  }
  return count.total_count;
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The live state of the objects in `ids` (absent from the result: deleted) and the instance's settings. */
export async function fetchTouchedSnapshot(
  client: ClerkClient,
  ids: TouchedIds,
  options: { signal?: AbortSignal } = {},
): Promise<TouchedSnapshot> {
  const { signal } = options;
  const [objects, userCount, read] = await Promise.all([
    readObjects(client, ids, signal),
    countUsers(client, signal),
    fetchInstanceSettings({ client, signal }),
  ]);
  return {
    users: objects.users.sort(byId),
    organizations: objects.organizations.sort(byId),
    memberships: sortMemberships(objects.memberships),
    instance: { ...read.instance, userCount },
    apiUrl: client.baseUrl,
    readWarnings: read.warnings,
  };
}
