// The JSON Schema is the single source of the manifest's shape: schema/manifest.schema.json must be exactly the
// object the validator compiles, every property must be documented, objects must be closed, and every example
// manifest must validate.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFakeValues } from '../../src/manifest/generate-fake.ts';
import { MANIFEST_SCHEMA, parseManifest } from '../../src/manifest/index.ts';
import { EMAIL_FORMAT } from '../../src/manifest/schema.ts';

// An example may generate users with fake values (examples/load-test.yaml): parseManifest needs faker loaded.
beforeAll(loadFakeValues);

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const schemaFile = JSON.parse(readFileSync(join(ROOT, 'schema/manifest.schema.json'), 'utf8')) as unknown;

type SchemaNode = Record<string, unknown>;

/** Every schema object in the tree, with its path. */
function walk(node: SchemaNode, path: string, out: [string, SchemaNode][] = []): [string, SchemaNode][] {
  out.push([path, node]);
  const properties = (node.properties ?? {}) as Record<string, SchemaNode>;
  for (const [name, child] of Object.entries(properties)) walk(child, `${path}.${name}`, out);
  if (node.items && typeof node.items === 'object') walk(node.items as SchemaNode, `${path}[]`, out);
  return out;
}

describe('manifest JSON Schema', () => {
  it('schema/manifest.schema.json is exactly MANIFEST_SCHEMA (the object the validator compiles)', () => {
    expect(schemaFile, 'schema/manifest.schema.json is stale: run npm run schema').toStrictEqual(
      JSON.parse(JSON.stringify(MANIFEST_SCHEMA)),
    );
  });

  it('is a valid draft-07 schema with an $id, compiled by ajv in strict mode', () => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true, validateFormats: false });
    expect((schemaFile as SchemaNode).$id).toMatch(/^https:\/\/.+manifest\.schema\.json$/);
    expect((schemaFile as SchemaNode).$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(() => ajv.compile(schemaFile as SchemaNode)).not.toThrow();
  });

  it('documents every property and item with a title and a description', () => {
    const undocumented = walk(schemaFile as SchemaNode, '$').filter(
      ([, node]) =>
        typeof node.title !== 'string' ||
        typeof node.description !== 'string' ||
        (node.description as string).length < 10,
    );
    expect(undocumented.map(([path]) => path)).toEqual([]);
  });

  it('closes every object that declares properties (additionalProperties: false); metadata stays open', () => {
    const nodes = walk(schemaFile as SchemaNode, '$');
    const open = nodes.filter(([, node]) => node.properties !== undefined && node.additionalProperties !== false);
    expect(open.map(([path]) => path)).toEqual([]);
    const metadata = nodes.filter(([path]) => /Metadata$/.test(path)).map(([path, node]) => [path, node.type]);
    expect(metadata).toEqual([
      ['$.organizations[].publicMetadata', 'object'],
      ['$.organizations[].privateMetadata', 'object'],
      ['$.users[].publicMetadata', 'object'],
      ['$.users[].privateMetadata', 'object'],
      ['$.users[].unsafeMetadata', 'object'],
      ['$.generate[].publicMetadata', 'object'],
      ['$.generate[].privateMetadata', 'object'],
      ['$.generate[].unsafeMetadata', 'object'],
    ]);
  });

  it('every example manifest validates and starts with the yaml-language-server schema line', () => {
    const examples = readdirSync(join(ROOT, 'examples')).filter((name) => /\.ya?ml$/.test(name));
    expect(examples).toContain('basic.yaml');
    for (const name of examples) {
      const text = readFileSync(join(ROOT, 'examples', name), 'utf8');
      expect(text.split('\n')[0], name).toBe('# yaml-language-server: $schema=../schema/manifest.schema.json');
      // Variables without a default get a placeholder value; the example must not depend on the caller's env.
      const env = Object.fromEntries(
        [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => [m[1], 'example-password-1']),
      );
      const result = parseManifest([{ file: `examples/${name}`, text }], { env });
      const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
      expect(errors, name).toEqual([]);
      expect(result.desired?.users.length, name).toBeGreaterThan(0);
    }
  });
});

describe('the email format', () => {
  it("is ajv-formats' fullFormats.email, which the validator no longer loads the package for", async () => {
    const { fullFormats } = (await import('ajv-formats/dist/formats.js')) as unknown as {
      fullFormats: { email: RegExp };
    };
    expect(EMAIL_FORMAT.source).toBe(fullFormats.email.source);
    expect(EMAIL_FORMAT.flags).toBe(fullFormats.email.flags);
  });
});
