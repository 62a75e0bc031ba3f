// The saved-plan file: serializePlan writes the Plan as 2-space JSON (key order as built, so the same inputs give
// the same bytes); parsePlan reads one back and checks formatVersion and the full shape before anything trusts it.
// The format is documented in docs/json-plan.md.

import { PlanError } from '../errors.ts';
import type { FieldKind, FieldRow } from '../fields/descriptor.ts';
import { ORGANIZATION_METADATA_FIELDS } from '../fields/organization-fields.ts';
import { USER_FIELDS, USER_PROFILE_FIELDS } from '../fields/user-fields.ts';
import { type OperationType, PLAN_FORMAT_VERSION, type Plan } from './types.ts';

export function serializePlan(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

// ---- a small structural validator: each check throws a PlanError naming the JSON path ----

type Check = (value: unknown, path: string) => void;

function fail(path: string, expected: string): never {
  throw new PlanError(`not a valid clerk-sync plan: ${path} must be ${expected}`, {
    meta: { path },
    hint: 'Use a file written by `clerk-sync plan --out`, unmodified.',
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const str: Check = (value, path) => {
  if (typeof value !== 'string') fail(path, 'a string');
};
const nonEmptyStr: Check = (value, path) => {
  if (typeof value !== 'string' || value === '') fail(path, 'a non-empty string');
};
const num: Check = (value, path) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, 'a number');
};
const count: Check = (value, path) => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) fail(path, 'a non-negative integer');
};
const bool: Check = (value, path) => {
  if (typeof value !== 'boolean') fail(path, 'a boolean');
};
const nullable =
  (check: Check): Check =>
  (value, path) => {
    if (value !== null) check(value, path);
  };
const literal =
  (...allowed: readonly unknown[]): Check =>
  (value, path) => {
    if (!allowed.includes(value)) fail(path, `one of ${allowed.map((item) => JSON.stringify(item)).join(', ')}`);
  };
const arrayOf =
  (check: Check): Check =>
  (value, path) => {
    if (!Array.isArray(value)) fail(path, 'an array');
    value.forEach((item, index) => {
      check(item, `${path}[${index}]`);
    });
  };
const recordOf =
  (check: Check): Check =>
  (value, path) => {
    if (!isRecord(value)) fail(path, 'an object');
    for (const [key, item] of Object.entries(value)) check(item, `${path}.${key}`);
  };
const jsonValue: Check = (value, path) => {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') return num(value, path);
  if (Array.isArray(value)) return arrayOf(jsonValue)(value, path);
  if (isRecord(value)) return recordOf(jsonValue)(value, path);
  fail(path, 'a JSON value');
};
const jsonObject: Check = (value, path) => recordOf(jsonValue)(value, path);

/** An object with exactly these keys (optional ones may be missing); unknown keys are refused. */
function shape(required: Record<string, Check>, optional: Record<string, Check> = {}): Check {
  return (value, path) => {
    if (!isRecord(value)) fail(path, 'an object');
    for (const [key, check] of Object.entries(required)) {
      if (!Object.hasOwn(value, key)) fail(`${path}.${key}`, 'present');
      check(value[key], `${path}.${key}`);
    }
    for (const [key, item] of Object.entries(value)) {
      if (Object.hasOwn(required, key)) continue;
      // Own keys only: `constructor` or `toString` must not find Object.prototype's and pass as a known field.
      const check = Object.hasOwn(optional, key) ? optional[key] : undefined;
      if (!check) fail(`${path}.${key}`, 'absent (unknown field)');
      check(item, `${path}.${key}`);
    }
  };
}

