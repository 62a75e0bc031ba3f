// GET /users and GET /users/count: Clerk's filters and orderings (clerk-api-notes §3.1, §3.2). Exact-match filters
// use the indexes; created_at orderings walk the chronological array from a binary-searched start (created_at
// bounds, `starting_after` cursor), so a cursor page costs O(page) however deep it is. Substring queries and other
// orderings scan, as they must.

import { paramMissing, queryInvalid } from './problem.ts';
import {
  type OrderBy,
  queryBool,
  queryInt,
  queryLimit,
  queryList,
  queryOffset,
  queryOrderBy,
  querySignedList,
  queryString,
} from './query.ts';
import { type Chronological, compareChronological, firstAtOrAfter, lowerBound } from './sorted.ts';
import type { Store, UserRecord } from './store.ts';

type Predicate = (user: UserRecord) => boolean;

interface UserFilter {
  /** Users the exact-match filters allow; undefined means every user. */
  candidates: Set<UserRecord> | undefined;
  predicates: Predicate[];
  /** Strict created_at bounds (ms). */
  createdAfter: number | undefined;
  createdBefore: number | undefined;
}

const USER_ORDER_FIELDS = [
  'created_at',
  'updated_at',
  'email_address',
  'web3wallet',
  'first_name',
  'last_name',
  'phone_number',
  'username',
  'last_active_at',
  'last_sign_in_at',
] as const;

function intersect(current: Set<UserRecord> | undefined, next: Set<UserRecord>): Set<UserRecord> {
  if (current === undefined) return next;
  const result = new Set<UserRecord>();
  for (const user of next) if (current.has(user)) result.add(user);
  return result;
}

function collect(values: string[], lookup: (value: string) => UserRecord | undefined): Set<UserRecord> {
  const found = new Set<UserRecord>();
  for (const value of values) {
    const user = lookup(value);
    if (user) found.add(user);
  }
  return found;
}

function includes(haystack: string | null, needle: string): boolean {
  return haystack?.toLowerCase().includes(needle) ?? false;
}

function fullName(user: UserRecord): string {
  return `${user.first_name ?? ''} ${user.last_name ?? ''}`.trim();
}

function timeFilter(
  predicates: Predicate[],
  value: number | undefined,
  read: (user: UserRecord) => number | null,
  compare: (time: number, bound: number) => boolean,
): void {
  if (value === undefined) return;
  predicates.push((user) => {
    const time = read(user);
    return time !== null && compare(time, value);
  });
}

