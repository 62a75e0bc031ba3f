// Small builders for planner inputs, so each table row states only what matters to it.

import { UNRESTRICTED_INSTANCE } from '../../src/fields/constants.ts';
import type {
  DesiredOrganization,
  DesiredState,
  DesiredUser,
  LiveMembership,
  LiveOrganization,
  LiveSnapshot,
  LiveUser,
  ManifestSettings,
  SourcePositions,
  SourceRef,
} from '../../src/model/index.ts';

export const FILE = 'users.yaml';

export function at(line: number, column = 3): SourceRef {
  return { file: FILE, line, column };
}

export function desiredUser(key: string, fields: Omit<Partial<DesiredUser>, 'key'> = {}): DesiredUser {
  return { key, source: at(10), ...fields };
}

/** Field positions by user key (`{ 'emp-1': { username: at(13) } }`), as a manifest records them. */
export function positionsOf(byKey: Record<string, Record<string, SourceRef>>): SourcePositions {
  return { user: (key) => (Object.hasOwn(byKey, key) ? byKey[key] : undefined) };
}

export function desiredState(
  users: DesiredUser[],
  options: {
    settings?: Partial<ManifestSettings>;
    organizations?: DesiredOrganization[];
    positions?: Record<string, Record<string, SourceRef>>;
  } = {},
): DesiredState {
  return {
    settings: { userKey: 'externalId', prune: false, metadataMode: 'replace', ignore: [], ...options.settings },
    organizations: options.organizations ?? [],
    users,
    files: [FILE],
    ...(options.positions ? { positions: positionsOf(options.positions) } : {}),
  };
}

export function org(slug: string, name: string, line = 2): DesiredOrganization {
  return { slug, name, source: at(line) };
}

export interface LiveUserFields extends Partial<Omit<LiveUser, 'emailAddresses' | 'phoneNumbers'>> {
  /** First is primary. */
  emails?: string[];
  /** First is primary. */
  phones?: string[];
}

export function liveUser(id: string, fields: LiveUserFields = {}): LiveUser {
  const { emails = [], phones = [], ...rest } = fields;
  const emailAddresses = emails.map((emailAddress, index) => ({
    id: `idn_${id}_e${index}`,
    emailAddress,
    verified: true,
    linked: false,
  }));
  const phoneNumbers = phones.map((phoneNumber, index) => ({ id: `idn_${id}_p${index}`, phoneNumber, verified: true }));
  return {
    id,
    externalId: null,
    emailAddresses,
    primaryEmailAddressId: emailAddresses[0]?.id ?? null,
    phoneNumbers,
    primaryPhoneNumberId: phoneNumbers[0]?.id ?? null,
    username: null,
    firstName: null,
    lastName: null,
    legalAcceptedAt: null,
    publicMetadata: {},
    privateMetadata: {},
    unsafeMetadata: {},
    banned: false,
    locked: false,
    lockoutExpiresInSeconds: null,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_001,
    ...rest,
  };
}

/** A live organization; `slug` null as on instances without slugs, `key` the manifest key of clerk-sync's mark. */
export function liveOrg(
  id: string,
  slug: string | null,
  name: string,
  fields: Partial<LiveOrganization> = {},
): LiveOrganization {
  return {
    id,
    slug,
    name,
    key: null,
    publicMetadata: {},
    privateMetadata: {},
    maxAllowedMemberships: 0,
    updatedAt: 1_700_000_000_100,
    ...fields,
  };
}

export function liveMembership(id: string, organizationId: string, userId: string, role: string): LiveMembership {
  return { id, organizationId, userId, role, updatedAt: 1_700_000_000_200 };
}

export function snapshot(fields: Partial<LiveSnapshot> = {}): LiveSnapshot {
  return { users: [], organizations: [], memberships: [], instance: UNRESTRICTED_INSTANCE, ...fields };
}

export const MARK = { clerkSync: { managedBy: 'clerk-sync' } };
