// The JSON Schema of a saved plan file (docs/json-plan.md): parsePlan compiles exactly this object, and
// schema/plan.schema.json is this object as published (`npm run schema` writes it; a test fails when it is stale).
// Operations are a union on `type`, checked with ajv's `discriminator` so an error names the bad field of the one
// operation type given, not every branch of the union.

import { type OperationType, PLAN_FORMAT_VERSION } from './types.ts';

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` });
const nullable = (schema: Schema): Schema => ({ ...schema, type: [schema.type, 'null'] });
const str: Schema = { type: 'string' };
const nonEmptyStr: Schema = { type: 'string', minLength: 1 };
const bool: Schema = { type: 'boolean' };
const arrayOf = (items: Schema): Schema => ({ type: 'array', items });
const recordOf = (value: Schema): Schema => ({ type: 'object', additionalProperties: value });
const change = (value: Schema): Schema => shape({ before: value, after: value });

/** An object with exactly these keys (the optional ones may be missing); unknown keys are refused. */
function shape(required: Record<string, Schema>, optional: Record<string, Schema> = {}): Schema {
  return {
    type: 'object',
    required: Object.keys(required),
    properties: { ...required, ...optional },
    additionalProperties: false,
  };
}

/** A union of object shapes told apart by the constant value of `tag`. */
function tagged(tag: string, branches: readonly Schema[]): Schema {
  return {
    type: 'object',
    required: [tag],
    properties: { [tag]: { type: 'string' } },
    discriminator: { propertyName: tag },
    oneOf: branches,
  };
}

const DEFINITIONS: Record<string, Schema> = {
  count: { type: 'integer', minimum: 0 },
  jsonObject: { type: 'object' },
  userRef: shape({ key: nullable(str), userId: nullable(nonEmptyStr) }, { label: str }),
  orgRef: shape({ slug: nonEmptyStr, organizationId: nullable(nonEmptyStr) }),
  patchOperation: shape(
    { op: { type: 'string', enum: ['add', 'remove', 'replace', 'move', 'copy', 'test'] }, path: str },
    { value: {}, from: str },
  ),
  metadataChange: shape({
    before: ref('jsonObject'),
    after: ref('jsonObject'),
    patch: arrayOf(ref('patchOperation')),
  }),
  password: tagged('kind', [
    shape({ kind: { type: 'string', const: 'inline' } }),
    shape({ kind: { type: 'string', const: 'env' }, variable: nonEmptyStr }),
  ]),
  versions: recordOf(shape({ updatedAt: { type: 'number' } })),
};

const user = ref('userRef');
const org = ref('orgRef');

/** The fields of each operation type besides id, type, dependsOn and source: one row per type. */
const OPERATION_FIELDS: Record<OperationType, { required: Record<string, Schema>; optional?: Record<string, Schema> }> =
  {
    create_organization: { required: { org, name: str, slug: nullable(nonEmptyStr) } },
    mark_organization: { required: { org, name: str, matchedBy: { type: 'string', const: 'name' } } },
    update_organization: { required: { org, changes: shape({ name: change(str) }) } },
    create_user: {
      required: {
        user,
        attributes: shape(
          {},
          {
            externalId: str,
            emailAddresses: arrayOf(str),
            phoneNumbers: arrayOf(str),
            username: nullable(str),
            firstName: nullable(str),
            lastName: nullable(str),
            publicMetadata: ref('jsonObject'),
            privateMetadata: ref('jsonObject'),
            unsafeMetadata: ref('jsonObject'),
            banned: bool,
            locked: bool,
          },
        ),
      },
      optional: { password: ref('password') },
    },
    update_user: {
      required: {
        user,
        changes: shape(
          {},
          {
            externalId: change(nullable(str)),
            username: change(nullable(str)),
            firstName: change(nullable(str)),
            lastName: change(nullable(str)),
          },
        ),
      },
    },
    add_email_address: { required: { user, emailAddress: str, primary: bool } },
    set_primary_email_address: {
      required: { user, emailAddress: str, emailAddressId: nonEmptyStr, before: nullable(str) },
    },
    remove_email_address: { required: { user, emailAddress: str, emailAddressId: nonEmptyStr } },
    add_phone_number: { required: { user, phoneNumber: str, primary: bool } },
    set_primary_phone_number: {
      required: { user, phoneNumber: str, phoneNumberId: nonEmptyStr, before: nullable(str) },
    },
    remove_phone_number: { required: { user, phoneNumber: str, phoneNumberId: nonEmptyStr } },
    update_metadata: {
      required: {
        user,
        mode: { type: 'string', enum: ['replace', 'merge'] },
        changes: shape(
          {},
          {
            publicMetadata: ref('metadataChange'),
            privateMetadata: ref('metadataChange'),
            unsafeMetadata: ref('metadataChange'),
          },
        ),
        body: shape(
          {},
          {
            public_metadata: ref('jsonObject'),
            private_metadata: ref('jsonObject'),
            unsafe_metadata: ref('jsonObject'),
          },
        ),
      },
    },
    ban_user: { required: { user } },
    unban_user: { required: { user } },
    lock_user: { required: { user } },
    unlock_user: { required: { user } },
    create_membership: { required: { org, user, role: nonEmptyStr } },
    update_membership_role: {
      required: {
        org,
        user,
        membershipId: nonEmptyStr,
        changes: shape({ role: change(nonEmptyStr) }),
        downgrade: bool,
      },
    },
    delete_membership: { required: { org, user, membershipId: nonEmptyStr, role: str } },
    delete_user: { required: { user, label: str, reason: { type: 'string', enum: ['prune', 'undo'] } } },
  };

export const OPERATION_TYPES = Object.keys(OPERATION_FIELDS) as OperationType[];

/** Every operation type's shape, tagged by `type`; the journal's intent lines carry the same. */
export const OPERATION_DEFINITIONS: Record<string, Schema> = {
  ...DEFINITIONS,
  operation: tagged(
    'type',
    OPERATION_TYPES.map((type) =>
      shape(
        {
          id: nonEmptyStr,
          type: { type: 'string', const: type },
          dependsOn: arrayOf(nonEmptyStr),
          ...OPERATION_FIELDS[type].required,
        },
        { source: shape({ file: str, line: ref('count') }), ...OPERATION_FIELDS[type].optional },
      ),
    ),
  ),
};

export const PLAN_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://unpkg.com/clerk-sync/schema/plan.schema.json',
  title: 'clerk-sync plan',
  description:
    'A saved plan (`clerk-sync plan --out PLAN`, `--format json`): the ordered operations apply would execute, with what they were computed from. See docs/json-plan.md.',
  ...shape({
    formatVersion: { type: 'integer', const: PLAN_FORMAT_VERSION },
    source: tagged('kind', [
      shape({ kind: { type: 'string', const: 'manifest' }, files: arrayOf(nonEmptyStr) }),
      shape({ kind: { type: 'string', const: 'undo' }, journal: nonEmptyStr }),
    ]),
    instance: shape({
      apiUrl: nullable(nonEmptyStr),
      environment: { type: ['string', 'null'], enum: ['development', 'production', null] },
    }),
    fingerprints: shape({ manifest: str, live: str }),
    settings: shape({
      userKey: { type: 'string', enum: ['externalId', 'emailAddress', 'username'] },
      metadataMode: { type: 'string', enum: ['replace', 'merge'] },
      prune: bool,
    }),
    operations: arrayOf(ref('operation')),
    summary: shape({
      create: ref('count'),
      change: ref('count'),
      delete: ref('count'),
      byType: { ...recordOf(ref('count')), propertyNames: { type: 'string', enum: OPERATION_TYPES } },
      usersTouched: ref('count'),
    }),
    liveVersions: shape({ users: ref('versions'), organizations: ref('versions'), memberships: ref('versions') }),
    warnings: arrayOf(
      shape(
        { code: nonEmptyStr, severity: { type: 'string', enum: ['refusal', 'warning'] }, message: str },
        { source: shape({ file: str, line: ref('count'), column: ref('count') }), hint: str },
      ),
    ),
  }),
  definitions: OPERATION_DEFINITIONS,
};