function parseUserFilter(store: Store, query: URLSearchParams): UserFilter {
  let candidates: Set<UserRecord> | undefined;
  const predicates: Predicate[] = [];

  const emails = queryList(query, 'email_address');
  if (emails.length > 0) {
    candidates = intersect(
      candidates,
      collect(emails, (email) => store.usersByEmail.get(email.trim().toLowerCase())),
    );
  }
  const phones = queryList(query, 'phone_number');
  if (phones.length > 0) {
    candidates = intersect(
      candidates,
      collect(phones, (phone) => store.usersByPhone.get(phone.trim())),
    );
  }
  const usernames = queryList(query, 'username');
  if (usernames.length > 0) {
    candidates = intersect(
      candidates,
      collect(usernames, (name) => store.usersByUsername.get(name.toLowerCase())),
    );
  }
  if (queryList(query, 'web3_wallet').length > 0) candidates = new Set();

  const externalIds = querySignedList(query, 'external_id');
  if (externalIds.include.length > 0) {
    candidates = intersect(
      candidates,
      collect(externalIds.include, (id) => store.usersByExternalId.get(id)),
    );
  }
  if (externalIds.exclude.length > 0) {
    const excluded = new Set(externalIds.exclude);
    predicates.push((user) => user.external_id === null || !excluded.has(user.external_id));
  }

  const userIds = querySignedList(query, 'user_id');
  if (userIds.include.length > 0) {
    candidates = intersect(
      candidates,
      collect(userIds.include, (id) => store.users.get(id)),
    );
  }
  if (userIds.exclude.length > 0) {
    const excluded = new Set(userIds.exclude);
    predicates.push((user) => !excluded.has(user.id));
  }

  const orgIds = querySignedList(query, 'organization_id');
  if (orgIds.include.length > 0) {
    const members = new Set<UserRecord>();
    for (const orgId of orgIds.include) {
      for (const userId of store.membershipsByOrg.get(orgId)?.keys() ?? []) {
        const user = store.users.get(userId);
        if (user) members.add(user);
      }
    }
    candidates = intersect(candidates, members);
  }
  if (orgIds.exclude.length > 0) {
    const excluded = orgIds.exclude;
    predicates.push((user) => {
      const memberships = store.membershipsByUser.get(user.id);
      return memberships === undefined || !excluded.some((orgId) => memberships.has(orgId));
    });
  }

  // No user has web3 wallets or external accounts in the emulator, so a provider filter matches nobody.
  const provider = queryString(query, 'provider');
  const providerUserIds = queryList(query, 'provider_user_id');
  if (providerUserIds.length > 0 && provider === undefined) throw paramMissing('provider');
  if (provider !== undefined) candidates = new Set();

  const text = queryString(query, 'query')?.toLowerCase();
  if (text !== undefined) {
    predicates.push(
      (user) =>
        user.id.toLowerCase().includes(text) ||
        includes(user.username, text) ||
        includes(user.first_name, text) ||
        includes(user.last_name, text) ||
        fullName(user).toLowerCase().includes(text) ||
        user.emails.some((email) => email.value.includes(text)) ||
        user.phones.some((phone) => phone.value.includes(text)),
    );
  }
  const emailQuery = queryString(query, 'email_address_query')?.toLowerCase();
  if (emailQuery !== undefined)
    predicates.push((user) => user.emails.some((email) => email.value.includes(emailQuery)));
  const phoneQuery = queryString(query, 'phone_number_query')?.toLowerCase();
  if (phoneQuery !== undefined)
    predicates.push((user) => user.phones.some((phone) => phone.value.includes(phoneQuery)));
  const usernameQuery = queryString(query, 'username_query')?.toLowerCase();
  if (usernameQuery !== undefined) predicates.push((user) => includes(user.username, usernameQuery));
  const nameQuery = queryString(query, 'name_query')?.toLowerCase();
  if (nameQuery !== undefined) {
    predicates.push(
      (user) =>
        includes(user.first_name, nameQuery) ||
        includes(user.last_name, nameQuery) ||
        fullName(user).toLowerCase().includes(nameQuery),
    );
  }

  const banned = queryBool(query, 'banned');
  if (banned !== undefined) predicates.push((user) => user.banned === banned);

  const before = (time: number, bound: number): boolean => time < bound;
  const after = (time: number, bound: number): boolean => time > bound;
  timeFilter(predicates, queryInt(query, 'last_active_at_before'), (user) => user.last_active_at, before);
  timeFilter(predicates, queryInt(query, 'last_active_at_after'), (user) => user.last_active_at, after);
  // Deprecated `last_active_at_since`: activity since the given time, inclusive.
  timeFilter(
    predicates,
    queryInt(query, 'last_active_at_since'),
    (user) => user.last_active_at,
    (t, b) => t >= b,
  );
  timeFilter(predicates, queryInt(query, 'last_sign_in_at_before'), (user) => user.last_sign_in_at, before);
  timeFilter(predicates, queryInt(query, 'last_sign_in_at_after'), (user) => user.last_sign_in_at, after);

  return {
    candidates,
    predicates,
    createdAfter: queryInt(query, 'created_at_after'),
    createdBefore: queryInt(query, 'created_at_before'),
  };
}

function matches(filter: UserFilter, user: UserRecord): boolean {
  if (filter.createdAfter !== undefined && !(user.created_at > filter.createdAfter)) return false;
  if (filter.createdBefore !== undefined && !(user.created_at < filter.createdBefore)) return false;
  for (const predicate of filter.predicates) if (!predicate(user)) return false;
  return true;
}

/** [start, end) of the chronological array inside the strict created_at bounds. */
function chronologicalRange(store: Store, filter: UserFilter): [number, number] {
  const all = store.usersByCreated;
  const start = filter.createdAfter === undefined ? 0 : firstAtOrAfter(all, filter.createdAfter + 1);
  const end = filter.createdBefore === undefined ? all.length : firstAtOrAfter(all, filter.createdBefore);
  return [start, Math.max(start, end)];
}

export function countUsers(store: Store, query: URLSearchParams): number {
  const filter = parseUserFilter(store, query);
  if (filter.candidates === undefined) {
    const [start, end] = chronologicalRange(store, filter);
    if (filter.predicates.length === 0) return end - start;
    let count = 0;
    for (let i = start; i < end; i++) if (matches(filter, store.usersByCreated[i] as UserRecord)) count++;
    return count;
  }
  let count = 0;
  for (const user of filter.candidates) if (matches(filter, user)) count++;
  return count;
}

type SortValue = string | number | null;

function sortValue(store: Store, user: UserRecord, field: string): SortValue {
  switch (field) {
    case 'updated_at':
      return user.updated_at;
    case 'email_address':
      return store.primaryEmail(user);
    case 'phone_number':
      return store.primaryPhone(user);
    case 'username':
      return user.username?.toLowerCase() ?? null;
    case 'first_name':
      return user.first_name?.toLowerCase() ?? null;
    case 'last_name':
      return user.last_name?.toLowerCase() ?? null;
    case 'last_active_at':
      return user.last_active_at;
    case 'last_sign_in_at':
      return user.last_sign_in_at;
    default:
      return null;
  }
}

