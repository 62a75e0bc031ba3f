// User endpoints: create, read, update, delete, ban/lock, metadata, passwords, MFA and images
// (clerk-api-notes §3). Validation order follows Clerk: body shape, formats, then uniqueness; nothing changes until
// every check has passed, so a 422 never leaves a half-applied update.

import { createHash, createHmac } from 'node:crypto';
import { CLERK_API_VERSION, type WireMetadata } from '../clerk/index.ts';
import { newId } from './ids.ts';
import { mergeMetadata } from './metadata.ts';
import {
  bodyInvalid,
  ClerkApiProblem,
  identifierExists,
  lastIdentificationDeletion,
  notFound,
  paramUnknown,
  paramValueInvalid,
  userNotFound,
} from './problem.ts';
import { queryLimit, queryOffset } from './query.ts';
import { type HandlerContext, type HandlerResult, ok, okJson, type RouteDefinition } from './router.ts';
import { membershipsPageJson, userJson, usersJson } from './serialize.ts';
import type { IdentRecord, Store, UserRecord } from './store.ts';
import { countUsers, listUsers } from './user-list.ts';
import {
  bodySpec,
  checkBody,
  checkMetadataSize,
  isPlainObject,
  normalizeEmail,
  normalizePhone,
  parseTimestamp,
} from './validate.ts';

const CREATE_USER = bodySpec({
  external_id: 'string?',
  first_name: 'string?',
  last_name: 'string?',
  locale: 'string?',
  email_address: 'string[]',
  email_address_identification_status: 'string[]',
  phone_number: 'string[]',
  phone_number_identification_status: 'string[]',
  web3_wallet: 'string[]',
  username: 'string?',
  password: 'string?',
  password_digest: 'string?',
  password_hasher: 'string',
  skip_password_checks: 'boolean?',
  skip_password_requirement: 'boolean?',
  totp_secret: 'string?',
  backup_codes: 'string[]',
  public_metadata: 'object',
  private_metadata: 'object',
  unsafe_metadata: 'object',
  delete_self_enabled: 'boolean?',
  legal_accepted_at: 'string?',
  skip_legal_checks: 'boolean?',
  skip_user_requirement: 'boolean?',
  create_organization_enabled: 'boolean?',
  create_organizations_limit: 'integer?',
  created_at: 'string?',
  bypass_client_trust: 'boolean?',
  banned: 'boolean?',
  locked: 'boolean?',
});

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
// Before 2026-05-12, PATCH /users/{id} still took metadata (replacing each field): clerk-api-notes §1.
const UPDATE_USER_LEGACY = bodySpec({
  ...UPDATE_USER_FIELDS,
  public_metadata: 'object?',
  private_metadata: 'object?',
  unsafe_metadata: 'object?',
});

const USER_METADATA = bodySpec({ public_metadata: 'object?', private_metadata: 'object?', unsafe_metadata: 'object?' });
const BULK_BAN = bodySpec({ user_ids: 'string[]!' });
const VERIFY_PASSWORD = bodySpec({ password: 'string!' });
const SET_COMPROMISED = bodySpec({ revoke_all_sessions: 'boolean?' });

/** Clerk caps bulk ban/unban at 50 ids (clerk-api-notes §3.8). */
const BULK_LIMIT = 50;
const METADATA_FIELDS = ['public_metadata', 'private_metadata', 'unsafe_metadata'] as const;

type Body = Record<string, unknown>;

function str(body: Body, name: string): string | null | undefined {
  return body[name] as string | null | undefined;
}

function hashPassword(password: string): string {
  return createHash('sha256').update(`clerk-sync-emulator:${password}`).digest('hex');
}

/**
 * Stand-in for Clerk's breached-password check (HIBP): a few of the most common breached passwords of 8 or more
 * characters, compared case-insensitively (stricter than an exact match).
 */
const BREACHED_PASSWORDS = new Set([
  'password',
  'password1',
  'password12',
  'password123',
  'passw0rd',
  '12345678',
  '123456789',
  '1234567890',
  '11111111',
  '00000000',
  '87654321',
  'qwertyuiop',
  'qwerty123',
  'qwerty12',
  '1q2w3e4r',
  'iloveyou',
  'sunshine',
  'football',
  'baseball',
  'princess',
  'welcome1',
  'letmein1',
  'admin123',
  'abc12345',
  'trustno1',
  'changeme',
]);

