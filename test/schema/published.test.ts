// Every JSON Schema in schema/ is exactly the object its validator compiles: a stale file fails here.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { PUBLISHED_SCHEMAS } from '../../scripts/schemas.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe.each(PUBLISHED_SCHEMAS)('$file', ({ file, schema }) => {
  const published = JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, unknown>;

  it('is exactly the object its validator compiles (on failure: npm run schema)', () => {
    expect(published).toStrictEqual(JSON.parse(JSON.stringify(schema)));
  });

  it('is a draft-07 schema with an $id naming the file, compiled by ajv in strict mode', () => {
    expect(published.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(published.$id).toBe(`https://unpkg.com/clerk-sync/${file}`);
    const ajv = new Ajv({ strict: true, allowUnionTypes: true, discriminator: true, validateFormats: false });
    expect(() => ajv.compile(published)).not.toThrow();
  });
});
