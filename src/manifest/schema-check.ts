// JSON Schema validation of one file's data with ajv (allErrors), and the translation of each ajv error into a
// diagnostic at the YAML node its instancePath names, with a message that says what is wrong in manifest terms.
// Values that came from environment variables are never quoted.

import type { ErrorObject, ValidateFunction } from 'ajv';
import { isScalar } from 'yaml';
import { TIMESTAMP_PATTERN } from '../fields/values.ts';
import * as compiled from '../generated/manifest-validators.js';
import { pointerSegments } from '../util/json.ts';
import { diagnosticAt, locate, type ParsedFile, spanAt } from './positions.ts';
import {
  IGNORE_PATTERN,
  ignorePathProblem,
  PHONE_PATTERN,
  ROLE_PATTERN,
  SLUG_PATTERN,
  USERNAME_PATTERN,
} from './schema.ts';
import { didYouMean } from './suggest.ts';
import type { Diagnostic } from './types.ts';

// The validators are compiled ahead of time (src/generated, scripts/validators.ts): a start compiles no schema.

/** The validator of MANIFEST_SCHEMA. */
export function manifestValidator(): ValidateFunction {
  return compiled.manifest;
}

/** The validator of OVERLAY_SCHEMA. */
export function overlayValidator(): ValidateFunction {
  return compiled.overlay;
}

/** The validator of PROJECT_SCHEMA (project files), with the manifest's settings. */
export function projectValidator(): ValidateFunction {
  return compiled.project;
}

function fieldName(path: readonly string[]): string {
  const last = path[path.length - 1];
  if (last === undefined) return 'the manifest';
  if (/^\d+$/.test(last)) {
    const parent = path[path.length - 2];
    return parent === undefined ? `item ${last}` : `${parent}[${last}]`;
  }
  return last;
}

/** What kind of entry a mapping at this path is, for "<entry> is missing ...". */
function entryName(path: readonly string[]): string {
  if (path.length === 0) return 'the manifest';
  const [top] = path;
  if (path.length === 2 && top === 'organizations') return 'organization';
  if (path.length === 2 && top === 'users') return 'user';
  if (path.length === 4 && top === 'users' && path[2] === 'memberships') return 'membership';
  return fieldName(path);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'boolean') return `${value}`;
  if (typeof value === 'number') return `the number ${value}`;
  return 'a string';
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  null: 'null',
  object: 'a mapping',
  array: 'a list',
  boolean: 'true or false',
  number: 'a number',
  integer: 'an integer',
};

function typeWords(type: unknown): string {
  const list = Array.isArray(type) ? type : [type];
  return list.map((entry) => TYPE_WORDS[String(entry)] ?? String(entry)).join(' or ');
}

interface ErrorContext {
  file: ParsedFile;
  path: string[];
  /** The value, quoted, or a neutral phrase when it came from the environment. */
  shown: string;
  secret: boolean;
}