/** Sorts like Postgres: nulls last ascending, first descending; ties in created_at order. */
export function sortBy<T extends Chronological>(items: T[], order: OrderBy, read: (item: T) => SortValue): T[] {
  const keyed = items.map((item) => ({ item, value: read(item) }));
  const direction = order.descending ? -1 : 1;
  keyed.sort((a, b) => {
    if (a.value !== b.value) {
      if (a.value === null) return direction;
      if (b.value === null) return -direction;
      return (a.value < b.value ? -1 : 1) * direction;
    }
    return compareChronological(a.item, b.item) * direction;
  });
  return keyed.map((entry) => entry.item);
}

/** Position just after the `starting_after` user in chronological order, for the given direction. */
function cursorPosition(store: Store, cursorId: string, descending: boolean): number {
  const user = store.users.get(cursorId);
  const createdAt = user?.created_at ?? store.deletedUsers.get(cursorId);
  if (createdAt === undefined) {
    throw queryInvalid('starting_after', `starting_after: no user was found with id ${cursorId}.`);
  }
  const all = store.usersByCreated;
  const index = lowerBound(all, createdAt, cursorId);
  if (descending) return index - 1;
  return all[index]?.id === cursorId ? index + 1 : index;
}

export function listUsers(store: Store, query: URLSearchParams): UserRecord[] {
  const limit = queryLimit(query);
  const offset = queryOffset(query);
  const order = queryOrderBy(query, USER_ORDER_FIELDS, '-created_at');
  const startingAfter = queryString(query, 'starting_after');
  if (startingAfter !== undefined) {
    if (order.field !== 'created_at') {
      throw queryInvalid('starting_after', 'starting_after can only be used when ordering by created_at.');
    }
    if (offset !== 0) throw queryInvalid('starting_after', 'starting_after cannot be combined with a non-zero offset.');
  }
  const filter = parseUserFilter(store, query);

  if (order.field === 'created_at' && filter.candidates === undefined) {
    // The fast path: walk the chronological array from the cursor or bound, O(offset + page) when unfiltered.
    const all = store.usersByCreated;
    const [start, end] = chronologicalRange(store, filter);
    const page: UserRecord[] = [];
    let skip = offset;
    if (order.descending) {
      let i = end - 1;
      if (startingAfter !== undefined) i = Math.min(i, cursorPosition(store, startingAfter, true));
      if (filter.predicates.length === 0) {
        i -= skip;
        skip = 0;
      }
      for (; i >= start && page.length < limit; i--) {
        const user = all[i] as UserRecord;
        if (!matches(filter, user)) continue;
        if (skip > 0) skip--;
        else page.push(user);
      }
    } else {
      let i = start;
      if (startingAfter !== undefined) i = Math.max(i, cursorPosition(store, startingAfter, false));
      if (filter.predicates.length === 0) {
        i += skip;
        skip = 0;
      }
      for (; i < end && page.length < limit; i++) {
        const user = all[i] as UserRecord;
        if (!matches(filter, user)) continue;
        if (skip > 0) skip--;
        else page.push(user);
      }
    }
    return page;
  }

  let sorted: UserRecord[];
  const unfiltered =
    filter.candidates === undefined &&
    filter.predicates.length === 0 &&
    filter.createdAfter === undefined &&
    filter.createdBefore === undefined;
  if (unfiltered) {
    // Offset paging through a whole non-chronological ordering sorts once, not once per page.
    const key = `${order.descending ? '-' : '+'}${order.field}`;
    const cached = store.sortCache.get(key);
    sorted = cached ?? sortBy(store.usersByCreated, order, (user) => sortValue(store, user, order.field));
    if (!cached) store.sortCache.set(key, sorted);
  } else {
    const pool = filter.candidates === undefined ? store.usersByCreated : [...filter.candidates];
    const matching = pool.filter((user) => matches(filter, user));
    sorted =
      order.field === 'created_at'
        ? sortBy(matching, order, () => null)
        : sortBy(matching, order, (user) => sortValue(store, user, order.field));
  }
  if (startingAfter !== undefined) {
    const cursorUser = store.users.get(startingAfter);
    const createdAt = cursorUser?.created_at ?? store.deletedUsers.get(startingAfter);
    if (createdAt === undefined) {
      throw queryInvalid('starting_after', `starting_after: no user was found with id ${startingAfter}.`);
    }
    const key = { id: startingAfter, created_at: createdAt };
    sorted = sorted.filter((user) =>
      order.descending ? compareChronological(user, key) < 0 : compareChronological(user, key) > 0,
    );
  }
  return sorted.slice(offset, offset + limit);
}