function formProblem(code: string, message: string, param: string): ClerkApiProblem {
  return new ClerkApiProblem(422, code, message, message, { paramName: param });
}

/**
 * The instance's password rules (min length, breached list); `skip_password_checks: true` skips them, as in Clerk
 * (spec POST /users). Wording: Clerk's server messages (a public copy of its apierror helpers; the catalog, clerk-docs
 * data/api_errors.json, has the codes with empty messages).
 */
function checkPassword(store: Store, password: string, skipChecks: boolean): void {
  if (skipChecks) return;
  const min = store.settings.password_min_length;
  if ([...password].length < min) {
    throw formProblem('form_password_length_too_short', `Passwords must be ${min} characters or more.`, 'password');
  }
  if (store.settings.password_breached_check && BREACHED_PASSWORDS.has(password.toLowerCase())) {
    throw formProblem(
      'form_password_pwned',
      'Password has been found in an online data breach. For account safety, please use a different password.',
      'password',
    );
  }
}

// Clerk's username rules: 4 to 64 characters, letters, digits, `_` and `-`; not all digits unless the instance
// allows it (catalog: form_username_needs_non_number_char).
function checkUsername(store: Store, username: string): void {
  if (username.length < 4 || username.length > 64) {
    throw formProblem('form_username_invalid_length', 'Username must be between 4 and 64 characters long.', 'username');
  }
  if (!/^[A-Za-z0-9_-]+$/.test(username)) {
    throw formProblem(
      'form_username_invalid_character',
      'Username can only contain letters, numbers and - or _.',
      'username',
    );
  }
  if (store.settings.numeric_usernames_refused && /^[0-9]+$/.test(username)) {
    throw formProblem(
      'form_username_needs_non_number_char',
      'Username must contain one non-number character.',
      'username',
    );
  }
}

/** 422 form_data_missing (catalog UserDataMissing; the long message as real instances send it, param_names in meta). */
function dataMissing(params: string[]): ClerkApiProblem {
  return new ClerkApiProblem(
    422,
    'form_data_missing',
    'missing data',
    `[${params.map((param) => JSON.stringify(param)).join(' ')}] data doesn't match user requirements set for this instance`,
    { extra: { param_names: params } },
  );
}

/** 403 user_quota_exceeded (catalog UserQuotaExceeded), worded per environment like Clerk's server. */
function userQuotaExceeded(store: Store, cap: number): ClerkApiProblem {
  const advice =
    store.settings.environment_type === 'production'
      ? 'You can remove the user limit by upgrading to a paid plan.'
      : 'If you need more users, please use a Production instance.';
  return new ClerkApiProblem(
    403,
    'user_quota_exceeded',
    'user quota exceeded',
    `You have reached your limit of ${cap} users. ${advice}`,
  );
}

function statusList(body: Body, name: string, count: number, param: string): string[] | undefined {
  const statuses = body[name] as string[] | undefined;
  if (statuses === undefined) return undefined;
  if (statuses.length !== count) {
    throw new ClerkApiProblem(
      422,
      'form_param_array_length_mismatch',
      'is invalid',
      `${name} must have exactly one entry per ${param}.`,
      { paramName: name },
    );
  }
  for (const status of statuses) {
    if (status !== 'verified' && status !== 'reserved') {
      throw paramValueInvalid(name, `${name} entries must be "verified" or "reserved".`);
    }
  }
  return statuses;
}

function newIdent(value: string, status: string | undefined, now: number): IdentRecord {
  return { id: newId('idn'), value, verified: true, reserved: status === 'reserved', created_at: now, updated_at: now };
}

