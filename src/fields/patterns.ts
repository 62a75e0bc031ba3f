// The value patterns the manifest's JSON Schema enforces, shared by the field tables and the schema check's hints.

/** E.164: a plus sign, then up to 15 digits, the first not 0 (ITU-T E.164; Clerk expects this form, docs/clerk-api.md#phone-numbers-are-e164). */
export const PHONE_PATTERN = '^\\+[1-9][0-9]{1,14}$';
/** Organization role keys: `org:admin`, `org:member`, or a custom `org:<name>` (docs/clerk-api.md#roles-orgadmin-and-orgmember). */
export const ROLE_PATTERN = '^org:[a-z0-9][a-z0-9_-]*$';
/** Clerk's username rule as clerk-sync enforces it: 4 to 64 of lower-case letters, digits, `_` and `-`. */
export const USERNAME_PATTERN = '^[a-z0-9_-]{4,64}$';
/** Organization slugs: lower-case letters, digits and `-` (docs/clerk-api.md#organization-slug-characters). */
export const SLUG_PATTERN = '^[a-z0-9][a-z0-9-]*$';
