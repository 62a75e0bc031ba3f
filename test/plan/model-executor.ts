// An in-memory model of a Clerk instance that executes a plan operation by operation, the way the Backend API
// would (docs/clerk-api.md): identifiers unique per instance (#identifiers-are-unique-per-instance), PATCH metadata
// deep-merges with null deleting a key and PUT replaces each field sent (§8.3), a duplicate membership is refused
// (§8.8), deleting a user deletes its memberships. It also checks what the plan claims: dependencies already ran,
// `before` matches the instance, `after` is what the request really produces. Written independently of src/plan so it
// can disagree with it.

import { isDeepStrictEqual } from 'node:util';
import type { JsonObject, JsonValue, LiveSnapshot, LiveUser } from '../../src/model/index.ts';
import type { Operation, Plan, UserProfileField } from '../../src/plan/index.ts';

export class ModelError extends Error {}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Clerk's PATCH .../metadata: recursive merge, arrays and scalars replace, null deletes. */
export function clerkDeepMerge(target: JsonObject, patch: JsonObject): JsonObject {
  const result: JsonObject = structuredClone(target);
  for (const key of Object.keys(patch)) {
    const value = patch[key] as JsonValue;
    if (value === null) {
      delete result[key];
      continue;
    }
    if (isObject(value)) {
      const existing = result[key];
      result[key] = clerkDeepMerge(isObject(existing) ? existing : {}, value);
      continue;
    }
    result[key] = structuredClone(value);
  }
  return result;
}

export interface ExecutionResult {
  state: LiveSnapshot;
  /** Ids of the users the plan created, by manifest key. */
  createdUsers: Map<string, string>;
}

