// The one domain model both sides are normalised into before diffing: the manifest becomes a DesiredState
// (src/manifest), the API becomes a LiveSnapshot (src/state). The planner sees only these types, never YAML or
// API JSON. Types only (test/model/types-only.test.ts): runtime constants live in src/fields/.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** How manifest users are matched with live users. */
export type UserKeyKind = 'externalId' | 'emailAddress' | 'username';
/** replace: a declared metadata object is the whole object. merge: only declared keys are enforced (deep). */
export type MetadataMode = 'replace' | 'merge';
export type MetadataField = 'publicMetadata' | 'privateMetadata' | 'unsafeMetadata';

/** Where something was declared: 1-based line and column. */
export interface SourceRef {
  file: string;
  line: number;
  column: number;
}

/** Where a user's password comes from. The value itself never enters a plan, a journal or any output. */
export type PasswordSource =
  /** `password: ${VAR}` (optionally with a default): apply reads the variable again. */
  | { kind: 'env'; variable: string }
  /** A literal password in the manifest: only an apply that reads the manifest can send it. */
  | { kind: 'inline' };

/** The hashers Clerk accepts with a password digest on create (spec 2026-05-12, schema PasswordHasher). */
export type PasswordHasher =
  | 'argon2i'
  | 'argon2id'
  | 'bcrypt'
  | 'bcrypt_sha256_django'
  | 'ldap_ssha'
  | 'md5'
  | 'md5_phpass'
  | 'pbkdf2_sha1'
  | 'pbkdf2_sha256'
  | 'pbkdf2_sha256_django'
  | 'pbkdf2_sha512'
  | 'pbkdf2_sha512_hex'
  | 'phpass'
  | 'scrypt_firebase'
  | 'scrypt_werkzeug'
  | 'sha256'
  | 'sha512_symfony';

export interface DesiredPassword {
  source: PasswordSource;
  /** Set when the value is a digest (`passwordDigest`) made with this hasher, not a password. */
  hasher?: PasswordHasher;
  /** The resolved value, present only in memory while a manifest is loaded. */
  value: string;
  /** The variable is unset (value ''): an error only for a plan that creates the user (passwords are create-only). */
  unset?: true;
}

export interface DesiredMembership {
  /** Organization slug (declared under `organizations:`). */
  org: string;
  role: string;
  /**
   * Absent for memberships read from a manifest: their position is DesiredState.positions' `memberships.N` of their
   * user, computed only when a message needs it (a position per membership cost memory at 150,000 memberships).
   */
  source?: SourceRef;
}

/**
 * One user as the manifest declares it. An absent (undefined) field is unmanaged: the planner leaves the live value
 * alone. `null` for a nullable string means "must be empty". `memberships` is always authoritative for managed
 * organizations: undefined is treated like [] (the user belongs to none of them).
 */
export interface DesiredUser {
  /** The value of the settings.userKey field, normalised (emails lower-cased). Unique in the manifest. */
  key: string;
  source: SourceRef;
  externalId?: string;
  /** Lower-cased; first is primary. */
  emailAddresses?: string[];
  /** E.164; first is primary. */
  phoneNumbers?: string[];
  username?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  /** ISO 8601 in UTC (normalised on load, so equal instants compare equal). */
  legalAcceptedAt?: string;
  password?: DesiredPassword;
  publicMetadata?: JsonObject;
  privateMetadata?: JsonObject;
  unsafeMetadata?: JsonObject;
  banned?: boolean;
  locked?: boolean;
  memberships?: DesiredMembership[];
}

/**
 * Where each desired user's fields were declared, for plan errors that point at a line (`emailAddresses.0` -> ref).
 * Kept beside the users, not in them: a manifest computes a user's positions only when asked (re-reading its item),
 * since a position object per field of 100,000 users would cost memory for the few a message names.
 */
export interface SourcePositions {
  /** The positions of the fields and list items (`memberships.1`) of the user with this key, if known. */
  user(key: string): Readonly<Record<string, SourceRef>> | undefined;
}