/** POST /users (and the seed): validates the body like Clerk and inserts the user. */
export function createUser(store: Store, rawBody: unknown): UserRecord {
  const body = checkBody(rawBody ?? {}, CREATE_USER);
  const emails = ((body.email_address as string[] | undefined) ?? []).map((email) => normalizeEmail(email));
  const phones = ((body.phone_number as string[] | undefined) ?? []).map((phone) => normalizePhone(phone));
  const emailStatuses = statusList(body, 'email_address_identification_status', emails.length, 'email_address');
  const phoneStatuses = statusList(body, 'phone_number_identification_status', phones.length, 'phone_number');
  if (((body.web3_wallet as string[] | undefined) ?? []).length > 0) {
    throw paramValueInvalid('web3_wallet', 'web3 wallets are not supported by the Clerk API emulator.');
  }
  if (new Set(emails).size !== emails.length) throw identifierExists('email_address');
  if (new Set(phones).size !== phones.length) throw identifierExists('phone_number');
  const username = str(body, 'username') || null;
  if (username !== null) checkUsername(store, username);
  const externalId = str(body, 'external_id') || null;
  const password = str(body, 'password') ?? null;
  if (password !== null) checkPassword(store, password, body.skip_password_checks === true);
  const hasPassword = password !== null || Boolean(str(body, 'password_digest'));
  if (
    store.settings.password_required &&
    !store.bypassLimits &&
    !hasPassword &&
    body.skip_password_requirement !== true
  ) {
    throw dataMissing(['password']);
  }
  const metadata: Record<string, WireMetadata> = {};
  for (const field of METADATA_FIELDS) {
    const value = (body[field] as WireMetadata | undefined) ?? {};
    checkMetadataSize(field, value);
    metadata[field] = value;
  }
  const createdAtText = str(body, 'created_at');
  const legalText = str(body, 'legal_accepted_at');
  const now = store.now();
  const createdAt = createdAtText ? parseTimestamp('created_at', createdAtText) : now;
  const legalAcceptedAt = legalText ? parseTimestamp('legal_accepted_at', legalText) : null;

  for (const email of emails) store.assertEmailFree(email);
  for (const phone of phones) store.assertPhoneFree(phone);
  if (username !== null) store.assertUsernameFree(username);
  if (externalId !== null) store.assertExternalIdFree(externalId);
  const cap = store.settings.user_cap;
  if (cap !== null && !store.bypassLimits && store.users.size >= cap) throw userQuotaExceeded(store, cap);

  const emailRecords = emails.map((email, i) => newIdent(email, emailStatuses?.[i], now));
  const phoneRecords = phones.map((phone, i) => newIdent(phone, phoneStatuses?.[i], now));
  const totp = Boolean(str(body, 'totp_secret'));
  const backupCodes = ((body.backup_codes as string[] | undefined) ?? []).length > 0;
  const user: UserRecord = {
    id: newId('user'),
    external_id: externalId,
    username,
    first_name: str(body, 'first_name') ?? null,
    last_name: str(body, 'last_name') ?? null,
    locale: str(body, 'locale') ?? null,
    has_image: false,
    public_metadata: metadata.public_metadata ?? {},
    private_metadata: metadata.private_metadata ?? {},
    unsafe_metadata: metadata.unsafe_metadata ?? {},
    emails: emailRecords,
    phones: phoneRecords,
    // The first address is the primary one (clerk-api-notes §3.4).
    primary_email_address_id: emailRecords[0]?.id ?? null,
    primary_phone_number_id: phoneRecords[0]?.id ?? null,
    password_hash: password === null ? null : hashPassword(password),
    password_enabled: hasPassword,
    password_last_updated_at: hasPassword ? now : null,
    totp_enabled: totp,
    totp_secret: str(body, 'totp_secret') ?? null,
    backup_code_enabled: backupCodes,
    backup_code_hashes: ((body.backup_codes as string[] | undefined) ?? []).map(hashPassword),
    mfa_enabled_at: totp || backupCodes ? now : null,
    mfa_disabled_at: null,
    banned: body.banned === true,
    locked: body.locked === true,
    locked_at: body.locked === true ? now : null,
    created_at: createdAt,
    updated_at: Math.max(now, createdAt),
    last_sign_in_at: null,
    last_active_at: null,
    legal_accepted_at: legalAcceptedAt,
    delete_self_enabled: (body.delete_self_enabled as boolean | null | undefined) ?? true,
    create_organization_enabled: (body.create_organization_enabled as boolean | null | undefined) ?? true,
    create_organizations_limit: (body.create_organizations_limit as number | null | undefined) ?? null,
    bypass_client_trust: body.bypass_client_trust === true,
  };
  store.insertUser(user);
  return user;
}

export function requireUser(store: Store, id: string | undefined): UserRecord {
  const user = id === undefined ? undefined : store.users.get(id);
  if (!user || id === undefined) throw userNotFound(id ?? '');
  return user;
}

function isLegacyVersion(apiVersion: string): boolean {
  return apiVersion < CLERK_API_VERSION;
}

