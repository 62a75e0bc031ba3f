// The JSON Schema of one journal line (journal.ts): parseJournal checks with exactly this object compiled, and
// schema/journal-line.schema.json is this object as published (`npm run schema` writes it; a test fails when it is
// stale). An intent line carries a whole plan operation, checked by the plan file's own definitions.

import { OPERATION_DEFINITIONS, OPERATION_TYPES } from '../plan/index.ts';
import type { CreatedObjectKind } from './types.ts';

/** 2 added the `end` line a run writes once every operation has an outcome; a version 1 run has none. */
export const JOURNAL_VERSION = 2;
/** The header versions a journal may hold: runs of an older clerk-sync stay readable (and are resumed as before). */
export const JOURNAL_VERSIONS = [1, JOURNAL_VERSION] as const;
const CREATED_KINDS: readonly CreatedObjectKind[] = [
  'user',
  'organization',
  'membership',
  'email_address',
  'phone_number',
];

const str = { type: 'string' };
const count = { type: 'integer', minimum: 0 };
const operationType = { type: 'string', enum: OPERATION_TYPES };

/** A line of one kind: these keys (the optional ones may be missing), nothing else. */
function line(kind: string, required: Record<string, unknown>, optional: Record<string, unknown> = {}) {
  return {
    type: 'object',
    required: ['kind', 'plan', ...Object.keys(required)],
    properties: { kind: { type: 'string', const: kind }, plan: str, ...required, ...optional },
    additionalProperties: false,
  };
}

export const JOURNAL_LINE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://unpkg.com/clerk-sync/schema/journal-line.schema.json',
  title: 'clerk-sync journal line',
  description:
    'One line of the JSONL journal `clerk-sync apply` writes (.clerk-sync/journal-<plan>.jsonl): per run a header, then per operation an intent before its first mutating request and a done or failed line after, and an end line once every operation has an outcome (a run without one was killed). `plan` identifies the plan applied.',
  type: 'object',
  required: ['kind'],
  properties: { kind: { type: 'string' } },
  discriminator: { propertyName: 'kind' },
  oneOf: [
    line(
      'header',
      {
        version: { type: 'integer', enum: JOURNAL_VERSIONS },
        startedAt: str,
        userKey: { type: 'string', enum: ['externalId', 'emailAddress', 'username'] },
        operations: count,
      },
      { redacted: { type: 'boolean', const: true }, protectedUsers: { type: 'array', items: str } },
    ),
    line('intent', { at: str, op: { $ref: '#/definitions/operation' } }),
    line(
      'done',
      { at: str, op: str, type: operationType, status: { type: 'string', enum: ['done', 'unchanged'] } },
      {
        userId: str,
        organizationId: str,
        created: {
          type: 'object',
          required: ['kind', 'id'],
          properties: { kind: { type: 'string', enum: CREATED_KINDS }, id: str },
          additionalProperties: false,
        },
      },
    ),
    line('failed', {
      at: str,
      op: str,
      type: operationType,
      error: {
        type: 'object',
        required: ['code', 'message', 'status'],
        properties: { code: str, message: str, status: { type: 'number' } },
        additionalProperties: false,
      },
    }),
    line('end', {
      at: str,
      outcome: { type: 'string', enum: ['complete', 'incomplete'] },
      done: count,
      unchanged: count,
      failed: count,
      skipped: count,
    }),
  ],
  definitions: OPERATION_DEFINITIONS,
};
