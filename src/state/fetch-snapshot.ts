// Reads the live state clerk-sync manages: every user, or only those holding an identifier the manifest names when
// that is cheaper (read-strategy.ts, fetch-targeted.ts), the live organizations the declared ones can match (by
// clerk-sync's mark, slug or exact name, match-organization.ts) and their memberships, and the instance's settings
// (fetch-instance.ts), in as few requests as the API allows (limit=500 is the maximum page, OpenAPI spec 2026-05-12
// Pagination).
//
// Users are walked with the `starting_after` cursor in ascending created_at order
// (docs/clerk-api.md#cursor-pages-starting_after): deep offsets slow down and time out, and in ascending order a user
// created during the read lands after every cursor, so it can never shift a page and hide another user. Large instances
// are split into K disjoint created_at ranges (created_at_after/_before, Unix ms, taken as strict bounds per the spec's
// "after"/"before") walked in parallel. The cursor is recent (in the OpenAPI spec since 2026-08-12, in neither
// @clerk/backend nor Clerk's docs), so a walk falls back to created_at pages when a server ignores or refuses it, and
// the total read is checked against GET /users/count.

import { setImmediate } from 'node:timers/promises';
import type {
  ClerkClient,
  QueryValue,
  RowMapping,
  WireOrganization,
  WireOrganizationMembership,
  WirePage,
  WireTotalCount,
} from '../clerk/index.ts';
import { LiveStateError } from '../errors.ts';
import type { LiveMembership, LiveOrganization, LiveRead, LiveSnapshot, LiveUser } from '../model/index.ts';
import { fetchInstanceSettings, type InstanceRead } from './fetch-instance.ts';
import { fetchTargetedUsers } from './fetch-targeted.ts';
import {
  countProblem,
  fromCheckedWireMembership,
  fromCheckedWireUser,
  fromWireOrganization,
  orgMarkKey,
  readBeyondCount,
  readMargin,
  wireMembershipProblem,
  wireOrganizationProblem,
  wireUserProblem,
} from './from-wire.ts';
import {
  mayMatchOrganization,
  type OrganizationRef,
  type OrganizationRefSets,
  organizationRefSets,
} from './match-organization.ts';
import { mapLimit } from './parallel.ts';
import { chooseRead, type FilterValues, fullReadCertain, type ReadOption } from './read-strategy.ts';

/** Clerk's maximum `limit` (docs/clerk-api.md#page-size-limit-1-to-500); larger values are an error or silently 10. */
export const PAGE_SIZE = 500;
export const DEFAULT_READ_CONCURRENCY = 8;

export interface SnapshotProgress {
  phase: 'users' | 'organizations' | 'memberships';
  /** Objects read so far in this phase. */
  done: number;
  /** Expected total, when the API told us. */
  total?: number;
}

export interface FetchLiveSnapshotOptions extends LiveReadStart, LiveReadRequest {}

/** What a read needs before the manifest is known. */
export interface LiveReadStart {
  /** Parallel reads (created_at ranges, offset pages, filter batches). @default 8 */
  concurrency?: number;
  onProgress?: (progress: SnapshotProgress) => void;
  signal?: AbortSignal;
  /** Which read the command line asks for: a full read it makes certain starts as soon as the count is known. */
  option?: ReadOption;
  /** The manifest files' total size, when known before they are read (read-strategy.ts, fullReadCertain). */
  manifestBytes?: number;
  /** Drift fails on unmanaged users: with `auto`, the full read is certain. */
  unmanaged?: boolean;
}

/** What a read needs from the manifest. */
export interface LiveReadRequest {
  /**
   * The organizations the manifest declares, as `{ key: org.slug, name: org.name }`. Only live organizations that can
   * match one (mark key or slug equal to a key, or name equal to a name) and their memberships are read.
   */
  managedOrgs: readonly OrganizationRef[];
  /** Which users: absent, every user (export, rehearsal copies); else chosen by read-strategy.ts. */
  users?: UserReadRequest;
}

