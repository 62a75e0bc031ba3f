// One way to check a JSON value against a JSON Schema of ours: compiled ahead of time by ajv (strict, first error
// only; src/generated, scripts/validators.ts), and the first error said as `<path> must be <what>`, the path written
// as in JavaScript (`operations[0].user.key`).

import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import { isPlainObject, pointerSegments } from './json.ts';

/** What is wrong with a value: where, and what was expected there. */
export interface SchemaProblem {
  /** `(root)`, `(root).operations[0].user.key`... */
  path: string;
  expected: string;
}

export type SchemaCheck = (value: unknown) => SchemaProblem | undefined;

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** `(root).a[0].b` for the segments a, 0, b, where a number indexes an array only when the value there is one. */
function pathOf(root: string, segments: readonly string[], data: unknown): string {
  let path = root;
  let current = data;
  for (const segment of segments) {
    path += Array.isArray(current) ? `[${segment}]` : `.${segment}`;
    current =
      Array.isArray(current) || isPlainObject(current) ? (current as Record<string, unknown>)[segment] : undefined;
  }
  return path;
}

function oneOf(values: readonly unknown[]): string {
  return `one of ${values.map((value) => JSON.stringify(value)).join(', ')}`;
}

/** The tag values a `discriminator` schema's branches carry. */
function tagValues(schema: unknown, tag: string): unknown[] {
  const branches = isPlainObject(schema) && Array.isArray(schema.oneOf) ? schema.oneOf : [];
  return branches.map(
    (branch) => (branch as { properties: Record<string, { const: unknown }> }).properties[tag]?.const,
  );
}

function problemOf(error: ErrorObject, root: string, data: unknown): SchemaProblem {
  const segments = pointerSegments(error.instancePath);
  const at = (...more: string[]): string => pathOf(root, [...segments, ...more], data);
  const schema = error.parentSchema as Record<string, unknown> | undefined;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: at(String(params.missingProperty)), expected: 'present' };
    case 'additionalProperties':
      return { path: at(String(params.additionalProperty)), expected: 'absent (unknown field)' };
    case 'type': {
      if (schema?.type === 'integer' && schema.minimum === 0) return { path: at(), expected: 'a non-negative integer' };
      const types = String(params.type).split(',');
      return { path: at(), expected: types.map((type) => TYPE_NAMES[type] ?? type).join(' or ') };
    }
    case 'minLength':
      return { path: at(), expected: 'a non-empty string' };
    case 'minimum':
      return {
        path: at(),
        expected:
          schema?.type === 'integer' && params.limit === 0
            ? 'a non-negative integer'
            : `a number >= ${String(params.limit)}`,
      };
    case 'const':
      return { path: at(), expected: oneOf([params.allowedValue]) };
    case 'enum':
      return { path: at(), expected: oneOf(params.allowedValues as unknown[]) };
    case 'propertyNames': {
      const names = (schema?.propertyNames as { enum?: unknown[] } | undefined)?.enum;
      return {
        path: `${at()} key ${JSON.stringify(params.propertyName)}`,
        expected: names ? oneOf(names) : 'a valid key',
      };
    }
    case 'discriminator': {
      const tag = String(params.tag);
      return { path: at(tag), expected: oneOf(tagValues(schema, tag)) };
    }
    default:
      return { path: at(), expected: `valid (${error.keyword}: ${error.message ?? 'invalid'})` };
  }
}

/** The ajv settings of these checks, as scripts/validators.ts compiles them: strict, discriminators on. */
export const DOCUMENT_AJV_OPTIONS: Options = {
  strict: true,
  allowUnionTypes: true,
  discriminator: true,
  verbose: true,
};

/** A compiled validator (src/generated/document-validators.ts) as a check that names the first problem it finds. */
export function schemaCheck(validate: ValidateFunction, root = '(root)'): SchemaCheck {
  return (value) => {
    if (validate(value)) return undefined;
    const errors = validate.errors ?? [];
    // A bad key of an object is reported twice (the key's own error first); the propertyNames one names the key.
    const error = errors.find((item) => item.keyword === 'propertyNames') ?? errors[0];
    return error === undefined ? { path: root, expected: 'valid' } : problemOf(error, root, value);
  };
}
