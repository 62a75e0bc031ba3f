// Organization and membership records -> wire JSON. Membership JSON is cached per membership, so a page of
// memberships is a string join.

import type { WireOrganization, WireOrganizationMembership } from '../clerk/index.ts';
import { InternalError } from '../errors.ts';
import type { MembershipRecord, OrgRecord } from './records.ts';
import { DEFAULT_IMAGE_URL, GRAVATAR_URL, UPLOADED_IMAGE_URL } from './serialize.ts';
import type { Store } from './store.ts';

export function membershipJson(store: Store, membership: MembershipRecord): string {
  let json = store.membershipJson.get(membership.id);
  if (json === undefined) {
    json = JSON.stringify(wireMembership(store, membership));
    store.membershipJson.set(membership.id, json);
  }
  return json;
}

/** A page of memberships, `{"data":[...],"total_count":N}`, from the cached JSON of each. */
export function membershipsPageJson(store: Store, page: readonly MembershipRecord[], totalCount: number): string {
  return `{"data":[${page.map((membership) => membershipJson(store, membership)).join(',')}],"total_count":${totalCount}}`;
}

export function wireOrganization(store: Store, org: OrgRecord, withMembersCount: boolean): WireOrganization {
  return {
    object: 'organization',
    id: org.id,
    name: org.name,
    slug: org.slug,
    image_url: org.has_image ? UPLOADED_IMAGE_URL : DEFAULT_IMAGE_URL,
    has_image: org.has_image,
    ...(withMembersCount ? { members_count: store.membersCount(org.id) } : {}),
    max_allowed_memberships: org.max_allowed_memberships,
    admin_delete_enabled: org.admin_delete_enabled,
    public_metadata: org.public_metadata,
    private_metadata: org.private_metadata,
    ...(org.created_by === null ? {} : { created_by: org.created_by }),
    created_at: org.created_at,
    updated_at: org.updated_at,
  };
}

// A role the instance does not define (accepted when `unknown_roles_refused` is off) has no permissions and a name
// made from its key.
function roleName(role: string): string {
  const key = role.startsWith('org:') ? role.slice(4) : role;
  return key
    .split(/[_:-]/)
    .filter((part) => part.length > 0)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join(' ');
}

export function wireMembership(store: Store, membership: MembershipRecord): WireOrganizationMembership {
  const org = store.orgs.get(membership.org_id);
  const user = store.users.get(membership.user_id);
  if (!org || !user) throw new InternalError(`emulator membership ${membership.id} points at a missing object`);
  const role = store.settings.roles.find((item) => item.key === membership.role);
  return {
    id: membership.id,
    object: 'organization_membership',
    role: membership.role,
    role_name: role?.name ?? roleName(membership.role),
    permissions: role ? [...role.permissions] : [],
    public_metadata: membership.public_metadata,
    private_metadata: membership.private_metadata,
    organization: wireOrganization(store, org, false),
    public_user_data: {
      user_id: user.id,
      first_name: user.first_name,
      last_name: user.last_name,
      profile_image_url: user.has_image ? UPLOADED_IMAGE_URL : GRAVATAR_URL,
      image_url: user.has_image ? UPLOADED_IMAGE_URL : DEFAULT_IMAGE_URL,
      has_image: user.has_image,
      identifier: store.primaryEmail(user) ?? store.primaryPhone(user) ?? user.username,
      username: user.username,
    },
    created_at: membership.created_at,
    updated_at: membership.updated_at,
  };
}
