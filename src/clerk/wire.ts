// Wire types of the Clerk Backend API (version 2026-05-12), as JSON on the wire: snake_case, timestamps in Unix
// milliseconds. Shared by the HTTP client, the live snapshot and the emulator, so both sides of every test speak
// the same shapes. Source: Clerk's OpenAPI spec, vendored as test/fixtures/clerk-openapi/2026-05-12.yml
// (components/schemas), and docs/clerk-api.md#objects-and-fields-we-read.

export type WireJson = null | boolean | number | string | WireJson[] | { [key: string]: WireJson };
export type WireMetadata = { [key: string]: WireJson };

export const CLERK_API_VERSION = '2026-05-12';

export interface WireVerification {
  object: 'verification_admin' | 'verification_otp' | string;
  status: 'verified' | 'unverified' | 'failed' | 'expired' | string;
  strategy: string;
  attempts: number | null;
  expire_at: number | null;
}

export interface WireLinkedTo {
  type: string;
  id: string;
}

export interface WireEmailAddress {
  id: string;
  object: 'email_address';
  email_address: string;
  reserved: boolean;
  verification: WireVerification | null;
  linked_to: WireLinkedTo[];
  created_at: number;
  updated_at: number;
}

export interface WirePhoneNumber {
  id: string;
  object: 'phone_number';
  phone_number: string;
  reserved_for_second_factor?: boolean;
  default_second_factor?: boolean;
  reserved: boolean;
  verification: WireVerification | null;
  linked_to: WireLinkedTo[];
  backup_codes?: string[] | null;
  created_at: number;
  updated_at: number;
}

export interface WireUser {
  id: string;
  object: 'user';
  external_id: string | null;
  primary_email_address_id: string | null;
  primary_phone_number_id: string | null;
  primary_web3_wallet_id: string | null;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  locale?: string | null;
  image_url?: string;
  profile_image_url?: string;
  has_image: boolean;
  public_metadata: WireMetadata;
  private_metadata?: WireMetadata | null;
  unsafe_metadata?: WireMetadata;
  email_addresses: WireEmailAddress[];
  phone_numbers: WirePhoneNumber[];
  web3_wallets: unknown[];
  passkeys: unknown[];
  external_accounts: unknown[];
  saml_accounts: unknown[];
  enterprise_accounts: unknown[];
  password_enabled: boolean;
  two_factor_enabled: boolean;
  totp_enabled: boolean;
  backup_code_enabled: boolean;
  mfa_enabled_at: number | null;
  mfa_disabled_at: number | null;
  password_last_updated_at?: number | null;
  last_sign_in_at: number | null;
  banned: boolean;
  locked: boolean;
  lockout_expires_in_seconds: number | null;
  verification_attempts_remaining: number | null;
  created_at: number;
  updated_at: number;
  delete_self_enabled: boolean;
  create_organization_enabled: boolean;
  create_organizations_limit?: number | null;
  last_active_at: number | null;
  legal_accepted_at: number | null;
}

export interface WireOrganization {
  object: 'organization';
  id: string;
  name: string;
  /** Required in the spec; null seen on instances with organization slugs disabled is survived (docs/clerk-api.md). */
  slug: string | null;
  image_url?: string;
  has_image: boolean;
  members_count?: number;
  max_allowed_memberships: number;
  admin_delete_enabled: boolean;
  public_metadata: WireMetadata;
  private_metadata?: WireMetadata;
  created_by?: string;
  created_at: number;
  updated_at: number;
}

export interface WirePublicUserData {
  user_id: string;
  first_name: string | null;
  last_name: string | null;
  profile_image_url: string | null;
  image_url: string;
  has_image: boolean;
  identifier?: string | null;
  username?: string | null;
}

export interface WireOrganizationMembership {
  id: string;
  object: 'organization_membership';
  role: string;
  role_name?: string;
  permissions: string[];
  public_metadata: WireMetadata;
  private_metadata?: WireMetadata;
  organization: WireOrganization;
  public_user_data?: WirePublicUserData;
  created_at: number;
  updated_at: number;
}

export interface WireDeletedObject {
  object: string;
  id?: string;
  slug?: string;
  deleted: true;
  external_id?: string;
}

export interface WireTotalCount {
  object: 'total_count';
  total_count: number;
}

/** `{data,total_count}` envelope used by organization and membership lists. */
export interface WirePage<T> {
  data: T[];
  total_count: number;
}

export interface WireError {
  message: string;
  long_message: string;
  code: string;
  meta?: { [key: string]: WireJson };
}

/** The `ClerkErrors` body of every 4xx/5xx answer. */
export interface WireErrorBody {
  errors: WireError[];
  clerk_trace_id?: string;
  meta?: { [key: string]: WireJson };
}

/** Body of POST /v1/users (subset clerk-sync and the emulator use; the API accepts more). */
export interface WireCreateUserBody {
  external_id?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  username?: string | null;
  email_address?: string[];
  phone_number?: string[];
  password?: string | null;
  skip_password_checks?: boolean | null;
  skip_password_requirement?: boolean | null;
  public_metadata?: WireMetadata;
  private_metadata?: WireMetadata;
  unsafe_metadata?: WireMetadata;
  banned?: boolean | null;
  locked?: boolean | null;
  created_at?: string | null;
}

/** Body of PATCH /v1/users/{id} (no metadata since 2026-05-12). */
export interface WireUpdateUserBody {
  external_id?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  username?: string | null;
  primary_email_address_id?: string;
  primary_phone_number_id?: string;
}

/** Body of PATCH|PUT /v1/users/{id}/metadata. */
export interface WireUserMetadataBody {
  public_metadata?: WireMetadata | null;
  private_metadata?: WireMetadata | null;
  unsafe_metadata?: WireMetadata | null;
}
