// Reads the live state clerk-sync manages: every user (fetch-users.ts), or only those holding an identifier the
// manifest names when that is cheaper (read-strategy.ts, fetch-targeted.ts), the live organizations the declared ones
// can match and their memberships (fetch-organizations.ts), and the instance's settings (fetch-instance.ts), in as few
// requests as the API allows. What does not depend on the manifest starts before it is known (startLiveRead).

import type { ClerkClient } from '../clerk/index.ts';
import type { DesiredUser, LiveOrganization, LiveRead, LiveSnapshot, LiveUser, UserKeyKind } from '../model/index.ts';
import type { GroupedMemberships } from '../plan/index.ts';
import { fetchInstanceSettings, type InstanceRead } from './fetch-instance.ts';
import {
  compareText,
  fetchManagedOrganizations,
  fetchMemberships,
  type ManagedOrganizations,
  type ReadMemberships,
  sortMemberships,
} from './fetch-organizations.ts';
import { fetchTargetedUsers } from './fetch-targeted.ts';
import { countUsers, fetchAllUsers, getUsers } from './fetch-users.ts';
import { fromWireOrganization } from './from-wire.ts';
import { type OrganizationRef, organizationRefSets } from './match-organization.ts';
import { DEFAULT_READ_CONCURRENCY, type ReadContext, type SnapshotProgress, warn } from './read-pages.ts';
import {
  chooseRead,
  filterValues,
  fullReadCertain,
  type ReadOption,
  summarizeIdentifiers,
  summaryOf,
} from './read-strategy.ts';

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
  /** The memberships grouped by user as they arrive, for a plan (FetchedLiveSnapshot.groupedMemberships). */
  groupMemberships?: boolean;
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
  /**
   * Called once with the users, in the snapshot's order, as soon as they are read: the organizations' memberships may
   * still be read, and the caller can work on the users meanwhile. The array is the snapshot's own: not to be changed.
   */
  onUsers?: (users: readonly LiveUser[]) => void;
}

/** The manifest's side of the choice between a full and a targeted read (read-strategy.ts, chooseRead). */
export interface UserReadRequest {
  option: ReadOption;
  prune: boolean;
  /** Drift fails on unmanaged users: every marked user must be found (read-strategy.ts, chooseRead). */
  unmanaged?: boolean;
  /** The declared users: the identifiers a targeted read asks for (read-strategy.ts, filterValues). */
  declared: readonly DesiredUser[];
  userKey: UserKeyKind;
}

/** A snapshot as read, with what could not be read and what was assumed instead (for the caller to print). */
export interface FetchedLiveSnapshot extends LiveSnapshot {
  readWarnings: string[];
  /** The memberships by user as the read grouped them, when that is exactly `memberships` (createPlan's input). */
  groupedMemberships?: GroupedMemberships;
}
function compareUsers(a: LiveUser, b: LiveUser): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
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

/** The declared organizations' live matches and their memberships, being read. */
interface OrganizationsRead {
  organizations: Promise<ManagedOrganizations>;
  memberships: Promise<ReadMemberships>;
}

/** What a started read is doing before the manifest is known. */
interface EarlyReads {
  instanceRead: Promise<InstanceRead>;
  counted: Promise<number>;
  /** A full read that was certain before the manifest was read; undefined when it was not. */
  early: Promise<{ users: LiveUser[]; count: number } | undefined>;
  /** LiveReadStart.groupMemberships. */
  groupMemberships: boolean;
  /** The organizations read from the refs given to organizationsKnown, before finish (none: not given). */
  organizations?: { refs: readonly OrganizationRef[]; read: OrganizationsRead; stop: AbortController };
}

export interface StartedLiveRead {
  /**
   * The manifest's organizations, known before the rest of it (its users are still checked): their live matches and
   * memberships start being read. Used by finish when its `managedOrgs` are the same refs in the same order; else
   * stopped, and read again.
   */
  organizationsKnown(refs: readonly OrganizationRef[]): void;
  /** Reads what the manifest names, alongside what already started; the snapshot. */
  finish(request: LiveReadRequest): Promise<FetchedLiveSnapshot>;
  /** Aborts what started (the manifest could not be read, so finish will not be called). */
  cancel(): void;
}

/** The organizations `refs` can match and their memberships (fetch-organizations.ts). */
function readOrganizations(
  context: ReadContext,
  started: Pick<EarlyReads, 'instanceRead' | 'groupMemberships'>,
  refs: readonly OrganizationRef[],
): OrganizationsRead {
  const { instanceRead } = started;
  const sets = organizationRefSets(refs);
  const organizations: Promise<ManagedOrganizations> =
    sets.keys.size === 0
      ? Promise.resolve({ managed: [] })
      : fetchManagedOrganizations(context, sets, () => instanceRead.then((read) => read.instance.slugsEnabled));
  return {
    organizations,
    memberships: organizations.then((found) => fetchMemberships(context, found, { byUser: started.groupMemberships })),
  };
}