const userRef = shape({ key: nullable(str), userId: nullable(nonEmptyStr) }, { label: str });
const orgRef = shape({ slug: nonEmptyStr, organizationId: nullable(nonEmptyStr) });
const change = (check: Check): Check => shape({ before: check, after: check });
const patchOp = shape(
  { op: literal('add', 'remove', 'replace', 'move', 'copy', 'test'), path: str },
  { value: jsonValue, from: str },
);
const metadataChange = shape({ before: jsonObject, after: jsonObject, patch: arrayOf(patchOp) });
const password: Check = (value, path) => {
  if (isRecord(value) && value.kind === 'inline') return shape({ kind: literal('inline') })(value, path);
  shape({ kind: literal('env'), variable: nonEmptyStr })(value, path);
};

/** A create_user attribute's check by its field's kind; undefined: never an attribute. */
const ATTRIBUTE_CHECKS: Record<FieldKind, Check | undefined> = {
  identifier: str,
  nullableString: nullable(str),
  timestamp: str,
  identifierList: arrayOf(str),
  metadata: jsonObject,
  flag: bool,
  secret: undefined,
  memberships: undefined,
  key: undefined,
  name: undefined,
  role: undefined,
};

/** Checks keyed by field name, for the rows that have one. */
function fieldChecks(rows: readonly FieldRow[], check: (kind: FieldKind) => Check | undefined): Record<string, Check> {
  const checks: Record<string, Check> = {};
  for (const row of rows) {
    const found = check(row.kind);
    if (found) checks[row.name] = found;
  }
  return checks;
}

const METADATA_ROWS = USER_FIELDS.filter((row) => row.kind === 'metadata');

const OPERATION_FIELDS: Record<OperationType, { required: Record<string, Check>; optional?: Record<string, Check> }> = {
  create_organization: {
    required: { org: orgRef, name: str, slug: nullable(nonEmptyStr) },
    optional: fieldChecks(ORGANIZATION_METADATA_FIELDS, () => jsonObject),
  },
  mark_organization: { required: { org: orgRef, name: str, matchedBy: literal('name') } },
  update_organization: { required: { org: orgRef, changes: shape({ name: change(str) }) } },
  update_organization_metadata: {
    required: {
      org: orgRef,
      mode: literal('replace', 'merge'),
      changes: shape(
        {},
        fieldChecks(ORGANIZATION_METADATA_FIELDS, () => metadataChange),
      ),
      body: shape({}, Object.fromEntries(ORGANIZATION_METADATA_FIELDS.map((row) => [row.wire, jsonObject]))),
    },
  },
  create_user: {
    required: {
      user: userRef,
      attributes: shape(
        {},
        fieldChecks(USER_FIELDS, (kind) => ATTRIBUTE_CHECKS[kind]),
      ),
    },
    optional: { password },
  },
  update_user: {
    required: {
      user: userRef,
      changes: shape(
        {},
        fieldChecks(USER_PROFILE_FIELDS, () => change(nullable(str))),
      ),
    },
  },
  add_email_address: { required: { user: userRef, emailAddress: str, primary: bool } },
  set_primary_email_address: {
    required: { user: userRef, emailAddress: str, emailAddressId: nonEmptyStr, before: nullable(str) },
  },
  remove_email_address: { required: { user: userRef, emailAddress: str, emailAddressId: nonEmptyStr } },
  add_phone_number: { required: { user: userRef, phoneNumber: str, primary: bool } },
  set_primary_phone_number: {
    required: { user: userRef, phoneNumber: str, phoneNumberId: nonEmptyStr, before: nullable(str) },
  },
  remove_phone_number: { required: { user: userRef, phoneNumber: str, phoneNumberId: nonEmptyStr } },
  update_metadata: {
    required: {
      user: userRef,
      mode: literal('replace', 'merge'),
      changes: shape(
        {},
        fieldChecks(METADATA_ROWS, () => metadataChange),
      ),
      body: shape({}, Object.fromEntries(METADATA_ROWS.map((row) => [row.wire, jsonObject]))),
    },
  },
  ban_user: { required: { user: userRef } },
  unban_user: { required: { user: userRef } },
  lock_user: { required: { user: userRef } },
  unlock_user: { required: { user: userRef } },
  create_membership: { required: { org: orgRef, user: userRef, role: nonEmptyStr } },
  update_membership_role: {
    required: {
      org: orgRef,
      user: userRef,
      membershipId: nonEmptyStr,
      changes: shape({ role: change(nonEmptyStr) }),
      downgrade: bool,
    },
  },
  delete_membership: { required: { org: orgRef, user: userRef, membershipId: nonEmptyStr, role: str } },
  delete_user: { required: { user: userRef, label: str, reason: literal('prune', 'undo') } },
};

