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
export function unfilterable(values: FilterValues): boolean {
  return values.external_id.some((id) => id.startsWith('+') || id.startsWith('-'));
}

/** GET /users requests of a targeted read: each filter kind in its own requests of up to 100 values. */
export function targetedRequests(values: FilterValues): number {
  let requests = 0;
  for (const kind of FILTER_KINDS) requests += Math.ceil(values[kind].length / FILTER_BATCH);
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
  values: FilterValues;
  declaredUsers: number;
}

/** The read a plan makes: targeted only when allowed (no prune, filterable identifiers) and asked or cheaper. */
export function chooseRead(input: ReadChoiceInput): LiveRead {
  const requests = { full: fullRequests(input.count), targeted: targetedRequests(input.values) };
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
  if (unfilterable(input.values)) return read('full', 'unfilterable');
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
