// The filters of GET /users and GET /users/count (docs/clerk-api.md#listing-users). Exact-match filters narrow the
// candidates through the store's indexes; the others add predicates (user-filter-predicates.ts).

import { paramMissing } from './problem.ts';
import { queryInt, queryList, querySignedList, queryString } from './query.ts';
import type { UserRecord } from './records.ts';
import type { Store } from './store.ts';
import { type Predicate, statePredicates, textPredicates } from './user-filter-predicates.ts';

export interface UserFilter {
  /** Users the exact-match filters allow; undefined means every user. */
  candidates: Set<UserRecord> | undefined;
  predicates: Predicate[];
  /** Strict created_at bounds (ms). */
  createdAfter: number | undefined;
  createdBefore: number | undefined;
}

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

/** Emails, phones, usernames, wallets, external ids and user ids: the indexed filters. */
function identifierFilters(store: Store, query: URLSearchParams, predicates: Predicate[]): Set<UserRecord> | undefined {
  let candidates: Set<UserRecord> | undefined;
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

  return candidates;
}

/** organization_id (members of, or not of, the organizations) and the provider filters. */
function organizationFilters(
  store: Store,
  query: URLSearchParams,
  candidatesSoFar: Set<UserRecord> | undefined,
  predicates: Predicate[],
): Set<UserRecord> | undefined {
  let candidates = candidatesSoFar;
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

  return candidates;
}

/** Reads every filter in Clerk's order, so the first bad parameter is the one reported. */
export function parseUserFilter(store: Store, query: URLSearchParams): UserFilter {
  const predicates: Predicate[] = [];
  const identified = identifierFilters(store, query, predicates);
  const candidates = organizationFilters(store, query, identified, predicates);
  textPredicates(query, predicates);
  statePredicates(query, predicates);
  return {
    candidates,
    predicates,
    createdAfter: queryInt(query, 'created_at_after'),
    createdBefore: queryInt(query, 'created_at_before'),
  };
}

export function matches(filter: UserFilter, user: UserRecord): boolean {
  if (filter.createdAfter !== undefined && !(user.created_at > filter.createdAfter)) return false;
  if (filter.createdBefore !== undefined && !(user.created_at < filter.createdBefore)) return false;
  for (const predicate of filter.predicates) if (!predicate(user)) return false;
  return true;
}
