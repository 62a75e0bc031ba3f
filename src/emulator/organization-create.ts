// Creating organizations and memberships (POST /organizations, the membership endpoints and the seed).

import type { WireMetadata } from '../clerk/index.ts';
import { newId } from './ids.ts';
import { checkRole, membershipLimit, membershipQuotaExceeded } from './membership-rules.ts';
import { checkName, checkSlug, slugFromName, slugsDisabled } from './organization-rules.ts';
import { ClerkApiProblem, identifierExists, paramValueInvalid } from './problem.ts';
import type { MembershipRecord, OrgRecord, UserRecord } from './records.ts';
import type { Store } from './store.ts';
import { bodySpec, checkBody, checkMetadataSize, parseTimestamp } from './validate.ts';

const CREATE_ORG = bodySpec({
  name: 'string!',
  created_by: 'string?',
  private_metadata: 'object?',
  public_metadata: 'object?',
  slug: 'string?',
  max_allowed_memberships: 'integer?',
  created_at: 'string?',
  role_set_key: 'string?',
});
/** The new organization's slug: the one given, or one made from the name, or none while slugs are off. */
function newSlug(store: Store, slugText: string | null | undefined, name: string, keepSlug: boolean): string | null {
  const slugsOff = store.settings.organization_settings.slug_disabled;
  // Stricter than documented: any string slug (even "") is refused while slugs are off; an absent or null one is not.
  if (slugsOff && typeof slugText === 'string' && !keepSlug) throw slugsDisabled();
  // Slugs off: no slug at all. Clerk does not document what it answers; null is the harder case for clients.
  const slug = slugText ? checkSlug(slugText) : slugsOff ? null : slugFromName(store, name);
  if (slug !== null && store.orgsBySlug.has(slug)) throw identifierExists('slug');
  return slug;
}

function findCreator(store: Store, createdBy: string): UserRecord {
  const creator = store.users.get(createdBy);
  if (!creator) {
    throw new ClerkApiProblem(
      400,
      'organization_creator_not_found',
      'creator not found',
      `No user was found with id ${createdBy}.`,
      { paramName: 'created_by' },
    );
  }
  return creator;
}

/**
 * POST /organizations (and the seed). `keepSlug` (the seed): a fixture's slug is kept while slugs are disabled, as an
 * organization created before they were turned off (docs organizations/configure: older applications may turn
 * slugs off later; what Clerk then does with existing slugs is not documented).
 */
export function createOrganization(store: Store, rawBody: unknown, options: { keepSlug?: boolean } = {}): OrgRecord {
  const body = checkBody(rawBody ?? {}, CREATE_ORG);
  const name = checkName(body.name as string);
  const slug = newSlug(store, body.slug as string | null | undefined, name, options.keepSlug === true);
  const max = (body.max_allowed_memberships as number | null | undefined) ?? 0;
  if (max < 0) throw paramValueInvalid('max_allowed_memberships', 'max_allowed_memberships must be 0 or greater.');
  const publicMetadata = (body.public_metadata as WireMetadata | null | undefined) ?? {};
  const privateMetadata = (body.private_metadata as WireMetadata | null | undefined) ?? {};
  checkMetadataSize('public_metadata', publicMetadata);
  checkMetadataSize('private_metadata', privateMetadata);
  const createdBy = (body.created_by as string | null | undefined) || null;
  const creator = createdBy === null ? undefined : findCreator(store, createdBy);
  const createdAtText = body.created_at as string | null | undefined;
  const now = store.now();
  const createdAt = createdAtText ? parseTimestamp('created_at', createdAtText) : now;
  const org: OrgRecord = {
    id: newId('org'),
    name,
    slug,
    has_image: false,
    public_metadata: publicMetadata,
    private_metadata: privateMetadata,
    max_allowed_memberships: max,
    admin_delete_enabled: true,
    created_by: createdBy,
    created_at: createdAt,
    updated_at: Math.max(now, createdAt),
  };
  // The creator's role must exist before anything is stored (checked again by addMembership).
  const creatorRole = store.settings.organization_settings.creator_role;
  if (creator) checkRole(store, creatorRole);
  store.insertOrg(org);
  // The creator becomes a member with the instance's creator role (spec POST /organizations, `created_by`).
  if (creator) addMembership(store, org, creator, { role: creatorRole });
  return org;
}

export function addMembership(
  store: Store,
  org: OrgRecord,
  user: UserRecord,
  input: {
    role: string;
    public_metadata?: WireMetadata | null | undefined;
    private_metadata?: WireMetadata | null | undefined;
  },
): MembershipRecord {
  const role = checkRole(store, input.role);
  if (store.findMembership(org.id, user.id)) {
    throw new ClerkApiProblem(
      400,
      'already_a_member_in_organization',
      'already a member',
      `${store.primaryEmail(user) ?? user.id} is already a member of the organization.`,
    );
  }
  const limit = membershipLimit(store, org);
  if (!store.bypassLimits && limit > 0 && store.membersCount(org.id) >= limit) throw membershipQuotaExceeded(limit);
  const publicMetadata = input.public_metadata ?? {};
  const privateMetadata = input.private_metadata ?? {};
  checkMetadataSize('public_metadata', publicMetadata);
  checkMetadataSize('private_metadata', privateMetadata);
  const now = store.now();
  const membership: MembershipRecord = {
    id: newId('orgmem'),
    org_id: org.id,
    user_id: user.id,
    role,
    public_metadata: publicMetadata,
    private_metadata: privateMetadata,
    created_at: now,
    updated_at: now,
  };
  store.insertMembership(membership);
  return membership;
}