export function executePlan(plan: Plan, initial: LiveSnapshot): ExecutionResult {
  const state: LiveSnapshot = structuredClone(initial);
  const createdUsers = new Map<string, string>();
  const createdOrgs = new Map<string, string>();
  const done = new Set<string>();
  let clock = 2_000_000_000_000;
  let sequence = 0;
  const nextId = (prefix: string) => `${prefix}_model${++sequence}`;
  const touch = (object: { updatedAt: number }) => {
    clock += 1;
    object.updatedAt = clock;
  };

  const userById = (id: string): LiveUser => {
    const user = state.users.find((candidate) => candidate.id === id);
    if (!user) throw new ModelError(`404 user ${id}`);
    return user;
  };
  const resolveUser = (ref: { key: string | null; userId: string | null }): LiveUser => {
    if (ref.userId !== null) return userById(ref.userId);
    const id = ref.key === null ? undefined : createdUsers.get(ref.key);
    if (id === undefined) throw new ModelError(`user ${ref.key} does not exist yet`);
    return userById(id);
  };
  const resolveOrg = (ref: { slug: string; organizationId: string | null }): string => {
    const id = ref.organizationId ?? createdOrgs.get(ref.slug);
    if (id === undefined || !state.organizations.some((org) => org.id === id))
      throw new ModelError(`organization ${ref.slug} does not exist`);
    return id;
  };
  /** form_identifier_exists: no other user may hold the identifier. */
  const assertFree = (what: string, holds: (user: LiveUser) => boolean, self: string | null) => {
    const holder = state.users.find((user) => user.id !== self && holds(user));
    if (holder) throw new ModelError(`422 form_identifier_exists: ${what} is held by ${holder.id}`);
  };

  for (const op of plan.operations) {
    for (const dependency of op.dependsOn) {
      if (!done.has(dependency)) throw new ModelError(`${op.id} runs before its dependency ${dependency}`);
    }
    apply(op);
    done.add(op.id);
  }
  return { state, createdUsers };

  function apply(op: Operation): void {
    switch (op.type) {
      case 'create_organization': {
        if (op.slug !== null && state.organizations.some((org) => org.slug === op.slug))
          throw new ModelError('slug exists');
        const id = nextId('org');
        state.organizations.push({
          id,
          slug: op.slug,
          name: op.name,
          key: op.org.slug,
          publicMetadata: structuredClone(op.publicMetadata ?? {}),
          privateMetadata: { ...structuredClone(op.privateMetadata ?? {}), clerkSync: { key: op.org.slug } },
          maxAllowedMemberships: 0,
          updatedAt: ++clock,
        });
        createdOrgs.set(op.org.slug, id);
        return;
      }
      case 'mark_organization': {
        const org = state.organizations.find((candidate) => candidate.id === op.org.organizationId);
        if (!org) throw new ModelError('404 organization');
        org.key = op.org.slug;
        org.privateMetadata = clerkDeepMerge(org.privateMetadata, { clerkSync: { key: op.org.slug } });
        touch(org);
        return;
      }
      case 'update_organization': {
        const org = state.organizations.find((candidate) => candidate.id === op.org.organizationId);
        if (!org) throw new ModelError('404 organization');
        if (org.name !== op.changes.name.before) throw new ModelError('stale organization name');
        org.name = op.changes.name.after;
        touch(org);
        return;
      }
      case 'update_organization_metadata': {
        const org = state.organizations.find((candidate) => candidate.id === op.org.organizationId);
        if (!org) throw new ModelError('404 organization');
        for (const [field, body] of [
          ['publicMetadata', op.body.public_metadata],
          ['privateMetadata', op.body.private_metadata],
        ] as const) {
          if (body === undefined) continue;
          org[field] = op.mode === 'replace' ? structuredClone(body) : clerkDeepMerge(org[field], body);
        }
        // The organization's identity is its mark: a replace that dropped it would lose the organization.
        const mark = org.privateMetadata.clerkSync;
        org.key = isObject(mark) && typeof mark.key === 'string' ? mark.key : null;
        touch(org);
        return;
      }
      case 'create_user': {
        const a = op.attributes;
        const id = nextId('user');
        if (a.externalId !== undefined) assertFree('external_id', (u) => u.externalId === a.externalId, null);
        if (typeof a.username === 'string') assertFree('username', (u) => u.username === a.username, null);
        for (const email of a.emailAddresses ?? [])
          assertFree(email, (u) => u.emailAddresses.some((e) => e.emailAddress === email), null);
        for (const phone of a.phoneNumbers ?? [])
          assertFree(phone, (u) => u.phoneNumbers.some((p) => p.phoneNumber === phone), null);
        const emailAddresses = (a.emailAddresses ?? []).map((emailAddress) => ({
          id: nextId('idn'),
          emailAddress,
          verified: true,
          linked: false,
        }));
        const phoneNumbers = (a.phoneNumbers ?? []).map((phoneNumber) => ({
          id: nextId('idn'),
          phoneNumber,
          verified: true,
        }));
        state.users.push({
          id,
          externalId: a.externalId ?? null,
          emailAddresses,
          primaryEmailAddressId: emailAddresses[0]?.id ?? null,
          phoneNumbers,
          primaryPhoneNumberId: phoneNumbers[0]?.id ?? null,
          username: a.username ?? null,
          firstName: a.firstName ?? null,
          lastName: a.lastName ?? null,
          legalAcceptedAt: a.legalAcceptedAt ?? null,
          publicMetadata: structuredClone(a.publicMetadata ?? {}),
          privateMetadata: structuredClone(a.privateMetadata ?? {}),
          unsafeMetadata: structuredClone(a.unsafeMetadata ?? {}),
          banned: a.banned ?? false,
          locked: a.locked ?? false,
          lockoutExpiresInSeconds: null,
          createdAt: ++clock,
          updatedAt: clock,
        });
        if (op.user.key === null) throw new ModelError('create without a key');
        createdUsers.set(op.user.key, id);
        return;
      }
      case 'update_user': {
        const user = resolveUser(op.user);
        for (const [field, change] of Object.entries(op.changes)) {
          const name = field as UserProfileField;
          if (user[name] !== change.before) throw new ModelError(`stale ${field}`);
          if (name === 'externalId' && change.after !== null)
            assertFree('external_id', (u) => u.externalId === change.after, user.id);
          if (name === 'username' && change.after !== null)
            assertFree('username', (u) => u.username === change.after, user.id);
          user[name] = change.after;
        }
        touch(user);
        return;
      }
      case 'add_email_address': {
        const user = resolveUser(op.user);
        assertFree(op.emailAddress, (u) => u.emailAddresses.some((e) => e.emailAddress === op.emailAddress), null);
        const id = nextId('idn');
        user.emailAddresses.push({ id, emailAddress: op.emailAddress, verified: true, linked: false });
        if (op.primary || user.primaryEmailAddressId === null) user.primaryEmailAddressId = id;
        touch(user);
        return;
      }
      case 'set_primary_email_address': {
        const user = resolveUser(op.user);
        if (!user.emailAddresses.some((e) => e.id === op.emailAddressId)) throw new ModelError('404 email');
        user.primaryEmailAddressId = op.emailAddressId;
        touch(user);
        return;
      }
      case 'remove_email_address': {
        const user = resolveUser(op.user);
        if (!user.emailAddresses.some((e) => e.id === op.emailAddressId)) throw new ModelError('404 email');
        if (user.primaryEmailAddressId === op.emailAddressId && user.emailAddresses.length > 1)
          throw new ModelError(`${op.id}: removing the primary address while others remain`);
        user.emailAddresses = user.emailAddresses.filter((e) => e.id !== op.emailAddressId);
        if (user.primaryEmailAddressId === op.emailAddressId) user.primaryEmailAddressId = null;
        touch(user);
        return;
      }
      case 'add_phone_number': {
        const user = resolveUser(op.user);
        assertFree(op.phoneNumber, (u) => u.phoneNumbers.some((p) => p.phoneNumber === op.phoneNumber), null);
        const id = nextId('idn');
        user.phoneNumbers.push({ id, phoneNumber: op.phoneNumber, verified: true });
        if (op.primary || user.primaryPhoneNumberId === null) user.primaryPhoneNumberId = id;
        touch(user);
        return;
      }
      case 'set_primary_phone_number': {
        const user = resolveUser(op.user);
        if (!user.phoneNumbers.some((p) => p.id === op.phoneNumberId)) throw new ModelError('404 phone');
        user.primaryPhoneNumberId = op.phoneNumberId;
        touch(user);
        return;
      }
      case 'remove_phone_number': {
        const user = resolveUser(op.user);
        if (!user.phoneNumbers.some((p) => p.id === op.phoneNumberId)) throw new ModelError('404 phone');
        if (user.primaryPhoneNumberId === op.phoneNumberId && user.phoneNumbers.length > 1)
          throw new ModelError(`${op.id}: removing the primary phone while others remain`);
        user.phoneNumbers = user.phoneNumbers.filter((p) => p.id !== op.phoneNumberId);
        if (user.primaryPhoneNumberId === op.phoneNumberId) user.primaryPhoneNumberId = null;
        touch(user);
        return;
      }
      case 'update_metadata': {
        const user = resolveUser(op.user);
        const fields = {
          public_metadata: 'publicMetadata',
          private_metadata: 'privateMetadata',
          unsafe_metadata: 'unsafeMetadata',
        } as const;
        for (const [bodyKey, value] of Object.entries(op.body)) {
          const field = fields[bodyKey as keyof typeof fields];
          const change = op.changes[field];
          if (!change) throw new ModelError(`${op.id}: body field ${bodyKey} without a change`);
          if (!isDeepStrictEqual(change.before, user[field])) throw new ModelError(`${op.id}: stale ${field}`);
          user[field] = op.mode === 'replace' ? structuredClone(value) : clerkDeepMerge(user[field], value);
          if (!isDeepStrictEqual(user[field], change.after))
            throw new ModelError(
              `${op.id}: ${field} became ${JSON.stringify(user[field])}, the plan says ${JSON.stringify(change.after)}`,
            );
        }
        touch(user);
        return;
      }
      case 'ban_user':
      case 'unban_user': {
        const user = resolveUser(op.user);
        user.banned = op.type === 'ban_user';
        touch(user);
        return;
      }
      case 'lock_user':
      case 'unlock_user': {
        const user = resolveUser(op.user);
        user.locked = op.type === 'lock_user';
        touch(user);
        return;
      }
      case 'create_membership': {
        const organizationId = resolveOrg(op.org);
        const user = resolveUser(op.user);
        if (state.memberships.some((m) => m.organizationId === organizationId && m.userId === user.id))
          throw new ModelError('400 already_a_member_in_organization');
        state.memberships.push({
          id: nextId('orgmem'),
          organizationId,
          userId: user.id,
          role: op.role,
          updatedAt: ++clock,
        });
        return;
      }
      case 'update_membership_role': {
        const membership = state.memberships.find((m) => m.id === op.membershipId);
        if (!membership) throw new ModelError('404 membership');
        if (membership.role !== op.changes.role.before) throw new ModelError('stale role');
        membership.role = op.changes.role.after;
        touch(membership);
        return;
      }
      case 'delete_membership': {
        if (!state.memberships.some((m) => m.id === op.membershipId)) throw new ModelError('404 membership');
        state.memberships = state.memberships.filter((m) => m.id !== op.membershipId);
        return;
      }
      case 'delete_user': {
        const user = resolveUser(op.user);
        state.users = state.users.filter((candidate) => candidate.id !== user.id);
        state.memberships = state.memberships.filter((m) => m.userId !== user.id);
        return;
      }
      default: {
        const unknown: never = op;
        throw new ModelError(`unknown operation ${JSON.stringify(unknown)}`);
      }
    }
  }
}
