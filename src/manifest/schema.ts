// The manifest's JSON Schema (draft-07, which editors' YAML language servers support best). It is the single source
// of the manifest's shape: the validator compiles exactly this object, schema/manifest.schema.json is this object
// written out (a test keeps the two identical), and the examples point their `yaml-language-server` line at the
// file. Rules a schema cannot express (user key presence, duplicates across users and files, undeclared
// organizations, the 8 KB metadata cap, the reserved `clerkSync` key) live in cross-checks.ts.

import { didYouMean } from './suggest.ts';

/** The only manifest format this version reads. */
export const API_VERSION = 'clerk-sync/v1';

/** E.164: a plus sign, then up to 15 digits, the first not 0 (ITU-T E.164; Clerk expects this form, notes §3.4). */
export const PHONE_PATTERN = '^\\+[1-9][0-9]{1,14}$';
/** Organization role keys: `org:admin`, `org:member`, or a custom `org:<name>` (notes §2.3). */
export const ROLE_PATTERN = '^org:[a-z0-9][a-z0-9_-]*$';
/** Clerk's username rule as clerk-sync enforces it: 4 to 64 of lower-case letters, digits, `_` and `-`. */
export const USERNAME_PATTERN = '^[a-z0-9_-]{4,64}$';
/** Organization slugs: lower-case letters, digits and `-` (notes §5.3). */
export const SLUG_PATTERN = '^[a-z0-9][a-z0-9-]*$';
/** Fields an ignore path may name; only the metadata fields (the last three) take a dotted path inside them. */
export const IGNORE_FIELDS: readonly string[] = [
  'externalId',
  'emailAddresses',
  'phoneNumbers',
  'username',
  'firstName',
  'lastName',
  'banned',
  'locked',
  'memberships',
  'publicMetadata',
  'privateMetadata',
  'unsafeMetadata',
];
export const IGNORE_PATTERN = `^(?:${IGNORE_FIELDS.slice(0, -3).join('|')}|(?:${IGNORE_FIELDS.slice(-3).join('|')})(?:\\.[^.\\s]+)*)$`;

/** The message for an ignore path that names no user field, with a did-you-mean, shared by the manifest and the CLI. */
export function ignorePathProblem(shown: string, path: string): { message: string; hint: string } {
  const head = path.split('.')[0] ?? path;
  return {
    message: `${shown} does not name a user field${didYouMean(head, IGNORE_FIELDS)}`,
    hint: `Use one of ${IGNORE_FIELDS.join(', ')}; only the metadata fields take a dotted path (publicMetadata.lastSeenAt).`,
  };
}

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

