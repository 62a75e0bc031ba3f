// The validators in src/generated/ are exactly what ajv compiles from the schemas now: a stale file fails here.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { GENERATED_VALIDATORS, validatorModule, validatorTypes } from '../../scripts/validators.ts';
import * as documents from '../../src/generated/document-validators.js';
import * as manifests from '../../src/generated/manifest-validators.js';
import { EMAIL_FORMAT, MANIFEST_AJV_OPTIONS, MANIFEST_SCHEMA } from '../../src/manifest/schema.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe.each(GENERATED_VALIDATORS)('$file', (entry) => {
  it('is the code ajv makes of the schemas now (on failure: npm run schema)', () => {
    expect(readFileSync(join(ROOT, entry.file), 'utf8') === validatorModule(entry)).toBe(true);
    expect(readFileSync(join(ROOT, entry.file.replace(/\.js$/, '.d.ts')), 'utf8')).toBe(validatorTypes(entry));
  });

  it('exports one validator per schema, and nothing else', () => {
    const module = entry.file.includes('manifest') ? manifests : documents;
    expect(Object.keys(module).sort()).toEqual(Object.keys(entry.schemas).sort());
  });
});

describe('the generated manifest validator', () => {
  const validate = manifests.manifest;
  const document = {
    apiVersion: 'clerk-sync/v1',
    users: [{ externalId: 'u1', emailAddresses: ['not-an-email'], phoneNumbers: ['12'], frist: 'x' }],
  };

  it('reports every error, as the manifest settings compiled at run time do, with the schema verbose errors name', () => {
    const ajv = new Ajv(MANIFEST_AJV_OPTIONS);
    ajv.addFormat('email', EMAIL_FORMAT);
    const runtime = ajv.compile(MANIFEST_SCHEMA);
    expect(validate(document)).toBe(false);
    expect(runtime(document)).toBe(false);
    const shape = (errors: unknown) =>
      (errors as { instancePath: string; keyword: string; schema: unknown }[]).map(
        ({ instancePath, keyword, schema }) => ({
          instancePath,
          keyword,
          schema: typeof schema === 'object' ? 'object' : schema,
        }),
      );
    expect(shape(validate.errors)).toEqual(shape(runtime.errors));
    expect(shape(validate.errors).map((error) => error.keyword)).toEqual(['additionalProperties', 'format', 'pattern']);
  });
});
