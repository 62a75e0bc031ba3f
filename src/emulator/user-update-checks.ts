// The checks of PATCH /users/{id}, in Clerk's order: username, external id, primary ids, password, timestamps and
// (before 2026-05-12) metadata. They change nothing; user-update.ts applies the result.

import type { WireMetadata } from '../clerk/index.ts';
import { lastIdentificationDeletion, paramValueInvalid } from './problem.ts';
import type { UserRecord } from './records.ts';
import type { Store } from './store.ts';
import { type Body, checkPassword, checkUsername, METADATA_FIELDS, str } from './user-rules.ts';
import { checkMetadataSize, parseTimestamp } from './validate.ts';

/** The values of a checked PATCH body; undefined = not in the body. */
export interface UserUpdate {
  username?: string | null;
  externalId?: string | null;
  password: string | null | undefined;
  createdAt?: number;
  legalAcceptedAt?: number;
  metadata: Partial<Record<(typeof METADATA_FIELDS)[number], WireMetadata>>;
}

/** The new username (null clears it), refused when taken or when it is the user's last identification. */
function checkNewUsername(store: Store, user: UserRecord, body: Body): string | null {
  const username = str(body, 'username') || null;
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
  return username;
}

/** The primary email, phone, web3 wallet and image ids must name the user's own verified ones. */
function checkPrimaryIds(user: UserRecord, body: Body): void {
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
}

/** Before 2026-05-12 the body may replace metadata fields; each is checked for size. */
function legacyMetadata(body: Body): UserUpdate['metadata'] {
  const metadata: UserUpdate['metadata'] = {};
  for (const field of METADATA_FIELDS) {
    if (!(field in body)) continue;
    const value = (body[field] as WireMetadata | null) ?? {};
    checkMetadataSize(field, value);
    metadata[field] = value;
  }
  return metadata;
}

/** Every check of PATCH /users/{id}, in Clerk's order; changes nothing. */
export function checkUserUpdate(store: Store, user: UserRecord, body: Body, legacy: boolean): UserUpdate {
  const update: UserUpdate = { metadata: {}, password: undefined };
  if ('username' in body) update.username = checkNewUsername(store, user, body);
  if ('external_id' in body) {
    update.externalId = str(body, 'external_id') || null;
    if (update.externalId !== null) store.assertExternalIdFree(update.externalId, user);
  }
  checkPrimaryIds(user, body);
  const password = str(body, 'password');
  if (password) checkPassword(store, password, body.skip_password_checks === true);
  update.password = password;
  const createdAtText = str(body, 'created_at');
  if (createdAtText) update.createdAt = parseTimestamp('created_at', createdAtText);
  const legalText = str(body, 'legal_accepted_at');
  if (legalText) update.legalAcceptedAt = parseTimestamp('legal_accepted_at', legalText);
  if (legacy) update.metadata = legacyMetadata(body);
  return update;
}
