// Pure mapping from Clerk's wire JSON (src/clerk/wire.ts) to the domain model (model.ts). API payload types stop
// here: the planner only ever sees LiveUser / LiveOrganization / LiveMembership.

import type {
  WireEmailAddress,
  WireMetadata,
  WireOrganization,
  WireOrganizationMembership,
  WirePhoneNumber,
  WireUser,
} from '../clerk/index.ts';
import { LiveStateError } from '../errors.ts';
import type {
  JsonObject,
  LiveEmailAddress,
  LiveMembership,
  LiveOrganization,
  LivePhoneNumber,
  LiveUser,
} from './model.ts';

function metadata(value: WireMetadata | null | undefined): JsonObject {
  // private_metadata is nullable and unsafe_metadata optional on the wire (clerk-api-notes §2.1): both mean {}.
  return value ?? {};
}

function isVerified(verification: WireEmailAddress['verification']): boolean {
  return verification?.status === 'verified';
}

function fromWireEmail(email: WireEmailAddress): LiveEmailAddress {
  // Clerk stores addresses lower-cased [assume, clerk-api-notes §3.1]; lower-casing here keeps matching exact.
  return { id: email.id, emailAddress: email.email_address.toLowerCase(), verified: isVerified(email.verification) };
}

function fromWirePhone(phone: WirePhoneNumber): LivePhoneNumber {
  return { id: phone.id, phoneNumber: phone.phone_number, verified: isVerified(phone.verification) };
}

export function fromWireUser(wire: WireUser): LiveUser {
  return {
    id: wire.id,
    externalId: wire.external_id,
    emailAddresses: (wire.email_addresses ?? []).map(fromWireEmail),
    primaryEmailAddressId: wire.primary_email_address_id,
    phoneNumbers: (wire.phone_numbers ?? []).map(fromWirePhone),
    primaryPhoneNumberId: wire.primary_phone_number_id,
    username: wire.username,
    firstName: wire.first_name,
    lastName: wire.last_name,
    publicMetadata: metadata(wire.public_metadata),
    privateMetadata: metadata(wire.private_metadata),
    unsafeMetadata: metadata(wire.unsafe_metadata),
    banned: wire.banned,
    locked: wire.locked,
    createdAt: wire.created_at,
    updatedAt: wire.updated_at,
  };
}

export function fromWireOrganization(wire: WireOrganization): LiveOrganization {
  return { id: wire.id, slug: wire.slug, name: wire.name, updatedAt: wire.updated_at };
}

export function fromWireMembership(wire: WireOrganizationMembership): LiveMembership {
  // The user id lives in public_user_data, which the spec marks optional but Clerk always sends (clerk-api-notes §2.3).
  const userId = wire.public_user_data?.user_id;
  if (userId === undefined) {
    throw new LiveStateError('live_response_incomplete', `membership ${wire.id} has no public_user_data.user_id`, {
      meta: { membershipId: wire.id },
      hint: 'The API answered without the member; check --api-url points at the Clerk Backend API.',
    });
  }
  return {
    id: wire.id,
    organizationId: wire.organization.id,
    userId,
    role: wire.role,
    updatedAt: wire.updated_at,
  };
}
