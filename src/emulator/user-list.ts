// GET /users and GET /users/count: Clerk's filters and orderings (docs/clerk-api.md#listing-users). Exact-match filters
// use the indexes; created_at orderings walk the chronological array from a binary-searched start (created_at
// bounds, `starting_after` cursor), so a cursor page costs O(page) however deep it is. Substring queries and other
// orderings scan, as they must.

import { queryInvalid } from './problem.ts';
import { type OrderBy, queryLimit, queryOffset, queryOrderBy, queryString } from './query.ts';
import type { UserRecord } from './records.ts';
import { compareChronological, firstAtOrAfter, lowerBound } from './sorted.ts';
import type { Store } from './store.ts';
import { matches, parseUserFilter, type UserFilter } from './user-filter.ts';
import { sortBy, sortValue, USER_ORDER_FIELDS } from './user-sort.ts';

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

/** One page of a created_at ordering without exact-match filters. */
interface Page {
  order: OrderBy;
  startingAfter: string | undefined;
  offset: number;
  limit: number;
}

/** The fast path: walk the chronological array from the cursor or bound, O(offset + page) when unfiltered. */
function chronologicalPage(store: Store, filter: UserFilter, page: Page): UserRecord[] {
  const all = store.usersByCreated;
  const [start, end] = chronologicalRange(store, filter);
  const found: UserRecord[] = [];
  const step = page.order.descending ? -1 : 1;
  let i = page.order.descending ? end - 1 : start;
  if (page.startingAfter !== undefined) {
    const cursor = cursorPosition(store, page.startingAfter, page.order.descending);
    i = page.order.descending ? Math.min(i, cursor) : Math.max(i, cursor);
  }
  let skip = page.offset;
  if (filter.predicates.length === 0) {
    i += skip * step;
    skip = 0;
  }
  for (; i >= start && i < end && found.length < page.limit; i += step) {
    const user = all[i] as UserRecord;
    if (!matches(filter, user)) continue;
    if (skip > 0) skip--;
    else found.push(user);
  }
  return found;
}

/** Every matching user in the requested order; a whole unfiltered ordering is sorted once and cached. */
function sortedUsers(store: Store, filter: UserFilter, order: OrderBy): UserRecord[] {
  const unfiltered =
    filter.candidates === undefined &&
    filter.predicates.length === 0 &&
    filter.createdAfter === undefined &&
    filter.createdBefore === undefined;
  if (unfiltered) {
    // Offset paging through a whole non-chronological ordering sorts once, not once per page.
    const key = `${order.descending ? '-' : '+'}${order.field}`;
    const cached = store.sortCache.get(key);
    const sorted = cached ?? sortBy(store.usersByCreated, order, (user) => sortValue(store, user, order.field));
    if (!cached) store.sortCache.set(key, sorted);
    return sorted;
  }
  const pool = filter.candidates === undefined ? store.usersByCreated : [...filter.candidates];
  const matching = pool.filter((user) => matches(filter, user));
  return order.field === 'created_at'
    ? sortBy(matching, order, () => null)
    : sortBy(matching, order, (user) => sortValue(store, user, order.field));
}

/** The users after the `starting_after` user in chronological order (a deleted user still works as a cursor). */
function afterCursor(store: Store, sorted: UserRecord[], startingAfter: string, descending: boolean): UserRecord[] {
  const cursorUser = store.users.get(startingAfter);
  const createdAt = cursorUser?.created_at ?? store.deletedUsers.get(startingAfter);
  if (createdAt === undefined) {
    throw queryInvalid('starting_after', `starting_after: no user was found with id ${startingAfter}.`);
  }
  const key = { id: startingAfter, created_at: createdAt };
  return sorted.filter((user) =>
    descending ? compareChronological(user, key) < 0 : compareChronological(user, key) > 0,
  );
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
    return chronologicalPage(store, filter, { order, startingAfter, offset, limit });
  }
  let sorted = sortedUsers(store, filter, order);
  if (startingAfter !== undefined) sorted = afterCursor(store, sorted, startingAfter, order.descending);
  return sorted.slice(offset, offset + limit);
}