function patternProblem(error: ErrorObject, context: ErrorContext): { code: string; message: string; hint?: string } {
  const value = typeof error.data === 'string' ? error.data : '';
  const field = fieldName(context.path);
  switch (error.schema) {
    case PHONE_PATTERN: {
      const compact = value.replaceAll(/[\s().-]/g, '');
      const fixed = new RegExp(PHONE_PATTERN).test(compact) ? compact : undefined;
      return {
        code: 'invalid_phone',
        message: `${context.shown} is not an E.164 phone number${!context.secret && fixed ? ` (did you mean "${fixed}"?)` : ''}`,
        hint: 'Write + then the country code and number, digits only, like "+15555550100" (quote it in YAML).',
      };
    }
    case ROLE_PATTERN: {
      const bare = /^[a-z0-9][a-z0-9_-]*$/.test(value.toLowerCase()) ? `org:${value.toLowerCase()}` : undefined;
      return {
        code: 'invalid_role',
        message: `role ${context.shown} is not a role key of the form org:<name>${!context.secret && bare ? ` (did you mean "${bare}"?)` : ''}`,
        hint: 'Use org:admin, org:member or a custom role key such as org:billing.',
      };
    }
    case USERNAME_PATTERN: {
      const lower = value.toLowerCase();
      const fixed = lower !== value && new RegExp(USERNAME_PATTERN).test(lower) ? lower : undefined;
      return {
        code: 'invalid_username',
        message: `username ${context.shown} must be 4 to 64 characters of a-z, 0-9, "_" and "-"${!context.secret && fixed ? ` (did you mean "${fixed}"?)` : ''}`,
      };
    }
    case SLUG_PATTERN:
      return {
        code: 'invalid_slug',
        message: `organization slug ${context.shown} may only contain lower-case letters, digits and "-"`,
      };
    case TIMESTAMP_PATTERN:
      return {
        code: 'invalid_timestamp',
        message: `${field} ${context.shown} is not an RFC 3339 date-time`,
        hint: 'Write a date, T, a time and a zone, like "2024-05-01T12:00:00Z" or "2024-05-01T14:00:00+02:00".',
      };
    case IGNORE_PATTERN:
      return { code: 'invalid_ignore_path', ...ignorePathProblem(`ignore path ${context.shown}`, value) };
    default:
      return { code: 'invalid_value', message: `${field} ${context.shown} does not match ${String(error.schema)}` };
  }
}

function describe(error: ErrorObject, context: ErrorContext): { code: string; message: string; hint?: string } {
  const field = fieldName(context.path);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const parent = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
      const allowed = Object.keys(parent?.properties ?? {});
      return {
        code: 'unknown_field',
        message: `unknown field "${name}"${didYouMean(name, allowed)}`,
        hint: `Fields allowed in ${entryName(context.path)}: ${allowed.join(', ')}.`,
      };
    }
    case 'required': {
      const name = String(params.missingProperty);
      const topLevel = context.path.length === 0 && name === 'apiVersion';
      return {
        code: 'missing_field',
        message: `${entryName(context.path)} is missing the required field "${name}"`,
        ...(topLevel ? { hint: 'Add `apiVersion: clerk-sync/v1` at the top of every manifest file.' } : {}),
      };
    }
    case 'const':
      if (field === 'overlay') {
        return {
          code: 'invalid_value',
          message: `overlay must be true, got ${context.shown}`,
          hint: 'An overlay file says `overlay: true`; a base manifest file has no overlay key.',
        };
      }
      return {
        code: 'wrong_api_version',
        message: `apiVersion must be "${String(params.allowedValue)}", got ${context.shown}`,
        hint: 'This version of clerk-sync reads clerk-sync/v1 manifests.',
      };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const suggestion = typeof error.data === 'string' && !context.secret ? didYouMean(error.data, allowed) : '';
      return {
        code: 'invalid_value',
        message: `${field} must be one of ${allowed.join(', ')}; got ${context.shown}${suggestion}`,
      };
    }
    case 'type': {
      const emptyKey = error.data === null;
      return {
        code: 'invalid_type',
        message: `${field} must be ${typeWords(params.type)}, got ${kindOf(error.data)}`,
        ...(emptyKey
          ? {
              hint: 'A key with nothing after it is null in YAML: write [] for an empty list or {} for an empty mapping.',
            }
          : typeof error.data === 'number' || typeof error.data === 'boolean'
            ? { hint: 'Quote the value to make it a string.' }
            : {}),
      };
    }
    case 'format':
      return {
        code: 'invalid_email',
        message: `${context.shown} is not a valid email address`,
      };
    case 'pattern':
      return patternProblem(error, context);
    case 'minLength':
      if (context.path[context.path.length - 1] === 'password') {
        return {
          code: 'password_too_short',
          message: `password must be at least ${String(params.limit)} characters (Clerk's minimum)`,
        };
      }
      return { code: 'invalid_value', message: `${field} must not be empty` };
    case 'maximum':
    case 'minimum':
      return {
        code: 'invalid_value',
        message: `${field} must be at ${error.keyword === 'maximum' ? 'most' : 'least'} ${String(params.limit)}, got ${context.shown}`,
      };
    case 'maxLength':
      return {
        code: 'string_too_long',
        message: `${field} is longer than ${String(params.limit)} characters`,
      };
    default:
      return { code: 'invalid_value', message: `${field} ${error.message ?? 'is not valid'}` };
  }
}

