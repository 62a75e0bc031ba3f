// PATCH /users/{id} and the user metadata endpoints. Every check runs before anything changes, so a 422 never
// leaves a half-applied update.

import { CLERK_API_VERSION } from '../clerk/index.ts';
import { applyMetadata } from './metadata-update.ts';
import { paramUnknown } from './problem.ts';
import type { UserRecord } from './records.ts';
import { type HandlerContext, type HandlerResult, okJson } from './router.ts';
import { userJson } from './serialize.ts';
import type { Store } from './store.ts';
import { type Body, hashPassword, METADATA_FIELDS, requireUser, str } from './user-rules.ts';
import { checkUserUpdate, type UserUpdate } from './user-update-checks.ts';
import { bodySpec, checkBody, isPlainObject } from './validate.ts';

const UPDATE_USER_FIELDS = {
  external_id: 'string?',
  first_name: 'string?',
  last_name: 'string?',
  locale: 'string?',
  primary_email_address_id: 'string?',
  notify_primary_email_address_changed: 'boolean?',
  primary_phone_number_id: 'string?',
  primary_web3_wallet_id: 'string?',
  username: 'string?',
  profile_image_id: 'string?',
  password: 'string?',
  password_digest: 'string',
  password_hasher: 'string',
  skip_password_checks: 'boolean?',
  sign_out_of_other_sessions: 'boolean?',
  totp_secret: 'string?',
  backup_codes: 'string[]',
  delete_self_enabled: 'boolean?',
  create_organization_enabled: 'boolean?',
  legal_accepted_at: 'string?',
  skip_legal_checks: 'boolean?',
  create_organizations_limit: 'integer?',
  created_at: 'string?',
  bypass_client_trust: 'boolean?',
};
const UPDATE_USER = bodySpec(UPDATE_USER_FIELDS);
// Before 2026-05-12, PATCH /users/{id} still took metadata (replacing each field):
// docs/clerk-api.md#metadata-left-patch-in-2026-05-12.
const UPDATE_USER_LEGACY = bodySpec({
  ...UPDATE_USER_FIELDS,
  public_metadata: 'object?',
  private_metadata: 'object?',
  unsafe_metadata: 'object?',
});
const USER_METADATA = bodySpec({ public_metadata: 'object?', private_metadata: 'object?', unsafe_metadata: 'object?' });

/** Applies a checked update; the body's plain fields are copied as they are. */
function applyUserUpdate(store: Store, user: UserRecord, body: Body, update: UserUpdate): void {
  if (update.username !== undefined) store.setUsername(user, update.username);
  if (update.externalId !== undefined) store.setExternalId(user, update.externalId);
  for (const field of ['first_name', 'last_name', 'locale'] as const) {
    if (field in body) user[field] = str(body, field) ?? null;
  }
  const primaryEmailId = str(body, 'primary_email_address_id');
  if (primaryEmailId) user.primary_email_address_id = primaryEmailId;
  const primaryPhoneId = str(body, 'primary_phone_number_id');
  if (primaryPhoneId) user.primary_phone_number_id = primaryPhoneId;
  applyCredentials(store, user, body, update.password);
  for (const field of ['delete_self_enabled', 'create_organization_enabled', 'bypass_client_trust'] as const) {
    const value = body[field];
    if (typeof value === 'boolean') user[field] = value;
  }
  if ('create_organizations_limit' in body) {
    user.create_organizations_limit = (body.create_organizations_limit as number | null) ?? null;
  }
  if (update.legalAcceptedAt !== undefined) user.legal_accepted_at = update.legalAcceptedAt;
  if (update.createdAt !== undefined) store.setCreatedAt(user, update.createdAt);
  for (const field of METADATA_FIELDS) {
    const value = update.metadata[field];
    if (value !== undefined) user[field] = value;
  }
  store.touchUser(user);
}

/** Password (or digest), TOTP secret and backup codes from the body. */
function applyCredentials(store: Store, user: UserRecord, body: Body, password: string | null | undefined): void {
  if (password) {
    user.password_hash = hashPassword(password);
    user.password_hasher = null;
    user.password_enabled = true;
    user.password_last_updated_at = store.now();
  } else if (str(body, 'password_digest')) {
    user.password_hash = null;
    user.password_hasher = null;
    user.password_enabled = true;
    user.password_last_updated_at = store.now();
  }
  if (str(body, 'totp_secret')) {
    user.totp_enabled = true;
    user.totp_secret = str(body, 'totp_secret') ?? null;
    user.mfa_enabled_at = store.now();
  }
  if (((body.backup_codes as string[] | undefined) ?? []).length > 0) {
    user.backup_code_enabled = true;
    user.backup_code_hashes = (body.backup_codes as string[]).map(hashPassword);
    user.mfa_enabled_at = store.now();
  }
}

export function updateUser(context: HandlerContext): HandlerResult {
  const { store } = context;
  const user = requireUser(store, context.params.user_id);
  const legacy = context.apiVersion < CLERK_API_VERSION;
  if (!legacy && isPlainObject(context.body)) {
    // API 2026-05-12 removed metadata from PATCH /users/{id} (docs/clerk-api.md#metadata-left-patch-in-2026-05-12): use
    // …/metadata.
    for (const field of METADATA_FIELDS) if (field in context.body) throw paramUnknown(field);
  }
  const body = checkBody(context.body ?? {}, legacy ? UPDATE_USER_LEGACY : UPDATE_USER);
  applyUserUpdate(store, user, body, checkUserUpdate(store, user, body, legacy));
  return okJson(userJson(store, user));
}

export function userMetadata(mode: 'merge' | 'replace') {
  return (context: HandlerContext): HandlerResult => {
    const { store } = context;
    const user = requireUser(store, context.params.user_id);
    const body = checkBody(context.body ?? {}, USER_METADATA);
    applyMetadata(user, body, METADATA_FIELDS, mode);
    store.touchUser(user);
    return okJson(userJson(store, user));
  };
}
