// Part of `npm run build`: the validators in src/generated/ are plain JavaScript with their types beside them
// (scripts/validators.ts writes them); tsc does not copy them, so this does, as they are.

import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const from = join(root, 'src', 'generated');
const to = join(root, 'dist', 'generated');
mkdirSync(to, { recursive: true });
for (const name of readdirSync(from)) {
  if (name.endsWith('.js') || name.endsWith('.d.ts')) copyFileSync(join(from, name), join(to, name));
}
