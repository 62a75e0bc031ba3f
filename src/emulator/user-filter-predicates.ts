// The scanning filters of GET /users and GET /users/count: substring queries, banned, and activity times. Each
// adds a predicate; the indexed filters are in user-filter.ts.

import { queryBool, queryInt, queryString } from './query.ts';
import type { UserRecord } from './records.ts';

export type Predicate = (user: UserRecord) => boolean;

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

/** `query` and the `*_query` substring filters, lower-cased. */
export function textPredicates(query: URLSearchParams, predicates: Predicate[]): void {
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
}

/** `banned` and the activity-time bounds. */
export function statePredicates(query: URLSearchParams, predicates: Predicate[]): void {
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
}
