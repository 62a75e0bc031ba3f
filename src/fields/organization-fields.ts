// The managed fields of an organization, one row each, in manifest order.

import type { FieldRow } from './descriptor.ts';
import { SLUG_PATTERN } from './patterns.ts';

export const ORGANIZATION_FIELDS = [
  {
    name: 'slug',
    kind: 'key',
    wire: 'slug',
    ignore: false,
    exported: true,
    schema: {
      title: 'Slug',
      description:
        "The organization's key: lower-case letters, digits and `-`, unique in the manifest. Also its slug where the instance has slugs enabled; clerk-sync records it in the organization's private metadata.",
      type: 'string',
      pattern: SLUG_PATTERN,
      maxLength: 256,
    },
  },
  {
    name: 'name',
    kind: 'name',
    wire: 'name',
    ignore: false,
    exported: true,
    schema: { title: 'Name', description: 'Display name, kept in sync.', type: 'string', minLength: 1, maxLength: 256 },
  },
] as const satisfies readonly FieldRow[];

/** Fields every declared organization must have. */
export const REQUIRED_ORGANIZATION_FIELDS: readonly string[] = ['slug', 'name'];