export const MANIFEST_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://unpkg.com/clerk-sync/schema/manifest.schema.json',
  title: 'clerk-sync manifest',
  description:
    'The users, metadata, bans/locks and organization memberships clerk-sync keeps a Clerk instance in line with. A field that is absent is not managed; a field that is present is enforced.',
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion'],
  properties: {
    apiVersion: {
      title: 'Manifest format version',
      description: 'Always `clerk-sync/v1`. Required in every manifest file.',
      const: API_VERSION,
    },
    settings: {
      title: 'Settings',
      description:
        'How the manifest is applied. May appear in several files only if every copy is identical. Every setting has a default.',
      type: 'object',
      additionalProperties: false,
      properties: {
        userKey: {
          title: 'User key',
          description:
            'The field that matches manifest users with live users: externalId (default), emailAddress (the first, primary email) or username. Every user must have it, and it must be unique.',
          enum: ['externalId', 'emailAddress', 'username'],
          default: 'externalId',
        },
        prune: {
          title: 'Prune',
          description:
            'true: live users that clerk-sync manages (they carry the clerkSync mark in private metadata) and that the manifest no longer lists are deleted. Users without the mark are never deleted.',
          type: 'boolean',
          default: false,
        },
        metadataMode: {
          title: 'Metadata mode',
          description:
            'replace (default): a declared metadata object is the whole object. merge: only the declared keys are enforced, deeply; other live keys are kept.',
          enum: ['replace', 'merge'],
          default: 'replace',
        },
        ignore: {
          title: 'Ignored paths',
          description:
            'Fields whose drift is expected and never planned, like `firstName` or `publicMetadata.lastSeenAt` (a dotted path inside a metadata object).',
          type: 'array',
          items: {
            title: 'Ignored path',
            description:
              'A user field name, or publicMetadata/privateMetadata/unsafeMetadata followed by a dotted path.',
            type: 'string',
            pattern: IGNORE_PATTERN,
          },
          default: [],
        },
      },
    },
    organizations: {
      title: 'Managed organizations',
      description:
        'The organizations clerk-sync manages: created when missing, name kept in sync, and memberships in them authoritative for every manifest user. Organizations not listed are never touched.',
      type: 'array',
      items: {
        title: 'Organization',
        description: 'One managed organization, identified by its key (`slug`).',
        type: 'object',
        additionalProperties: false,
        required: ['slug', 'name'],
        properties: {
          slug: {
            title: 'Slug',
            description:
              "The organization's key: lower-case letters, digits and `-`, unique in the manifest. Also its slug where the instance has slugs enabled; clerk-sync records it in the organization's private metadata.",
            type: 'string',
            pattern: SLUG_PATTERN,
            maxLength: 256,
          },
          name: {
            title: 'Name',
            description: 'Display name, kept in sync.',
            type: 'string',
            minLength: 1,
            maxLength: 256,
          },
        },
      },
    },
    users: {
      title: 'Users',
      description:
        'The users clerk-sync manages. Live users not listed here are never touched, except by prune (and then only users carrying the clerkSync mark).',
      type: 'array',
      items: {
        title: 'User',
        description: 'One user. The settings.userKey field is required and unique; every other field is optional.',
        type: 'object',
        additionalProperties: false,
        properties: {
          externalId: {
            title: 'External ID',
            description: 'Your own identifier for the user (unique per instance in Clerk). The default user key.',
            type: 'string',
            minLength: 1,
            maxLength: 256,
          },
          emailAddresses: {
            title: 'Email addresses',
            description:
              'All of the user’s email addresses, the first one primary. Lower-cased on load. Absent: unmanaged.',
            type: 'array',
            items: { title: 'Email address', description: 'An email address.', type: 'string', format: 'email' },
          },
          phoneNumbers: {
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
          username: {
            title: 'Username',
            description: '4 to 64 characters of a-z, 0-9, `_` and `-`. Absent: unmanaged. null: no username.',
            type: ['string', 'null'],
            pattern: USERNAME_PATTERN,
          },
          firstName: nullableName('First name', 'The user’s first name.'),
          lastName: nullableName('Last name', 'The user’s last name.'),
          password: {
            title: 'Password',
            description: `Set when the user is created, never afterwards; never printed or stored in a plan. At least 8 characters. Write \`\${VAR}\` to take it from the environment.`,
            type: 'string',
            minLength: 8,
          },
          publicMetadata: metadata('Public metadata', 'Readable by the frontend and in session tokens.'),
          privateMetadata: metadata(
            'Private metadata',
            'Backend only. The key `clerkSync` is reserved for clerk-sync’s ownership mark.',
          ),
          unsafeMetadata: metadata('Unsafe metadata', 'Writable by the user from the frontend.'),
          banned: {
            title: 'Banned',
            description: 'true: the user is banned (cannot sign in, sessions revoked). Absent: unmanaged.',
            type: 'boolean',
          },
          locked: {
            title: 'Locked',
            description: 'true: the user is locked out. Absent: unmanaged.',
            type: 'boolean',
          },
          memberships: {
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
              properties: {
                org: {
                  title: 'Organization',
                  description: 'Slug of an organization declared under `organizations`.',
                  type: 'string',
                },
                role: {
                  title: 'Role',
                  description: 'Role key: org:admin, org:member or a custom org:<name>.',
                  type: 'string',
                  pattern: ROLE_PATTERN,
                },
              },
            },
          },
        },
      },
    },
  },
} as const;