const OPERATION_TYPES = Object.keys(OPERATION_FIELDS) as OperationType[];

const operation: Check = (value, path) => {
  if (!isRecord(value)) fail(path, 'an object');
  if (!OPERATION_TYPES.includes(value.type as OperationType))
    fail(`${path}.type`, `a known operation type (${OPERATION_TYPES.join(', ')})`);
  const fields = OPERATION_FIELDS[value.type as OperationType];
  shape(
    { id: nonEmptyStr, type: str, dependsOn: arrayOf(nonEmptyStr), ...fields.required },
    { source: shape({ file: str, line: count }), ...fields.optional },
  )(value, path);
};

const versions = recordOf(shape({ updatedAt: num }));
const sourcePosition = shape({ file: str, line: count, column: count });
const planShape = shape({
  formatVersion: literal(PLAN_FORMAT_VERSION),
  source: (value, path) => {
    if (isRecord(value) && value.kind === 'undo')
      return shape({ kind: literal('undo'), journal: nonEmptyStr })(value, path);
    shape({ kind: literal('manifest'), files: arrayOf(nonEmptyStr) })(value, path);
  },
  instance: shape({ apiUrl: nullable(nonEmptyStr), environment: literal('development', 'production', null) }),
  fingerprints: shape({ manifest: str, live: str }),
  settings: shape({
    userKey: literal('externalId', 'emailAddress', 'username'),
    metadataMode: literal('replace', 'merge'),
    prune: bool,
  }),
  operations: arrayOf(operation),
  summary: shape({
    create: count,
    change: count,
    delete: count,
    byType: (value, path) => {
      recordOf(count)(value, path);
      for (const key of Object.keys(value as object)) literal(...OPERATION_TYPES)(key, `${path} key`);
    },
    usersTouched: count,
  }),
  liveVersions: shape({ users: versions, organizations: versions, memberships: versions }),
  warnings: arrayOf(
    shape(
      { code: nonEmptyStr, severity: literal('refusal', 'warning'), message: str },
      { source: sourcePosition, hint: str },
    ),
  ),
});

export function parsePlan(text: string): Plan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PlanError('not a valid clerk-sync plan: the file is not JSON', {
      cause: error,
      hint: 'Use a file written by `clerk-sync plan --out`.',
    });
  }
  if (!isRecord(value)) fail('(root)', 'an object');
  if (value.formatVersion !== PLAN_FORMAT_VERSION) {
    throw new PlanError(
      `unsupported plan formatVersion ${JSON.stringify(value.formatVersion)} (this clerk-sync reads ${PLAN_FORMAT_VERSION})`,
      {
        meta: { formatVersion: typeof value.formatVersion === 'number' ? value.formatVersion : null },
        hint: 'Plan again with this version of clerk-sync: `clerk-sync plan --out PLAN`.',
      },
    );
  }
  planShape(value, '(root)');
  const plan = value as unknown as Plan;
  const ids = new Set<string>();
  plan.operations.forEach((op, index) => {
    if (ids.has(op.id)) fail(`operations[${index}].id`, `unique ("${op.id}" appears twice)`);
    ids.add(op.id);
  });
  plan.operations.forEach((op, index) => {
    op.dependsOn.forEach((dependency, position) => {
      if (!ids.has(dependency))
        fail(
          `operations[${index}].dependsOn[${position}]`,
          `the id of an operation in the plan ("${dependency}" is not)`,
        );
    });
  });
  return plan;
}
