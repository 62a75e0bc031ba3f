// `npm run schema`: writes schema/manifest.schema.json from MANIFEST_SCHEMA (built from the field tables in
// src/fields); the npm script then formats it with Biome. test/manifest/schema.test.ts fails while the file is stale.

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MANIFEST_SCHEMA } from '../src/manifest/schema.ts';

const target = fileURLToPath(new URL('../schema/manifest.schema.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(MANIFEST_SCHEMA, null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