function updateUser(context: HandlerContext): HandlerResult {
  const { store } = context;
  const user = requireUser(store, context.params.user_id);
  const legacy = isLegacyVersion(context.apiVersion);
  if (!legacy && isPlainObject(context.body)) {
    // API 2026-05-12 removed metadata from PATCH /users/{id} (clerk-api-notes §1): use …/metadata instead.
    for (const field of METADATA_FIELDS) if (field in context.body) throw paramUnknown(field);
  }
  const body = checkBody(context.body ?? {}, legacy ? UPDATE_USER_LEGACY : UPDATE_USER);

  // Validate everything first.
  let username: string | null | undefined;
  if ('username' in body) {
    username = str(body, 'username') || null;
    if (username !== null) {
      checkUsername(store, username);
      store.assertUsernameFree(username, user);
    } else if (
      store.settings.identification_deletion_protected &&
      user.username !== null &&
      user.emails.length + user.phones.length === 0
    ) {
      // Clearing the username of a user with no email or phone leaves no identification; Clerk's rule for deleting
      // the last identification (catalog identification_deletion_failed), applied here too: stricter if unsure.
      throw lastIdentificationDeletion();
    }
  }
  let externalId: string | null | undefined;
  if ('external_id' in body) {
    externalId = str(body, 'external_id') || null;
    if (externalId !== null) store.assertExternalIdFree(externalId, user);
  }
  const primaryEmailId = str(body, 'primary_email_address_id');
  if (primaryEmailId) {
    const email = user.emails.find((item) => item.id === primaryEmailId);
    if (!email) throw paramValueInvalid('primary_email_address_id', 'The email address does not belong to this user.');
    if (!email.verified) throw paramValueInvalid('primary_email_address_id', 'The email address must be verified.');
  }
  const primaryPhoneId = str(body, 'primary_phone_number_id');
  if (primaryPhoneId) {
    const phone = user.phones.find((item) => item.id === primaryPhoneId);
    if (!phone) throw paramValueInvalid('primary_phone_number_id', 'The phone number does not belong to this user.');
    if (!phone.verified) throw paramValueInvalid('primary_phone_number_id', 'The phone number must be verified.');
  }
  if (str(body, 'primary_web3_wallet_id')) {
    throw paramValueInvalid('primary_web3_wallet_id', 'The web3 wallet does not belong to this user.');
  }
  if (str(body, 'profile_image_id')) throw paramValueInvalid('profile_image_id', 'No image was found with this id.');
  const password = str(body, 'password');
  if (password) checkPassword(store, password, body.skip_password_checks === true);
  const createdAtText = str(body, 'created_at');
  const createdAt = createdAtText ? parseTimestamp('created_at', createdAtText) : undefined;
  const legalText = str(body, 'legal_accepted_at');
  const legalAcceptedAt = legalText ? parseTimestamp('legal_accepted_at', legalText) : undefined;
  const metadata: Partial<Record<(typeof METADATA_FIELDS)[number], WireMetadata>> = {};
  if (legacy) {
    for (const field of METADATA_FIELDS) {
      if (!(field in body)) continue;
      const value = (body[field] as WireMetadata | null) ?? {};
      checkMetadataSize(field, value);
      metadata[field] = value;
    }
  }

  // Then apply.
  if (username !== undefined) store.setUsername(user, username);
  if (externalId !== undefined) store.setExternalId(user, externalId);
  for (const field of ['first_name', 'last_name', 'locale'] as const) {
    if (field in body) user[field] = str(body, field) ?? null;
  }
  if (primaryEmailId) user.primary_email_address_id = primaryEmailId;
  if (primaryPhoneId) user.primary_phone_number_id = primaryPhoneId;
  if (password) {
    user.password_hash = hashPassword(password);
    user.password_enabled = true;
    user.password_last_updated_at = store.now();
  } else if (str(body, 'password_digest')) {
    user.password_hash = null;
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
  for (const field of ['delete_self_enabled', 'create_organization_enabled', 'bypass_client_trust'] as const) {
    const value = body[field];
    if (typeof value === 'boolean') user[field] = value;
  }
  if ('create_organizations_limit' in body) {
    user.create_organizations_limit = (body.create_organizations_limit as number | null) ?? null;
  }
  if (legalAcceptedAt !== undefined) user.legal_accepted_at = legalAcceptedAt;
  if (createdAt !== undefined) store.setCreatedAt(user, createdAt);
  for (const field of METADATA_FIELDS) {
    const value = metadata[field];
    if (value !== undefined) user[field] = value;
  }
  store.touchUser(user);
  return okJson(userJson(store, user));
}

/** PATCH …/metadata deep-merges; PUT replaces each provided field (clerk-api-notes §3.9). */
export function applyMetadata<T extends string>(
  target: Record<T, WireMetadata>,
  body: Record<string, unknown>,
  fields: readonly T[],
  mode: 'merge' | 'replace',
): void {
  const next: Partial<Record<T, WireMetadata>> = {};
  for (const field of fields) {
    if (!(field in body)) continue;
    // null clears the whole object (a merge-patch null at the top level); {} does too.
    const value = (body[field] as WireMetadata | null) ?? null;
    const result = value === null ? {} : mode === 'merge' ? mergeMetadata(target[field], value) : value;
    checkMetadataSize(field, result);
    next[field] = result;
  }
  for (const field of fields) {
    const value = next[field];
    if (value !== undefined) target[field] = value;
  }
}

function userMetadata(mode: 'merge' | 'replace') {
  return (context: HandlerContext): HandlerResult => {
    const { store } = context;
    const user = requireUser(store, context.params.user_id);
    const body = checkBody(context.body ?? {}, USER_METADATA);
    applyMetadata(user, body, METADATA_FIELDS, mode);
    store.touchUser(user);
    return okJson(userJson(store, user));
  };
}

function setBanned(value: boolean) {
  return (context: HandlerContext): HandlerResult => {
    const { store } = context;
    const user = requireUser(store, context.params.user_id);
    user.banned = value;
    store.touchUser(user);
    return okJson(userJson(store, user));
  };
}

/** POST /users/{id}/lock starts a new lock (lasting the instance's lockout duration); unlock ends it. */
function setLocked(value: boolean) {
  return (context: HandlerContext): HandlerResult => {
    const { store } = context;
    const user = requireUser(store, context.params.user_id);
    user.locked = value;
    user.locked_at = value ? store.now() : null;
    store.touchUser(user);
    return okJson(userJson(store, user));
  };
}

function bulkBan(value: boolean) {
  return (context: HandlerContext): HandlerResult => {
    const { store } = context;
    const body = checkBody(context.body ?? {}, BULK_BAN);
    const ids = body.user_ids as string[];
    if (ids.length === 0) throw paramValueInvalid('user_ids', 'user_ids must contain at least one user id.');
    if (ids.length > BULK_LIMIT) {
      throw new ClerkApiProblem(
        400,
        'bulk_size_exceeded',
        'Bulk size exceeded',
        `You have exceeded the maximum allowed bulk processing size of ${BULK_LIMIT}.`,
        { paramName: 'user_ids' },
      );
    }
    const users = [...new Set(ids)].map((id) => requireUser(store, id));
    for (const user of users) {
      user.banned = value;
      store.touchUser(user);
    }
    return okJson(usersJson(store, users));
  };
}

function deleteUser(context: HandlerContext): HandlerResult {
  const { store } = context;
  const user = requireUser(store, context.params.user_id);
  store.removeUser(user);
  return ok({ object: 'user', id: user.id, deleted: true });
}

function verifyPassword(context: HandlerContext): HandlerResult {
  const { store } = context;
  const user = requireUser(store, context.params.user_id);
  const body = checkBody(context.body ?? {}, VERIFY_PASSWORD);
  if (!user.password_enabled) {
    throw new ClerkApiProblem(400, 'password_not_set', 'no password', 'The user does not have a password set.');
  }
  if (user.password_hash === null || user.password_hash !== hashPassword(body.password as string)) {
    throw new ClerkApiProblem(422, 'form_password_incorrect', 'Password is incorrect.', 'Password is incorrect.', {
      paramName: 'password',
    });
  }
  return ok({ verified: true });
}

function setProfileImage(hasImage: boolean) {
  return (context: HandlerContext): HandlerResult => {
    const { store } = context;
    const user = requireUser(store, context.params.user_id);
    if (hasImage && context.rawBodyLength === 0) throw bodyInvalid('The request must carry an image file.');
    user.has_image = hasImage;
    store.touchUser(user);
    return okJson(userJson(store, user));
  };
}

function disableSecondFactor(which: 'mfa' | 'totp' | 'backup_code') {
  return (context: HandlerContext): HandlerResult => {
    const { store } = context;
    const user = requireUser(store, context.params.user_id);
    const wasEnabled = user.totp_enabled || user.backup_code_enabled;
    if (which !== 'backup_code') {
      user.totp_enabled = false;
      user.totp_secret = null;
    }
    if (which !== 'totp') {
      user.backup_code_enabled = false;
      user.backup_code_hashes = [];
    }
    if (wasEnabled && !user.totp_enabled && !user.backup_code_enabled) user.mfa_disabled_at = store.now();
    store.touchUser(user);
    return ok({ user_id: user.id });
  };
}

const VERIFY_TOTP = bodySpec({ code: 'string!' });
const REMOVE_PASSWORD = bodySpec({ sign_out_of_other_sessions: 'boolean?' });

/** RFC 4648 base32 (the alphabet TOTP secrets are written in); undefined when the text is not base32. */
function base32(text: string): Buffer | undefined {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text.toUpperCase().replace(/=+$/, '')) {
    const index = alphabet.indexOf(char);
    if (index < 0) return undefined;
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP: HMAC-SHA1, 30 s steps, 6 digits (what authenticator apps and Clerk use). */
export function totpCode(secret: string, atMs: number): string | undefined {
  const key = base32(secret);
  if (!key) return undefined;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 1000 / 30)));
  const digest = createHmac('sha1', key).update(counter).digest();
  const offset = (digest[digest.length - 1] as number) & 0x0f;
  const binary = digest.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

