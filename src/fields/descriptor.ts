// The shape of a row of the field tables (user-fields.ts, organization-fields.ts, membership-fields.ts): one row per
// managed field, from which the manifest's JSON Schema, normalisation, diff, wire mapping, plan-file checks, display
// and export are derived. Adding a field of an existing kind: a row, its type in src/model (and in CreateUserAttributes
// for users), `npm run schema`, docs/manifest.md, and its tests (see test/fields/).

/**
 * How a field's value behaves, which decides how it is normalised, compared and sent:
 * - `identifier`: a non-empty string that cannot be emptied (externalId).
 * - `nullableString`: a string, or null for "must be empty"; one PATCH field.
 * - `timestamp`: an RFC 3339 date-time, held as its ISO 8601 UTC form so equal instants compare equal; read from the
 *   API as unix milliseconds.
 * - `identifierList`: addresses or numbers, the first primary; each has its own endpoints.
 * - `secret`: sent once at creation, never shown or stored (password).
 * - `metadata`: a JSON object, replaced or merged per settings.metadataMode.
 * - `flag`: a boolean with its own endpoints (ban, lock).
 * - `memberships`: the user's memberships, authoritative for managed organizations.
 * - `name`, `key`: an organization's display name and manifest key (a membership's `org` is a key too).
 * - `role`: a membership's role key.
 */
export type FieldKind =
  | 'identifier'
  | 'nullableString'
  | 'timestamp'
  | 'identifierList'
  | 'secret'
  | 'metadata'
  | 'flag'
  | 'memberships'
  | 'key'
  | 'name'
  | 'role';

/** A JSON Schema (draft-07) fragment for one property, with the title and description editors show. */
export interface SchemaFragment {
  readonly title: string;
  readonly description: string;
  readonly [keyword: string]: unknown;
}

export interface FieldRow<Name extends string = string> {
  /** The manifest's name (camelCase), also the domain model's property and the plan's. */
  readonly name: Name;
  readonly kind: FieldKind;
  /** The request body's key (snake_case); undefined when the field is not sent as one body key. */
  readonly wire?: string;
  /** The API object's key when it differs from `wire` (POST /users takes `email_address`, users hold `email_addresses`). */
  readonly wireRead?: string;
  readonly schema: SchemaFragment;
  /** Whether settings.ignore may name it: the field, or (`path`) a dotted path inside it too. */
  readonly ignore: false | 'field' | 'path';
  /** Whether `clerk-sync export` writes it for every user (empty values too, so they are managed). */
  readonly exported: boolean;
}

/** Kinds whose changes go together in one update of the object (PATCH /users/{id}: update_user). */
export const PROFILE_KINDS: readonly FieldKind[] = ['identifier', 'nullableString', 'timestamp'];

/** A table's rows as a JSON Schema `properties` object, in table order. */
export function schemaProperties(rows: readonly FieldRow[]): Record<string, SchemaFragment> {
  return Object.fromEntries(rows.map((row) => [row.name, row.schema]));
}
