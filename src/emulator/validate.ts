// Request body checks shaped like Clerk's: the bodies of these endpoints are `additionalProperties: false` in the spec,
// so an unknown field is a 422 `form_param_unknown`; a null where none is allowed is `form_param_nil`; a wrong JSON
// type is `form_param_type_invalid`; a missing required field is `form_param_missing`
// (docs/clerk-api.md#request-bodies-unknown-fields-are-refused, docs/clerk-api.md#errors-we-act-on). Each error names
// the field in `meta.param_name`.

import type { WireMetadata } from '../clerk/index.ts';
import { isPlainObject } from '../util/json.ts';
import { paramFormatInvalid, paramMissing, paramNil, paramTypeInvalid, paramUnknown, sizeExceeded } from './problem.ts';

export { isPlainObject };

type FieldKind = 'string' | 'boolean' | 'integer' | 'object' | 'string[]';

interface FieldSpec {
  kind: FieldKind;
  nullable: boolean;
  required: boolean;
}

export type BodySpec = Record<string, FieldSpec>;

/**
 * Compiles a compact body description: `{ user_id: 'string!', verified: 'boolean?', role: 'string' }`, where `?`
 * allows null and `!` makes the field required.
 */
export function bodySpec(fields: Record<string, string>): BodySpec {
  const spec: BodySpec = {};
  for (const [name, text] of Object.entries(fields)) {
    const nullable = text.endsWith('?');
    const required = text.endsWith('!');
    const kind = text.replace(/[?!]$/, '') as FieldKind;
    spec[name] = { kind, nullable, required };
  }
  return spec;
}

function matchesKind(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'object':
      return isPlainObject(value);
    case 'string[]':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

const KIND_LABEL: Record<FieldKind, string> = {
  string: 'string',
  boolean: 'boolean',
  integer: 'integer',
  object: 'object',
  'string[]': 'array of strings',
};

/** Checks a parsed JSON body against a spec; returns it typed as a record. */
export function checkBody(body: unknown, spec: BodySpec): Record<string, unknown> {
  if (!isPlainObject(body)) throw paramTypeInvalid('body', 'object');
  for (const name of Object.keys(body)) {
    if (!Object.hasOwn(spec, name)) throw paramUnknown(name);
  }
  for (const [name, field] of Object.entries(spec)) {
    const value = body[name];
    if (value === undefined) {
      if (field.required) throw paramMissing(name);
      continue;
    }
    if (value === null) {
      if (!field.nullable) throw paramNil(name);
      continue;
    }
    if (!matchesKind(value, field.kind)) throw paramTypeInvalid(name, KIND_LABEL[field.kind]);
  }
  return body;
}

// A pragmatic RFC 5322 subset: one @, no spaces, a dot in the domain.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
// E.164: '+', country code not starting with 0, at most 15 digits in all (docs/clerk-api.md#phone-numbers-are-e164).
const PHONE_PATTERN = /^\+[1-9]\d{6,14}$/;

export function normalizeEmail(value: string, param = 'email_address'): string {
  const email = value.trim().toLowerCase();
  if (!EMAIL_PATTERN.test(email) || email.length > 320) {
    throw paramFormatInvalid(param, `${param} must be a valid email address.`);
  }
  return email;
}

export function normalizePhone(value: string, param = 'phone_number'): string {
  const phone = value.trim();
  if (!PHONE_PATTERN.test(phone)) {
    throw paramFormatInvalid(param, `${param} must be a valid phone number according to E.164 international standard.`);
  }
  return phone;
}

/** Clerk's metadata cap: 8 KB per metadata object (docs/clerk-api.md#metadata-8-kb-no-documented-nesting-limit). */
export const METADATA_LIMIT_BYTES = 8192;

export function checkMetadataSize(param: string, value: WireMetadata): void {
  const json = JSON.stringify(value);
  // Length is a cheap lower bound of the UTF-8 size; only measure bytes when it could matter.
  if (json.length * 3 > METADATA_LIMIT_BYTES && Buffer.byteLength(json) > METADATA_LIMIT_BYTES) {
    throw sizeExceeded(param, METADATA_LIMIT_BYTES);
  }
}

/** Parses an RFC 3339 timestamp body field into Unix ms. */
export function parseTimestamp(param: string, value: string): number {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) {
    throw paramFormatInvalid(param, `${param} must be a valid RFC3339 date-time, e.g. 2012-10-20T07:15:20.902Z.`);
  }
  return ms;
}