/** POST /users/{id}/verify_totp: a TOTP code (this step or either neighbour) or an unused backup code (consumed). */
function verifyTotp(context: HandlerContext): HandlerResult {
  const { store } = context;
  const user = requireUser(store, context.params.user_id);
  const body = checkBody(context.body ?? {}, VERIFY_TOTP);
  if (!user.totp_enabled && !user.backup_code_enabled) {
    throw new ClerkApiProblem(
      400,
      'totp_not_enabled',
      'TOTP is not enabled',
      'The user does not have TOTP configured.',
    );
  }
  const code = body.code as string;
  const now = store.now();
  if (user.totp_enabled && user.totp_secret) {
    for (const step of [-30_000, 0, 30_000]) {
      if (totpCode(user.totp_secret, now + step) === code) return ok({ verified: true, code_type: 'totp' });
    }
  }
  const hashes = user.backup_code_hashes ?? [];
  const used = hashes.indexOf(hashPassword(code));
  if (user.backup_code_enabled && used >= 0) {
    user.backup_code_hashes = hashes.filter((_, index) => index !== used);
    store.touchUser(user);
    return ok({ verified: true, code_type: 'backup_code' });
  }
  throw new ClerkApiProblem(422, 'form_code_incorrect', 'Incorrect code', 'The provided code is incorrect.', {
    paramName: 'code',
  });
}

