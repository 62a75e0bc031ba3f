// Records -> wire JSON, with every key the spec marks required (nullable ones as null, lists as []), because
// `@clerk/backend` dereferences them unconditionally (`linked_to`, `organization`, `public_user_data`:
// docs/clerk-api.md#every-required-key-is-sent). User JSON is cached per user: list pages are then string joins.
// Organizations and memberships: serialize-organization.ts.

import type { WireEmailAddress, WirePhoneNumber, WireUser, WireVerification } from '../clerk/index.ts';
import type { IdentRecord, UserRecord } from './records.ts';
import type { Store } from './store.ts';

// The image URLs Clerk serves for users and organizations without an uploaded image.
export const DEFAULT_IMAGE_URL = 'https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCJ9';
export const UPLOADED_IMAGE_URL = 'https://img.clerk.com/eyJ0eXBlIjoicHJveHkifQ';
export const GRAVATAR_URL = 'https://www.gravatar.com/avatar?d=mp';

/**
 * Identifiers created through the Backend API are verified by the admin strategy
 * (docs/clerk-api.md#email-addresses-and-phone-numbers).
 */
const ADMIN_VERIFICATION: WireVerification = {
  object: 'verification_admin',
  status: 'verified',
  strategy: 'admin',
  attempts: null,
  expire_at: null,
};

function verification(ident: IdentRecord): WireVerification | null {
  return ident.verified ? ADMIN_VERIFICATION : null;
}

export function wireEmail(email: IdentRecord): WireEmailAddress {
  return {
    id: email.id,
    object: 'email_address',
    email_address: email.value,
    reserved: email.reserved,
    verification: verification(email),
    linked_to: email.linked_to ?? [],
    created_at: email.created_at,
    updated_at: email.updated_at,
  };
}

export function wirePhone(phone: IdentRecord): WirePhoneNumber {
  return {
    id: phone.id,
    object: 'phone_number',
    phone_number: phone.value,
    reserved_for_second_factor: false,
    default_second_factor: false,
    reserved: phone.reserved,
    verification: verification(phone),
    linked_to: phone.linked_to ?? [],
    backup_codes: null,
    created_at: phone.created_at,
    updated_at: phone.updated_at,
  };
}

export function wireUser(store: Store, user: UserRecord): WireUser {
  const lock = store.lockState(user);
  return {
    id: user.id,
    object: 'user',
    external_id: user.external_id,
    primary_email_address_id: user.primary_email_address_id,
    primary_phone_number_id: user.primary_phone_number_id,
    primary_web3_wallet_id: null,
    username: user.username,
    first_name: user.first_name,
    last_name: user.last_name,
    locale: user.locale,
    image_url: user.has_image ? UPLOADED_IMAGE_URL : DEFAULT_IMAGE_URL,
    profile_image_url: user.has_image ? UPLOADED_IMAGE_URL : GRAVATAR_URL,
    has_image: user.has_image,
    public_metadata: user.public_metadata,
    private_metadata: user.private_metadata,
    unsafe_metadata: user.unsafe_metadata,
    email_addresses: user.emails.map(wireEmail),
    phone_numbers: user.phones.map(wirePhone),
    web3_wallets: [],
    passkeys: [],
    external_accounts: [],
    saml_accounts: [],
    enterprise_accounts: [],
    password_enabled: user.password_enabled,
    two_factor_enabled: user.totp_enabled || user.backup_code_enabled,
    totp_enabled: user.totp_enabled,
    backup_code_enabled: user.backup_code_enabled,
    mfa_enabled_at: user.mfa_enabled_at,
    mfa_disabled_at: user.mfa_disabled_at,
    password_last_updated_at: user.password_last_updated_at,
    last_sign_in_at: user.last_sign_in_at,
    banned: user.banned,
    locked: lock.locked,
    lockout_expires_in_seconds: lock.expiresInSeconds,
    verification_attempts_remaining: 100,
    created_at: user.created_at,
    updated_at: user.updated_at,
    delete_self_enabled: user.delete_self_enabled,
    create_organization_enabled: user.create_organization_enabled,
    create_organizations_limit: user.create_organizations_limit,
    last_active_at: user.last_active_at,
    legal_accepted_at: user.legal_accepted_at,
  };
}

export function userJson(store: Store, user: UserRecord): string {
  // A locked user's JSON changes with the clock (the lock counts down, then ends): never cached.
  if (user.locked) return JSON.stringify(wireUser(store, user));
  let json = store.userJson.get(user.id);
  if (json === undefined) {
    json = JSON.stringify(wireUser(store, user));
    store.userJson.set(user.id, json);
  }
  return json;
}

export function usersJson(store: Store, users: readonly UserRecord[]): string {
  return `[${users.map((user) => userJson(store, user)).join(',')}]`;
}
