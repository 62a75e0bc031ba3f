// Validates response bodies against Clerk's OpenAPI spec (test/fixtures/clerk-openapi/2026-05-12.yml, vendored with
// its MIT licence and source in that folder, so a clean clone and CI have it),
// so a drifting emulator shape fails a test. OpenAPI 3.0 is not JSON Schema: `nullable: true` becomes
// `anyOf: [null, schema]`, `discriminator` and `x-*` annotations are dropped, and refs point into one registered
// document. Error statuses the operation does not declare are checked against the generic ClerkErrors schema.

import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import formatsModule, { type FormatsPlugin } from 'ajv-formats';
import { expect } from 'vitest';
import { parse } from 'yaml';

const SPEC_URL = new URL('../fixtures/clerk-openapi/2026-05-12.yml', import.meta.url);
const DOCUMENT_ID = 'clerk-openapi';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** OpenAPI 3.0 schema -> JSON Schema (draft 7 as ajv reads it). */
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'nullable' || key === 'discriminator' || key === 'example' || key.startsWith('x-')) continue;
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/')) {
      out[key] = `${DOCUMENT_ID}${value}`;
      continue;
    }
    // `properties` maps names to schemas: keep names such as `nullable` or `example` as they are.
    if (key === 'properties' && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, toJsonSchema(schema)]));
      continue;
    }
    out[key] = toJsonSchema(value);
  }
  if (node.nullable === true) {
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return { anyOf: [{ type: 'null' }, out] };
  }
  return out;
}

interface Loaded {
  ajv: Ajv;
  spec: JsonObject;
  cache: Map<string, ValidateFunction>;
}

let loaded: Loaded | undefined;

function load(): Loaded {
  if (loaded) return loaded;
  const spec = parse(readFileSync(SPEC_URL, 'utf8')) as JsonObject;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  // ajv-formats is CommonJS: under Node's ESM loader the default import is module.exports itself, while its type
  // declarations describe `exports.default`; accept both shapes.
  const addFormats: FormatsPlugin =
    (formatsModule as unknown as { default?: FormatsPlugin }).default ?? (formatsModule as unknown as FormatsPlugin);
  addFormats(ajv);
  const components = toJsonSchema(spec.components as Json);
  allowNullOrganizationSlug(components);
  ajv.addSchema({ $id: DOCUMENT_ID, components } as object);
  loaded = { ajv, spec, cache: new Map() };
  return loaded;
}

/**
 * The spec requires Organization.slug as a string, but the emulator answers `slug: null` for an organization created
 * while slugs are disabled (what Clerk answers then is undocumented: docs/clerk-api.md); accept exactly that.
 */
function allowNullOrganizationSlug(components: Json): void {
  const schemas = isObject(components) ? components.schemas : undefined;
  const organization = isObject(schemas) ? schemas.Organization : undefined;
  const properties = isObject(organization) ? organization.properties : undefined;
  if (!isObject(properties) || !isObject(properties.slug)) throw new Error('the spec has no Organization.slug');
  properties.slug = { anyOf: [{ type: 'null' }, properties.slug] };
}

function resolve(spec: JsonObject, node: Json | undefined): Json | undefined {
  let current = node;
  for (let depth = 0; isObject(current) && typeof current.$ref === 'string' && depth < 10; depth++) {
    let target: Json | undefined = spec;
    for (const part of current.$ref.slice(2).split('/')) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      target = isObject(target) ? target[key] : undefined;
    }
    current = target;
  }
  return current;
}

function validatorFor(method: string, pathTemplate: string, status: number): ValidateFunction {
  const { ajv, spec, cache } = load();
  const cacheKey = `${method} ${pathTemplate} ${status}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const paths = spec.paths as JsonObject;
  const item = paths[pathTemplate];
  if (!isObject(item)) throw new Error(`the spec has no path ${pathTemplate}`);
  const operation = item[method.toLowerCase()];
  if (!isObject(operation)) throw new Error(`the spec has no ${method} ${pathTemplate}`);
  const responses = operation.responses as JsonObject;
  let schema: Json | undefined;
  const response = resolve(spec, responses[String(status)]);
  if (isObject(response) && isObject(response.content)) {
    const media = response.content['application/json'];
    schema = isObject(media) ? media.schema : undefined;
  }
  if (schema === undefined) {
    if (status < 400) throw new Error(`the spec declares no JSON body for ${method} ${pathTemplate} ${status}`);
    // Clerk answers every error with the ClerkErrors body (docs/clerk-api.md#the-error-envelope), declared or not.
    schema = { $ref: '#/components/schemas/ClerkErrors' };
  }
  const validate = ajv.compile(toJsonSchema(schema) as object);
  cache.set(cacheKey, validate);
  return validate;
}

/** Throws (failing the test) unless `body` matches the spec's response schema for this operation and status. */
export function expectMatchesSpec(method: string, pathTemplate: string, status: number, body: unknown): void {
  const validate = validatorFor(method, pathTemplate, status);
  const valid = validate(body);
  const errors = valid ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
  expect(errors, `${method} ${pathTemplate} ${status} does not match the spec`).toEqual([]);
}
