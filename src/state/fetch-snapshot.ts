// Reads the live state clerk-sync manages: every user, the managed organizations (by slug) and their memberships,
// in as few requests as the API allows (limit=500 is the maximum page, clerk-api-notes §1 Pagination).
//
// Users are walked with the `starting_after` cursor in ascending created_at order (clerk-api-notes §3.1): deep
// offsets slow down and time out, and in ascending order a user created during the read lands after every cursor,
// so it can never shift a page and hide another user. Large instances are split into K disjoint created_at ranges
// (created_at_after/_before, Unix ms, taken as strict bounds per the spec's "after"/"before") walked in parallel.

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
import {
  fromCheckedWireMembership,
  fromCheckedWireUser,
  fromWireOrganization,
  wireMembershipProblem,
  wireOrganizationProblem,
  wireUserProblem,
} from './from-wire.ts';
import type { LiveMembership, LiveOrganization, LiveSnapshot, LiveUser } from './model.ts';
import { UNRESTRICTED_INSTANCE } from './model.ts';
import { mapLimit } from './parallel.ts';

/** Clerk's maximum `limit` (clerk-api-notes §1: max 500; larger values are an error or silently 10). */
export const PAGE_SIZE = 500;
export const DEFAULT_READ_CONCURRENCY = 8;

export interface SnapshotProgress {
  phase: 'users' | 'organizations' | 'memberships';
  /** Objects read so far in this phase. */
  done: number;
  /** Expected total, when the API told us. */
  total?: number;
}

export interface FetchLiveSnapshotOptions {
  /** Slugs of the organizations the manifest declares; only these and their memberships are read. */
  managedOrgSlugs: string[];
  /** Parallel reads (created_at ranges, offset pages). @default 8 */
  concurrency?: number;
  onProgress?: (progress: SnapshotProgress) => void;
  signal?: AbortSignal;
}

interface Context {
  client: ClerkClient;
  concurrency: number;
  signal: AbortSignal | undefined;
  report: (progress: SnapshotProgress) => void;
}

function invalid(what: string, problem?: string): LiveStateError {
  const detail = problem === undefined ? '' : `: ${problem}`;
  return new LiveStateError('live_response_invalid', `the API answered ${what} with an unexpected shape${detail}`, {
    meta: { request: what },
    hint: 'Check that --api-url / CLERK_API_URL points at the Clerk Backend API.',
  });
}

async function get<T>(context: Context, path: string, query: Record<string, QueryValue>): Promise<T> {
  return context.client.request<T>(
    { method: 'GET', path, query },
    context.signal === undefined ? {} : { signal: context.signal },
  );
}

async function getUsers(context: Context, query: Record<string, QueryValue>): Promise<WireUser[]> {
  const page = await get<unknown>(context, '/users', query);
  if (!Array.isArray(page)) throw invalid('GET /users');
  // Rows are checked before the cursor walk reads their id and created_at.
  for (const row of page) if (wireUserProblem(row) !== undefined) throw invalid('GET /users', wireUserProblem(row));
  return page as WireUser[];
}

/** The row check for a `{data,total_count}` list this module reads: organizations or memberships. */
function rowCheckFor(path: string): (row: unknown) => string | undefined {
  return path === '/organizations' ? wireOrganizationProblem : wireMembershipProblem;
}

async function getPage<T>(context: Context, path: string, query: Record<string, QueryValue>): Promise<WirePage<T>> {
  const page = await get<unknown>(context, path, query);
  if (
    typeof page !== 'object' ||
    page === null ||
    !Array.isArray((page as WirePage<T>).data) ||
    typeof (page as WirePage<T>).total_count !== 'number'
  ) {
    throw invalid(`GET ${path}`);
  }
  const check = rowCheckFor(path);
  for (const row of (page as WirePage<unknown>).data) {
    const problem = check(row);
    if (problem !== undefined) throw invalid(`GET ${path}`, problem);
  }
  return page as WirePage<T>;
}

/** One created_at range: inclusive [from, to] in ms; undefined = open-ended. */
export interface CreatedAtRange {
  from?: number;
  to?: number;
}

/**
 * Splits [min, max] into at most `parts` disjoint ranges covering every integer ms. The first range is open below
 * and the last open above, so users created (or back-dated) outside the bounds during the read are still seen.
 */