/** The manifest's side of the choice between a full and a targeted read (read-strategy.ts, chooseRead). */
export interface UserReadRequest {
  option: ReadOption;
  prune: boolean;
  /** Drift fails on unmanaged users: every marked user must be found (read-strategy.ts, chooseRead). */
  unmanaged?: boolean;
  /**
   * The manifest's identifiers (read-strategy.ts, filterValues), asked for when the choice is made: after a full read
   * that started early, only once the other requests are out (at 100,000 users they take 0.3 s to gather).
   */
  values: () => FilterValues;
  declaredUsers: number;
}

/** A snapshot as read, with what could not be read and what was assumed instead (for the caller to print). */
export interface FetchedLiveSnapshot extends LiveSnapshot {
  readWarnings: string[];
}

interface Context {
  client: ClerkClient;
  concurrency: number;
  signal: AbortSignal | undefined;
  report: (progress: SnapshotProgress) => void;
  /** Shared by the parallel user walks: once one finds the cursor unusable, the others stop trying it. */
  cursor: { usable: boolean };
  /** Users the walks kept so far, and the most they may keep: the count at the start plus readMargin. */
  userBudget: { read: number; counted: number };
  warnings: string[];
}

function warn(context: Context, warning: string): void {
  if (!context.warnings.includes(warning)) context.warnings.push(warning);
}

function invalid(what: string, problem?: string): LiveStateError {
  const detail = problem === undefined ? '' : `: ${problem}`;
  return new LiveStateError('live_response_invalid', `the API answered ${what} with an unexpected shape${detail}`, {
    meta: { request: what },
    hint: 'Check that --api-url / CLERK_API_URL points at the Clerk Backend API.',
  });
}

async function get<T>(
  context: Context,
  path: string,
  query: Record<string, QueryValue>,
  rows?: RowMapping,
): Promise<T> {
  return context.client.request<T>(
    { method: 'GET', path, query },
    { ...(context.signal === undefined ? {} : { signal: context.signal }), ...(rows === undefined ? {} : { rows }) },
  );
}

/** Each row checked, then mapped, as it is parsed (RowMapping): the page never holds its wire objects together. */
function checkedRow<T, R>(
  what: string,
  problemOf: (row: unknown) => string | undefined,
  map: (row: T) => R,
): (row: unknown) => R {
  return (row) => {
    const problem = problemOf(row);
    if (problem !== undefined) throw invalid(what, problem);
    return map(row as T);
  };
}

const userRow = checkedRow('GET /users', wireUserProblem, fromCheckedWireUser);

/** GET /users: the page's users, checked and mapped to the model as they are parsed. */
async function getUsers(context: Context, query: Record<string, QueryValue>): Promise<LiveUser[]> {
  const page = await get<unknown>(context, '/users', query, { at: 'body', map: userRow });
  if (!Array.isArray(page)) throw invalid('GET /users');
  return page as LiveUser[];
}

/** The row check for a `{data,total_count}` list this module reads: organizations or memberships. */
function rowCheckFor(path: string): (row: unknown) => string | undefined {
  return path === '/organizations' ? wireOrganizationProblem : wireMembershipProblem;
}

/** A `{data,total_count}` page: what its rows became (rows kept), and how many rows it had. */
interface Page<R> {
  kept: R[];
  rows: number;
  total_count: number;
}

/** What a page's `keep` answers for a row it drops. */
const DROPPED = undefined;

/** Organizations are few and read whole: their rows are kept as they are (checked). */
const wireOrganization = (row: WireOrganization): WireOrganization => row;

