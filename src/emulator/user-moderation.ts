// Moderation and removal: ban, unban, lock, unlock (one user or, for bans, up to 50 at once) and delete.

import { ClerkApiProblem, paramValueInvalid } from './problem.ts';
import { type HandlerContext, type HandlerResult, ok, okJson } from './router.ts';
import { userJson, usersJson } from './serialize.ts';
import { requireUser } from './user-rules.ts';
import { bodySpec, checkBody } from './validate.ts';

const BULK_BAN = bodySpec({ user_ids: 'string[]!' });

/** Clerk caps bulk ban/unban at 50 ids (docs/clerk-api.md#bulk-ban-and-unban-50-ids). */
const BULK_LIMIT = 50;

export function setBanned(value: boolean) {
  return (context: HandlerContext): HandlerResult => {
    const { store } = context;
    const user = requireUser(store, context.params.user_id);
    user.banned = value;
    store.touchUser(user);
    return okJson(userJson(store, user));
  };
}

/** POST /users/{id}/lock starts a new lock (lasting the instance's lockout duration); unlock ends it. */
export function setLocked(value: boolean) {
  return (context: HandlerContext): HandlerResult => {
    const { store } = context;
    const user = requireUser(store, context.params.user_id);
    user.locked = value;
    user.locked_at = value ? store.now() : null;
    store.touchUser(user);
    return okJson(userJson(store, user));
  };
}

export function bulkBan(value: boolean) {
  return (context: HandlerContext): HandlerResult => {
    const { store } = context;
    const body = checkBody(context.body ?? {}, BULK_BAN);
    const ids = body.user_ids as string[];
    if (ids.length === 0) throw paramValueInvalid('user_ids', 'user_ids must contain at least one user id.');
    if (ids.length > BULK_LIMIT) {
      throw new ClerkApiProblem(
        400,
        'bulk_size_exceeded',
        'Bulk size exceeded',
        `You have exceeded the maximum allowed bulk processing size of ${BULK_LIMIT}.`,
        { paramName: 'user_ids' },
      );
    }
    const users = [...new Set(ids)].map((id) => requireUser(store, id));
    for (const user of users) {
      user.banned = value;
      store.touchUser(user);
    }
    return okJson(usersJson(store, users));
  };
}

export function deleteUser(context: HandlerContext): HandlerResult {
  const { store } = context;
  const user = requireUser(store, context.params.user_id);
  store.removeUser(user);
  return ok({ object: 'user', id: user.id, deleted: true });
}
