// The managed fields of a user, one row each, in manifest order. Adding a field is a row here plus its type in
// src/model (DesiredUser, LiveUser) and src/plan/types.ts (CreateUserAttributes); the schema, normalisation, diff,
// wire mapping, plan-file checks, display and export follow from the row's kind.

import type { PasswordHasher } from '../model/index.ts';
import { type FieldRow, PROFILE_KINDS, schemaProperties } from './descriptor.ts';
import { MEMBERSHIP_FIELDS } from './membership-fields.ts';
import { PHONE_PATTERN, USERNAME_PATTERN } from './patterns.ts';
import { timestampSchema } from './values.ts';

/** The hashers POST /users accepts with password_digest (OpenAPI spec 2026-05-12, schema PasswordHasher): docs/clerk-api.md#password-digests. */
export const PASSWORD_HASHERS = [
  'argon2i',
  'argon2id',
  'bcrypt',
  'bcrypt_sha256_django',
  'ldap_ssha',
  'md5',
  'md5_phpass',
  'pbkdf2_sha1',
  'pbkdf2_sha256',
  'pbkdf2_sha256_django',
  'pbkdf2_sha512',
  'pbkdf2_sha512_hex',
  'phpass',
  'scrypt_firebase',
  'scrypt_werkzeug',
  'sha256',
  'sha512_symfony',
] as const satisfies readonly PasswordHasher[];

const metadata = (title: string, description: string) => ({
  title,
  description: `${description} Absent: unmanaged. At most 8 KB of JSON (Clerk's limit). With settings.metadataMode replace the object is the whole value; with merge only the declared keys are enforced.`,
  type: 'object',
});

const nullableName = (title: string, description: string) => ({
  title,
  description: `${description} Absent: unmanaged. null: must be empty.`,
  type: ['string', 'null'],
  maxLength: 256,
});

