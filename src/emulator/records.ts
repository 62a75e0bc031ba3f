// The records the emulator stores, one per Clerk object: users (with their email and phone identifications),
// organizations and memberships, and the shape of the --data file that holds them. Types only.

import type { WireLinkedTo, WireMetadata } from '../clerk/index.ts';

export interface IdentRecord {
  id: string;
  value: string;
  verified: boolean;
  reserved: boolean;
  /**
   * OAuth/SSO accounts this identifier is linked to (`linked_to` on the wire). Only the seed sets it (the API has no
   * way to link an account); absent in data files written before it existed, read as [].
   */
  linked_to?: WireLinkedTo[];
  created_at: number;
  updated_at: number;
}

export interface UserRecord {
  id: string;
  external_id: string | null;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  locale: string | null;
  has_image: boolean;
  public_metadata: WireMetadata;
  private_metadata: WireMetadata;
  unsafe_metadata: WireMetadata;
  emails: IdentRecord[];
  phones: IdentRecord[];
  primary_email_address_id: string | null;
  primary_phone_number_id: string | null;
  /**
   * sha256 of the password (never the password itself: the data file is written to disk), or the digest the user
   * was created with when `password_hasher` is set.
   */
  password_hash: string | null;
  /** The hasher of a digest given on create (password-digest.ts); absent: password_hash is the emulator's own. */
  password_hasher?: string | null;
  password_enabled: boolean;
  password_last_updated_at: number | null;
  totp_enabled: boolean;
  /** The base32 TOTP secret set through the API, so verify_totp can check codes (emulator data only). */
  totp_secret?: string | null;
  backup_code_enabled: boolean;
  /** Hashes of the unused backup codes (hashed like passwords). */
  backup_code_hashes?: string[];
  mfa_enabled_at: number | null;
  mfa_disabled_at: number | null;
  banned: boolean;
  /** Locked by the API (or created locked). Whether the lock still holds depends on `locked_at`: see lockState. */
  locked: boolean;
  /** When the current lock began (ms); absent in data files written before locks expired. */
  locked_at?: number | null;
  created_at: number;
  updated_at: number;
  last_sign_in_at: number | null;
  last_active_at: number | null;
  legal_accepted_at: number | null;
  delete_self_enabled: boolean;
  create_organization_enabled: boolean;
  create_organizations_limit: number | null;
  bypass_client_trust: boolean;
}

export interface OrgRecord {
  id: string;
  name: string;
  /** null: created while organization slugs were disabled (the wire answers `slug: null`). */
  slug: string | null;
  has_image: boolean;
  public_metadata: WireMetadata;
  private_metadata: WireMetadata;
  max_allowed_memberships: number;
  admin_delete_enabled: boolean;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface MembershipRecord {
  id: string;
  org_id: string;
  user_id: string;
  role: string;
  public_metadata: WireMetadata;
  private_metadata: WireMetadata;
  created_at: number;
  updated_at: number;
}

/** What the data file holds. */
export interface PersistedState {
  format: 'clerk-sync-emulator';
  version: 1;
  users: UserRecord[];
  organizations: OrgRecord[];
  memberships: MembershipRecord[];
  /** Deleted users' created_at, so a `starting_after` cursor on a deleted user keeps working. */
  deletedUsers: [string, number][];
}
