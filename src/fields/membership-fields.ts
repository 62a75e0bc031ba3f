// The fields of a manifest membership (`users[].memberships[]`), one row each.

import type { FieldRow } from './descriptor.ts';
import { ROLE_PATTERN } from './patterns.ts';

export const MEMBERSHIP_FIELDS = [
  {
    name: 'org',
    kind: 'key',
    ignore: false,
    exported: true,
    schema: {
      title: 'Organization',
      description: 'Slug of an organization declared under `organizations`.',
      type: 'string',
    },
  },
  {
    name: 'role',
    kind: 'role',
    wire: 'role',
    ignore: false,
    exported: true,
    schema: {
      title: 'Role',
      description: 'Role key: org:admin, org:member or a custom org:<name>.',
      type: 'string',
      pattern: ROLE_PATTERN,
    },
  },
] as const satisfies readonly FieldRow[];
