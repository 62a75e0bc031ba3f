// What applying an undo plan reads of the instance now: whether the objects its left-out operations restore are
// gone, which users it deletes still carry clerk-sync's mark, and how many users the instance holds (the guards).
// Bulk reads of up to FILTER_BATCH ids a request.

import type { ClerkClient, WireUser } from '../clerk/index.ts';
import { ClerkSyncError } from '../errors.ts';
import { carriesManagedMark, type Operation, updatesOrganization } from '../plan/index.ts';
import { chunks } from '../util/chunks.ts';
import { FILTER_BATCH, fetchObjectVersions, type ObjectVersionIds } from './lookups.ts';

/** Live ids an undo operation acts on, as `clerk-sync undo` reads their versions. */
function touchedIds(operations: readonly Operation[]): ObjectVersionIds {
  const ids: ObjectVersionIds = { users: [], organizations: [], memberships: [] };
  for (const op of operations) {
    if ('user' in op && op.user.userId !== null) ids.users.push(op.user.userId);
    if (updatesOrganization(op) && op.org.organizationId !== null) ids.organizations.push(op.org.organizationId);
    if (
      (op.type === 'update_membership_role' || op.type === 'delete_membership') &&
      op.org.organizationId !== null &&
      op.user.userId !== null
    ) {
      ids.memberships.push({ orgId: op.org.organizationId, userId: op.user.userId });
    }
  }
  return ids;
}

/**
 * Of the undo operations the file leaves out, those `clerk-sync undo` leaves out too: their object is gone since
 * (nothing left to restore). Returns the others.
 */
export async function notGone(client: ClerkClient, left: readonly Operation[]): Promise<Operation[]> {
  if (left.length === 0) return [];
  const versions = await fetchObjectVersions(client, touchedIds(left));
  const memberships = new Map(
    versions.memberships.map((membership) => [`${membership.orgId}\u0000${membership.userId}`, membership]),
  );
  return left.filter((op) => {
    if ('user' in op && op.user.userId !== null && versions.users[op.user.userId] === 'deleted') return false;
    if (
      updatesOrganization(op) &&
      op.org.organizationId !== null &&
      versions.organizations[op.org.organizationId] === 'deleted'
    )
      return false;
    if (
      (op.type === 'update_membership_role' || op.type === 'delete_membership') &&
      op.org.organizationId !== null &&
      op.user.userId !== null
    ) {
      const current = memberships.get(`${op.org.organizationId}\u0000${op.user.userId}`);
      if (current === undefined || current.membershipId !== op.membershipId) return false;
    }
    return true;
  });
}

export async function userCount(client: ClerkClient): Promise<number> {
  const count = await client.request<{ total_count?: unknown }>({ method: 'GET', path: '/users/count' });
  if (typeof count.total_count !== 'number') {
    throw new ClerkSyncError('api_response_invalid', 'GET /users/count answered without a total_count', {
      hint: 'Check --api-url: it must point at the Clerk Backend API.',
    });
  }
  return count.total_count;
}

/** Whether each user a delete targets exists and carries clerk-sync's mark, read now. */
export async function usersToDelete(
  client: ClerkClient,
  operations: readonly Operation[],
): Promise<Map<string, { managed: boolean }>> {
  const ids = [
    ...new Set(operations.flatMap((op) => (op.type === 'delete_user' && op.user.userId ? [op.user.userId] : []))),
  ];
  const found = new Map<string, { managed: boolean }>();
  for (const batch of chunks(ids, FILTER_BATCH)) {
    const users = await client.request<WireUser[]>({
      method: 'GET',
      path: '/users',
      query: { user_id: batch, limit: batch.length },
    });
    for (const user of users) {
      if (batch.includes(user.id)) found.set(user.id, { managed: carriesManagedMark(user.private_metadata ?? {}) });
    }
  }
  return found;
}
