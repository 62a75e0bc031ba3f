// Saved-plan staleness against a live snapshot: every live object the plan read (liveVersions) that changed or is
// gone, and every object it would create that exists now. Pure: apply PLAN of a manifest's plan gives it the snapshot
// it reads to plan again; state/stale-objects.ts re-reads the objects of an undo plan and reports in the same terms.

import type { LiveSnapshot, LiveUser, UserKeyKind } from '../model/index.ts';
import { lookUpOrganization } from './org-identity.ts';
import type { Operation, Plan } from './types.ts';

export interface StaleObject {
  kind: 'user' | 'organization' | 'membership';
  id: string;
  /** What a reviewer needs: "deleted", "modified at 2026-11-23T10:00:00.000Z", "now exists (user_...)". */
  change: string;
  /** Ids of the plan's operations that act on the object. */
  ops: string[];
  /** How the manifest names it (a user's key and email), when the plan knows. */
  label?: string;
}

/** Ids of the plan's operations by the live user or organization they act on, and each user's manifest name. */
export interface Touching {
  users: Map<string, string[]>;
  organizations: Map<string, string[]>;
  memberships: Map<string, string[]>;
  /** The user's key, or a pruned user's label: a reviewer sees who changed, not only an id. */
  userLabels: Map<string, string>;
}

export function touching(plan: Plan): Touching {
  const out: Touching = { users: new Map(), organizations: new Map(), memberships: new Map(), userLabels: new Map() };
  const add = (map: Map<string, string[]>, id: string, op: string): void => {
    map.set(id, [...(map.get(id) ?? []), op]);
  };
  for (const op of plan.operations) {
    if ('user' in op && op.user.userId !== null) {
      add(out.users, op.user.userId, op.id);
      const name = op.user.key ?? op.user.label;
      if (name && !out.userLabels.has(op.user.userId)) out.userLabels.set(op.user.userId, name);
    }
    if ('org' in op && op.org.organizationId !== null) add(out.organizations, op.org.organizationId, op.id);
    if ('membershipId' in op) add(out.memberships, op.membershipId, op.id);
  }
  return out;
}

export function modified(before: number, after: number): string {
  return `modified at ${new Date(after).toISOString()} (plan read it at version ${new Date(before).toISOString()})`;
}

export function formatStaleObjects(stale: StaleObject[]): string {
  return `${stale
    .map(
      (object) => `  ${object.kind} ${object.label ? `${object.label} (${object.id})` : object.id}: ${object.change}`,
    )
    .join('\n')}\n`;
}

/** The live user a manifest key names, as the plan's user key reads it. */
function liveUserByKey(live: LiveSnapshot, userKey: UserKeyKind, key: string): LiveUser | undefined {
  switch (userKey) {
    case 'externalId':
      return live.users.find((user) => user.externalId === key);
    case 'username':
      return live.users.find((user) => user.username === key);
    case 'emailAddress':
      return live.users.find((user) => user.emailAddresses.some((email) => email.emailAddress === key));
    default: {
      const unreachable: never = userKey;
      return unreachable;
    }
  }
}

/** Objects the saved plan would create that exist in the live snapshot now. */
function createdSince(saved: Plan, live: LiveSnapshot, userKey: UserKeyKind): StaleObject[] {
  const stale: StaleObject[] = [];
  for (const op of saved.operations) {
    if (op.type === 'create_user' && op.user.key !== null) {
      const user = liveUserByKey(live, userKey, op.user.key);
      if (user)
        stale.push({
          kind: 'user',
          id: op.user.key,
          change: `now exists as ${user.id} (the plan would create it)`,
          ops: [op.id],
        });
    } else if (op.type === 'create_organization') {
      const found = lookUpOrganization(op.org.slug, live.organizations);
      if (found.kind === 'found')
        stale.push({
          kind: 'organization',
          id: op.org.slug,
          change: `now exists as ${found.live.id} (found by its ${found.by}; the plan would create it)`,
          ops: [op.id],
        });
    } else if (op.type === 'create_membership') {
      const userId =
        op.user.userId ?? (op.user.key === null ? undefined : liveUserByKey(live, userKey, op.user.key)?.id);
      const orgId =
        op.org.organizationId ??
        live.organizations.find((org) => org.key === op.org.slug || org.slug === op.org.slug)?.id;
      const current = live.memberships.find((m) => m.userId === userId && m.organizationId === orgId);
      if (current)
        stale.push({
          kind: 'membership',
          id: current.id,
          change: `now exists (${userId} in ${orgId} as ${current.role}; the plan would create it)`,
          ops: [op.id],
        });
    }
  }
  return stale;
}