/** POST /users/{id}/remove_password: a user without a password comes back unchanged. */
function removePassword(context: HandlerContext): HandlerResult {
  const { store } = context;
  const user = requireUser(store, context.params.user_id);
  checkBody(context.body ?? {}, REMOVE_PASSWORD);
  if (user.password_enabled) {
    user.password_enabled = false;
    user.password_hash = null;
    user.password_last_updated_at = null;
    store.touchUser(user);
  }
  return okJson(userJson(store, user));
}

/** Billing (subscriptions, credits) is not emulated: answered as for an instance where billing is not enabled. */
function billingNotEnabled(context: HandlerContext): HandlerResult {
  requireUser(context.store, context.params.user_id);
  throw notFound('Billing is not enabled for this instance');
}

/** Passkeys, web3 wallets and external accounts do not exist in the emulator: deleting one is a 404. */
function deleteMissingChild(context: HandlerContext): HandlerResult {
  requireUser(context.store, context.params.user_id);
  throw notFound('Resource not found');
}

function setCompromised(context: HandlerContext): HandlerResult {
  const { store } = context;
  const user = requireUser(store, context.params.user_id);
  checkBody(context.body ?? {}, SET_COMPROMISED);
  store.touchUser(user);
  return okJson(userJson(store, user));
}

function userMemberships(context: HandlerContext): HandlerResult {
  const { store } = context;
  const user = requireUser(store, context.params.user_id);
  const limit = queryLimit(context.query);
  const offset = queryOffset(context.query);
  // Newest first (clerk-api-notes §3.10).
  const all = [...(store.membershipsByUser.get(user.id)?.values() ?? [])].sort(
    (a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1),
  );
  return okJson(membershipsPageJson(store, all.slice(offset, offset + limit), all.length));
}