export function splitCreatedAtRange(min: number, max: number, parts: number): CreatedAtRange[] {
  const span = max - min + 1;
  const count = Math.max(1, Math.min(parts, span));
  if (count === 1) return [{}];
  const starts = Array.from({ length: count }, (_, index) => min + Math.floor((index * span) / count));
  return starts.map((start, index) => {
    const next = starts[index + 1];
    return {
      ...(index === 0 ? {} : { from: start }),
      ...(next === undefined ? {} : { to: next - 1 }),
    };
  });
}

function inRange(user: WireUser, range: CreatedAtRange): boolean {
  return (
    (range.from === undefined || user.created_at >= range.from) &&
    (range.to === undefined || user.created_at <= range.to)
  );
}

/** Walks one created_at range page by page with the starting_after cursor, in ascending created_at order. */
async function walkRange(
  context: Context,
  range: CreatedAtRange,
  onPage: (count: number) => void,
): Promise<LiveUser[]> {
  // Each page is mapped to the model at once: keeping 100,000 wire users (every Clerk field) until the end of the
  // read doubled the peak memory of a plan (BENCHMARKS.md).
  const users: LiveUser[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (;;) {
    const page = await getUsers(context, {
      limit: PAGE_SIZE,
      order_by: '+created_at',
      // The API's bounds are strict ("after"/"before"); our range is inclusive.
      created_at_after: range.from === undefined ? undefined : range.from - 1,
      created_at_before: range.to === undefined ? undefined : range.to + 1,
      starting_after: cursor,
    });
    let fresh = 0;
    for (const user of page) {
      if (seen.has(user.id)) continue;
      seen.add(user.id);
      fresh += 1;
      // Filtering again keeps the ranges disjoint even if a server treated the bounds as inclusive.
      if (inRange(user, range)) users.push(fromCheckedWireUser(user));
    }
    onPage(page.length);
    if (page.length < PAGE_SIZE) return users;
    if (fresh === 0) {
      throw new LiveStateError(
        'live_pagination_stuck',
        'GET /users returned the same page twice: the cursor did not advance',
        {
          meta: { startingAfter: cursor ?? null },
          hint: 'The API ignored starting_after; check --api-url / CLERK_API_URL points at the Clerk Backend API.',
        },
      );
    }
    cursor = page[page.length - 1]?.id;
  }
}

async function fetchUsers(context: Context): Promise<LiveUser[]> {
  const count = await get<WireTotalCount>(context, '/users/count', {});
  if (typeof count?.total_count !== 'number') throw invalid('GET /users/count');
  const total = count.total_count;
  let done = 0;
  const onPage = (n: number): void => {
    done += n;
    context.report({ phase: 'users', done, total });
  };
  let ranges: CreatedAtRange[] = [{}];
  // Two pages or fewer: one sequential walk is as cheap as learning the bounds.
  if (total > PAGE_SIZE * 2) {
    const [oldest, newest] = await Promise.all([
      getUsers(context, { limit: 1, order_by: '+created_at' }),
      getUsers(context, { limit: 1, order_by: '-created_at' }),
    ]);
    const min = oldest[0]?.created_at;
    const max = newest[0]?.created_at;
    if (min !== undefined && max !== undefined && max >= min) {
      ranges = splitCreatedAtRange(min, max, Math.min(context.concurrency, Math.ceil(total / PAGE_SIZE)));
    }
  }
  const parts = await mapLimit(ranges, context.concurrency, (range) => walkRange(context, range, onPage));
  const byId = new Map<string, LiveUser>();
  for (const part of parts) for (const user of part) byId.set(user.id, user);
  return [...byId.values()];
}

/** Reads every page of an offset-paginated `{data,total_count}` list; the first page tells how many follow. */
async function fetchAllPages<T, R = T>(
  context: Context,
  path: string,
  query: Record<string, QueryValue>,
  phase: SnapshotProgress['phase'],
  first?: WirePage<T>,
  /** Maps and filters each page as it arrives, so the wire objects do not pile up. */
  keep: (items: T[]) => R[] = (items) => items as unknown as R[],
): Promise<R[]> {
  const head = first ?? (await getPage<T>(context, path, { ...query, limit: PAGE_SIZE, offset: 0 }));
  let done = head.data.length;
  context.report({ phase, done, total: head.total_count });
  if (head.data.length < PAGE_SIZE) return keep(head.data);
  const offsets: number[] = [];
  for (let offset = PAGE_SIZE; offset < head.total_count; offset += PAGE_SIZE) offsets.push(offset);
  const rest = await mapLimit(offsets, context.concurrency, async (offset) => {
    const page = await getPage<T>(context, path, { ...query, limit: PAGE_SIZE, offset });
    done += page.data.length;
    context.report({ phase, done, total: head.total_count });
    return keep(page.data);
  });
  return [keep(head.data), ...rest].flat();
}

interface ManagedOrganizations {
  managed: WireOrganization[];
  /**
   * Memberships in the whole instance, when every organization was listed with members_count (their sum): then
   * the cost of the instance-wide membership list is known without a request.
   */
  instanceMemberships?: number;
}

function sumMembers(orgs: WireOrganization[]): number | undefined {
  let sum = 0;
  for (const org of orgs) {
    if (typeof org.members_count !== 'number') return undefined;
    sum += org.members_count;
  }
  return sum;
}

async function fetchManagedOrganizations(context: Context, slugs: ReadonlySet<string>): Promise<ManagedOrganizations> {
  // Ascending created_at: an organization created during the read goes to the end and shifts no offset.
  const query = { include_members_count: true, order_by: '+created_at' };
  const first = await getPage<WireOrganization>(context, '/organizations', { ...query, limit: PAGE_SIZE, offset: 0 });
  context.report({ phase: 'organizations', done: first.data.length, total: first.total_count });
  const found = new Map<string, WireOrganization>();
  for (const org of first.data) if (org.slug !== null && slugs.has(org.slug)) found.set(org.slug, org);
  const managed = (): WireOrganization[] => [...found.values()];
  if (first.data.length < PAGE_SIZE || first.data.length >= first.total_count) {
    const total = sumMembers(first.data);
    return { managed: managed(), ...(total === undefined ? {} : { instanceMemberships: total }) };
  }
  const remainingPages = Math.max(0, Math.ceil(first.total_count / PAGE_SIZE) - 1);
  const missing = [...slugs].filter((slug) => !found.has(slug));
  if (missing.length === 0) return { managed: managed() };
  if (missing.length < remainingPages) {
    // Fewer lookups than pages: GET /organizations/{slug} resolves slugs too (clerk-api-notes §5.2).
    const looked = await mapLimit(missing, context.concurrency, (slug) =>
      lookupOrganization(context, slug, { include_members_count: true }),
    );
    for (const org of looked) if (org?.slug) found.set(org.slug, org);
    return { managed: managed() };
  }
  const all = await fetchAllPages<WireOrganization>(context, '/organizations', query, 'organizations', first);
  for (const org of all) if (org.slug !== null && slugs.has(org.slug)) found.set(org.slug, org);
  const total = sumMembers(all);
  return { managed: managed(), ...(total === undefined ? {} : { instanceMemberships: total }) };
}

/** GET /organizations/{slug}; 404 -> undefined. */
export async function lookupOrganization(
  context: Pick<Context, 'client' | 'signal'>,
  slug: string,
  query: Record<string, QueryValue> = {},
): Promise<WireOrganization | undefined> {
  try {
    const org = await context.client.request<WireOrganization>(
      { method: 'GET', path: `/organizations/${encodeURIComponent(slug)}`, query },
      context.signal === undefined ? {} : { signal: context.signal },
    );
    // The path also accepts ids (clerk-api-notes §5.2); only an exact slug match counts.
    return org.slug === slug ? org : undefined;
  } catch (error) {
    if (typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 404) return undefined;
    throw error;
  }
}

async function fetchMemberships(
  context: Context,
  { managed: orgs, instanceMemberships }: ManagedOrganizations,
): Promise<LiveMembership[]> {
  if (orgs.length === 0) return [];
  const managedIds = new Set(orgs.map((org) => org.id));
  const query = { order_by: '+created_at' };
  const perOrgCost = orgs.every((org) => typeof org.members_count === 'number')
    ? orgs.reduce((sum, org) => sum + Math.max(1, Math.ceil((org.members_count ?? 0) / PAGE_SIZE)), 0)
    : undefined;
  // Each membership's organization id as the one string of its organization (150,000 copies otherwise).
  const orgIds = new Map(orgs.map((org) => [org.id, org.id]));
  const toModel = (items: WireOrganizationMembership[]): LiveMembership[] =>
    items.map((item) => {
      const membership = fromCheckedWireMembership(item);
      membership.organizationId = orgIds.get(membership.organizationId) ?? membership.organizationId;
      return membership;
    });
  const perOrganization = async (): Promise<LiveMembership[]> => {
    const lists = await mapLimit(orgs, context.concurrency, (org) =>
      fetchAllPages<WireOrganizationMembership, LiveMembership>(
        context,
        `/organizations/${encodeURIComponent(org.id)}/memberships`,
        query,
        'memberships',
        undefined,
        toModel,
      ),
    );
    return lists.flat();
  };
  const instanceWide = async (first?: WirePage<WireOrganizationMembership>): Promise<LiveMembership[]> =>
    fetchAllPages<WireOrganizationMembership, LiveMembership>(
      context,
      '/organization_memberships',
      query,
      'memberships',
      first,
      (items) => toModel(items.filter((membership) => managedIds.has(membership.organization.id))),
    );
  // Pick the cheaper of per-organization pages and the instance-wide list (ceil(total/500) requests).
  if (perOrgCost !== undefined && instanceMemberships !== undefined) {
    return perOrgCost <= Math.max(1, Math.ceil(instanceMemberships / PAGE_SIZE)) ? perOrganization() : instanceWide();
  }
  if (perOrgCost !== undefined && perOrgCost <= 1) return perOrganization();
  // Total unknown: the first instance-wide page tells it.
  const first = await getPage<WireOrganizationMembership>(context, '/organization_memberships', {
    ...query,
    limit: PAGE_SIZE,
    offset: 0,
  });
  const remaining = Math.max(0, Math.ceil(first.total_count / PAGE_SIZE) - 1);
  if (perOrgCost !== undefined && perOrgCost < remaining) return perOrganization();
  return instanceWide(first);
}

function compareUsers(a: LiveUser, b: LiveUser): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Reads the live snapshot; output order is deterministic (users by createdAt then id, orgs by slug, memberships by org then user). */
export async function fetchLiveSnapshot(client: ClerkClient, options: FetchLiveSnapshotOptions): Promise<LiveSnapshot> {
  const context: Context = {
    client,
    concurrency: Math.max(1, options.concurrency ?? DEFAULT_READ_CONCURRENCY),
    signal: options.signal,
    report: options.onProgress ?? (() => undefined),
  };
  const slugs = new Set(options.managedOrgSlugs);
  const orgRead: Promise<ManagedOrganizations> =
    slugs.size === 0 ? Promise.resolve({ managed: [] }) : fetchManagedOrganizations(context, slugs);
  // Memberships need only the organizations: their pages are read alongside the users', not after them.
  const [liveUsers, { managed: wireOrgs }, liveMemberships] = await Promise.all([
    fetchUsers(context),
    orgRead,
    orgRead.then((read) => fetchMemberships(context, read)),
  ]);

  const users = liveUsers.sort(compareUsers);
  const organizations: LiveOrganization[] = wireOrgs
    .map(fromWireOrganization)
    .sort((a, b) => compareText(a.slug ?? a.id, b.slug ?? b.id));
  // Placeholder until the instance's settings are read (issue 13).
  const instance = { ...UNRESTRICTED_INSTANCE, userCount: users.length };
  return { users, organizations, memberships: sortMemberships(liveMemberships), instance };
}

/**
 * Memberships once each (by id), by organization id then user id: grouped by organization first, so each sort is over one
 * organization's members (150,000 memberships in one sort was a tenth of a second of string comparisons).
 */
export function sortMemberships(list: readonly LiveMembership[]): LiveMembership[] {
  const byOrg = new Map<string, LiveMembership[]>();
  for (const membership of list) {
    const group = byOrg.get(membership.organizationId);
    if (group) group.push(membership);
    else byOrg.set(membership.organizationId, [membership]);
  }
  const sorted: LiveMembership[] = [];
  for (const orgId of [...byOrg.keys()].sort(compareText)) {
    // Stable: copies of one membership (same id, so same organization and user) end up next to each other, in the
    // order they were read.
    const group = (byOrg.get(orgId) as LiveMembership[]).sort((a, b) => compareText(a.userId, b.userId));
    for (let start = 0; start < group.length; ) {
      let end = start + 1;
      while (end < group.length && (group[end] as LiveMembership).userId === (group[start] as LiveMembership).userId) {
        end += 1;
      }
      if (end - start === 1) sorted.push(group[start] as LiveMembership);
      else sorted.push(...latestCopies(group.slice(start, end)));
      start = end;
    }
  }
  return sorted;
}

/**
 * One user's memberships of one organization, read more than once (pages shift while they are read): each id once,
 * where it was first read, as it was last read. Clerk gives a user one membership per organization, so this runs
 * only for copies; a map over all 150,000 memberships to find them was a tenth of a second.
 */
function latestCopies(run: readonly LiveMembership[]): LiveMembership[] {
  const byId = new Map<string, LiveMembership>();
  for (const membership of run) byId.set(membership.id, membership);
  return [...byId.values()];
}
