// Which users a plan reads, by cost (issue 17): every user in pages of 500, or only the users holding an identifier
// the manifest names, read with the list filters of GET /users (up to 100 values each,
// docs/clerk-api.md#list-filters-take-up-to-100-values). Pure: the count, the manifest's identifiers and the option
// in, the choice and its reason out.

import type { DesiredUser, LiveRead, UserKeyKind } from '../model/index.ts';

/** `--read`: auto chooses by cost. */
export const READ_OPTIONS = ['auto', 'full', 'targeted'] as const;
export type ReadOption = (typeof READ_OPTIONS)[number];

/** The exact-match filters of GET /users a targeted read asks, one filter kind per request. */
export const FILTER_KINDS = ['external_id', 'email_address', 'phone_number', 'username'] as const;
export type FilterKind = (typeof FILTER_KINDS)[number];

/** Every identifier the manifest names, by the filter that finds its live holder; each value once. */
export type FilterValues = Record<FilterKind, string[]>;

/** Largest number of values Clerk accepts in one array filter (user_id, external_id, organization_id...). */
export const FILTER_BATCH = 100;
/** Users per page of a full read (docs/clerk-api.md#page-size-limit-1-to-500). */
const FULL_PAGE = 500;
/** A full read of more than two pages first asks for the oldest and newest user (fetch-users.ts, fetchAllUsers). */
const FULL_BOUNDS_REQUESTS = 2;

const KEY_FILTER: Record<UserKeyKind, FilterKind> = {
  externalId: 'external_id',
  emailAddress: 'email_address',
  username: 'username',
};

/**
 * The identifiers of the declared users: their keys and every email, phone number, username and external id they
 * assign, so a targeted read finds each declared user's live match and every live user holding an identifier the
 * manifest gives another (identity.ts refuses those exactly as after a full read).
 */
export function filterValues(users: readonly DesiredUser[], userKey: UserKeyKind): FilterValues {
  const sets: Record<FilterKind, Set<string>> = {
    external_id: new Set(),
    email_address: new Set(),
    phone_number: new Set(),
    username: new Set(),
  };
  const keyFilter = sets[KEY_FILTER[userKey]];
  for (const user of users) {
    // Email keys and addresses are lower-case in the model already (docs/clerk-api.md#email-case-assumed).
    keyFilter.add(userKey === 'emailAddress' ? user.key.toLowerCase() : user.key);
    if (user.externalId !== undefined) sets.external_id.add(user.externalId);
    for (const email of user.emailAddresses ?? []) sets.email_address.add(email.toLowerCase());
    for (const phone of user.phoneNumbers ?? []) sets.phone_number.add(phone);
    if (typeof user.username === 'string') sets.username.add(user.username);
  }
  const values = {} as FilterValues;
  for (const kind of FILTER_KINDS) values[kind] = [...sets[kind]].filter((value) => value !== '');
  return values;
}

/**
 * An external id the external_id filter cannot ask for exactly: a leading `+` or `-` says include or exclude
 * (spec GetUserList, `external_id`), so `-x` would list every user but x.
 */
function unfilterableId(id: string): boolean {
  return id.startsWith('+') || id.startsWith('-');
}

/** What the choice needs of the manifest's identifiers: how many of each kind, and whether the filters can ask for all. */
export interface IdentifierSummary {
  counts: Record<FilterKind, number>;
  unfilterable: boolean;
}

export function summaryOf(values: FilterValues): IdentifierSummary {
  const counts = {} as Record<FilterKind, number>;
  for (const kind of FILTER_KINDS) counts[kind] = values[kind].length;
  return { counts, unfilterable: values.external_id.some(unfilterableId) };
}

/**
 * summaryOf(filterValues(users, userKey)) without collecting the values: a read that started early only describes
 * the targeted read it did not make, and 100,000 users' sets of identifiers cost 0.3 s and 25 MB at the end of the
 * read. Exact for a manifest that passed the duplicate checks, which refuse an identifier two users share
 * (manifest/cross-checks.ts); a user's own key is counted once with the field it comes from.
 */