export const USER_ROUTES: RouteDefinition[] = [
  {
    method: 'GET',
    path: '/users',
    handler: ({ store, query }) => okJson(usersJson(store, listUsers(store, query))),
  },
  {
    method: 'GET',
    path: '/users/count',
    handler: ({ store, query }) => ok({ object: 'total_count', total_count: countUsers(store, query) }),
  },
  { method: 'POST', path: '/users', handler: ({ store, body }) => okJson(userJson(store, createUser(store, body))) },
  {
    method: 'GET',
    path: '/users/{user_id}',
    handler: ({ store, params }) => okJson(userJson(store, requireUser(store, params.user_id))),
  },
  { method: 'PATCH', path: '/users/{user_id}', handler: updateUser },
  { method: 'DELETE', path: '/users/{user_id}', handler: deleteUser },
  { method: 'POST', path: '/users/{user_id}/ban', handler: setBanned(true) },
  { method: 'POST', path: '/users/{user_id}/unban', handler: setBanned(false) },
  { method: 'POST', path: '/users/{user_id}/lock', handler: setLocked(true) },
  { method: 'POST', path: '/users/{user_id}/unlock', handler: setLocked(false) },
  { method: 'POST', path: '/users/ban', handler: bulkBan(true) },
  { method: 'POST', path: '/users/unban', handler: bulkBan(false) },
  { method: 'PATCH', path: '/users/{user_id}/metadata', handler: userMetadata('merge') },
  { method: 'PUT', path: '/users/{user_id}/metadata', handler: userMetadata('replace') },
  { method: 'POST', path: '/users/{user_id}/verify_password', handler: verifyPassword },
  { method: 'POST', path: '/users/{user_id}/verify_totp', handler: verifyTotp },
  { method: 'POST', path: '/users/{user_id}/remove_password', handler: removePassword },
  {
    method: 'GET',
    path: '/users/{user_id}/trusted_devices',
    handler: ({ store, params }) => {
      requireUser(store, params.user_id);
      return ok({ data: [], total_count: 0 });
    },
  },
  { method: 'DELETE', path: '/users/{user_id}/trusted_devices/{trusted_device_id}', handler: deleteMissingChild },
  { method: 'GET', path: '/users/{user_id}/billing/subscription', handler: billingNotEnabled },
  { method: 'GET', path: '/users/{user_id}/billing/credits', handler: billingNotEnabled },
  { method: 'POST', path: '/users/{user_id}/billing/credits', handler: billingNotEnabled },
  { method: 'POST', path: '/users/{user_id}/profile_image', handler: setProfileImage(true), rawBody: true },
  { method: 'DELETE', path: '/users/{user_id}/profile_image', handler: setProfileImage(false) },
  { method: 'DELETE', path: '/users/{user_id}/mfa', handler: disableSecondFactor('mfa') },
  { method: 'DELETE', path: '/users/{user_id}/totp', handler: disableSecondFactor('totp') },
  { method: 'DELETE', path: '/users/{user_id}/backup_code', handler: disableSecondFactor('backup_code') },
  { method: 'DELETE', path: '/users/{user_id}/passkeys/{passkey_identification_id}', handler: deleteMissingChild },
  {
    method: 'DELETE',
    path: '/users/{user_id}/web3_wallets/{web3_wallet_identification_id}',
    handler: deleteMissingChild,
  },
  { method: 'DELETE', path: '/users/{user_id}/external_accounts/{external_account_id}', handler: deleteMissingChild },
  { method: 'POST', path: '/users/{user_id}/password/set_compromised', handler: setCompromised },
  { method: 'POST', path: '/users/{user_id}/password/unset_compromised', handler: setCompromised },
  { method: 'GET', path: '/users/{user_id}/organization_memberships', handler: userMemberships },
  {
    method: 'GET',
    path: '/users/{user_id}/organization_invitations',
    handler: ({ store, params, query }) => {
      requireUser(store, params.user_id);
      queryLimit(query);
      queryOffset(query);
      return ok({ data: [], total_count: 0 });
    },
  },
  {
    method: 'GET',
    path: '/users/{user_id}/oauth_access_tokens/{provider}',
    handler: ({ store, params }) => {
      requireUser(store, params.user_id);
      return ok([]);
    },
  },
];
