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
import { ORG_MARK_KEY } from '../fields/constants.ts';
import { ORGANIZATION_METADATA_FIELDS, type OrganizationMetadataField } from '../fields/organization-fields.ts';
import { USER_PROFILE_FIELDS, type UserProfileField } from '../fields/user-fields.ts';
import { liveValue, wireRule } from '../fields/values.ts';
import type {
  JsonObject,
  LiveEmailAddress,
  LiveMembership,
  LiveOrganization,
  LivePhoneNumber,
  LiveUser,
} from '../model/index.ts';
import { isPlainObject } from '../util/json.ts';

type FieldRule = 'string' | 'string?' | 'number' | 'number?' | 'boolean' | 'object?';

function fieldProblem(row: Record<string, unknown>, field: string, rule: FieldRule): string | undefined {
  const value = row[field];
  switch (rule) {
    case 'string':
      return typeof value === 'string' ? undefined : `${field} is not a string`;
    case 'string?':
      return value === undefined || value === null || typeof value === 'string'
        ? undefined
        : `${field} is not a string`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `${field} is not a number`;
    case 'number?':
      return value === undefined || value === null || (typeof value === 'number' && Number.isFinite(value))
        ? undefined
        : `${field} is not a number`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${field} is not a boolean`;
    case 'object?':
      return value === undefined || value === null || isPlainObject(value) ? undefined : `${field} is not an object`;
  }
}

/** Field rules as a list made once: this runs for every row of a 100,000-user read. */
type Rules = readonly (readonly [string, FieldRule])[];

function rules(table: Record<string, FieldRule>): Rules {
  return Object.entries(table);
}

function rowProblem(value: unknown, rules: Rules): string | undefined {
  if (!isPlainObject(value))
    return `a row is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`;
  for (const [field, rule] of rules) {
    const problem = fieldProblem(value, field, rule);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function listProblem(value: unknown, field: string, rules: Rules): string | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return `${field} is not an array`;
  for (const item of value) {
    const problem = rowProblem(item, rules);
    if (problem !== undefined) return `${field}: ${problem}`;
  }
  return undefined;
}

const USER_RULES = rules({
  id: 'string',
  ...Object.fromEntries(USER_PROFILE_FIELDS.map((row) => [row.wire, wireRule(row.kind)])),
  primary_email_address_id: 'string?',
  primary_phone_number_id: 'string?',
  public_metadata: 'object?',
  private_metadata: 'object?',
  unsafe_metadata: 'object?',
  banned: 'boolean',
  locked: 'boolean',
  lockout_expires_in_seconds: 'number?',
  created_at: 'number',
  updated_at: 'number',
});
const EMAIL_RULES = rules({ id: 'string', email_address: 'string' });
const PHONE_RULES = rules({ id: 'string', phone_number: 'string' });
// slug: null is survived on instances with organization slugs disabled (docs/clerk-api.md).
const ORGANIZATION_RULES = rules({
  id: 'string',
  slug: 'string?',
  name: 'string',
  max_allowed_memberships: 'number?',
  ...Object.fromEntries(ORGANIZATION_METADATA_FIELDS.map((row) => [row.wire, 'object?'])),
  updated_at: 'number',
});
const MEMBERSHIP_RULES = rules({ id: 'string', role: 'string', updated_at: 'number', public_user_data: 'object?' });
const ID_RULES = rules({ id: 'string' });

/**
 * Deepest metadata nesting read from the API. Clerk documents a size limit (8 KB, docs guides/users/extending) but no
 * nesting limit, and 8 KB holds ~4,000 levels; 64 is twice what a manifest can declare (LIMITS.depth 32) and far
 * below the depth at which the planner's recursive comparison would exhaust the stack.
 */
export const MAX_METADATA_DEPTH = 64;

/** Why a metadata value nests deeper than MAX_METADATA_DEPTH (the object itself is level 1). */
export function metadataDepthProblem(field: string, value: unknown): string | undefined {
  return nestsDeeper(value, MAX_METADATA_DEPTH)
    ? `${field} is nested deeper than ${MAX_METADATA_DEPTH} levels`
    : undefined;
}

/**
 * Whether `value` holds an object or array more than `levels` deep. The recursion stops at the limit (64 frames), and
 * nothing is allocated: the walk with a stack of [node, depth] pairs and Object.values made a tenth of the garbage of a
 * 100,000-user read (sampling heap profile).
 */
function nestsDeeper(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levels === 0) return true;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) if (nestsDeeper(value[index], levels - 1)) return true;
    return false;
  }
  const object = value as Record<string, unknown>;
  for (const key in object) {
    if (Object.hasOwn(object, key) && nestsDeeper(object[key], levels - 1)) return true;
  }
  return false;
}

/**
 * Largest count accepted from the API (`total_count`, GET /users/count): far above any Clerk instance, small enough
 * that what is sized from it (page offsets, progress) stays small.
 */
export const MAX_LIVE_COUNT = 100_000_000;

/** Why a count from the API is unusable (not a non-negative integer, or absurdly large), or undefined. */
export function countProblem(value: unknown, field = 'total_count'): string | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    return `${field} is not a non-negative integer (${JSON.stringify(value) ?? String(value)})`;
  }
  return value > MAX_LIVE_COUNT ? `${field} ${value} is over the ${MAX_LIVE_COUNT} this tool accepts` : undefined;
}

/**
 * How many objects a paginated read may return beyond the count read at its start: those created while it runs.
 * Two 500-row pages or a tenth, whichever is more.
 */
export function readMargin(counted: number): number {
  return Math.max(1000, Math.ceil(counted / 10));
}

/** A paginated read that returned more than its start's count allows: a server sending fresh pages forever. */
export function readBeyondCount(request: string, read: number, counted: number): LiveStateError {
  const limit = counted + readMargin(counted);
  return new LiveStateError(
    'live_response_invalid',
    `${request} returned more than ${limit} objects, but the count at the start of the read was ${counted}: the pages do not end`,
    {
      meta: { request, read, counted, limit },
      hint: 'Nothing was changed. Check that --api-url / CLERK_API_URL points at the Clerk Backend API; if objects are being created in bulk, run again when that is done.',
    },
  );
}

/**
 * Why a value is not a usable User row (a proxy, a mock or a broken API can answer anything with a 200), or
 * undefined when it is. Checks what the mapping reads, so a bad row becomes live_response_invalid, not a TypeError.
 */
export function wireUserProblem(value: unknown): string | undefined {
  const problem = rowProblem(value, USER_RULES);
  if (problem !== undefined || !isPlainObject(value)) return problem;
  return (
    listProblem(value.email_addresses, 'email_addresses', EMAIL_RULES) ??
    listProblem(value.phone_numbers, 'phone_numbers', PHONE_RULES) ??
    metadataDepthProblem('public_metadata', value.public_metadata) ??
    metadataDepthProblem('private_metadata', value.private_metadata) ??
    metadataDepthProblem('unsafe_metadata', value.unsafe_metadata)
  );
}

/** Like wireUserProblem, for an Organization row. */
export function wireOrganizationProblem(value: unknown): string | undefined {
  const problem = rowProblem(value, ORGANIZATION_RULES);
  if (problem !== undefined || !isPlainObject(value)) return problem;
  for (const row of ORGANIZATION_METADATA_FIELDS) {
    const deep = metadataDepthProblem(row.wire, value[row.wire]);
    if (deep !== undefined) return deep;
  }
  return undefined;
}

/** An organization's metadata objects, by the organization table's rows. */
function organizationMetadata(wire: WireOrganization): Record<OrganizationMetadataField, JsonObject> {
  const row = wire as unknown as Record<string, WireMetadata | null | undefined>;
  const out = {} as Record<OrganizationMetadataField, JsonObject>;
  for (const field of ORGANIZATION_METADATA_FIELDS) out[field.name] = metadata(row[field.wire]);
  return out;
}

/** Like wireUserProblem, for an OrganizationMembership row. */
export function wireMembershipProblem(value: unknown): string | undefined {
  const problem = rowProblem(value, MEMBERSHIP_RULES);
  if (problem !== undefined || !isPlainObject(value)) return problem;
  return rowProblem(value.organization, ID_RULES) === undefined ? undefined : 'organization has no id';
}

function malformed(kind: string, problem: string): LiveStateError {
  return new LiveStateError(
    'live_response_invalid',
    `the API answered a ${kind} with an unexpected shape: ${problem}`,
    {
      meta: { kind, problem },
      hint: 'Check that --api-url / CLERK_API_URL points at the Clerk Backend API.',
    },
  );
}

function check(kind: string, problem: string | undefined): void {
  if (problem !== undefined) throw malformed(kind, problem);
}

/**
 * Every live user with no metadata in a field shares this object: most users' unsafe (often public) metadata is
 * empty, and an empty object each was about 5.6 MB at 100,000 users (heap snapshot). Frozen, so code that would
 * write into a live user's metadata fails loudly instead of changing every user's.
 */
const EMPTY_METADATA: JsonObject = Object.freeze({}) as JsonObject;

function metadata(value: WireMetadata | null | undefined): JsonObject {
  // private_metadata is nullable and unsafe_metadata optional on the wire (docs/clerk-api.md#the-user-object): both mean {}.
  if (value === null || value === undefined) return EMPTY_METADATA;
  for (const key in value) {
    if (Object.hasOwn(value, key)) return value;
  }
  return EMPTY_METADATA;
}

function isVerified(verification: WireEmailAddress['verification']): boolean {
  return verification?.status === 'verified';
}

function fromWireEmail(email: WireEmailAddress): LiveEmailAddress {
  // Clerk stores addresses lower-cased [assume, docs/clerk-api.md#email-case-assumed]; lower-casing here keeps matching exact.
  return {
    id: email.id,
    emailAddress: email.email_address.toLowerCase(),
    verified: isVerified(email.verification),
    linked: Array.isArray(email.linked_to) && email.linked_to.length > 0,
  };
}

function fromWirePhone(phone: WirePhoneNumber): LivePhoneNumber {
  return { id: phone.id, phoneNumber: phone.phone_number, verified: isVerified(phone.verification) };
}

export function fromWireUser(wire: WireUser): LiveUser {
  check('user', wireUserProblem(wire));
  return fromCheckedWireUser(wire);
}

/**
 * fromWireUser for a row wireUserProblem already passed (the snapshot reader checks each page as it arrives, with
 * the request in its message): checking 100,000 rows twice was a tenth of a second.
 */
export function fromCheckedWireUser(wire: WireUser): LiveUser {
  const emailAddresses = (wire.email_addresses ?? []).map(fromWireEmail);
  const primaryId = wire.primary_email_address_id;
  // Every key in one literal, in the order they had: V8 keeps them inside the object (spread in, the profile's spilled
  // into a property array of their own: 6.5 MB at 100,000 users). Their values come from the field list below.
  const user: LiveUser = {
    id: wire.id,
    externalId: null,
    username: null,
    firstName: null,
    lastName: null,
    legalAcceptedAt: null,
    emailAddresses,
    // The primary's id as the same string as its address's id (one copy fewer per user).
    primaryEmailAddressId: emailAddresses.find((email) => email.id === primaryId)?.id ?? primaryId,
    phoneNumbers: (wire.phone_numbers ?? []).map(fromWirePhone),
    primaryPhoneNumberId: wire.primary_phone_number_id,
    publicMetadata: metadata(wire.public_metadata),
    privateMetadata: metadata(wire.private_metadata),
    unsafeMetadata: metadata(wire.unsafe_metadata),
    banned: wire.banned,
    locked: wire.locked,
    lockoutExpiresInSeconds: wire.lockout_expires_in_seconds ?? null,
    createdAt: wire.created_at,
    updatedAt: wire.updated_at,
  };
  const row = wire as unknown as Record<string, unknown>;
  const profile = user as unknown as Record<UserProfileField, string | null>;
  for (const field of USER_PROFILE_FIELDS) profile[field.name] = liveValue(field.kind, row[field.wire]);
  return user;
}

export function fromWireOrganization(wire: WireOrganization): LiveOrganization {
  check('organization', wireOrganizationProblem(wire));
  return {
    id: wire.id,
    slug: wire.slug ?? null,
    name: wire.name,
    key: orgMarkKey(wire.private_metadata),
    ...organizationMetadata(wire),
    maxAllowedMemberships: wire.max_allowed_memberships ?? 0,
    updatedAt: wire.updated_at,
  };
}

/** The manifest key in an organization's clerk-sync mark (`{ clerkSync: { key } }`), if it carries one. */
export function orgMarkKey(privateMetadata: WireMetadata | null | undefined): string | null {
  const mark = privateMetadata?.[ORG_MARK_KEY];
  if (typeof mark !== 'object' || mark === null || Array.isArray(mark)) return null;
  const key = (mark as Record<string, unknown>).key;
  return typeof key === 'string' ? key : null;
}

export function fromWireMembership(wire: WireOrganizationMembership): LiveMembership {
  check('membership', wireMembershipProblem(wire));
  return fromCheckedWireMembership(wire);
}

/** fromWireMembership for a row wireMembershipProblem already passed (see fromCheckedWireUser). */
export function fromCheckedWireMembership(wire: WireOrganizationMembership): LiveMembership {
  // The user id lives in public_user_data, which the spec marks optional but Clerk always sends
  // (docs/clerk-api.md#organization-memberships).
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