export function summarizeIdentifiers(users: readonly DesiredUser[], userKey: UserKeyKind): IdentifierSummary {
  const counts: Record<FilterKind, number> = { external_id: 0, email_address: 0, phone_number: 0, username: 0 };
  let unfilterable = false;
  for (const user of users) {
    const key = userKey === 'emailAddress' ? user.key.toLowerCase() : user.key;
    if (key !== '') counts[KEY_FILTER[userKey]] += 1;
    const externalId = user.externalId;
    if (externalId !== undefined && externalId !== '' && !(userKey === 'externalId' && externalId === key)) {
      counts.external_id += 1;
    }
    if ((userKey === 'externalId' && unfilterableId(key)) || (externalId !== undefined && unfilterableId(externalId))) {
      unfilterable = true;
    }
    for (const email of user.emailAddresses ?? []) {
      const lower = email.toLowerCase();
      if (lower !== '' && !(userKey === 'emailAddress' && lower === key)) counts.email_address += 1;
    }
    for (const phone of user.phoneNumbers ?? []) if (phone !== '') counts.phone_number += 1;
    const username = user.username;
    if (typeof username === 'string' && username !== '' && !(userKey === 'username' && username === key)) {
      counts.username += 1;
    }
  }
  return { counts, unfilterable };
}

/** GET /users requests of a targeted read: each filter kind in its own requests of up to 100 values. */
export function targetedRequests(counts: Record<FilterKind, number>): number {
  let requests = 0;
  for (const kind of FILTER_KINDS) requests += Math.ceil(counts[kind] / FILTER_BATCH);
  return requests;
}

/** GET /users requests of a full read of `count` users (pages of 500, and the bounds of the parallel ranges). */
export function fullRequests(count: number): number {
  const pages = Math.max(1, Math.ceil(count / FULL_PAGE));
  return count > FULL_PAGE * 2 ? pages + FULL_BOUNDS_REQUESTS : pages;
}

export interface ReadChoiceInput {
  option: ReadOption;
  /** settings.prune: deleting every marked user the manifest no longer lists needs every user. */
  prune: boolean;
  /** A drift that fails on unmanaged users: finding every marked user needs every user, unless --read targeted. */
  unmanaged?: boolean;
  /** GET /users/count. */
  count: number;
  identifiers: IdentifierSummary;
  declaredUsers: number;
}

/** The read a plan makes: targeted only when allowed (no prune, filterable identifiers) and asked or cheaper. */
export function chooseRead(input: ReadChoiceInput): LiveRead {
  const requests = { full: fullRequests(input.count), targeted: targetedRequests(input.identifiers.counts) };
  const read = (strategy: LiveRead['strategy'], reason: LiveRead['reason']): LiveRead => ({
    strategy,
    reason,
    instanceUsers: input.count,
    declaredUsers: input.declaredUsers,
    requests,
  });
  if (input.prune) return read('full', 'prune');
  if (input.unmanaged === true && input.option !== 'targeted') return read('full', 'unmanaged');
  if (input.option === 'full') return read('full', 'option');
  if (input.identifiers.unfilterable) return read('full', 'unfilterable');
  if (input.option === 'targeted') return read('targeted', 'option');
  return read(requests.targeted < requests.full ? 'targeted' : 'full', 'cost');
}

/**
 * Manifest bytes per declared user, generously: the benchmark's 100,000 users take about 400 each
 * (docs/performance.md). Dividing by it under-counts users, so a full read it starts is cheaper still.
 */
const GENEROUS_BYTES_PER_USER = 1000;

/**
 * Whether a full read can start before the manifest is read (it then overlaps parsing; its users are a superset of
 * a targeted read's, so the plan is the same): the option says full; or one page holds every user, which no targeted
 * read of a declared user undercuts; or the manifest is so large that even its keys alone take more filter requests
 * than the full read.
 */
export function fullReadCertain(option: ReadOption, count: number, manifestBytes?: number, unmanaged = false): boolean {
  if (option === 'full') return true;
  if (option !== 'auto') return false;
  if (unmanaged) return true;
  if (count <= FULL_PAGE) return true;
  if (manifestBytes === undefined) return false;
  const fewestKeyRequests = Math.ceil(manifestBytes / GENEROUS_BYTES_PER_USER / FILTER_BATCH);
  return fewestKeyRequests > fullRequests(count);
}
