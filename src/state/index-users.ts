// Indexing live users by the manifest's user key (externalId, emailAddress or username). Clerk keeps these unique
// per instance (docs/clerk-api.md#identifiers-are-unique-per-instance), but a key the planner matches on must be
// unambiguous, so any collision (e.g. an address Clerk holds on two users in different case) is reported rather than
// silently picked.

import { LiveStateError } from '../errors.ts';
import type { LiveSnapshot, LiveUser, UserKeyKind } from '../model/index.ts';

export interface DuplicateLiveKey {
  key: string;
  /** Every live user holding the key, in snapshot order. */
  userIds: string[];
}

export interface LiveUserIndex {
  /** Key -> the first live user (snapshot order) holding it. */
  byKey: Map<string, LiveUser>;
  duplicates: DuplicateLiveKey[];
}

/** The keys a live user can be matched by: its external id, each of its email addresses, or its username. */
export function liveUserKeys(user: LiveUser, userKey: UserKeyKind): string[] {
  switch (userKey) {
    case 'externalId':
      return user.externalId === null || user.externalId === '' ? [] : [user.externalId];
    case 'emailAddress':
      return [...new Set(user.emailAddresses.map((email) => email.emailAddress.toLowerCase()))];
    case 'username':
      return user.username === null || user.username === '' ? [] : [user.username];
    default: {
      const unknown: never = userKey;
      throw new TypeError(`unknown user key ${String(unknown)}`);
    }
  }
}

export function indexLiveUsers(snapshot: Pick<LiveSnapshot, 'users'>, userKey: UserKeyKind): LiveUserIndex {
  const holders = new Map<string, string[]>();
  const byKey = new Map<string, LiveUser>();
  for (const user of snapshot.users) {
    for (const key of liveUserKeys(user, userKey)) {
      const ids = holders.get(key);
      if (ids) ids.push(user.id);
      else {
        holders.set(key, [user.id]);
        byKey.set(key, user);
      }
    }
  }
  const duplicates = [...holders.entries()]
    .filter(([, ids]) => ids.length > 1)
    .map(([key, userIds]) => ({ key, userIds }));
  return { byKey, duplicates };
}

const KEY_LABEL: Record<UserKeyKind, string> = {
  externalId: 'external id',
  emailAddress: 'email address',
  username: 'username',
};

/** The error for live users sharing a key: names the key and every user id holding it. */
export function duplicateLiveKeyError(duplicates: DuplicateLiveKey[], userKey: UserKeyKind): LiveStateError {
  const first = duplicates[0];
  const shown = duplicates
    .slice(0, 5)
    .map((duplicate) => `${KEY_LABEL[userKey]} "${duplicate.key}" is held by ${duplicate.userIds.join(' and ')}`)
    .join('; ');
  const more = duplicates.length > 5 ? ` (and ${duplicates.length - 5} more)` : '';
  return new LiveStateError('live_duplicate_key', `live users share a key: ${shown}${more}`, {
    meta: {
      userKey,
      key: first?.key ?? null,
      userIds: first?.userIds ?? [],
      duplicates: duplicates.map((duplicate) => ({ key: duplicate.key, userIds: duplicate.userIds })),
    },
    hint: `clerk-sync matches users by ${KEY_LABEL[userKey]}, so each must belong to one live user. Remove the duplicate in Clerk, or choose another settings.userKey.`,
  });
}

/** Like indexLiveUsers, but throws LiveStateError (live_duplicate_key) when any key is shared. */
export function indexLiveUsersStrict(
  snapshot: Pick<LiveSnapshot, 'users'>,
  userKey: UserKeyKind,
): Map<string, LiveUser> {
  const index = indexLiveUsers(snapshot, userKey);
  if (index.duplicates.length > 0) throw duplicateLiveKeyError(index.duplicates, userKey);
  return index.byKey;
}
