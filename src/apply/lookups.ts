// Finding an object a create may already have made. Clerk has no idempotency keys (clerk-api-notes.md §8.5): after
// a create whose outcome is unknown (no answer, 5xx), the only safe next step is to look the object up by its key
// before trying again. Users, organizations and memberships go through the snapshot reader's lookups; an address
// is looked up on its user.

import type { ClerkClient, WireUser } from '../clerk/index.ts';
import type { Operation } from '../plan/index.ts';
import { findMembership, findOrganizationBySlug, findUserByKey, type UserKeyKind } from '../state/index.ts';

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
      return (await findOrganizationBySlug(client, op.org.slug))?.id;
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
