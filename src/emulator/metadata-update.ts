// The metadata endpoints of users, organizations and memberships share one rule for applying a body.

import type { WireMetadata } from '../clerk/index.ts';
import { mergeMetadata } from './metadata.ts';
import { checkMetadataSize } from './validate.ts';

/**
 * PATCH …/metadata deep-merges; PUT replaces each provided field
 * (docs/clerk-api.md#metadata-patch-merges-put-replaces).
 */
export function applyMetadata<T extends string>(
  target: Record<T, WireMetadata>,
  body: Record<string, unknown>,
  fields: readonly T[],
  mode: 'merge' | 'replace',
): void {
  const next: Partial<Record<T, WireMetadata>> = {};
  for (const field of fields) {
    if (!(field in body)) continue;
    // null clears the whole object (a merge-patch null at the top level); {} does too.
    const value = (body[field] as WireMetadata | null) ?? null;
    const result = value === null ? {} : mode === 'merge' ? mergeMetadata(target[field], value) : value;
    checkMetadataSize(field, result);
    next[field] = result;
  }
  for (const field of fields) {
    const value = next[field];
    if (value !== undefined) target[field] = value;
  }
}