export interface DesiredOrganization {
  slug: string;
  name: string;
  source: SourceRef;
  /** Absent: unmanaged; replaced or merged per settings.metadataMode, like a user's. */
  publicMetadata?: JsonObject;
  /** Never holds the mark key (ORG_MARK_KEY): the manifest may not declare it. */
  privateMetadata?: JsonObject;
  /** Where each declared field is written, when the manifest has overlays (the plan's provenance). */
  fieldSources?: Record<string, SourceRef>;
}

export interface ManifestSettings {
  userKey: UserKeyKind;
  prune: boolean;
  metadataMode: MetadataMode;
  /** Field paths whose drift is expected (`publicMetadata.lastSeenAt`, `firstName`); never planned. */
  ignore: string[];
  /** settings.policies: rules every plan of this manifest must obey (src/plan/policies.ts); absent when none. */
  policies?: ManifestPolicies;
}

// ---- policies (issue 19) ----

/** A number for every managed organization, or one per organization key. */
export type PerOrganization<T> = { all: T } | { byOrganization: Record<string, T> };

/**
 * settings.policies, normalised. Each absent rule is not checked. Positions are kept apart (DesiredState
 * .policyPositions) so that moving a line does not change the manifest's fingerprint.
 */
export interface ManifestPolicies {
  /** Fewest members with the admin role (org:admin) each managed organization must have after a plan. */
  minAdmins?: PerOrganization<number>;
  /** Organization key -> user keys that must hold the admin role there. */
  requiredAdmins?: Record<string, string[]>;
  /** Domains a member's primary email must be in (`example.com` exact, `*.example.com` any subdomain). */
  allowedEmailDomains?: PerOrganization<string[]>;
  /** Keys of users no plan may delete, ban, lock, demote or remove from an organization. */
  protectedUsers?: string[];
  /** Defaults for --max-deletes and --max-change-ratio (the flags win for one run). */
  maxDeletes?: number;
  maxChangeRatio?: number;
}

/**
 * Where each policy was declared, by dotted path: `minAdmins`, `minAdmins.acme`, `requiredAdmins.acme.0`,
 * `allowedEmailDomains`, `allowedEmailDomains.acme`, `protectedUsers.1`, `maxDeletes`.
 */
export type PolicyPositions = Readonly<Record<string, SourceRef>>;

export interface DesiredState {
  settings: ManifestSettings;
  organizations: DesiredOrganization[];
  users: DesiredUser[];
  /** The manifest files, in load order (for fingerprints and messages). */
  files: string[];
  /** The files among `files` that are overlays (`overlay: true`), in the order they apply; absent when none. */
  overlays?: string[];
  /** Field positions of the users, looked up when a message needs one; absent for states built in memory. */
  positions?: SourcePositions;
  /**
   * Every manifest string that took a value from the environment (`${VAR}`), resolved: in memory only. Renderings
   * show these by reference (src/plan/redact.ts); absent when none did.
   */
  fromEnvironment?: EnvironmentValue[];
  /** Where settings.policies' rules sit (messages point there); absent without policies. */
  policyPositions?: PolicyPositions;
}

/** A resolved manifest string and the variables it read, e.g. `{ value: 'ops@corp.test', variables: ['DOMAIN'] }`. */
export interface EnvironmentValue {
  value: string;
  variables: string[];
  /** The string as the manifest writes it, references as `${NAME}` (defaults left out), e.g. `ops@${DOMAIN}`. */
  template?: string;
}

export interface LiveEmailAddress {
  id: string;
  /** Lower-cased. */
  emailAddress: string;
  verified: boolean;
  /** Linked to an OAuth/SSO account (`linked_to` non-empty): Clerk refuses to delete it. */
  linked: boolean;
}

export interface LivePhoneNumber {
  id: string;
  phoneNumber: string;
  verified: boolean;
}