/** One page of a `{data,total_count}` list, each row checked then passed to `keep` as it is parsed. */
async function getPage<T, R>(
  context: Context,
  path: string,
  query: Record<string, QueryValue>,
  keep: (row: T) => R | undefined,
): Promise<Page<R>> {
  const map = checkedRow(`GET ${path}`, rowCheckFor(path), keep);
  const page = await get<unknown>(context, path, query, { at: 'data', map });
  if (typeof page !== 'object' || page === null || !Array.isArray((page as WirePage<unknown>).data)) {
    throw invalid(`GET ${path}`);
  }
  const countIssue = countProblem((page as WirePage<unknown>).total_count);
  if (countIssue !== undefined) throw invalid(`GET ${path}`, countIssue);
  const data = (page as WirePage<R | undefined>).data;
  const kept: R[] = [];
  for (const row of data) if (row !== DROPPED) kept.push(row);
  return { kept, rows: data.length, total_count: (page as WirePage<unknown>).total_count };
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

function inRange(user: LiveUser, range: CreatedAtRange): boolean {
  return (
    (range.from === undefined || user.createdAt >= range.from) && (range.to === undefined || user.createdAt <= range.to)
  );
}

/**
 * Users of a tie (one created_at ms) already read that a created_at page reads again: up to this many of them can be
 * deleted between two pages without the offset skipping an unread one.
 */
const TIE_OVERLAP = 10;

/** Statuses Clerk may answer for a starting_after naming a user that no longer exists (undocumented). */
const REFUSED_CURSOR_STATUSES: ReadonlySet<number> = new Set([400, 404, 422]);

function refusedCursor(error: unknown): boolean {
  const status = typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
  return typeof status === 'number' && REFUSED_CURSOR_STATUSES.has(status);
}

function paginationStuck(query: Record<string, QueryValue>): LiveStateError {
  return new LiveStateError('live_pagination_stuck', 'GET /users returned only users already read, twice', {
    meta: {
      createdAtAfter: typeof query.created_at_after === 'number' ? query.created_at_after : null,
      offset: typeof query.offset === 'number' ? query.offset : null,
    },
    hint: 'The API ignored starting_after, then created_at_after or offset too; check --api-url / CLERK_API_URL points at the Clerk Backend API.',
  });
}

/**
 * Walks one created_at range in ascending created_at order: with the starting_after cursor while the server honours
 * it, else by created_at pages (created_at_after = the last created_at read - 1, an offset within that ms), which a
 * deleted user cannot disturb beyond its own ms. Users already read are skipped, so overlapping pages cost nothing.
 */
async function walkRange(
  context: Context,
  range: CreatedAtRange,
  onPage: (count: number) => void,
): Promise<LiveUser[]> {
  // Pages arrive mapped to the model (getUsers): keeping 100,000 wire users (every Clerk field) until the end of the
  // read doubled the peak memory of a plan (docs/performance.md).
  const users: LiveUser[] = [];
  const seen = new Set<string>();
  // The API's bounds are strict ("after"/"before"); our range is inclusive.
  const after = range.from === undefined ? undefined : range.from - 1;
  const before = range.to === undefined ? undefined : range.to + 1;
  let cursor: string | undefined;
  // The newest created_at read so far, and how many distinct users were read at exactly that ms.
  let last: number | undefined;
  let atLast = 0;
  // A cursor the server refused: the next page is read by created_at once, then the cursor is tried again.
  let refused: string | undefined;
  for (;;) {
    const byCreatedAt = last !== undefined && (refused !== undefined || !context.cursor.usable);
    const query: Record<string, QueryValue> = byCreatedAt
      ? {
          limit: PAGE_SIZE,
          order_by: '+created_at',
          created_at_after: Math.max(after ?? Number.NEGATIVE_INFINITY, (last as number) - 1),
          created_at_before: before,
          offset: Math.max(0, atLast - TIE_OVERLAP),
        }
      : {
          limit: PAGE_SIZE,
          order_by: '+created_at',
          created_at_after: after,
          created_at_before: before,
          starting_after: cursor,
        };
    let page: LiveUser[];
    try {
      page = await getUsers(context, query);
    } catch (error) {
      if (byCreatedAt || cursor === undefined || !refusedCursor(error)) throw error;
      // Its user deleted mid-read, Clerk may answer 400/404/422 for an unknown starting_after (undocumented).
      refused = cursor;
      continue;
    }
    // The created_at page starts at the refused cursor's ms: if its user is still there, the server refuses the
    // parameter itself, and every walk pages by created_at from then on.
    if (refused !== undefined && page.some((user) => user.id === refused) && context.cursor.usable) {
      context.cursor.usable = false;
      warn(context, 'GET /users refused starting_after: users were read in created_at pages instead');
    }
    refused = undefined;
    let added = 0;
    let fresh = 0;
    const budget = context.userBudget;
    const limit = budget.counted + readMargin(budget.counted);
    for (const user of page) {
      if (seen.has(user.id)) continue;
      seen.add(user.id);
      added += 1;
      // Each walk reads at most every user, and all walks together keep at most every user: the pages must end.
      if (seen.size > limit) throw readBeyondCount('GET /users', seen.size, budget.counted);
      if (last === undefined || user.createdAt > last) {
        last = user.createdAt;
        atLast = 1;
      } else if (user.createdAt === last) {
        atLast += 1;
      }
      // Filtering again keeps the ranges disjoint even if a server treated the bounds as inclusive.
      if (inRange(user, range)) {
        users.push(user);
        fresh += 1;
        budget.read += 1;
        if (budget.read > limit) throw readBeyondCount('GET /users', budget.read, budget.counted);
      }
    }
    onPage(fresh);
    if (page.length < PAGE_SIZE) return users;
    if (added === 0) {
      if (byCreatedAt) throw paginationStuck(query);
      // The same page twice: the server ignores starting_after. Every walk pages by created_at from then on.
      if (context.cursor.usable) {
        context.cursor.usable = false;
        warn(
          context,
          'GET /users ignored starting_after (the same page twice): users were read in created_at pages instead',
        );
      }
      continue;
    }
    cursor = page[page.length - 1]?.id;
  }
}

/** GET /users/count. */
async function countUsers(context: Context): Promise<number> {
  const count = await get<WireTotalCount>(context, '/users/count', {});
  if (typeof count !== 'object' || count === null) throw invalid('GET /users/count');
  const problem = countProblem(count.total_count);
  if (problem !== undefined) throw invalid('GET /users/count', problem);
  return count.total_count;
}

/** How many fewer users than counted a read may return: users deleted while it ran. */
export function readShortfallTolerance(counted: number): number {
  return Math.max(10, Math.ceil(counted / 1000));
}

/**
 * Checks the number of users read against GET /users/count; returns the instance's user count. A read far short
 * of the count is an error, not a re-read: what cuts a read short silently (a server or proxy capping page sizes or
 * offsets) would cut a re-read too, and a plan from a partial read would create users that exist and leave others
 * unmanaged. Users deleted during the read lower the count as well, so a short read counts once more before failing.
 */
async function checkUserCount(context: Context, read: number, counted: number): Promise<number> {
  if (read >= counted - readShortfallTolerance(counted)) return counted;
  const recounted = await countUsers(context);
  const expected = Math.min(counted, recounted);
  if (read >= expected - readShortfallTolerance(expected)) return recounted;
  throw new LiveStateError(
    'live_read_incomplete',
    `read ${read} users, but GET /users/count says the instance has ${recounted} (${counted} when the read began)`,
    {
      meta: { read, counted, recounted },
      hint: 'Nothing was changed. Run again; if it persists, something between clerk-sync and Clerk caps pages: check --api-url / CLERK_API_URL.',
    },
  );
}

/** Every user (the count taken when the read began): parallel created_at ranges, checked against the count. */
async function fetchAllUsers(context: Context, total: number): Promise<{ users: LiveUser[]; count: number }> {
  context.userBudget.counted = total;
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
    const min = oldest[0]?.createdAt;
    const max = newest[0]?.createdAt;
    if (min !== undefined && max !== undefined && max >= min) {
      ranges = splitCreatedAtRange(min, max, Math.min(context.concurrency, Math.ceil(total / PAGE_SIZE)));
    }
  }
  const parts = await mapLimit(ranges, context.concurrency, (range) => walkRange(context, range, onPage));
  const byId = new Map<string, LiveUser>();
  for (const part of parts) for (const user of part) byId.set(user.id, user);
  const users = [...byId.values()];
  return { users, count: await checkUserCount(context, users.length, total) };
}

