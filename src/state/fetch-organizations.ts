// The live organizations the declared ones can match (by clerk-sync's mark, slug or exact name,
// match-organization.ts) and their memberships, by the cheaper of per-organization pages and the instance-wide list.

import type { ClerkClient, QueryValue, WireOrganization, WireOrganizationMembership } from '../clerk/index.ts';
import type { LiveMembership, LiveOrganization } from '../model/index.ts';
import { MembershipGrouping } from '../plan/index.ts';
import { fromCheckedWireMembership, fromWireOrganization, orgMarkKey } from './from-wire.ts';
import { mayMatchOrganization, type OrganizationRefSets } from './match-organization.ts';
import { mapLimit } from './parallel.ts';
import {
  DEFAULT_READ_CONCURRENCY,
  DROPPED,
  fetchAllPages,
  getPage,
  PAGE_SIZE,
  type Page,
  type ReadContext,
  wireOrganization,
} from './read-pages.ts';

export interface ManagedOrganizations {
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

export function listed(orgs: WireOrganization[], refs: OrganizationRefSets): ManagedOrganizations {
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
export async function fetchManagedOrganizations(
  context: ReadContext,
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
  const context: ReadContext = {
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
  context: Pick<ReadContext, 'client' | 'signal'>,
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

/** The memberships read, and the same grouped by user as they arrived when asked (createPlan's view of them). */
export interface ReadMemberships {
  list: LiveMembership[];
  byUser?: MembershipGrouping;
}

export async function fetchMemberships(
  context: ReadContext,
  managed: ManagedOrganizations,
  options: { byUser?: boolean } = {},
): Promise<ReadMemberships> {
  if (options.byUser !== true) return { list: await readMemberships(context, managed) };
  const byUser = new MembershipGrouping();
  const list = await readMemberships(context, managed, (membership) => byUser.add(membership));
  return { list, byUser };
}

async function readMemberships(
  context: ReadContext,
  { managed: orgs, instanceMemberships }: ManagedOrganizations,
  onMembership?: (membership: LiveMembership) => void,
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
    onMembership?.(membership);
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

/** Plain string order (code units). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
