// The live ids the executor knows: from the plan, then learned from creates (this run, or a journalled earlier run
// of the same plan, found again by lookup).

import type { Operation } from '../plan/index.ts';
import type { CreateOp } from './lookups.ts';
import type { CreatedObjectKind, IdResolver } from './types.ts';

/** What each create makes. */
export const CREATED_KIND: Record<CreateOp['type'], CreatedObjectKind> = {
  create_user: 'user',
  create_organization: 'organization',
  create_membership: 'membership',
  add_email_address: 'email_address',
  add_phone_number: 'phone_number',
};

/** What one operation achieved: `created` for a create, as the journal and undo know it. */
export interface Success {
  status: 'done' | 'unchanged';
  created?: { kind: CreatedObjectKind; id: string };
}

export interface KnownIds extends IdResolver {
  userIdOf(op: Operation): string | undefined;
  organizationIdOf(op: Operation): string | undefined;
  /** Whether `op` is on a user or organization this apply created: a 404 then is read-after-write lag. */
  touchesJustCreated(op: Operation): boolean;
  learn(op: Operation, success: Success): void;
}

export function createKnownIds(operations: readonly Operation[]): KnownIds {
  const userIds = new Map<string, string>();
  const organizationIds = new Map<string, string>();
  for (const op of operations) {
    if ('user' in op && op.user.key !== null && op.user.userId !== null) userIds.set(op.user.key, op.user.userId);
    if ('org' in op && op.org.organizationId !== null) organizationIds.set(op.org.slug, op.org.organizationId);
  }
  const justCreated = new Set<string>();
  const userIdOf = (op: Operation): string | undefined =>
    'user' in op ? (op.user.userId ?? (op.user.key === null ? undefined : userIds.get(op.user.key))) : undefined;
  const organizationIdOf = (op: Operation): string | undefined =>
    'org' in op ? (op.org.organizationId ?? organizationIds.get(op.org.slug)) : undefined;
  return {
    userIdForKey: (key) => userIds.get(key),
    organizationIdForSlug: (slug) => organizationIds.get(slug),
    userIdOf,
    organizationIdOf,
    touchesJustCreated(op) {
      const userId = userIdOf(op);
      const organizationId = organizationIdOf(op);
      return (
        (userId !== undefined && justCreated.has(userId)) ||
        (organizationId !== undefined && justCreated.has(organizationId))
      );
    },
    learn(op, success) {
      if (!success.created) return;
      if (op.type === 'create_user' && op.user.key !== null) userIds.set(op.user.key, success.created.id);
      if (op.type === 'create_organization') organizationIds.set(op.org.slug, success.created.id);
      if (op.type === 'create_user' || op.type === 'create_organization') justCreated.add(success.created.id);
    },
  };
}