/**
 * Reads every page of an offset-paginated `{data,total_count}` list; the first page tells how many follow. `keep` maps
 * (or drops, with undefined) each row as it is parsed, so the wire objects do not pile up.
 */
async function fetchAllPages<T, R>(
  context: Context,
  path: string,
  query: Record<string, QueryValue>,
  phase: SnapshotProgress['phase'],
  keep: (row: T) => R | undefined,
  first?: Page<R>,
): Promise<R[]> {
  const head = first ?? (await getPage(context, path, { ...query, limit: PAGE_SIZE, offset: 0 }, keep));
  let done = head.rows;
  context.report({ phase, done, total: head.total_count });
  if (head.rows < PAGE_SIZE) return head.kept;
  const offsets: number[] = [];
  for (let offset = PAGE_SIZE; offset < head.total_count; offset += PAGE_SIZE) offsets.push(offset);
  const rest = await mapLimit(offsets, context.concurrency, async (offset) => {
    const page = await getPage(context, path, { ...query, limit: PAGE_SIZE, offset }, keep);
    done += page.rows;
    context.report({ phase, done, total: head.total_count });
    return page.kept;
  });
  return [head.kept, ...rest].flat();
}

interface ManagedOrganizations {
  /** Every live organization that can match a declared one (mayMatchOrganization). */
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

function listed(orgs: WireOrganization[], refs: OrganizationRefSets): ManagedOrganizations {
  const managed = orgs.filter((org) =>
    mayMatchOrganization({ key: orgMarkKey(org.private_metadata), slug: org.slug ?? null, name: org.name }, refs),
  );
  const total = sumMembers(orgs);
  return { managed, ...(total === undefined ? {} : { instanceMemberships: total }) };
}

/**
 * The live organizations that can match the declared ones. Organizations are few: every one is listed (its private
 * metadata holds the mark), unless more than one page exists and each declared key not marked on the first page is
 * found by a slug lookup (GET /organizations/{slug}, OpenAPI spec 2026-05-12, GetOrganization) that returns an organization carrying that
 * mark, in fewer requests than the remaining pages. Only the mark decides there: an unmarked organization with the
 * slug could lose to a marked one on a page not read (match step (a) comes before (b)).
 */
async function fetchManagedOrganizations(
  context: Context,
  refs: OrganizationRefSets,
  slugsEnabled: () => Promise<boolean>,
): Promise<ManagedOrganizations> {
  // Ascending created_at: an organization created during the read goes to the end and shifts no offset.
  const query = { include_members_count: true, order_by: '+created_at' };
  const first = await getPage(context, '/organizations', { ...query, limit: PAGE_SIZE, offset: 0 }, wireOrganization);
  context.report({ phase: 'organizations', done: first.rows, total: first.total_count });
  if (first.rows < PAGE_SIZE || first.rows >= first.total_count) return listed(first.kept, refs);
  const remainingPages = Math.max(0, Math.ceil(first.total_count / PAGE_SIZE) - 1);
  const marked = new Set(first.kept.map((org) => orgMarkKey(org.private_metadata)));
  const missing = [...refs.keys].filter((key) => !marked.has(key));
  if (missing.length === 0) return { managed: listed(first.kept, refs).managed };
  if (missing.length < remainingPages && (await slugsEnabled())) {
    const looked = await mapLimit(missing, context.concurrency, (slug) =>
      lookupOrganization(context, slug, { include_members_count: true }),
    );
    if (looked.every((org, index) => org !== undefined && orgMarkKey(org.private_metadata) === missing[index])) {
      const byId = new Map(listed(first.kept, refs).managed.map((org) => [org.id, org]));
      for (const org of looked) if (org !== undefined) byId.set(org.id, org);
      return { managed: [...byId.values()] };
    }
  }
  const all = await fetchAllPages(context, '/organizations', query, 'organizations', wireOrganization, first);
  // Pages read while organizations are created or deleted can repeat one: keep each id once.
  return listed([...new Map(all.map((org) => [org.id, org])).values()], refs);
}

/** Every live organization (all pages, oldest first), mapped; each id once. For lookups that must see them all. */
export async function listOrganizations(
  client: ClerkClient,
  options: { signal?: AbortSignal | undefined; concurrency?: number } = {},
): Promise<LiveOrganization[]> {
  const context: Context = {
    client,
    concurrency: Math.max(1, options.concurrency ?? DEFAULT_READ_CONCURRENCY),
    signal: options.signal,
    report: () => undefined,
    cursor: { usable: true },
    userBudget: { read: 0, counted: 0 },
    warnings: [],
  };
  const all = await fetchAllPages(
    context,
    '/organizations',
    { order_by: '+created_at' },
    'organizations',
    wireOrganization,
  );
  return [...new Map(all.map((org) => [org.id, fromWireOrganization(org)])).values()];
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
    // The path also accepts ids (OpenAPI spec 2026-05-12, GetOrganization); only an exact slug match counts.
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
  // Each membership's organization id as the one string of its organization, and each role as one string per role
  // (150,000 copies of each otherwise).
  const orgIds = new Map(orgs.map((org) => [org.id, org.id]));
  const roles = new Map<string, string>();
  const toModel = (item: WireOrganizationMembership): LiveMembership => {
    const membership = fromCheckedWireMembership(item);
    membership.organizationId = orgIds.get(membership.organizationId) ?? membership.organizationId;
    const role = roles.get(membership.role);
    if (role === undefined) roles.set(membership.role, membership.role);
    else membership.role = role;
    return membership;
  };
  // The instance-wide list keeps the memberships of managed organizations only.
  const managedOnly = (item: WireOrganizationMembership): LiveMembership | undefined =>
    managedIds.has(item.organization.id) ? toModel(item) : DROPPED;
  const perOrganization = async (): Promise<LiveMembership[]> => {
    const lists = await mapLimit(orgs, context.concurrency, (org) =>
      fetchAllPages(context, `/organizations/${encodeURIComponent(org.id)}/memberships`, query, 'memberships', toModel),
    );
    return lists.flat();
  };
  const instanceWide = async (first?: Page<LiveMembership>): Promise<LiveMembership[]> =>
    fetchAllPages(context, '/organization_memberships', query, 'memberships', managedOnly, first);
  // Pick the cheaper of per-organization pages and the instance-wide list (ceil(total/500) requests).
  if (perOrgCost !== undefined && instanceMemberships !== undefined) {
    return perOrgCost <= Math.max(1, Math.ceil(instanceMemberships / PAGE_SIZE)) ? perOrganization() : instanceWide();
  }
  if (perOrgCost !== undefined && perOrgCost <= 1) return perOrganization();
  // Total unknown: the first instance-wide page tells it.
  const first = await getPage(
    context,
    '/organization_memberships',
    { ...query, limit: PAGE_SIZE, offset: 0 },
    managedOnly,
  );
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

/** By slug, organizations without one (slugs disabled) last; then by id. */
function compareOrganizations(a: LiveOrganization, b: LiveOrganization): number {
  if (a.slug !== b.slug) {
    if (a.slug === null) return 1;
    if (b.slug === null) return -1;
    return compareText(a.slug, b.slug);
  }
  return compareText(a.id, b.id);
}

/** What a started read is doing before the manifest is known. */
interface EarlyReads {
  instanceRead: Promise<InstanceRead>;
  counted: Promise<number>;
  /** A full read that was certain before the manifest was read; undefined when it was not. */
  early: Promise<{ users: LiveUser[]; count: number } | undefined>;
}

export interface StartedLiveRead {
  /** Reads what the manifest names, alongside what already started; the snapshot. */
  finish(request: LiveReadRequest): Promise<FetchedLiveSnapshot>;
  /** Aborts what started (the manifest could not be read, so finish will not be called). */
  cancel(): void;
}

/**
 * Starts what a read needs before the manifest is known (the instance's settings, the user count, and a full read
 * when it is certain: read-strategy.ts, fullReadCertain), so reading overlaps loading the manifest; `finish` with
 * what the manifest names completes it.
 */
export function startLiveRead(client: ClerkClient, options: LiveReadStart = {}): StartedLiveRead {
  const stop = new AbortController();
  const context: Context = {
    client,
    concurrency: Math.max(1, options.concurrency ?? DEFAULT_READ_CONCURRENCY),
    signal: options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal]),
    report: options.onProgress ?? (() => undefined),
    cursor: { usable: true },
    userBudget: { read: 0, counted: 0 },
    warnings: [],
  };
  const instanceRead = fetchInstanceSettings(context);
  const counted = countUsers(context);
  const early = counted.then((total) =>
    fullReadCertain(options.option ?? 'auto', total, options.manifestBytes, options.unmanaged)
      ? fetchAllUsers(context, total)
      : undefined,
  );
  // Awaited by finish, which may never come (an invalid manifest): a failure before then is not unhandled.
  instanceRead.catch(() => undefined);
  early.catch(() => undefined);
  return {
    finish: (request) => finishRead(context, { instanceRead, counted, early }, request),
    cancel: () => stop.abort(),
  };
}

