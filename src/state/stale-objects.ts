// Staleness of a plan that does not come from a manifest (undo): the objects it read and would create, re-read in
// batches of 100 ids (never one request per object where a filter exists). Reported as plan/stale.ts reports a
// manifest plan's, so apply refuses either before sending anything.

import type { ClerkClient, WireOrganization, WireOrganizationMembership, WirePage, WireUser } from '../clerk/index.ts';
import { isApiError } from '../errors.ts';
import {
  lookUpOrganization,
  modified,
  type Operation,
  type Plan,
  type StaleObject,
  type Touching,
  touching,
} from '../plan/index.ts';
import { chunks } from '../util/chunks.ts';
import { listOrganizations } from './fetch-organizations.ts';

const BATCH = 100;

async function staleUsers(client: ClerkClient, plan: Plan, touched: Touching): Promise<StaleObject[]> {
  const stale: StaleObject[] = [];
  const ids = Object.keys(plan.liveVersions.users);
  const seen = new Map<string, WireUser>();
  for (const batch of chunks(ids, BATCH)) {
    const users = await client.request<WireUser[]>({
      method: 'GET',
      path: '/users',
      query: { user_id: batch, limit: BATCH },
    });
    for (const user of users) seen.set(user.id, user);
  }
  for (const id of ids) {
    const user = seen.get(id);
    const version = plan.liveVersions.users[id];
    const ops = touched.users.get(id) ?? [];
    const label = touched.userLabels.get(id);
    const named = label === undefined ? {} : { label };
    if (!user) stale.push({ kind: 'user', id, change: 'deleted', ops, ...named });
    else if (version && user.updated_at !== version.updatedAt)
      stale.push({ kind: 'user', id, change: modified(version.updatedAt, user.updated_at), ops, ...named });
  }

  // Users the plan creates must still be absent, or applying would collide with (or duplicate) them.
  const creates = plan.operations.filter(
    (op): op is Extract<Operation, { type: 'create_user' }> => op.type === 'create_user',
  );
  const param = { externalId: 'external_id', emailAddress: 'email_address', username: 'username' }[
    plan.settings.userKey
  ];
  const keys = creates.map((op) => op.user.key).filter((key): key is string => key !== null);
  for (const batch of chunks(keys, BATCH)) {
    const found = await client.request<WireUser[]>({
      method: 'GET',
      path: '/users',
      query: { [param]: batch, limit: BATCH },
    });
    for (const user of found) {
      const key =
        plan.settings.userKey === 'externalId'
          ? user.external_id
          : plan.settings.userKey === 'username'
            ? user.username
            : (user.email_addresses
                .find((email) => batch.includes(email.email_address.toLowerCase()))
                ?.email_address.toLowerCase() ?? null);
      const create = creates.find((op) => op.user.key === key);
      stale.push({
        kind: 'user',
        id: key ?? user.id,
        change: `now exists as ${user.id} (the plan would create it)`,
        ops: create ? [create.id] : [],
      });
    }
  }
  return stale;
}

async function staleOrganizations(client: ClerkClient, plan: Plan, touched: Touching): Promise<StaleObject[]> {
  const stale: StaleObject[] = [];
  for (const [id, version] of Object.entries(plan.liveVersions.organizations)) {
    try {
      const org = await client.request<WireOrganization>({
        method: 'GET',
        path: `/organizations/${encodeURIComponent(id)}`,
      });
      if (org.updated_at !== version.updatedAt)
        stale.push({
          kind: 'organization',
          id,
          change: modified(version.updatedAt, org.updated_at),
          ops: touched.organizations.get(id) ?? [],
        });
    } catch (error) {
      if (isApiError(error) && error.status === 404)
        stale.push({ kind: 'organization', id, change: 'deleted', ops: touched.organizations.get(id) ?? [] });
      else throw error;
    }
  }
  // Organizations the plan creates must still be absent: one that now carries the key's mark or slug would be
  // duplicated (or refused). A same-named one is no obstacle: the create marks its own.
  const creates = plan.operations.filter(
    (op): op is Extract<Operation, { type: 'create_organization' }> => op.type === 'create_organization',
  );
  if (creates.length > 0) {
    const live = await listOrganizations(client);
    for (const op of creates) {
      const found = lookUpOrganization(op.org.slug, live);
      if (found.kind === 'none') continue;
      const what =
        found.kind === 'found'
          ? `now exists as ${found.live.id} (found by its ${found.by}; the plan would create it)`
          : `now matches ${found.candidates.length} live organizations by ${found.by} (${found.candidates.map((org) => org.id).join(', ')}; the plan would create it)`;
      stale.push({ kind: 'organization', id: op.org.slug, change: what, ops: [op.id] });
    }
  }
  return stale;
}

