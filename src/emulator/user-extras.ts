// User endpoints with little or nothing behind them in the emulator: profile images, organization memberships and
// invitations, trusted devices, OAuth tokens, billing, and children (passkeys, wallets...) that never exist.

import { bodyInvalid, notFound } from './problem.ts';
import { queryLimit, queryOffset } from './query.ts';
import { type HandlerContext, type HandlerResult, ok, okJson } from './router.ts';
import { userJson } from './serialize.ts';
import { membershipsPageJson } from './serialize-organization.ts';
import { requireUser } from './user-rules.ts';

export function setProfileImage(hasImage: boolean) {
  return (context: HandlerContext): HandlerResult => {
    const { store } = context;
    const user = requireUser(store, context.params.user_id);
    if (hasImage && context.rawBodyLength === 0) throw bodyInvalid('The request must carry an image file.');
    user.has_image = hasImage;
    store.touchUser(user);
    return okJson(userJson(store, user));
  };
}

/** Billing (subscriptions, credits) is not emulated: answered as for an instance where billing is not enabled. */
export function billingNotEnabled(context: HandlerContext): HandlerResult {
  requireUser(context.store, context.params.user_id);
  throw notFound('Billing is not enabled for this instance');
}

/** Passkeys, web3 wallets and external accounts do not exist in the emulator: deleting one is a 404. */
export function deleteMissingChild(context: HandlerContext): HandlerResult {
  requireUser(context.store, context.params.user_id);
  throw notFound('Resource not found');
}

export function userMemberships(context: HandlerContext): HandlerResult {
  const { store } = context;
  const user = requireUser(store, context.params.user_id);
  const limit = queryLimit(context.query);
  const offset = queryOffset(context.query);
  // Newest first (docs/clerk-api.md#a-users-memberships-newest-first).
  const all = [...(store.membershipsByUser.get(user.id)?.values() ?? [])].sort(
    (a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1),
  );
  return okJson(membershipsPageJson(store, all.slice(offset, offset + limit), all.length));
}

/** Nothing to list: no trusted devices, invitations or OAuth tokens exist in the emulator. */
export function emptyList(context: HandlerContext): HandlerResult {
  requireUser(context.store, context.params.user_id);
  return ok({ data: [], total_count: 0 });
}

export function emptyInvitations(context: HandlerContext): HandlerResult {
  requireUser(context.store, context.params.user_id);
  queryLimit(context.query);
  queryOffset(context.query);
  return ok({ data: [], total_count: 0 });
}

export function noOauthTokens(context: HandlerContext): HandlerResult {
  requireUser(context.store, context.params.user_id);
  return ok([]);
}