/** The users the request asks for, by the strategy read-strategy.ts chooses, and the instance's user count. */
async function readUsers(
  context: Context,
  started: EarlyReads,
  request: UserReadRequest | undefined,
): Promise<{ users: LiveUser[]; count: number; read?: LiveRead }> {
  const total = await started.counted;
  const early = await started.early;
  if (request === undefined) return early ?? fetchAllUsers(context, total);
  if (early !== undefined) {
    // The choice only describes the read now: the requests of the organizations and memberships go out first.
    await setImmediate();
    const chosen = chooseRead({ ...request, values: request.values(), count: total });
    return { ...early, read: chosen.strategy === 'full' ? chosen : { ...chosen, strategy: 'full', reason: 'early' } };
  }
  const values = request.values();
  const chosen = chooseRead({ ...request, values, count: total });
  if (chosen.strategy === 'full') return { ...(await fetchAllUsers(context, total)), read: chosen };
  let done = 0;
  const users = await fetchTargetedUsers(
    {
      concurrency: context.concurrency,
      getUsers: (query) => getUsers(context, query),
      onPage: (count) => {
        done += count;
        context.report({ phase: 'users', done });
      },
    },
    values,
  );
  if (users !== undefined) return { users, count: total, read: chosen };
  warn(
    context,
    'GET /users did not honour a list filter (it answered users that hold none of the values asked for): every user was read instead',
  );
  return { ...(await fetchAllUsers(context, total)), read: { ...chosen, strategy: 'full', reason: 'unfilterable' } };
}