export interface LiveUser {
  id: string;
  externalId: string | null;
  emailAddresses: LiveEmailAddress[];
  primaryEmailAddressId: string | null;
  phoneNumbers: LivePhoneNumber[];
  primaryPhoneNumberId: string | null;
  username: string | null;
  firstName: string | null;
  lastName: string | null;
  /** ISO 8601 in UTC; read from the API as unix ms. */
  legalAcceptedAt: string | null;
  publicMetadata: JsonObject;
  privateMetadata: JsonObject;
  unsafeMetadata: JsonObject;
  banned: boolean;
  /** Locked now. Clerk's locks expire (an hour on a new instance), after which this reads false again. */
  locked: boolean;
  /** Seconds until a lock expires; null when not locked or locked indefinitely. */
  lockoutExpiresInSeconds: number | null;
  /** Unix ms. */
  createdAt: number;
  /** Unix ms; the saved-plan staleness check compares it. */
  updatedAt: number;
}

export interface LiveOrganization {
  id: string;
  /** null on instances with organization slugs disabled. */
  slug: string | null;
  name: string;
  /** The manifest key clerk-sync recorded in the organization's private metadata (ORG_MARK_KEY), if any. */
  key: string | null;
  publicMetadata: JsonObject;
  /** With clerk-sync's mark, when it carries one. */
  privateMetadata: JsonObject;
  /** The organization's own member limit; 0 = the instance default (LiveInstance.maxAllowedMemberships). */
  maxAllowedMemberships: number;
  updatedAt: number;
}

/** What the plan knows of the instance's settings (GET /instance, /instance/organization_settings, /organization_roles). */
export interface LiveInstance {
  /** From GET /instance; null when it could not be read. */
  environment: 'development' | 'production' | null;
  /** False when the instance has organization slugs disabled (the default for applications since 2025-10-07). */
  slugsEnabled: boolean;
  /** Members an organization may have unless it sets its own limit; 0 = unlimited. */
  maxAllowedMemberships: number;
  /** The role a user gets in an organization they create. */
  creatorRole: string;
  /** Role keys the instance defines; null when they could not be read (then roles are not checked at plan time). */
  roles: string[] | null;
  /** Users in the instance (GET /users/count) when the plan was made. */
  userCount: number;
}

export interface LiveMembership {
  id: string;
  organizationId: string;
  userId: string;
  role: string;
  updatedAt: number;
}

/** How the users of a snapshot were read, and why (src/state/read-strategy.ts). */
export interface LiveRead {
  /**
   * full: every user of the instance. targeted: only the users holding an identifier the manifest names (its keys,
   * emails, phone numbers, usernames, external ids), read with the list filters.
   */
  strategy: 'full' | 'targeted';
  /**
   * cost: the cheaper of the two (auto). option: --read said so. prune: prune must find every marked user.
   * unmanaged: drift gates on unmanaged users (--fail-on), which must find every marked user too.
   * unfilterable: an identifier the filters cannot ask for exactly (an external id starting with + or -), or a
   * server that ignored a filter. early: started while the manifest loaded, its size implying a targeted read would
   * cost more, which it turned out not to.
   */
  reason: 'cost' | 'option' | 'prune' | 'unmanaged' | 'unfilterable' | 'early';
  /** GET /users/count when the read began. */
  instanceUsers: number;
  /** Users the manifest declares. */
  declaredUsers: number;
  /** GET /users requests each strategy needs for the users, as estimated before the read. */
  requests: { full: number; targeted: number };
}

/**
 * What was read from the instance: the users (every user after a full read; after a targeted read only those holding
 * an identifier the manifest names, see `read`), the live organizations that can match a declared one (by
 * clerk-sync's mark, slug or exact name; src/state/match-organization.ts), and every membership of those
 * organizations. `instance.userCount` is the whole instance's either way.
 */
export interface LiveSnapshot {
  /** Absent for snapshots built in memory and touched-object reads: treat as a full read. */
  read?: LiveRead;
  users: LiveUser[];
  organizations: LiveOrganization[];
  memberships: LiveMembership[];
  instance: LiveInstance;
  /** The API it was read from (shown to reviewers in the plan); absent for snapshots built in memory. */
  apiUrl?: string;
}