/**
 * The saved plan's staleness against the live snapshot read now (apply PLAN of a manifest's plan): each object it
 * read (liveVersions) that changed or is gone, and each object it would create that exists. `started` as for
 * findStaleObjects. `userKey`: the manifest's, to find a user the plan would create.
 */
export function staleInSnapshot(
  saved: Plan,
  live: LiveSnapshot,
  userKey: UserKeyKind,
  started: ReadonlySet<string> = new Set(),
): StaleObject[] {
  const touched = touching(saved);
  const stale: StaleObject[] = [];
  const compare = (
    kind: StaleObject['kind'],
    versions: Record<string, { updatedAt: number }>,
    objects: readonly { id: string; updatedAt: number }[],
    ops: Map<string, string[]>,
  ): void => {
    const wanted = new Set(Object.keys(versions));
    if (wanted.size === 0) return;
    const current = new Map<string, number>();
    for (const object of objects) if (wanted.has(object.id)) current.set(object.id, object.updatedAt);
    for (const [id, version] of Object.entries(versions)) {
      const now = current.get(id);
      const label = kind === 'user' ? touched.userLabels.get(id) : undefined;
      const named = label === undefined ? {} : { label };
      const entry = { kind, id, ops: ops.get(id) ?? [], ...named };
      if (now === undefined) stale.push({ ...entry, change: goneChange(kind, live) });
      else if (now !== version.updatedAt) stale.push({ ...entry, change: modified(version.updatedAt, now) });
    }
  };
  compare('organization', saved.liveVersions.organizations, live.organizations, touched.organizations);
  compare('user', saved.liveVersions.users, live.users, touched.users);
  compare('membership', saved.liveVersions.memberships, live.memberships, touched.memberships);
  return [...stale, ...createdSince(saved, live, userKey)].filter(
    (object) => !object.ops.some((op) => started.has(op)),
  );
}

/** Why an object the plan read is not in the snapshot now. */
function goneChange(kind: StaleObject['kind'], live: LiveSnapshot): string {
  if (kind !== 'user') return 'deleted, or no longer one the manifest declares';
  // A targeted read finds users by the manifest's identifiers only (LiveSnapshot.read).
  return live.read?.strategy === 'targeted'
    ? 'deleted, or no longer holds an identifier the manifest names'
    : 'deleted';
}

/** An operation that changes an existing organization (its name or its metadata): it read the organization's version. */
export function updatesOrganization(
  op: Operation,
): op is Extract<Operation, { type: 'update_organization' | 'update_organization_metadata' }> {
  return op.type === 'update_organization' || op.type === 'update_organization_metadata';
}

/** Objects an operation must have read (liveVersions): the staleness check needs each one's version. */
export function unversioned(saved: Plan, operations: readonly Operation[]): string[] {
  const missing: string[] = [];
  for (const op of operations) {
    if ('user' in op && op.user.userId !== null && !Object.hasOwn(saved.liveVersions.users, op.user.userId))
      missing.push(op.id);
    else if (
      updatesOrganization(op) &&
      op.org.organizationId !== null &&
      !Object.hasOwn(saved.liveVersions.organizations, op.org.organizationId)
    )
      missing.push(op.id);
    else if (
      (op.type === 'update_membership_role' || op.type === 'delete_membership') &&
      !Object.hasOwn(saved.liveVersions.memberships, op.membershipId)
    )
      missing.push(op.id);
  }
  return missing;
}