export const USER_FIELDS = [
  {
    name: 'externalId',
    kind: 'identifier',
    wire: 'external_id',
    ignore: 'field',
    exported: true,
    schema: {
      title: 'External ID',
      description: 'Your own identifier for the user (unique per instance in Clerk). The default user key.',
      type: 'string',
      minLength: 1,
      maxLength: 256,
    },
  },
  {
    name: 'emailAddresses',
    kind: 'identifierList',
    wire: 'email_address',
    wireRead: 'email_addresses',
    ignore: 'field',
    exported: true,
    schema: {
      title: 'Email addresses',
      description: 'All of the user’s email addresses, the first one primary. Lower-cased on load. Absent: unmanaged.',
      type: 'array',
      items: { title: 'Email address', description: 'An email address.', type: 'string', format: 'email' },
    },
  },
  {
    name: 'phoneNumbers',
    kind: 'identifierList',
    wire: 'phone_number',
    wireRead: 'phone_numbers',
    ignore: 'field',
    exported: true,
    schema: {
      title: 'Phone numbers',
      description:
        'All of the user’s phone numbers in E.164 form (+15555550100), the first one primary. Absent: unmanaged.',
      type: 'array',
      items: {
        title: 'Phone number',
        description: 'An E.164 phone number: + and up to 15 digits.',
        type: 'string',
        pattern: PHONE_PATTERN,
      },
    },
  },
  {
    name: 'username',
    kind: 'nullableString',
    wire: 'username',
    ignore: 'field',
    exported: true,
    schema: {
      title: 'Username',
      description: '4 to 64 characters of a-z, 0-9, `_` and `-`. Absent: unmanaged. null: no username.',
      type: ['string', 'null'],
      pattern: USERNAME_PATTERN,
    },
  },
  {
    name: 'firstName',
    kind: 'nullableString',
    wire: 'first_name',
    ignore: 'field',
    exported: true,
    schema: nullableName('First name', 'The user’s first name.'),
  },
  {
    name: 'lastName',
    kind: 'nullableString',
    wire: 'last_name',
    ignore: 'field',
    exported: true,
    schema: nullableName('Last name', 'The user’s last name.'),
  },
  {
    name: 'legalAcceptedAt',
    kind: 'timestamp',
    wire: 'legal_accepted_at',
    ignore: 'field',
    exported: true,
    // Taken by POST /users and PATCH /users/{id}; no documented way to clear it, so no null
    // (docs/clerk-api.md#undocumented-and-what-the-emulator-chooses).
    schema: timestampSchema('Legal terms accepted at', 'When the user accepted your legal terms.'),
  },
  {
    name: 'password',
    kind: 'secret',
    wire: 'password',
    ignore: false,
    exported: false,
    schema: {
      title: 'Password',
      description: `Set when the user is created, never afterwards; never printed or stored in a plan. At least 8 characters. Write \`\${VAR}\` to take it from the environment.`,
      type: 'string',
      minLength: 8,
    },
  },
  {
    name: 'passwordDigest',
    kind: 'secret',
    wire: 'password_digest',
    ignore: false,
    exported: false,
    schema: {
      title: 'Password digest',
      description: `A hash of the user's password made with passwordHasher (\`clerk-sync hash-password\` makes one), instead of password: set when the user is created, never afterwards; never printed or stored in a plan. Requires passwordHasher.`,
      type: 'string',
      minLength: 1,
    },
  },
  {
    name: 'passwordHasher',
    kind: 'secret',
    wire: 'password_hasher',
    ignore: false,
    exported: false,
    schema: {
      title: 'Password hasher',
      description: 'The algorithm passwordDigest was made with, one Clerk accepts on create. Requires passwordDigest.',
      enum: [...PASSWORD_HASHERS],
    },
  },
  {
    name: 'publicMetadata',
    kind: 'metadata',
    wire: 'public_metadata',
    ignore: 'path',
    exported: true,
    schema: metadata('Public metadata', 'Readable by the frontend and in session tokens.'),
  },
  {
    name: 'privateMetadata',
    kind: 'metadata',
    wire: 'private_metadata',
    ignore: 'path',
    exported: true,
    schema: metadata(
      'Private metadata',
      'Backend only. The key `clerkSync` is reserved for clerk-sync’s ownership mark.',
    ),
  },
  {
    name: 'unsafeMetadata',
    kind: 'metadata',
    wire: 'unsafe_metadata',
    ignore: 'path',
    exported: true,
    schema: metadata('Unsafe metadata', 'Writable by the user from the frontend.'),
  },
  {
    name: 'banned',
    kind: 'flag',
    wire: 'banned',
    ignore: 'field',
    exported: true,
    schema: {
      title: 'Banned',
      description: 'true: the user is banned (cannot sign in, sessions revoked). Absent: unmanaged.',
      type: 'boolean',
    },
  },
  {
    name: 'locked',
    kind: 'flag',
    wire: 'locked',
    ignore: 'field',
    exported: true,
    schema: { title: 'Locked', description: 'true: the user is locked out. Absent: unmanaged.', type: 'boolean' },
  },
  {
    name: 'memberships',
    kind: 'memberships',
    ignore: 'field',
    exported: true,
    schema: {
      title: 'Memberships',
      description:
        'The user’s memberships in the managed organizations, exactly: a managed organization not listed here means no membership (absent is the same as []). Memberships in other organizations are never touched.',
      type: 'array',
      items: {
        title: 'Membership',
        description: 'Membership in one managed organization.',
        type: 'object',
        additionalProperties: false,
        required: ['org', 'role'],
        properties: schemaProperties(MEMBERSHIP_FIELDS),
      },
    },
  },
] as const satisfies readonly FieldRow[];

export type UserFieldRow = (typeof USER_FIELDS)[number];
export type UserFieldName = UserFieldRow['name'];
/** The fields one PATCH /users/{id} (update_user) carries. */
export type UserProfileField = Extract<UserFieldRow, { kind: 'identifier' | 'nullableString' | 'timestamp' }>['name'];
export type UserMetadataField = Extract<UserFieldRow, { kind: 'metadata' }>['name'];

type UserProfileRow = Extract<UserFieldRow, { name: UserProfileField }>;

/** Whether one update_user carries the field (its kind is a profile kind). */
export function isProfileRow(row: UserFieldRow): row is UserProfileRow {
  return PROFILE_KINDS.includes(row.kind);
}

/** The rows one update_user carries, in manifest order. */
export const USER_PROFILE_FIELDS: readonly UserProfileRow[] = USER_FIELDS.filter(isProfileRow);

/** Row by manifest name. */
export const USER_FIELD: { readonly [N in UserFieldName]: Extract<UserFieldRow, { name: N }> } = Object.fromEntries(
  USER_FIELDS.map((row) => [row.name, row]),
) as never;

/** Fields an ignore path may name: the plain ones, then the metadata fields (which take a dotted path inside them). */
export const IGNORE_FIELDS: readonly string[] = [
  ...USER_FIELDS.filter((row) => row.ignore === 'field').map((row) => row.name),
  ...USER_FIELDS.filter((row) => row.ignore === 'path').map((row) => row.name),
];
/** The ignore fields that take a dotted path. */
export const IGNORE_PATH_FIELDS: readonly string[] = USER_FIELDS.filter((row) => row.ignore === 'path').map(
  (row) => row.name,
);