function sameRefs(a: readonly OrganizationRef[], b: readonly OrganizationRef[]): boolean {
  return a.length === b.length && a.every((ref, index) => ref.key === b[index]?.key && ref.name === b[index]?.name);
}

/**
 * Starts what a read needs before the manifest is known (the instance's settings, the user count, and a full read
 * when it is certain: read-strategy.ts, fullReadCertain), so reading overlaps loading the manifest; `finish` with
 * what the manifest names completes it.
 */
export function startLiveRead(client: ClerkClient, options: LiveReadStart = {}): StartedLiveRead {
  const stop = new AbortController();
  const signal = options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal]);
  const context: ReadContext = {
    client,
    concurrency: Math.max(1, options.concurrency ?? DEFAULT_READ_CONCURRENCY),
    signal,
    report: options.onProgress ?? (() => undefined),
    cursor: { usable: true },
    userBudget: { read: 0, counted: 0 },
    warnings: [],
  };
  const instanceRead = fetchInstanceSettings(context);
  const counted = countUsers(context);
  const early = counted.then((total) =>
    fullReadCertain(options.option ?? 'auto', total, options.manifestBytes, options.unmanaged)
      ? fetchAllUsers(usersFirst(context), total)
      : undefined,
  );
  // Awaited by finish, which may never come (an invalid manifest): a failure before then is not unhandled.
  instanceRead.catch(() => undefined);
  early.catch(() => undefined);
  const started: EarlyReads = { instanceRead, counted, early, groupMemberships: options.groupMemberships === true };
  return {
    organizationsKnown: (refs) => {
      if (started.organizations !== undefined) return;
      const own = new AbortController();
      const known = [...refs];
      const read = readOrganizations({ ...context, signal: AbortSignal.any([signal, own.signal]) }, started, known);
      // Awaited by finish, as the reads above.
      read.organizations.catch(() => undefined);
      read.memberships.catch(() => undefined);
      started.organizations = { refs: known, read, stop: own };
    },
    finish: (request) => finishRead(context, started, request),
    cancel: () => stop.abort(),
  };
}

/**
 * The users' pages go ahead of the organizations' and memberships' (RequestOptions.ahead): a plan matches and diffs
 * the users while the memberships are still read, so the users are better read first.
 */
function usersFirst(context: ReadContext): ReadContext {
  return { ...context, ahead: true };
}

/** The users the request asks for, by the strategy read-strategy.ts chooses, and the instance's user count. */
async function readUsers(
  shared: ReadContext,
  started: EarlyReads,
  request: UserReadRequest | undefined,
): Promise<{ users: LiveUser[]; count: number; read?: LiveRead }> {
  const context = usersFirst(shared);
  const total = await started.counted;
  const early = await started.early;
  if (request === undefined) return early ?? fetchAllUsers(context, total);
  const choice = { ...request, declaredUsers: request.declared.length, count: total };
  if (early !== undefined) {
    // The choice only describes the read now: the identifiers are counted, not collected.
    const chosen = chooseRead({ ...choice, identifiers: summarizeIdentifiers(request.declared, request.userKey) });
    return { ...early, read: chosen.strategy === 'full' ? chosen : { ...chosen, strategy: 'full', reason: 'early' } };
  }
  const values = filterValues(request.declared, request.userKey);
  const chosen = chooseRead({ ...choice, identifiers: summaryOf(values) });
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
  context: ReadContext,
  started: EarlyReads,
  request: LiveReadRequest,
): Promise<FetchedLiveSnapshot> {
  const known = started.organizations;
  const reuse = known !== undefined && sameRefs(known.refs, request.managedOrgs);
  if (known !== undefined && !reuse) known.stop.abort();
  const orgRead = reuse ? known.read : readOrganizations(context, started, request.managedOrgs);
  // Memberships need only the organizations: their pages are read alongside the users', not after them.
  const usersRead = readUsers(context, started, request.users).then((read) => {
    read.users.sort(compareUsers);
    request.onUsers?.(read.users);
    return read;
  });
  const [{ users, count, read }, { managed: wireOrgs }, liveMemberships, settings] = await Promise.all([
    usersRead,
    orgRead.organizations,
    orgRead.memberships,
    started.instanceRead,
  ]);

  const organizations: LiveOrganization[] = wireOrgs.map(fromWireOrganization).sort(compareOrganizations);
  const memberships = sortMemberships(liveMemberships.list);
  const groupedMemberships = liveMemberships.byUser?.of(memberships);
  return {
    ...(read === undefined ? {} : { read }),
    ...(groupedMemberships === undefined ? {} : { groupedMemberships }),
    users,
    organizations,
    memberships,
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
