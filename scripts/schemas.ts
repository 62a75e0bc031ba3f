// The JSON Schemas published in schema/, each with the object its validator compiles.

import { JOURNAL_LINE_SCHEMA } from '../src/apply/journal-schema.ts';
import { OVERLAY_SCHEMA } from '../src/manifest/overlay-schema.ts';
import { MANIFEST_SCHEMA } from '../src/manifest/schema.ts';
import { PLAN_SCHEMA } from '../src/plan/plan-schema.ts';
import { PROJECT_SCHEMA } from '../src/project/project-schema.ts';

export const PUBLISHED_SCHEMAS: readonly { file: string; schema: object }[] = [
  { file: 'schema/manifest.schema.json', schema: MANIFEST_SCHEMA },
  { file: 'schema/overlay.schema.json', schema: OVERLAY_SCHEMA },
  { file: 'schema/project.schema.json', schema: PROJECT_SCHEMA },
  { file: 'schema/plan.schema.json', schema: PLAN_SCHEMA },
  { file: 'schema/journal-line.schema.json', schema: JOURNAL_LINE_SCHEMA },
];
