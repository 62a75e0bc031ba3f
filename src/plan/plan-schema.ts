// The JSON Schema of a saved plan file (docs/json-plan.md): parsePlan checks with exactly this object compiled, and
// schema/plan.schema.json is this object as published (`npm run schema` writes it; a test fails when it is stale).
// Operations are a union on `type`, checked with ajv's `discriminator` so an error names the bad field of the one
// operation type given, not every branch of the union.

import type { FieldKind, FieldRow } from '../fields/descriptor.ts';
import { ORGANIZATION_METADATA_FIELDS } from '../fields/organization-fields.ts';
import { PASSWORD_HASHERS, USER_FIELDS, USER_PROFILE_FIELDS } from '../fields/user-fields.ts';
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

/** A create_user attribute's schema by its field's kind; undefined: never an attribute. */
const ATTRIBUTE_SCHEMAS: Record<FieldKind, Schema | undefined> = {
  identifier: str,
  nullableString: nullable(str),
  timestamp: str,
  identifierList: arrayOf(str),
  metadata: ref('jsonObject'),
  flag: bool,
  secret: undefined,
  memberships: undefined,
  key: undefined,
  name: undefined,
  role: undefined,
};

/** Schemas keyed by field name (or its wire name), for the rows `schema` gives one. */
function fieldSchemas(
  rows: readonly FieldRow[],
  schema: (row: FieldRow) => Schema | undefined,
  key: (row: FieldRow) => string = (row) => row.name,
): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const row of rows) {
    const found = schema(row);
    if (found) out[key(row)] = found;
  }
  return out;
}

const wireName = (row: FieldRow): string => row.wire ?? row.name;
const USER_METADATA_ROWS = USER_FIELDS.filter((row) => row.kind === 'metadata');
const metadataChanges = (rows: readonly FieldRow[]): Schema =>
  shape(
    {},
    fieldSchemas(rows, () => ref('metadataChange')),
  );
const metadataBody = (rows: readonly FieldRow[]): Schema =>
  shape(
    {},
    fieldSchemas(rows, () => ref('jsonObject'), wireName),
  );

/** The fields of each operation type besides id, type, dependsOn and source: one row per type. */
const OPERATION_FIELDS: Record<OperationType, { required: Record<string, Schema>; optional?: Record<string, Schema> }> =
  {
    create_organization: {
      required: { org, name: str, slug: nullable(nonEmptyStr) },
      optional: fieldSchemas(ORGANIZATION_METADATA_FIELDS, () => ref('jsonObject')),
    },
    mark_organization: { required: { org, name: str, matchedBy: { type: 'string', const: 'name' } } },
    update_organization: { required: { org, changes: shape({ name: change(str) }) } },
    update_organization_metadata: {
      required: {
        org,
        mode: { type: 'string', enum: ['replace', 'merge'] },
        changes: metadataChanges(ORGANIZATION_METADATA_FIELDS),
        body: metadataBody(ORGANIZATION_METADATA_FIELDS),
      },
    },
    create_user: {
      required: {
        user,
        attributes: shape(
          {},
          fieldSchemas(USER_FIELDS, (row) => ATTRIBUTE_SCHEMAS[row.kind]),
        ),
      },
      optional: { password: ref('password'), passwordHasher: { type: 'string', enum: [...PASSWORD_HASHERS] } },
    },
    update_user: {
      required: {
        user,
        changes: shape(
          {},
          fieldSchemas(USER_PROFILE_FIELDS, () => change(nullable(str))),
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
        changes: metadataChanges(USER_METADATA_ROWS),
        body: metadataBody(USER_METADATA_ROWS),
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
        {
          source: shape({ file: str, line: ref('count') }),
          // Optional (manifests with overlays only): plans without it stay readable.
          provenance: recordOf(shape({ file: str, line: ref('count') })),
          ...OPERATION_FIELDS[type].optional,
        },
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
  ...shape(
    {
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
    },
    {
      // Optional: only a manifest with settings.policies has results (src/plan/policies.ts).
      policies: shape({
        protectedUsers: arrayOf(nonEmptyStr),
        results: arrayOf(
          shape(
            {
              policy: {
                type: 'string',
                enum: ['minAdmins', 'requiredAdmins', 'allowedEmailDomains', 'protectedUsers'],
              },
              subject: nonEmptyStr,
              status: { type: 'string', enum: ['passed', 'refused'] },
              message: str,
            },
            {
              code: nonEmptyStr,
              policySource: shape({ file: str, line: ref('count'), column: ref('count') }),
              source: shape({ file: str, line: ref('count'), column: ref('count') }),
            },
          ),
        ),
      }),
      // Optional: undo plans do not read users this way, and files written before it existed read every user.
      read: shape({
        strategy: { type: 'string', enum: ['full', 'targeted'] },
        reason: { type: 'string', enum: ['cost', 'option', 'prune', 'unmanaged', 'unfilterable', 'early'] },
        instanceUsers: ref('count'),
        declaredUsers: ref('count'),
        requests: shape({ full: ref('count'), targeted: ref('count') }),
      }),
      // Optional: only an approved subset (`plan --target`) has it.
      target: shape({ targets: arrayOf(nonEmptyStr), leftOut: arrayOf(nonEmptyStr) }),
    },
  ),
  definitions: OPERATION_DEFINITIONS,
};
