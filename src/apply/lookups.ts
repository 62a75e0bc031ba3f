// Finding an object a create may already have made. Clerk has no idempotency keys
// (docs/clerk-api.md#no-idempotency-keys): after a create whose outcome is unknown (no answer, 5xx), the only safe next
// step is to look the object up by its key before trying again. Users and memberships go through the snapshot reader's
// lookups, organizations by clerk-sync's mark or slug (plan/org-identity.ts); an address is looked up on its user.

import type { ClerkClient, WireUser } from '../clerk/index.ts';
import { LiveStateError } from '../errors.ts';
import type { LiveOrganization, UserKeyKind } from '../model/index.ts';
import { lookUpOrganization, type Operation } from '../plan/index.ts';
import { findMembership, findUserByKey, listOrganizations } from '../state/index.ts';

/**
 * The live organization manifest key `key` names: the one with clerk-sync's mark for it, else the one with that
 * slug; undefined when none (plan/org-identity.ts lookUpOrganization says why not by name). Several with the mark is
 * LiveStateError ambiguous_organization_match: creating another would only add to them.
 */
export async function findOrganizationByKey(client: ClerkClient, key: string): Promise<LiveOrganization | undefined> {
  const found = lookUpOrganization(key, await listOrganizations(client));
  if (found.kind === 'found') return found.live;
  if (found.kind === 'none') return undefined;
  const ids = found.candidates.map((org) => org.id);
  throw new LiveStateError(
    'ambiguous_organization_match',
    `organization "${key}" matches ${ids.length} live organizations by ${found.by === 'mark' ? "clerk-sync's mark" : 'slug'} (${ids.join(', ')})`,
    {
      meta: { key, organizationIds: ids },
      hint: "Remove clerk-sync's mark (private metadata clerkSync) from all but one of them, then plan again.",
    },
  );
}

/** Creates, and what they create. */
export type CreateOp = Extract<
  Operation,
  { type: 'create_user' | 'create_organization' | 'create_membership' | 'add_email_address' | 'add_phone_number' }
>;

export interface LookupContext {
  client: ClerkClient;
  userKey: UserKeyKind;
  /** Resolved ids of the operation's user and organization (when it has them). */
  userId: string | undefined;
  organizationId: string | undefined;
}

/** The live id of the object `op` creates, if it exists now; undefined if it does not. */
export async function lookUpCreated(op: CreateOp, context: LookupContext): Promise<string | undefined> {
  const { client } = context;
  switch (op.type) {
    case 'create_user': {
      if (op.user.key === null) return undefined;
      return (await findUserByKey(client, context.userKey, op.user.key))?.id;
    }
    case 'create_organization':
      return (await findOrganizationByKey(client, op.org.slug))?.id;
    case 'create_membership': {
      if (context.organizationId === undefined || context.userId === undefined) return undefined;
      return (await findMembership(client, context.organizationId, context.userId))?.id;
    }
    case 'add_email_address': {
      if (context.userId === undefined) return undefined;
      const user = await client.request<WireUser>({
        method: 'GET',
        path: `/users/${encodeURIComponent(context.userId)}`,
      });
      const wanted = op.emailAddress.toLowerCase();
      // Clerk stores addresses lower-cased [assume, notes §3.1]; compare the same way.
      return user.email_addresses.find((email) => email.email_address.toLowerCase() === wanted)?.id;
    }
    case 'add_phone_number': {
      if (context.userId === undefined) return undefined;
      const user = await client.request<WireUser>({
        method: 'GET',
        path: `/users/${encodeURIComponent(context.userId)}`,
      });
      return user.phone_numbers.find((phone) => phone.phone_number === op.phoneNumber)?.id;
    }
    default: {
      const unexpected: never = op;
      return unexpected;
    }
  }
}