function showValue(file: ParsedFile, path: readonly string[], value: unknown): { shown: string; secret: boolean } {
  const node = locate(file, path)?.node;
  const result = isScalar(node) ? file.interpolated.get(node) : undefined;
  if (result && result.variables.length > 0) {
    return { shown: `the value of \${${result.variables.join('}, ${')}}`, secret: true };
  }
  if (path[path.length - 1] === 'password') return { shown: 'the password', secret: true };
  if (path[path.length - 1] === 'passwordDigest') return { shown: 'the password digest', secret: true };
  if (typeof value === 'string') {
    return { shown: JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value), secret: false };
  }
  return { shown: kindOf(value), secret: false };
}

/** The scalar is written as exactly one `${VAR}`, without a default: quoting it shows nothing secret. */
function plainReference(file: ParsedFile, node: unknown): boolean {
  if (!isScalar(node)) return false;
  const result = file.interpolated.get(node);
  return result?.single === true && result.template === String(node.value);
}

/** Problems of one generated user, in the checks its template was spared (patterns, formats, lengths), at `base`. */
export function checkExpandedUser(file: ParsedFile, base: readonly string[], user: unknown): Diagnostic[] {
  const compiledUser = compiled.manifestUser;
  if (compiledUser(user)) return [];
  const diagnostics: Diagnostic[] = [];
  for (const error of compiledUser.errors ?? []) {
    // The template's schema check reported the rest (types, unknown fields) once.
    if (error.keyword !== 'pattern' && error.keyword !== 'format' && error.keyword !== 'maxLength') continue;
    const path = [...base, ...pointerSegments(error.instancePath)];
    const { shown, secret } = showValue(file, path, error.data);
    const problem = describe(error, { file, path, shown, secret });
    diagnostics.push(diagnosticAt(file, spanAt(file, path), { severity: 'error', ...problem }));
  }
  return diagnostics;
}

/** Validates one file's data against MANIFEST_SCHEMA (OVERLAY_SCHEMA for an overlay); one diagnostic per problem. */
export function checkSchema(file: ParsedFile, validate: ValidateFunction = manifestValidator()): Diagnostic[] {
  if (validate(file.value)) return [];
  const diagnostics: Diagnostic[] = [];
  for (const error of validate.errors ?? []) {
    const path = pointerSegments(error.instancePath);
    // A value whose `${VAR}` could not be filled in was already reported; checking the rest of it adds noise.
    const node = locate(file, path)?.node;
    if (isScalar(node) && (file.interpolated.get(node)?.problems.length ?? 0) > 0) continue;
    let span = spanAt(file, path);
    if (error.keyword === 'additionalProperties') {
      span = spanAt(
        file,
        [...path, String((error.params as { additionalProperty: string }).additionalProperty)],
        'key',
      );
    }
    const { shown, secret } = showValue(file, path, error.data);
    const problem = describe(error, { file, path, shown, secret });
    // A password is never quoted as written, unless it is written as one plain ${VAR} (no default).
    const concealed =
      (path[path.length - 1] === 'password' || path[path.length - 1] === 'passwordDigest') &&
      !plainReference(file, node);
    diagnostics.push(diagnosticAt(file, span, { severity: 'error', ...problem, ...(concealed ? { concealed } : {}) }));
  }
  return diagnostics;
}
