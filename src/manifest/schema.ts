// The manifest's JSON Schema (draft-07, which editors' YAML language servers support best). It is the single source
// of the manifest's shape: the validator compiles exactly this object, schema/manifest.schema.json is this object
// written out (a test keeps the two identical), and the examples point their `yaml-language-server` line at the
// file. Rules a schema cannot express (user key presence, duplicates across users and files, undeclared
// organizations, the 8 KB metadata cap, the reserved `clerkSync` key) live in cross-checks.ts.

import type { Options } from 'ajv';
import { schemaProperties } from '../fields/descriptor.ts';
import { ORGANIZATION_FIELDS, REQUIRED_ORGANIZATION_FIELDS } from '../fields/organization-fields.ts';
import { IGNORE_FIELDS, IGNORE_PATH_FIELDS, USER_FIELDS } from '../fields/user-fields.ts';
import { generatorSchema } from './generate.ts';
import { didYouMean } from './suggest.ts';

/** The only manifest format this version reads. */
export const API_VERSION = 'clerk-sync/v1';

export { PHONE_PATTERN, ROLE_PATTERN, SLUG_PATTERN, USERNAME_PATTERN } from '../fields/patterns.ts';
export { IGNORE_FIELDS } from '../fields/user-fields.ts';
export const IGNORE_PATTERN = `^(?:${IGNORE_FIELDS.filter((field) => !IGNORE_PATH_FIELDS.includes(field)).join('|')}|(?:${IGNORE_PATH_FIELDS.join('|')})(?:\\.[^.\\s]+)*)$`;

/** The message for an ignore path that names no user field, with a did-you-mean, shared by the manifest and the CLI. */
export function ignorePathProblem(shown: string, path: string): { message: string; hint: string } {
  const head = path.split('.')[0] ?? path;
  return {
    message: `${shown} does not name a user field${didYouMean(head, IGNORE_FIELDS)}`,
    hint: `Use one of ${IGNORE_FIELDS.join(', ')}; only the metadata fields take a dotted path (publicMetadata.lastSeenAt).`,
  };
}

// ---- settings.policies (issue 19; src/plan/policies.ts checks them) ----

const DOMAIN_PATTERN = '^(?:\\*\\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$';
const domainList = {
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: {
    title: 'Email domain',
    description: 'A domain in lower case: `example.com` (exactly) or `*.example.com` (any subdomain, not the domain).',
    type: 'string',
    pattern: DOMAIN_PATTERN,
  },
} as const;
const userKeyList = {
  type: 'array',
  uniqueItems: true,
  items: { title: 'User key', description: 'The settings.userKey value of a user.', type: 'string', minLength: 1 },
} as const;
const adminCount = { type: 'integer', minimum: 0 } as const;

const POLICIES_SCHEMA = {
  title: 'Policies',
  description:
    'Rules every plan of this manifest must obey, checked by validate (what the manifest alone decides) and by plan and apply (with the live state). A violation is a refusal (policy_* codes, docs/json-contract.md) that no flag lifts, except the documented overrides of maxDeletes and maxChangeRatio.',
  type: 'object',
  additionalProperties: false,
  properties: {
    minAdmins: {
      title: 'Fewest admins',
      description:
        'Fewest members with the role org:admin a managed organization must have after a plan: one number for every declared organization, or a map from organization key to number (organizations not named are not checked).',
      oneOf: [adminCount, { type: 'object', additionalProperties: adminCount, minProperties: 1 }],
    },
    requiredAdmins: {
      title: 'Required admins',
      description: 'Organization key -> user keys that must hold the role org:admin in that organization.',
      type: 'object',
      additionalProperties: { ...userKeyList, minItems: 1 },
    },
    allowedEmailDomains: {
      title: 'Allowed email domains',
      description:
        "The domains a member's primary email address must be in: one list for every managed organization, or a map from organization key to list. `example.com` matches exactly; `*.example.com` matches its subdomains only.",
      oneOf: [domainList, { type: 'object', additionalProperties: domainList, minProperties: 1 }],
    },
    protectedUsers: {
      title: 'Protected users',
      description:
        'User keys no plan may delete, ban, lock, demote (from org:admin) or remove from an organization, whether the change comes from the manifest, prune or undo. No flag lifts it.',
      ...userKeyList,
    },
    maxDeletes: {
      title: 'Most deletions',
      description:
        'Default for --max-deletes: most users a plan may delete without --allow-mass-delete. The flag wins.',
      type: 'integer',
      minimum: 0,
    },
    maxChangeRatio: {
      title: 'Largest change ratio',
      description:
        'Default for --max-change-ratio: largest share (0..1) of live users a plan may change without --allow-mass-change. The flag wins.',
      type: 'number',
      minimum: 0,
      maximum: 1,
    },
  },
} as const;

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
        policies: POLICIES_SCHEMA,
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
        required: [...REQUIRED_ORGANIZATION_FIELDS],
        properties: schemaProperties(ORGANIZATION_FIELDS),
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
        properties: schemaProperties(USER_FIELDS),
      },
    },
    generate: {
      title: 'Generated users',
      description:
        'Users made from templates, deterministic and keyed like declared users (docs/manifest.md#generated-users): re-runs plan nothing, prune stays exact.',
      type: 'array',
      items: generatorSchema(),
    },
  },
} as const;

/**
 * The "email" format, as ajv-formats checks it (its fullFormats.email, v3.0.1): the only format the schema uses, so
 * the package is not loaded for it on every start.
 */
export const EMAIL_FORMAT =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;

/** The manifest's ajv settings (the project file's schema uses them too), as scripts/validators.ts compiles them. */
export const MANIFEST_AJV_OPTIONS: Options = {
  allErrors: true,
  verbose: true,
  strict: true,
  allowUnionTypes: true,
  // test/manifest/schema.test.ts checks the schemas against the draft-07 meta-schema.
  validateSchema: false,
};
