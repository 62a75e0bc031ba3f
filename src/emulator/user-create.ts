// POST /users (and the seed): a checked body becomes a user record once it is unique and under the user cap;
// nothing is stored until every check has passed.

import { newId } from './ids.ts';
import { ClerkApiProblem } from './problem.ts';
import type { IdentRecord, UserRecord } from './records.ts';
import type { Store } from './store.ts';
import { type CreateInput, readCreateBody } from './user-create-input.ts';
import { hashPassword, str } from './user-rules.ts';

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

function newIdent(value: string, status: string | undefined, now: number): IdentRecord {
  return { id: newId('idn'), value, verified: true, reserved: status === 'reserved', created_at: now, updated_at: now };
}

/** Uniqueness against stored users, then the instance's user cap. */
function assertCanInsert(store: Store, input: CreateInput): void {
  for (const email of input.emails) store.assertEmailFree(email);
  for (const phone of input.phones) store.assertPhoneFree(phone);
  if (input.username !== null) store.assertUsernameFree(input.username);
  if (input.externalId !== null) store.assertExternalIdFree(input.externalId);
  const cap = store.settings.user_cap;
  if (cap !== null && !store.bypassLimits && store.users.size >= cap) throw userQuotaExceeded(store, cap);
}

function newUserRecord(input: CreateInput): UserRecord {
  const { body, now, hasPassword } = input;
  const totp = Boolean(str(body, 'totp_secret'));
  const backupCodes = (body.backup_codes as string[] | undefined) ?? [];
  const mfa = totp || backupCodes.length > 0;
  const emails = input.emails.map((email, i) => newIdent(email, input.emailStatuses?.[i], now));
  const phones = input.phones.map((phone, i) => newIdent(phone, input.phoneStatuses?.[i], now));
  return {
    id: newId('user'),
    external_id: input.externalId,
    username: input.username,
    first_name: str(body, 'first_name') ?? null,
    last_name: str(body, 'last_name') ?? null,
    locale: str(body, 'locale') ?? null,
    has_image: false,
    ...input.metadata,
    emails,
    phones,
    // The first address is the primary one (docs/clerk-api.md#creating-a-user).
    primary_email_address_id: emails[0]?.id ?? null,
    primary_phone_number_id: phones[0]?.id ?? null,
    password_hash: input.digest?.digest ?? (input.password === null ? null : hashPassword(input.password)),
    ...(input.digest ? { password_hasher: input.digest.hasher } : {}),
    password_enabled: hasPassword,
    password_last_updated_at: hasPassword ? now : null,
    totp_enabled: totp,
    totp_secret: str(body, 'totp_secret') ?? null,
    backup_code_enabled: backupCodes.length > 0,
    backup_code_hashes: backupCodes.map(hashPassword),
    mfa_enabled_at: mfa ? now : null,
    mfa_disabled_at: null,
    banned: body.banned === true,
    locked: body.locked === true,
    locked_at: body.locked === true ? now : null,
    created_at: input.createdAt,
    updated_at: Math.max(now, input.createdAt),
    last_sign_in_at: null,
    last_active_at: null,
    legal_accepted_at: input.legalAcceptedAt,
    delete_self_enabled: (body.delete_self_enabled as boolean | null | undefined) ?? true,
    create_organization_enabled: (body.create_organization_enabled as boolean | null | undefined) ?? true,
    create_organizations_limit: (body.create_organizations_limit as number | null | undefined) ?? null,
    bypass_client_trust: body.bypass_client_trust === true,
  };
}

/** POST /users (and the seed): validates the body like Clerk and inserts the user. */
export function createUser(store: Store, rawBody: unknown): UserRecord {
  const input = readCreateBody(store, rawBody);
  assertCanInsert(store, input);
  const user = newUserRecord(input);
  store.insertUser(user);
  return user;
}
