// The JSON Schemas published in schema/, each with the object its validator compiles.

import { JOURNAL_LINE_SCHEMA } from '../src/apply/journal-schema.ts';
import { MANIFEST_SCHEMA } from '../src/manifest/schema.ts';
import { PLAN_SCHEMA } from '../src/plan/plan-schema.ts';

export const PUBLISHED_SCHEMAS: readonly { file: string; schema: object }[] = [
  { file: 'schema/manifest.schema.json', schema: MANIFEST_SCHEMA },
  { file: 'schema/plan.schema.json', schema: PLAN_SCHEMA },
  { file: 'schema/journal-line.schema.json', schema: JOURNAL_LINE_SCHEMA },
];