async function staleMemberships(client: ClerkClient, plan: Plan): Promise<StaleObject[]> {
  const stale: StaleObject[] = [];
  // organization id -> user id -> what the plan expects (membership id, or null: must not exist yet)
  const expected = new Map<string, Map<string, string | null>>();
  const opOf = new Map<string, string>();
  for (const op of plan.operations) {
    if (op.type !== 'create_membership' && op.type !== 'update_membership_role' && op.type !== 'delete_membership')
      continue;
    if (op.org.organizationId === null || op.user.userId === null) continue;
    const perOrg = expected.get(op.org.organizationId) ?? new Map<string, string | null>();
    perOrg.set(op.user.userId, op.type === 'create_membership' ? null : op.membershipId);
    opOf.set(`${op.org.organizationId}/${op.user.userId}`, op.id);
    expected.set(op.org.organizationId, perOrg);
  }
  for (const [orgId, perOrg] of expected) {
    const found = new Map<string, WireOrganizationMembership>();
    for (const batch of chunks([...perOrg.keys()], BATCH)) {
      const page = await client.request<WirePage<WireOrganizationMembership>>({
        method: 'GET',
        path: `/organizations/${encodeURIComponent(orgId)}/memberships`,
        query: { user_id: batch, limit: BATCH },
      });
      for (const membership of page.data) {
        const userId = membership.public_user_data?.user_id;
        if (userId) found.set(userId, membership);
      }
    }
    for (const [userId, membershipId] of perOrg) {
      const current = found.get(userId);
      const opId = opOf.get(`${orgId}/${userId}`);
      const ops = opId === undefined ? [] : [opId];
      if (membershipId === null) {
        if (current)
          stale.push({
            kind: 'membership',
            id: current.id,
            change: `now exists (${userId} in ${orgId} as ${current.role}; the plan would create it)`,
            ops,
          });
        continue;
      }
      const version = plan.liveVersions.memberships[membershipId];
      if (!current) stale.push({ kind: 'membership', id: membershipId, change: 'deleted', ops });
      else if (version && current.updated_at !== version.updatedAt) {
        stale.push({
          kind: 'membership',
          id: membershipId,
          change: `${modified(version.updatedAt, current.updated_at)}, role now ${current.role}`,
          ops,
        });
      }
    }
  }
  return stale;
}

/**
 * Every object the plan read that changed since, and every object it would create that now exists. `started`:
 * operations an earlier, interrupted apply of this same plan began (from its journal); objects they act on are
 * expected to have changed and are not reported, so a killed `apply PLAN` can simply be run again. (A change by
 * someone else to such an object in between is then not noticed: the re-run sets the planned values again.)
 */
export async function findStaleObjects(
  client: ClerkClient,
  plan: Plan,
  started: ReadonlySet<string> = new Set(),
): Promise<StaleObject[]> {
  const touched = touching(plan);
  const all = [
    ...(await staleOrganizations(client, plan, touched)),
    ...(await staleUsers(client, plan, touched)),
    ...(await staleMemberships(client, plan)),
  ];
  return all.filter((object) => !object.ops.some((op) => started.has(op)));
}
