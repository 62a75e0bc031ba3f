// The POST /users body (and a seed user's): shape, formats and the instance's password and username rules, in
// Clerk's order, read into the values a new user record is built from. Nothing here touches stored users.

import type { WireMetadata } from '../clerk/index.ts';
import { type PasswordDigest, readPasswordDigest } from './password-digest.ts';
import { ClerkApiProblem, identifierExists, paramValueInvalid } from './problem.ts';
import type { Store } from './store.ts';
import { type Body, checkPassword, checkUsername, METADATA_FIELDS, str } from './user-rules.ts';
import { bodySpec, checkBody, checkMetadataSize, normalizeEmail, normalizePhone, parseTimestamp } from './validate.ts';

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

interface Identifiers {
  emails: string[];
  phones: string[];
  emailStatuses?: string[];
  phoneStatuses?: string[];
}

/** Identifiers: formats, statuses and duplicates within the body. */
function readIdentifiers(body: Body): Identifiers {
  const emails = ((body.email_address as string[] | undefined) ?? []).map((email) => normalizeEmail(email));
  const phones = ((body.phone_number as string[] | undefined) ?? []).map((phone) => normalizePhone(phone));
  const emailStatuses = statusList(body, 'email_address_identification_status', emails.length, 'email_address');
  const phoneStatuses = statusList(body, 'phone_number_identification_status', phones.length, 'phone_number');
  if (((body.web3_wallet as string[] | undefined) ?? []).length > 0) {
    throw paramValueInvalid('web3_wallet', 'web3 wallets are not supported by the Clerk API emulator.');
  }
  if (new Set(emails).size !== emails.length) throw identifierExists('email_address');
  if (new Set(phones).size !== phones.length) throw identifierExists('phone_number');
  return { emails, phones, ...(emailStatuses ? { emailStatuses } : {}), ...(phoneStatuses ? { phoneStatuses } : {}) };
}

/** A create body past its format checks, with the values the new record is built from. */
export interface CreateInput extends Identifiers {
  body: Body;
  username: string | null;
  externalId: string | null;
  password: string | null;
  /** A digest given instead of a password (password-digest.ts). */
  digest: PasswordDigest | undefined;
  hasPassword: boolean;
  metadata: Record<(typeof METADATA_FIELDS)[number], WireMetadata>;
  createdAt: number;
  legalAcceptedAt: number | null;
  now: number;
}

/** Every check on the body alone and the instance's rules, in Clerk's order; stores nothing. */
export function readCreateBody(store: Store, rawBody: unknown): CreateInput {
  const body = checkBody(rawBody ?? {}, CREATE_USER);
  const identifiers = readIdentifiers(body);
  const username = str(body, 'username') || null;
  if (username !== null) checkUsername(store, username);
  const externalId = str(body, 'external_id') || null;
  const password = str(body, 'password') ?? null;
  if (password !== null) checkPassword(store, password, body.skip_password_checks === true);
  const digest = readPasswordDigest(body, password);
  // A digest is a password: it satisfies the instance's password requirement (docs/clerk-api.md#password-digests).
  const hasPassword = password !== null || digest !== undefined;
  if (
    store.settings.password_required &&
    !store.bypassLimits &&
    !hasPassword &&
    body.skip_password_requirement !== true
  ) {
    throw dataMissing(['password']);
  }
  const metadata = {} as CreateInput['metadata'];
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
  return {
    ...identifiers,
    body,
    username,
    externalId,
    password,
    digest,
    hasPassword,
    metadata,
    createdAt,
    legalAcceptedAt,
    now,
  };
}
