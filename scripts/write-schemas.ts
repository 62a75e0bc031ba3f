// `npm run schema`: writes each published JSON Schema in schema/ from the object its validator compiles, then
// formats the files as the repository does (a test fails when a published file differs from its object); and the
// validators compiled from them ahead of time, in src/generated/ (scripts/validators.ts).

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PUBLISHED_SCHEMAS } from './schemas.ts';
import { GENERATED_VALIDATORS, validatorModule, validatorTypes } from './validators.ts';

const root = join(import.meta.dirname, '..');
const files = PUBLISHED_SCHEMAS.map(({ file, schema }) => {
  const path = join(root, file);
  writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
  return path;
});
execFileSync(join(root, 'node_modules', '.bin', 'biome'), ['format', '--write', ...files], { stdio: 'inherit' });
for (const entry of GENERATED_VALIDATORS) {
  writeFileSync(join(root, entry.file), validatorModule(entry));
  writeFileSync(join(root, entry.file.replace(/\.js$/, '.d.ts')), validatorTypes(entry));
  files.push(join(root, entry.file));
}
process.stdout.write(`Wrote ${files.map((file) => file.slice(root.length + 1)).join(', ')}\n`);
