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
  {
    name: 'publicMetadata',
    kind: 'metadata',
    wire: 'public_metadata',
    ignore: false,
    exported: false,
    schema: {
      title: 'Public metadata',
      description:
        "The organization's public metadata, readable by the frontend. Absent: unmanaged. At most 8 KB of JSON (Clerk's limit). With settings.metadataMode replace the object is the whole value; with merge only the declared keys are enforced.",
      type: 'object',
    },
  },
  {
    name: 'privateMetadata',
    kind: 'metadata',
    wire: 'private_metadata',
    ignore: false,
    exported: false,
    schema: {
      title: 'Private metadata',
      description:
        "The organization's private metadata, backend only. The key `clerkSync` is reserved for clerk-sync's mark, which replace mode keeps. Absent: unmanaged. At most 8 KB of JSON (Clerk's limit).",
      type: 'object',
    },
  },
] as const satisfies readonly FieldRow[];

export type OrganizationFieldRow = (typeof ORGANIZATION_FIELDS)[number];
export type OrganizationMetadataField = Extract<OrganizationFieldRow, { kind: 'metadata' }>['name'];

/** The metadata objects of an organization, in manifest order. */
export const ORGANIZATION_METADATA_FIELDS: readonly Extract<OrganizationFieldRow, { kind: 'metadata' }>[] =
  ORGANIZATION_FIELDS.filter(
    (row): row is Extract<OrganizationFieldRow, { kind: 'metadata' }> => row.kind === 'metadata',
  );

/** Fields every declared organization must have. */
export const REQUIRED_ORGANIZATION_FIELDS: readonly string[] = ['slug', 'name'];

/** Row by manifest name. */
export const ORGANIZATION_FIELD: {
  readonly [N in OrganizationFieldRow['name']]: Extract<OrganizationFieldRow, { name: N }>;
} = Object.fromEntries(ORGANIZATION_FIELDS.map((row) => [row.name, row])) as never;