async function finishRead(
  context: Context,
  started: EarlyReads,
  request: LiveReadRequest,
): Promise<FetchedLiveSnapshot> {
  const refs = organizationRefSets(request.managedOrgs);
  const orgRead: Promise<ManagedOrganizations> =
    refs.keys.size === 0
      ? Promise.resolve({ managed: [] })
      : fetchManagedOrganizations(context, refs, () => started.instanceRead.then((read) => read.instance.slugsEnabled));
  // Memberships need only the organizations: their pages are read alongside the users', not after them.
  const [{ users: liveUsers, count, read }, { managed: wireOrgs }, liveMemberships, settings] = await Promise.all([
    readUsers(context, started, request.users),
    orgRead,
    orgRead.then((found) => fetchMemberships(context, found)),
    started.instanceRead,
  ]);

  const users = liveUsers.sort(compareUsers);
  const organizations: LiveOrganization[] = wireOrgs.map(fromWireOrganization).sort(compareOrganizations);
  return {
    ...(read === undefined ? {} : { read }),
    users,
    organizations,
    memberships: sortMemberships(liveMemberships),
    instance: { ...settings.instance, userCount: count },
    apiUrl: context.client.baseUrl,
    readWarnings: [...settings.warnings, ...context.warnings],
  };
}

/**
 * Reads the live snapshot and the instance's settings (in parallel); output order is deterministic (users by
 * createdAt then id, organizations by slug then id, memberships by organization then user).
 */
export function fetchLiveSnapshot(
  client: ClerkClient,
  options: FetchLiveSnapshotOptions,
): Promise<FetchedLiveSnapshot> {
  const option = options.option ?? (options.users === undefined ? 'full' : options.users.option);
  return startLiveRead(client, { ...options, option }).finish(options);
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
