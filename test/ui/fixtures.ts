// Hand-built inputs for the UI tests: a presentation with creates, changes, deletes and sensitive lines, apply
// outcomes, and helpers to read Ink frames as plain text.

import { stripVTControlCharacters } from 'node:util';
import type { ApplyResult, OperationOutcome } from '../../src/apply/types.ts';
import type { PlanPresentation } from '../../src/plan/index.ts';

/** A frame or rendered string without colour codes, and `''` for a missing frame. */
export function plain(text: string | undefined): string {
  return stripVTControlCharacters(text ?? '');
}

export function hasAnsi(text: string): boolean {
  return text !== stripVTControlCharacters(text);
}

export function samplePresentation(): PlanPresentation {
  return {
    groups: [
      {
        key: 'organization:acme',
        kind: 'organization',
        symbol: '+',
        title: 'organization acme (Acme Inc)',
        operations: [
          {
            id: 'create_organization:acme',
            type: 'create_organization',
            kind: 'create',
            symbol: '+',
            title: 'create organization',
            lines: [{ symbol: '+', label: 'name', after: '"Acme Inc"' }],
          },
        ],
      },
      {
        key: 'user:emp-002',
        kind: 'user',
        symbol: '+',
        title: 'user emp-002 (bob@acme.test)',
        operations: [
          {
            id: 'create_user:emp-002',
            type: 'create_user',
            kind: 'create',
            symbol: '+',
            title: 'create user',
            lines: [
              { symbol: '+', label: 'emailAddresses', after: '["bob@acme.test"]' },
              { symbol: '+', label: 'password', after: '(sensitive)', sensitive: true },
              { symbol: '+', label: 'privateMetadata.salary', after: '(sensitive)', sensitive: true },
            ],
          },
        ],
      },
      {
        key: 'user:emp-001',
        kind: 'user',
        symbol: '~',
        title: 'user emp-001 (alice@acme.test)',
        operations: [
          {
            id: 'update_user:emp-001',
            type: 'update_user',
            kind: 'change',
            symbol: '~',
            title: 'update profile',
            lines: [{ symbol: '~', label: 'firstName', before: '"Ada"', after: '"Adah"' }],
          },
          {
            id: 'update_metadata:emp-001',
            type: 'update_metadata',
            kind: 'change',
            symbol: '~',
            title: 'update metadata (replace)',
            lines: [
              { symbol: '+', label: 'publicMetadata.role', after: '"admin"' },
              { symbol: '-', label: 'publicMetadata.legacy', before: '1' },
              {
                symbol: '~',
                label: 'privateMetadata.salary',
                before: '(sensitive)',
                after: '(sensitive)',
                sensitive: true,
              },
            ],
          },
          {
            id: 'delete_membership:acme/emp-001',
            type: 'delete_membership',
            kind: 'delete',
            symbol: '-',
            title: 'remove from organization acme',
            lines: [{ symbol: '-', label: 'membership acme', before: 'org:member' }],
          },
        ],
      },
      {
        key: 'user:user_9',
        kind: 'user',
        symbol: '-',
        title: 'user user_9 (old@acme.test)',
        operations: [
          {
            id: 'delete_user:user_9',
            type: 'delete_user',
            kind: 'delete',
            symbol: '-',
            title: 'delete user (prune: managed by clerk-sync, not in the manifest)',
            lines: [{ symbol: '-', label: 'user', before: '"old@acme.test"' }],
          },
        ],
      },
    ],
    summary: {
      create: 2,
      change: 2,
      delete: 2,
      byType: {
        create_organization: 1,
        create_user: 1,
        update_user: 1,
        update_metadata: 1,
        delete_membership: 1,
        delete_user: 1,
      },
      usersTouched: 3,
    },
    summaryLine: 'Plan: 2 to create, 2 to change, 2 to delete.',
    noChanges: false,
    warnings: [],
  };
}

export function emptyPresentation(): PlanPresentation {
  return {
    groups: [],
    summary: { create: 0, change: 0, delete: 0, byType: {}, usersTouched: 0 },
    summaryLine: 'No changes.',
    noChanges: true,
    warnings: [],
  };
}

export function done(id: string): OperationOutcome {
  return { id, type: 'update_user', status: 'done' };
}

export function failed(
  id: string,
  code = 'form_identifier_exists',
  message = 'That email address is taken.',
): OperationOutcome {
  return { id, type: 'create_user', status: 'failed', error: { code, message, status: 422 } };
}

export function skipped(id: string, reason: string): OperationOutcome {
  return { id, type: 'create_membership', status: 'skipped', reason };
}

export function resultOf(outcomes: OperationOutcome[], extra: { requests: number; elapsedMs: number }): ApplyResult {
  const count = (status: OperationOutcome['status']) => outcomes.filter((o) => o.status === status).length;
  return {
    outcomes,
    done: count('done'),
    unchanged: count('unchanged'),
    failed: count('failed'),
    skipped: count('skipped'),
    ...extra,
  };
}
