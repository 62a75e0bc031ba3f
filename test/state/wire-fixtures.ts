// Wire objects shaped like Clerk's answers (docs/clerk-api.md#objects-and-fields-we-read), for the pure mapping and
// index tests.

import type {
  WireEmailAddress,
  WireOrganization,
  WireOrganizationMembership,
  WireUser,
} from '../../src/clerk/index.ts';

export function wireEmail(id: string, address: string, status: string | null = 'verified'): WireEmailAddress {
  return {
    id,
    object: 'email_address',
    email_address: address,
    reserved: false,
    verification:
      status === null
        ? null
        : { object: 'verification_admin', status, strategy: 'admin', attempts: null, expire_at: null },
    linked_to: [],
    created_at: 1,
    updated_at: 1,
  };
}

export function wireUser(overrides: Partial<WireUser> & { id: string }): WireUser {
  return {
    object: 'user',
    external_id: null,
    primary_email_address_id: null,
    primary_phone_number_id: null,
    primary_web3_wallet_id: null,
    username: null,
    first_name: null,
    last_name: null,
    has_image: false,
    public_metadata: {},
    private_metadata: null,
    email_addresses: [],
    phone_numbers: [],
    web3_wallets: [],
    passkeys: [],
    external_accounts: [],
    saml_accounts: [],
    enterprise_accounts: [],
    password_enabled: false,
    two_factor_enabled: false,
    totp_enabled: false,
    backup_code_enabled: false,
    mfa_enabled_at: null,
    mfa_disabled_at: null,
    last_sign_in_at: null,
    banned: false,
    locked: false,
    lockout_expires_in_seconds: null,
    verification_attempts_remaining: null,
    created_at: 1_700_000_000_000,
    updated_at: 1_700_000_000_000,
    delete_self_enabled: true,
    create_organization_enabled: true,
    last_active_at: null,
    legal_accepted_at: null,
    ...overrides,
  };
}

export function wireOrganization(
  overrides: Partial<WireOrganization> & { id: string; slug: string | null },
): WireOrganization {
  return {
    object: 'organization',
    name: overrides.slug ?? overrides.id,
    has_image: false,
    max_allowed_memberships: 0,
    admin_delete_enabled: true,
    public_metadata: {},
    created_at: 1,
    updated_at: 2,
    ...overrides,
  };
}

export function wireMembership(
  id: string,
  org: WireOrganization,
  userId: string | undefined,
  role = 'org:member',
): WireOrganizationMembership {
  return {
    id,
    object: 'organization_membership',
    role,
    permissions: [],
    public_metadata: {},
    organization: org,
    ...(userId === undefined
      ? {}
      : {
          public_user_data: {
            user_id: userId,
            first_name: null,
            last_name: null,
            profile_image_url: null,
            image_url: '',
            has_image: false,
          },
        }),
    created_at: 10,
    updated_at: 20,
  };
}
